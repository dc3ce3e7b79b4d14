"""The answer store under every widget: one JSON file that never loses an answer.

nbgrader grades what is in the notebook when it runs it again, and clicked
widget state is not in the notebook. So each widget saves its answer to a file
in the assignment folder (``answers.json`` by default), and a graded cell reads
it back. The file looks like::

    {"schema_version": 1, "answers": {"smart_aim": {...}, "force_field": {...}}}

The store promises three things:

- **Nothing half-written.** A save writes a temporary file in the same folder,
  flushes it to disk (``fsync``) and renames it over the old one
  (``os.replace``), so a crash leaves either the old file or the new one.
- **Two tabs, no lost keys.** Two kernels (two browser tabs on one notebook)
  may save at the same time; the read-modify-write of a save holds an
  exclusive ``fcntl`` lock on ``.<name>.lock``, so each keeps the other's keys.
  Reading needs no lock: a rename is atomic, so a reader sees a whole file.
- **Never silently overwritten.** A file that is not valid JSON, or an answer
  that no longer fits its form (say, edited by hand), is copied to
  ``answers.corrupt-<timestamp>.json`` before anything else happens, and an
  ``AnswerFileError`` says in plain English what was wrong and where the old
  text is. Only the broken part starts again: a bad answer for one form is
  dropped from the live file (the backup keeps it) and the other forms keep
  theirs; a file that cannot be read at all is moved aside whole.

Model answers are not kept in a file beside the source notebook: stock
``nbgrader generate_assignment`` copies every file of ``source/<a>/`` to the
trainees. A source notebook holds them in a cell tagged ``model-answers``
(removed when the assignment is generated) that calls ``model_answer_store``.

``run_first`` is for notebook cells that use what an earlier cell made: it
says which cell to run first instead of a bare ``NameError``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import inspect
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from changekit.errors import DataError

SCHEMA_VERSION = 1
"""Version of the file layout; a file from a newer version is not guessed at."""

DEFAULT_FILENAME = "answers.json"

M = TypeVar("M", bound=BaseModel)


class AnswerFileError(DataError):
    """The answers file (or one answer in it) could not be used; a backup was kept.

    Attributes say what happened, so a widget can show the message and carry on
    with a blank form: ``path`` (the answers file), ``key`` (the form's key, or
    ``None`` when the whole file was unreadable) and ``backup`` (the copy kept,
    or ``None`` if even that failed).
    """

    def __init__(self, message: str, *, path: Path, key: str | None, backup: Path | None):
        super().__init__(message)
        self.path = path
        self.key = key
        self.backup = backup


class _Unreadable(Exception):
    """Internal: the file exists but cannot be used as a whole; ``str()`` says why."""


def describe_validation_error(error: ValidationError) -> str:
    """Turn a pydantic error into one plain-English line per problem.

    Each line names where the problem is (``ratings / Leading with care /
    performance``), what was expected and what was found, e.g.
    ``ratings / Leading with care / performance: Input should be 'essential',
    'proficient', 'strong' or 'exemplary' (found 'brilliant')``.
    """
    lines = []
    for problem in error.errors():
        where = " / ".join(str(part) for part in problem["loc"]) or "the answer"
        found = problem.get("input")
        shown = repr(found) if len(repr(found)) <= 60 else repr(found)[:57] + "..."
        lines.append(f"{where}: {problem['msg']} (found {shown})")
    return "; ".join(lines)


class AnswerStore:
    """Widget answers kept in one JSON file, validated by pydantic models.

    ``AnswerStore("answers.json").load("smart_aim", SmartAim)`` gives the saved
    answer, or the model's defaults when nothing is saved yet;
    ``save("smart_aim", aim)`` validates it and writes it safely. A new store
    object on the same path (after a kernel restart, in another tab) reads the
    same answers.
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_FILENAME):
        self.path = Path(path).expanduser().absolute()
        self.lock_path = self.path.with_name(f".{self.path.name}.lock")

    def __repr__(self) -> str:
        return f"AnswerStore({str(self.path)!r})"

    # ----------------------------------------------------------------- public

    def load(self, key: str, model: type[M]) -> M:
        """The answer saved under ``key`` as a ``model``; the model's defaults if none.

        Raises ``AnswerFileError`` (after keeping a backup) when the file cannot be
        read or the saved answer does not fit ``model``. Loading again afterwards
        gives the defaults for that key, so a form can carry on.
        """
        answers = self._read_or_quarantine(key)
        raw = answers.get(key)
        if raw is None:
            return model()
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            self._quarantine_answer(key, model, error)
            return model()  # only reached if another process already fixed the file

    def save(self, key: str, answer: BaseModel) -> None:
        """Validate ``answer`` and write it under ``key``, keeping every other key.

        The answer is checked again against its own model (so a value changed
        after the model was built cannot slip through); a bad value raises
        ``DataError`` and nothing is written; so does free text holding a patient
        identifier (``IdentifiableDataError``, which names the field but never
        quotes the identifier). If the file on disk is unreadable,
        it is kept as a backup, the new file holds this answer, and
        ``AnswerFileError`` is raised afterwards so the trainee is told.
        """
        checked = self._checked(key, answer)
        unreadable: AnswerFileError | None = None
        with self._locked():
            try:
                answers = self._read()
            except _Unreadable as reason:
                backup, problem = self._backup(move=True)
                if backup is None:  # never overwrite a file we could not keep a copy of
                    raise AnswerFileError(
                        self._unreadable_message(str(reason), backup, problem)
                        + " Your latest change has NOT been saved.",
                        path=self.path,
                        key=None,
                        backup=None,
                    ) from None
                unreadable = AnswerFileError(
                    self._unreadable_message(str(reason), backup, problem)
                    + " Your latest change has been saved in a new file.",
                    path=self.path,
                    key=None,
                    backup=backup,
                )
                answers = {}
            answers[key] = checked
            self._write(answers)
        if unreadable is not None:
            raise unreadable

    def keys(self) -> list[str]:
        """The keys that have an answer saved (no validation, no backups)."""
        try:
            return sorted(self._read())
        except _Unreadable:
            return []

    # ------------------------------------------------------------- reading

    def _read(self) -> dict[str, Any]:
        """The ``answers`` mapping from disk; ``{}`` if there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except UnicodeDecodeError:
            raise _Unreadable("it is not UTF-8 text") from None
        try:
            content = json.loads(text)
        except json.JSONDecodeError as error:
            raise _Unreadable(
                f"it is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
            ) from None
        if not isinstance(content, dict) or not isinstance(content.get("answers"), dict):
            raise _Unreadable(
                'it does not have the expected {"schema_version": ..., "answers": {...}} layout'
            )
        version = content.get("schema_version")
        if version != SCHEMA_VERSION:
            raise _Unreadable(
                f"it is in format version {version!r}, and this version of changekit "
                f"reads version {SCHEMA_VERSION}"
            )
        return content["answers"]

    def _read_or_quarantine(self, key: str) -> dict[str, Any]:
        """Read the file; if it is unreadable, move it aside and raise ``AnswerFileError``."""
        try:
            return self._read()
        except _Unreadable:
            pass
        with self._locked():
            try:  # another kernel may have dealt with it while we waited for the lock
                return self._read()
            except _Unreadable as reason:
                why = str(reason)
                backup, problem = self._backup(move=True)
        raise AnswerFileError(
            self._unreadable_message(why, backup, problem)
            + f' The forms (including "{key}") start blank until you type again.',
            path=self.path,
            key=None,
            backup=backup,
        )

    def _quarantine_answer(self, key: str, model: type[BaseModel], error: ValidationError) -> None:
        """Back up the file, drop the one bad answer from it and raise ``AnswerFileError``.

        Returns (without raising) only if, once locked, the answer turns out to be
        valid or gone: another kernel got there first.
        """
        with self._locked():
            try:
                answers = self._read()
            except _Unreadable:
                answers = {}
            raw = answers.get(key)
            if raw is None:
                return
            try:
                model.model_validate(raw)
                return
            except ValidationError as current:
                error = current
            backup, problem = self._backup(move=False)
            if backup is not None:
                del answers[key]
                self._write(answers)
        kept = (
            f"A copy of the whole file, with your old text, is kept as {backup.name} in the same "
            "folder. This form starts blank; your answers to the other forms are untouched."
            if backup is not None
            else f"The file has been left exactly as it was, because a backup could not be made ({problem})."
        )
        raise AnswerFileError(
            f'Your saved answer "{key}" in {self.path} does not fit the form, so it cannot be '
            f"loaded: {describe_validation_error(error)}. This usually means the file was edited "
            f"by hand or by another program. {kept} To get your text back, open the backup in "
            "JupyterLab and copy it into the form, or ask your tutor for help.",
            path=self.path,
            key=key,
            backup=backup,
        )

    def _unreadable_message(self, reason: str, backup: Path | None, problem: str | None) -> str:
        """The plain-English message for a file that cannot be read at all."""
        if backup is None:
            kept = (
                "It has been left exactly as it was, because a backup could not be made "
                f"({problem}); ask your tutor for help before you type more answers."
            )
        else:
            kept = (
                f"Nothing is lost: the file has been kept, unchanged, as {backup.name} in the "
                "same folder. To get your earlier answers back, open that file in JupyterLab "
                "and copy your text into the forms, or ask your tutor for help."
            )
        return f"Your saved answers in {self.path} could not be read: {reason}. {kept}"

    # ------------------------------------------------------------- writing

    def _checked(self, key: str, answer: BaseModel) -> dict[str, Any]:
        """``answer`` as JSON-ready data, validated again by its own model."""
        if not isinstance(answer, BaseModel):
            raise DataError(
                f'The answer for "{key}" must be one of the forms in changekit.answer_models, '
                f"not {type(answer).__name__}."
            )
        data = answer.model_dump(mode="json")
        try:
            type(answer).model_validate(data)
        except ValidationError as error:
            raise DataError(
                f'The answer for "{key}" was not saved because it does not fit the form: '
                f"{describe_validation_error(error)}. Correct it and try again."
            ) from None
        # Free text is checked for patient identifiers before it reaches the disk
        # (imported here: loading an answer in a graded cell need not pay for pandas).
        from changekit.governance import check_free_text

        check_free_text(data, form=getattr(answer, "title", key))
        return data

    def _write(self, answers: dict[str, Any]) -> None:
        """Write all answers atomically: temp file in the same folder, fsync, rename.

        Call with the lock held. If anything fails, the old file is untouched and
        the temporary file is removed.
        """
        content = json.dumps(
            {"schema_version": SCHEMA_VERSION, "answers": answers},
            indent=2,
            ensure_ascii=False,
            sort_keys=True,
        )
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        try:
            # 0o666 less the umask, like any file the trainee creates (mkstemp would give 0o600).
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        self._sync_folder()

    def _sync_folder(self) -> None:
        """Flush the folder entry so the rename itself survives a power cut."""
        with contextlib.suppress(OSError):
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _backup(self, *, move: bool) -> tuple[Path | None, str | None]:
        """Copy the file to a new ``<stem>.corrupt-<timestamp><suffix>``; never overwrite.

        With ``move`` the original is removed once the copy is safely on disk.
        Returns ``(backup_path, None)``, or ``(None, reason)`` if no backup could be
        made, in which case the original is left alone. Call with the lock held.
        """
        try:
            content = self.path.read_bytes()
        except FileNotFoundError:
            return None, "the file had already gone"
        except OSError as error:
            return None, str(error)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for attempt in range(1, 1000):
            suffix = "" if attempt == 1 else f"-{attempt}"
            backup = self.path.with_name(
                f"{self.path.stem}.corrupt-{stamp}{suffix}{self.path.suffix}"
            )
            try:
                fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                continue
            except OSError as error:
                return None, str(error)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            if move:
                self.path.unlink()
            self._sync_folder()
            return backup, None
        return None, "too many backups were made in the same second"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the exclusive lock that serialises read-modify-write between kernels."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def model_answer_store(answers: Mapping[str, BaseModel]) -> AnswerStore:
    """A store holding the model ``answers``, in a private folder outside the assignment.

    Used only by a source notebook's ``model-answers`` cell, which nbgrader removes
    when it generates the trainees' version (``TagRemovePreprocessor`` in
    ``nbgrader_config.py``). The folder is a new temporary one, removed when the
    kernel exits, so running the source (with nbval, or as the model submission
    when grading) never writes an ``answers.json`` that a release could copy.
    Each answer is validated by its own model, as a widget's save would be.
    """
    folder = Path(tempfile.mkdtemp(prefix="changekit-model-answers-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    store = AnswerStore(folder / DEFAULT_FILENAME)
    for key, answer in answers.items():
        store.save(key, answer)
    return store


class RunFirst(AssertionError):
    """A cell needs a name that an earlier cell makes, and that cell has not run yet.

    An ``AssertionError``, so nbgrader counts it as a failed check; in a notebook
    it shows only its message, not a traceback (IPython calls
    ``_render_traceback_`` when an exception has one).
    """

    def _render_traceback_(self) -> list[str]:
        return [f"Not yet: {self}"]


def run_first(*names: str, cell: str, hint: str = "") -> None:
    """Stop with "run ``cell`` first" when the notebook has not made every one of ``names``.

    Called at the top of a cell that uses what an earlier cell made, e.g.
    ``run_first("TRIAGE_MINUTES", cell="the assumptions cell above")``; it looks
    the names up among the notebook's own (the calling cell's globals), so the
    cell itself needs no ``globals()``. ``hint`` is added to the message.
    """
    frame = inspect.currentframe()
    caller = frame.f_back if frame is not None else None
    known = caller.f_globals if caller is not None else {}
    missing = [name for name in names if name not in known]
    if missing:
        listed = ", ".join(f"`{name}`" for name in missing)
        verb = "is" if len(missing) == 1 else "are"
        raise RunFirst(
            f"{listed} {verb} not set yet: run {cell} first (click in it and press Shift+Enter), "
            f"then run this cell again.{' ' + hint if hint else ''}"
        )


def bring_forward(
    store: AnswerStore,
    key: str,
    model: type[BaseModel],
    earlier: str | os.PathLike[str],
    name: str,
    *,
    step: str = "step 5",
) -> str:
    """Copy the answer saved under ``key`` in an earlier assignment's answers file into ``store``, once.

    ``earlier`` is that file (e.g. ``../drivers_and_barriers/answers.json``);
    ``name`` says what the answer is, in words, and ``step`` where its form is
    in this notebook, for the message. Nothing is copied when ``store``
    already has an answer under ``key`` (so edits made here are never
    overwritten) or when the earlier answer is not there or cannot be read.
    Returns a sentence saying what happened.
    """
    earlier = Path(earlier)
    if key in store.keys():  # noqa: SIM118 (the store's keys, read from its file: not a dict)
        return f"Your {name} is already in this assignment: update it in {step} if you need to."
    if key not in AnswerStore(earlier).keys():  # noqa: SIM118
        return (
            f"No {name} to bring forward: {earlier} is not there or has none saved. "
            f"Fill in the {name} form in {step} from scratch."
        )
    try:
        answer = AnswerStore(earlier).load(key, model)
    except DataError as error:
        return f"Your earlier {name} could not be read, so fill in the form in {step}. {error}"
    store.save(key, answer)
    return f"Brought forward your {name} from {earlier}. Update it in {step} if it has changed."
