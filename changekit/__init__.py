"""changekit: the library behind the PICH leadership course pack.

Notebooks stay thin; the logic they call lives here, one module per job.

Reading data and keeping it safe:

- ``data``: ``read_table`` checks a CSV or Excel file (the course's or a
  trainee's own) against a ``Schema``, with plain-English errors;
- ``tables``: rows counted as a spreadsheet counts them, and ``require_unique``;
- ``governance``: refuses patient-identifiable data; suppresses small numbers;
- ``synthetic``: knowing when a table, chart or export comes from the made-up
  sample data, so that it says so;
- ``errors``: ``DataError``, the one error type for bad input;
- ``sample_data``: the seeded generator behind every file in ``data/``;
- ``paths`` and ``settings``: where the course and its state are on disk.

The assignments' topics:

- ``referrals`` (case study 1): referrals to community paediatrics, own
  extracts included, and the services directory; ``directory`` writes the
  referral directory web page;
- ``stats``: proportions and rates with confidence intervals, before/after
  comparisons, funnel plots; ``spc``: Making Data Count XmR and p-charts;
- ``population``: segments, rates per 1,000, cost concentration, gaps;
- ``experience`` (case study 2): A&E arrivals against GP opening hours, and the
  coding of parents' quotes;
- ``asthma``: a practice audit against NICE QS25; ``fingertips``: OHID
  Fingertips indicators for a trainee's own area;
- ``economics`` (case study 3): the baby clinic's economic outline.

Forms and what they make:

- ``answer_models``: every form as a pydantic model (``model_for(key)``);
  ``answers``: the answer store they save to, and ``bring_forward``;
- ``widgets``: the forms themselves (ipywidgets); ``charts``: the one figure
  helper every chart is drawn with (readable, accessible, with a text
  alternative) and the charts of saved answers; ``report``: DOCX and HTML exports; ``decisions``: the small
  decision variables trainees set.

Tutors and admins:

- ``cli`` (the ``changekit`` command), ``course`` (release and publish),
  ``grading`` (parallel, sandboxed autograding, feedback, exports, the
  dashboard), ``hub`` (the course's JupyterHub), ``admin`` (backup, restore,
  erasure of one trainee).
"""

__version__ = "0.1.0"
