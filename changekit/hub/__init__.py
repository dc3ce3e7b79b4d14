"""The course's JupyterHub: accounts, login, the grading service and the local hub.

- ``accounts``: the local hub's generated accounts, readable only by their owner;
- ``auth``: authenticators (the local accounts, and PAM with the course's groups);
- ``local``: prepares and runs the hub behind ``make start``;
- ``service`` and ``service_handlers``: the grading service (the formgrader's
  server), hardened against trainees' HTML.
"""
