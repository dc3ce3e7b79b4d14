"""Admin tooling for the data the course holds: backup, restore and erasure of one trainee.

- ``locations``: where each kind of data lives (course folder, state,
  gradebook, exchange, hub, homes), from the same settings the course uses;
- ``databases``: copies of the gradebook and hub databases that are
  consistent while they are in use;
- ``backup``: one archive of all of it, and its restore;
- ``forget``: erase one trainee everywhere;
- ``commands``: the ``backup``, ``restore`` and ``forget`` subcommands.
"""

from changekit.errors import ChangekitError


class AdminError(ChangekitError, RuntimeError):
    """Something the admin asked for cannot be done as given; the message says how to fix it."""
