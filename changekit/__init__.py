"""changekit: the library behind the PICH leadership course pack.

Notebooks stay thin; the logic they call lives here, one module per job:

- ``data``: schema-checked readers for the sample data and trainees' own extracts.
- ``governance``: refuses patient-identifiable data; suppresses small numbers.
- ``spc``: NHS "Making Data Count" XmR and p-charts (rules as in NHSRplotthedots).
- ``stats``: proportions with Wilson intervals, comparisons, funnel-plot limits.
- ``charts``: the one figure helper every chart is drawn with (readable, accessible, with a
  text alternative), and the charts of the forms' answers.
- ``synthetic``: knowing when a table, chart or export comes from the made-up sample data.
- ``sample_data``: the seeded generator behind every file in ``data/``.
- ``course``: tutor and admin tooling behind the ``changekit`` command line.
"""

__version__ = "0.1.0"
