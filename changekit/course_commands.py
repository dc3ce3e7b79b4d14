"""What ``changekit release``, ``publish`` and ``data`` do: the course tooling of ``changekit.course``, said aloud.

Each function is what one subcommand runs (``changekit.cli`` parses its
options into the keyword arguments); a request that cannot be done raises a
``ChangekitError`` (``CourseError`` here), shown as its message with exit code 1.
"""

from __future__ import annotations

from changekit import course
from changekit.settings import current


def release() -> int:
    """Regenerate ``release/`` from ``source/``."""
    for assignment in course.generate_release():
        print(f"release/{assignment} regenerated")
    return 0


def publish(assignments: list[str]) -> int:
    """Release to the exchange the ``assignments`` named, and every one whose source changed."""
    settings = current()
    known = course.assignments(settings.root)
    unknown = sorted(set(assignments) - set(known))
    if unknown:
        raise course.CourseError(
            f"No assignment called {', '.join(unknown)} in {settings.root / 'source'}; "
            f"the assignments are: {', '.join(known)}"
        )
    released, unchanged = course.publish(settings.root, state=settings.state, force=assignments)
    for assignment in released:
        print(f"released {assignment}")
    if unchanged:
        print(
            f"unchanged since last released (name one to release it again): {', '.join(unchanged)}"
        )
    return 0


def data() -> int:
    """Regenerate ``data/`` and refresh the copies in ``source/``."""
    root = current().root
    for path in course.refresh_data(root):
        print(f"wrote {path.relative_to(root)}")
    return 0
