"""Moved to ``changekit.charts`` (kept so that notebooks already released keep working)."""

from changekit.charts import (  # noqa: F401
    ChartFigure,
    driver_diagram_chart,
    figure_png,
    force_field_chart,
    radar_chart,
    stakeholder_grid,
)
