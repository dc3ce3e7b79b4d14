"""Form widgets for the course, all saving to one answer store (``answers.json``).

Each function returns a form that shows itself when it is the last thing in a
cell, and exposes ``.answer`` (the current pydantic model), ``.widget`` (the
ipywidgets container) and its controls by name. Answers are saved on every
change and loaded when the cell runs again::

    from changekit.widgets import smart_aim
    smart_aim()          # saves to answers.json in the notebook's folder

The forms, one module each: ``self_assessment``, ``stakeholders``,
``force_field``, ``smart_aim``, ``driver_diagram``, ``measures``, ``pdsa``
(``pdsa_cycles``), ``reflection``, ``quote_coding`` (the codebook of case study
2, ``codebook(quotes)``) and ``column_mapping`` (the ``read_referrals(...)``
line for a trainee's own extract); ``form`` is the base they share. Their
answers' models are in ``changekit.answer_models``; charts drawn from saved
answers alone are in ``changekit.charts``.
"""

from changekit.widgets.driver_diagram import driver_diagram
from changekit.widgets.force_field import force_field
from changekit.widgets.measures import measures
from changekit.widgets.pdsa import pdsa_cycles
from changekit.widgets.reflection import reflection
from changekit.widgets.self_assessment import self_assessment
from changekit.widgets.smart_aim import smart_aim
from changekit.widgets.stakeholders import stakeholders

__all__ = [
    "driver_diagram",
    "force_field",
    "measures",
    "pdsa_cycles",
    "reflection",
    "self_assessment",
    "smart_aim",
    "stakeholders",
]
