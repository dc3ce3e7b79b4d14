"""The course's JupyterHub: accounts (``accounts``), login (``auth``), the grading service
(``service``, ``service_handlers``), and the local hub that ``make start`` runs: prepared by
``local``, started and stopped by ``lifecycle``."""
