"""The course's JupyterHub: accounts, login and the local hub that ``make start`` runs."""
