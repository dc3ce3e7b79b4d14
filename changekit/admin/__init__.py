"""Admin tooling for the data the course holds: backup, restore and erasure of one trainee.

``locations`` works out where each kind of data lives (course folder, state,
gradebook, exchange, hub, homes) from the same settings the course uses;
``backup`` writes and restores a single archive of all of it; ``forget``
erases one trainee everywhere. The command-line front ends are in
``commands``.
"""

from changekit.errors import ChangekitError


class AdminError(ChangekitError, RuntimeError):
    """Something the admin asked for cannot be done as given; the message says how to fix it."""
