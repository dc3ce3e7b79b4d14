"""The course's JupyterHub: accounts, login, the grading service and the local hub.

- ``accounts``: the local hub's generated accounts, readable only by their owner;
- ``auth``: authenticators (the local accounts, and PAM with the course's groups);
- ``local``: prepares the hub behind ``make start`` (accounts, exchange, homes, user config);
- ``lifecycle``: ``changekit start`` and ``stop``, which run and stop that hub;
- ``service`` and ``service_handlers``: the grading service (the formgrader's
  server), hardened against trainees' HTML.
"""
