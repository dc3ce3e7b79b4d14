"""Where the course lives on disk, for this process (see ``changekit.settings``).

The course is the folder you stand in (the nearest one upwards holding
``nbgrader_config.py`` and ``source/``), or ``CHANGEKIT_COURSE_ROOT``.
"""

from __future__ import annotations

from pathlib import Path

from changekit.settings import current


def course_root() -> Path:
    """The course folder."""
    return current().root


def data_dir() -> Path:
    """The canonical sample data folder, ``data/`` in the course folder."""
    return current().data


def state_dir() -> Path:
    """The ignored folder for gradebook, exchange and local workspaces (``var/`` by default)."""
    return current().state
