"""Where the course lives on disk.

The course root is the folder holding ``nbgrader_config.py``; tools find it
from ``CHANGEKIT_COURSE_ROOT`` or, by default, next to this package (the
editable install that ``make`` sets up).
"""

from __future__ import annotations

import os
from pathlib import Path


def course_root() -> Path:
    """The course folder: ``$CHANGEKIT_COURSE_ROOT`` or the checkout this package sits in."""
    env = os.environ.get("CHANGEKIT_COURSE_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The canonical sample data folder, ``data/`` in the course root."""
    return course_root() / "data"


def state_dir() -> Path:
    """The ignored folder for gradebook, exchange and local workspaces (``var/``)."""
    env = os.environ.get("CHANGEKIT_STATE_DIR")
    return Path(env).resolve() if env else course_root() / "var"
