"""The course's grading service: the formgrader's Jupyter server, hardened against trainees' HTML.

The grading service runs as the grader, on the hub's own origin, so a page it
serves that runs a trainee's script could act as the tutor (open kernels, change
marks). Both hub configs (deploy/local, deploy/production) and the Kubernetes
formgrader (``python -m changekit.hub.service``) start it with
:func:`grading_service_command`, which is the one place its settings live:

- a strict Content-Security-Policy on every page: scripts, styles, images and
  connections from the service itself only; nothing framed from elsewhere, no
  plugins, no forms posting elsewhere;
- the formgrader's submission page (the one page that shows a trainee's work)
  with a stricter policy still: only the inline scripts of nbgrader's own page
  template run, matched by hash, so no inline script or event handler from a
  submission can (``StrictSubmissionHandler``);
- terminals, language servers and the HTML export route switched off;
- every file under ``/files/`` and ``/formgrader/submissions/<id>/`` sent as a
  download, never as a page or script on this origin (``DownloadOnly``);
- every mark saved in Manual Grading recorded with the tutor's login and the
  time, for moderation (``RecordedGradeHandler``).

**Cold start.** The first Autograde after the service starts used to take about
33 s, and the hub's proxy (the Python ``configurable-http-proxy``, which without
``--proxy-timeout`` gives up after tornado's default request timeout of 20 s)
reported it as "There was an error autograding" while grading went on. Both hub
configs now give the proxy ``--proxy-timeout`` of 10 minutes, and the service
warms up as it starts (:func:`warm_up`, in a background thread): it loads
nbgrader's grading code, checks the sandbox once (the answer is kept for the
life of the process) and builds the grader's matplotlib font list, which every
sandboxed kernel copies instead of rebuilding its own.

This module is also the Jupyter server extension that adds the strict and the
download routes (handlers in :mod:`changekit.hub.service_handlers`, imported
only by the service, not by the hub that reads its config). Markdown and
outputs are cleaned before they reach any page by the filters in
:mod:`changekit.grading.inert` (set in ``nbgrader_config.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jupyter_server.serverapp import ServerApp


def _policy(*directives: str) -> str:
    """A Content-Security-Policy header from its directives."""
    return "; ".join(directives)


#: Every page of the grading service. JupyterLab and nbgrader's management pages
#: carry inline scripts and styles of their own and show no trainee HTML;
#: JupyterLab compiles its settings schemas at run time (ajv), hence 'unsafe-eval'.
SERVICE_POLICY = _policy(
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self' blob:",
    "frame-ancestors 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
)
#: The submission page: as above, but inline script only by hash (filled in per page).
SUBMISSION_POLICY = _policy(
    "default-src 'self'",
    "script-src 'self'{hashes}",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'none'",
    "frame-ancestors 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
)
#: A file sent as a download: nothing in it may run or load, even if a browser shows it.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"
#: nbgrader's Prev/Next links under a submission, which are not files.
NAVIGATION = "(?:next_incorrect|prev_incorrect|next|prev)"
#: Server extensions a tutor does not need in the grading service.
SWITCHED_OFF_EXTENSIONS = ("jupyter_lsp", "jupyter_server_terminals")


#: What the first Autograde would otherwise load: nbgrader's grading code and the course's steps.
WARM_MODULES = (
    "nbgrader.apps.api",
    "nbgrader.converters.autograde",
    "nbclient",
    "changekit.grading.sandbox",
    "changekit.grading.preprocessors",
    "changekit.grading.feedback",
)
#: Run once in a plain Python: what a grading kernel imports, so that its files are in the page
#: cache and the grader's matplotlib font list exists for every sandboxed kernel to copy.
KERNEL_IMPORTS = (
    "import matplotlib; matplotlib.use('Agg'); "
    "import matplotlib.font_manager, pandas, changekit.charts, changekit.stats"
)
#: Seconds the kernel-imports warm-up may take before it is given up (it only saves time later).
WARM_KERNEL_SECONDS = 300


def warm_up() -> float:
    """Do now what the first Autograde would otherwise wait for; return the seconds it took.

    Nothing here grades anything or changes the course: a sandbox that cannot
    start is reported by the first Autograde, as before.
    """
    from changekit.grading.sandbox import SandboxUnavailable, require_sandbox

    started = time.perf_counter()
    for name in WARM_MODULES:
        importlib.import_module(name)
    with contextlib.suppress(SandboxUnavailable):
        require_sandbox()  # the probe's answer is cached for the life of the process
    with contextlib.suppress(subprocess.TimeoutExpired, OSError):
        subprocess.run(
            [sys.executable, "-c", KERNEL_IMPORTS],
            capture_output=True,
            check=False,
            timeout=WARM_KERNEL_SECONDS,
        )
    return time.perf_counter() - started


def _warm_up_in_background(log: logging.Logger) -> threading.Thread:
    """Start ``warm_up`` in a daemon thread that logs how long it took (or why it stopped)."""

    def run() -> None:
        try:
            log.info("Grading service: warmed up for the first Autograde in %.1f s", warm_up())
        except (
            Exception
        ):  # a failed warm-up costs only time; the first Autograde reports real problems
            log.exception("Grading service: warming up failed; the first Autograde will be slower")

    thread = threading.Thread(target=run, name="changekit-warm-up", daemon=True)
    thread.start()
    return thread


def grading_service_command(bin_dir: Path) -> list[str]:
    """The command a hub service runs for the course's grading server (formgrader).

    jupyterhub-singleuser with this module as a server extension, the policy
    above, terminals and language servers off, and files served as downloads.
    """
    extensions = {__name__: True, **{name: False for name in SWITCHED_OFF_EXTENSIONS}}
    return [
        str(bin_dir / "jupyterhub-singleuser"),
        "--LabApp.news_url=None",
        "--ServerApp.terminals_enabled=False",
        # Dict traits on the command line are Python literals (JSON's true/false would not parse).
        f"--ServerApp.jpserver_extensions={extensions!r}",
        f"--ServerApp.tornado_settings={ {'headers': {'Content-Security-Policy': SERVICE_POLICY}}!r}",
        "--ContentsManager.files_handler_class=changekit.hub.service_handlers.DownloadFileHandler",
    ]


def main() -> None:
    """``python -m changekit.hub.service [extra args]``: become the grading service (Kubernetes' container)."""
    command = grading_service_command(Path(sys.executable).parent) + sys.argv[1:]
    os.execv(command[0], command)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": __name__}]


def _load_jupyter_server_extension(serverapp: ServerApp) -> None:
    """Put the strict submission routes and the switched-off routes ahead of nbgrader's own.

    Extensions load in alphabetical order, so these handlers are registered
    before nbgrader's formgrader (``changekit`` < ``nbgrader``) and win.
    """
    from jupyter_server.base.handlers import Template404
    from jupyter_server.utils import url_path_join

    from changekit.hub.service_handlers import (
        DownloadSubmissionFilesHandler,
        RecordedGradeHandler,
        StrictSubmissionHandler,
    )

    web_app = serverapp.web_app
    base_url = web_app.settings["base_url"]
    handlers = [
        (r"/formgrader/submissions/([^/]+)/?", StrictSubmissionHandler),
        (
            rf"/formgrader/submissions/(?!components/)([^/]+/(?!{NAVIGATION}/?$).+)",
            DownloadSubmissionFilesHandler,
        ),
        (r"/nbconvert/.*", Template404),
        (r"/formgrader/api/grade/([^/]+)", RecordedGradeHandler),
    ]
    web_app.add_handlers(
        ".*$", [(url_path_join(base_url, pattern), *rest) for pattern, *rest in handlers]
    )
    serverapp.log.info(
        "Grading service: strict submission pages, downloads only, HTML export off, marks recorded"
    )
    _warm_up_in_background(serverapp.log)


if __name__ == "__main__":
    main()
