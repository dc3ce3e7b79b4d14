"""Handlers of the grading service (see :mod:`changekit.hub.service`): strict pages, downloads only,
and every manual mark recorded with its marker."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
from typing import Any

from jupyter_server.base.handlers import AuthenticatedFileHandler, JupyterHandler
from nbgrader.server_extensions.formgrader.apihandlers import GradeHandler
from nbgrader.server_extensions.formgrader.handlers import SubmissionFilesHandler, SubmissionHandler

from changekit.grading.moderation import record_formgrader_mark
from changekit.hub.service import DOWNLOAD_POLICY, SUBMISSION_POLICY

#: Where nbgrader's submission template starts the trainee's notebook: everything
#: before this is the template's own (head, navigation bar).
TRAINEE_CONTENT_STARTS = 'id="notebook-container"'
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
EVENT_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
#: Types a browser would run or render as a document; sent as plain text instead.
ACTIVE_TYPE = re.compile(
    r"(text/html|application/xhtml\+xml|image/svg\+xml|text/xml|application/xml"
    r"|text/javascript|application/javascript|application/pdf)\b",
    re.IGNORECASE,
)


def csp_hash(text: str) -> str:
    """A CSP source expression allowing exactly this inline script or handler."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def template_script_hashes(page: str) -> list[str]:
    """Hashes of the inline scripts and event handlers of the page's template part.

    Only what comes before the trainee's notebook is counted, so nothing a
    submission carries can be allowed, even if it got past the cleaning. A page
    without that marker (another template) gets no inline script at all.
    """
    template_part, marker, _ = page.partition(TRAINEE_CONTENT_STARTS)
    if not marker:
        return []
    scripts = INLINE_SCRIPT.findall(template_part)
    handlers = [html.unescape(a or b) for a, b in EVENT_HANDLER.findall(template_part)]
    return sorted({csp_hash(code) for code in scripts + handlers})


def submission_page_policy(page: str) -> str:
    """The Content-Security-Policy for one rendered submission page."""
    hashes = template_script_hashes(page)
    return SUBMISSION_POLICY.format(hashes=" 'unsafe-hashes' " + " ".join(hashes) if hashes else "")


class StrictSubmissionHandler(SubmissionHandler):
    """nbgrader's submission page, sent with :func:`submission_page_policy` for what it renders."""

    def write(self, chunk: str | bytes | dict[str, Any]) -> None:
        if isinstance(chunk, str):
            self.set_header("Content-Security-Policy", submission_page_policy(chunk))
        super().write(chunk)


class DownloadOnly(JupyterHandler):
    """Mixin for static file handlers: every file a download, nothing active, nothing run."""

    @property
    def content_security_policy(self) -> str:
        return DOWNLOAD_POLICY

    def set_extra_headers(self, path: str) -> None:
        super().set_extra_headers(path)
        self.set_attachment_header(os.path.basename(path))

    def get_content_type(self) -> str:
        kind = super().get_content_type()
        return "text/plain; charset=UTF-8" if ACTIVE_TYPE.match(kind) else kind


class DownloadFileHandler(DownloadOnly, AuthenticatedFileHandler):
    """``/files/...`` of the grading service (``ContentsManager.files_handler_class``)."""


class DownloadSubmissionFilesHandler(DownloadOnly, SubmissionFilesHandler):
    """``/formgrader/submissions/<id>/<file>``: a submission's own files, as downloads."""


def marker_name(user: object) -> str:
    """The hub login of the person a request came from (jupyter_server's ``User``, or a hub user dict)."""
    if isinstance(user, dict):
        return str(user.get("name") or "")
    return str(getattr(user, "username", "") or getattr(user, "name", "") or "")


class RecordedGradeHandler(GradeHandler):
    """The formgrader's "save a mark" API (``PUT /formgrader/api/grade/<id>``), recording who marked and when.

    nbgrader saves the score as always; then the mark, the tutor's hub login
    and the time go to the course's moderation log
    (:func:`changekit.grading.moderation.record_formgrader_mark`).
    """

    def put(self, grade_id: str) -> None:
        super().put(grade_id)
        if self.get_status() < 400:
            record_formgrader_mark(self.gradebook, grade_id, marker_name(self.current_user))
