"""The answer store never loses an answer: atomic writes, restarts, corrupt files, two writers."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from changekit import answers as answers_module
from changekit.answer_models import Force, ForceField, SelfAssessment, SmartAim
from changekit.answers import (
    SCHEMA_VERSION,
    AnswerFileError,
    AnswerStore,
    bring_forward,
    model_answer_store,
)
from changekit.errors import DataError

AIM = SmartAim(statement="Reduce redirected referrals from 35% to 15% by 31 March 2027 in Brent.")


@pytest.fixture
def store(tmp_path: Path) -> AnswerStore:
    return AnswerStore(tmp_path / "answers.json")


def leftovers(folder: Path) -> list[str]:
    """Temporary files a save left behind (there should be none)."""
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_nothing_saved_gives_the_model_defaults(store: AnswerStore) -> None:
    assert store.load("smart_aim", SmartAim) == SmartAim()
    assert not store.path.exists(), "loading must not create the file"


def test_a_new_store_after_a_restart_reads_the_same_answers(store: AnswerStore) -> None:
    store.save("smart_aim", AIM)
    force_field = ForceField(
        change="A directory", restraining=[Force(description="No time", score=5)]
    )
    store.save("force_field", force_field)

    restarted = AnswerStore(store.path)
    assert restarted.load("smart_aim", SmartAim) == AIM
    assert restarted.load("force_field", ForceField) == force_field
    assert restarted.load("self_assessment", SelfAssessment) == SelfAssessment()
    assert restarted.keys() == ["force_field", "smart_aim"]


def test_the_file_is_versioned_json_holding_every_key(store: AnswerStore) -> None:
    store.save("smart_aim", AIM)
    content = json.loads(store.path.read_text(encoding="utf-8"))
    assert content["schema_version"] == SCHEMA_VERSION
    assert content["answers"]["smart_aim"]["statement"] == AIM.statement


def test_saving_again_replaces_only_that_key(store: AnswerStore) -> None:
    store.save("smart_aim", AIM)
    store.save("force_field", ForceField(change="first"))
    store.save("force_field", ForceField(change="second"))
    assert store.load("force_field", ForceField).change == "second"
    assert store.load("smart_aim", SmartAim) == AIM


def test_a_crash_during_the_rename_leaves_the_old_file_intact(
    store: AnswerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save("smart_aim", AIM)
    before = store.path.read_bytes()

    def crash(*_args: object) -> None:
        raise OSError("simulated crash during os.replace")

    monkeypatch.setattr(answers_module.os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        store.save("smart_aim", SmartAim(statement="half-written"))

    assert store.path.read_bytes() == before
    assert leftovers(store.path.parent) == []
    assert AnswerStore(store.path).load("smart_aim", SmartAim) == AIM


def test_the_new_file_is_on_disk_before_it_replaces_the_old(
    store: AnswerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An fsync spy: the temporary file is flushed, whole, before the rename, and the folder after."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        target = os.readlink(f"/proc/self/fd/{fd}")
        content = Path(target).read_text(encoding="utf-8") if Path(target).is_file() else ""
        events.append(("fsync", target if not content else f"{target} ({len(content)} chars)"))
        real_fsync(fd)

    def replace(source: str | os.PathLike[str], destination: str | os.PathLike[str]) -> None:
        events.append(("replace", str(source)))
        real_replace(source, destination)

    monkeypatch.setattr(answers_module.os, "fsync", fsync)
    monkeypatch.setattr(answers_module.os, "replace", replace)
    store.save("smart_aim", AIM)

    written = store.path.read_text(encoding="utf-8")
    assert [kind for kind, _ in events] == ["fsync", "replace", "fsync"]
    (_, synced), (_, renamed), (_, folder) = events
    assert synced == f"{renamed} ({len(written)} chars)", (
        "the whole temporary file is synced, then renamed"
    )
    assert folder == str(store.path.parent), "the folder is synced after the rename"


def test_a_corrupt_file_is_kept_as_a_backup_and_explained(store: AnswerStore) -> None:
    store.save("smart_aim", AIM)
    broken = store.path.read_text(encoding="utf-8")[:-20]  # cut off mid-way
    store.path.write_text(broken, encoding="utf-8")

    with pytest.raises(AnswerFileError) as caught:
        store.load("smart_aim", SmartAim)

    error = caught.value
    assert isinstance(error, DataError)
    assert error.backup is not None and error.backup.name.startswith("answers.corrupt-")
    assert error.backup.read_text(encoding="utf-8") == broken, (
        "the backup must hold the old text unchanged"
    )
    message = str(error)
    assert str(store.path) in message and "not valid JSON" in message
    assert error.backup.name in message and "copy your text" in message
    # The broken file is out of the way, so the form carries on blank and can save again.
    assert store.load("smart_aim", SmartAim) == SmartAim()
    store.save("smart_aim", AIM)
    assert store.load("smart_aim", SmartAim) == AIM


def test_backups_never_overwrite_each_other(
    store: AnswerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers_module.time, "strftime", lambda _fmt: "20270331-120000")
    backups = []
    for text in ("{first", "{second"):
        store.path.write_text(text, encoding="utf-8")
        with pytest.raises(AnswerFileError) as caught:
            store.load("smart_aim", SmartAim)
        backups.append(caught.value.backup)
    assert [b.name for b in backups] == [
        "answers.corrupt-20270331-120000.json",
        "answers.corrupt-20270331-120000-2.json",
    ]
    assert [b.read_text(encoding="utf-8") for b in backups] == ["{first", "{second"]


def test_a_hand_edited_answer_loses_only_that_key(store: AnswerStore) -> None:
    store.save("smart_aim", AIM)
    store.save("self_assessment", SelfAssessment())
    content = json.loads(store.path.read_text(encoding="utf-8"))
    content["answers"]["self_assessment"]["ratings"]["Leading with care"]["performance"] = (
        "brilliant"
    )
    edited = json.dumps(content)
    store.path.write_text(edited, encoding="utf-8")

    with pytest.raises(AnswerFileError) as caught:
        store.load("self_assessment", SelfAssessment)

    message = str(caught.value)
    assert caught.value.key == "self_assessment"
    assert '"self_assessment"' in message and "Leading with care / performance" in message
    assert "'brilliant'" in message and "edited by hand" in message
    assert caught.value.backup.read_text(encoding="utf-8") == edited
    assert store.load("self_assessment", SelfAssessment) == SelfAssessment()
    assert store.load("smart_aim", SmartAim) == AIM, "the other answers must be untouched"


def test_saving_over_a_corrupt_file_keeps_a_backup_and_the_new_answer(store: AnswerStore) -> None:
    store.path.write_text("not json at all", encoding="utf-8")
    with pytest.raises(AnswerFileError, match="latest change has been saved") as caught:
        store.save("smart_aim", AIM)
    assert caught.value.backup.read_text(encoding="utf-8") == "not json at all"
    assert store.load("smart_aim", SmartAim) == AIM


def test_a_file_from_a_newer_version_is_not_guessed_at(store: AnswerStore) -> None:
    store.path.write_text(json.dumps({"schema_version": 99, "answers": {}}), encoding="utf-8")
    with pytest.raises(AnswerFileError, match="format version 99"):
        store.load("smart_aim", SmartAim)


def test_a_file_that_cannot_be_backed_up_is_left_alone(
    store: AnswerStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.path.write_text("{broken", encoding="utf-8")
    real_open = os.open

    def refuse_backups(path: os.PathLike[str] | str, *args: object) -> int:
        if ".corrupt-" in str(path):
            raise PermissionError("read-only folder")
        return real_open(path, *args)

    monkeypatch.setattr(answers_module.os, "open", refuse_backups)
    with pytest.raises(AnswerFileError, match="left exactly as it was") as caught:
        store.save("smart_aim", AIM)
    assert "NOT been saved" in str(caught.value)
    assert store.path.read_text(encoding="utf-8") == "{broken"


def test_an_invalid_answer_is_refused_and_nothing_is_written(store: AnswerStore) -> None:
    store.save("smart_aim", AIM)
    before = store.path.read_bytes()
    bad = ForceField.model_construct(
        change="x",
        driving=[Force.model_construct(description="y", score=9)],
        restraining=[],
        plan="",
    )
    with pytest.raises(DataError, match="driving / 0 / score"):
        store.save("force_field", bad)
    assert store.path.read_bytes() == before


@settings(max_examples=40, deadline=None)
@given(statement=st.text(max_size=200))
def test_any_text_survives_a_round_trip(
    tmp_path_factory: pytest.TempPathFactory, statement: str
) -> None:
    store = AnswerStore(tmp_path_factory.mktemp("roundtrip") / "answers.json")
    store.save("smart_aim", SmartAim(statement=statement))
    assert AnswerStore(store.path).load("smart_aim", SmartAim).statement == statement


def test_a_save_waits_while_another_tab_is_saving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lost update, forced: tab one has read the file and not yet written it when tab two saves.

    With the lock, tab two waits at it (the spy on ``flock`` sees it arrive) and
    then reads tab one's key; without it, tab two's save completes in the gap
    and tab one's write loses tab two's key. No timing is involved, so this
    fails every time the lock is missing.
    """
    path = tmp_path / "answers.json"
    tab_one, tab_two = AnswerStore(path), AnswerStore(path)
    tab_two_moved = threading.Event()  # tab two is waiting at the lock, or has finished saving
    saved: list[str] = []  # filled when tab two's save returns
    real_flock, real_read = fcntl.flock, tab_one._read

    def flock(fd: int, operation: int) -> None:
        if threading.current_thread().name == "tab two" and operation & fcntl.LOCK_EX:
            tab_two_moved.set()
        real_flock(fd, operation)

    def save_in_tab_two() -> None:
        try:
            tab_two.save("tab_two", SmartAim(statement="two"))
            saved.append("tab_two")
        finally:
            tab_two_moved.set()

    tab = threading.Thread(target=save_in_tab_two, name="tab two")

    def read_then_let_tab_two_in() -> dict[str, object]:
        answers = real_read()
        tab.start()
        assert tab_two_moved.wait(timeout=60), "tab two neither reached the lock nor saved"
        return answers

    monkeypatch.setattr(answers_module.fcntl, "flock", flock)
    monkeypatch.setattr(tab_one, "_read", read_then_let_tab_two_in)
    tab_one.save("tab_one", SmartAim(statement="one"))
    tab.join(timeout=60)

    assert not tab.is_alive() and saved == ["tab_two"]
    assert AnswerStore(path).keys() == ["tab_one", "tab_two"], (
        "a save must not lose another tab's answer"
    )


def _save_many(path: str, key: str, rounds: int) -> None:
    """One 'browser tab': save its own key ``rounds`` times."""
    store = AnswerStore(path)
    for n in range(rounds):
        store.save(key, SmartAim(statement=f"{key} {n}"))


def test_two_writers_never_lose_each_others_keys(tmp_path: Path) -> None:
    path = str(tmp_path / "answers.json")
    context = multiprocessing.get_context("fork")
    tabs = [
        context.Process(target=_save_many, args=(path, key, 50)) for key in ("tab_one", "tab_two")
    ]
    try:
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join(timeout=120)
        assert [tab.exitcode for tab in tabs] == [0, 0]
    finally:
        for tab in tabs:
            if tab.is_alive():
                tab.kill()
                tab.join()

    content = json.loads(Path(path).read_text(encoding="utf-8"))  # valid JSON
    assert content["answers"]["tab_one"]["statement"] == "tab_one 49"
    assert content["answers"]["tab_two"]["statement"] == "tab_two 49"
    assert leftovers(tmp_path) == []


def test_model_answer_store_keeps_model_answers_outside_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source notebook's model answers load like saved ones, and nothing is written where it runs."""
    monkeypatch.chdir(tmp_path)
    aim = SmartAim(statement="Reduce redirected referrals from 35% to 15% by 31 March 2027.")
    store = model_answer_store({"smart_aim": aim})
    assert store.load("smart_aim", SmartAim) == aim
    assert tmp_path not in store.path.parents and not list(tmp_path.iterdir())
    assert model_answer_store({}).path.parent != store.path.parent, (
        "each run gets its own private folder"
    )


def test_model_answer_store_refuses_an_answer_that_does_not_fit_its_form() -> None:
    aim = SmartAim.model_construct(
        statement=42
    )  # built without validation, as a careless edit could
    with pytest.raises(DataError, match="smart_aim"):
        model_answer_store({"smart_aim": aim})


# ----------------------------------------------------------- bringing an earlier answer forward


def _earlier(tmp_path: Path, key: str, answer: ForceField) -> Path:
    """An earlier assignment's answers file, beside this one as nbgrader lays them out."""
    path = tmp_path / "drivers_and_barriers" / "answers.json"
    AnswerStore(path).save(key, answer)
    return path


FIELD = ForceField(
    change="Use the referral directory", driving=[Force(description="GPs want it", score=4)]
)


def test_bring_forward_copies_an_earlier_answer_once_and_never_overwrites(tmp_path: Path) -> None:
    here = AnswerStore(tmp_path / "change_plan" / "answers.json")
    earlier = _earlier(tmp_path, "force_field", FIELD)
    assert bring_forward(here, "force_field", ForceField, earlier, "force-field analysis") == (
        f"Brought forward your force-field analysis from {earlier}. Update it in step 5 if it has changed."
    )
    assert here.load("force_field", ForceField) == FIELD
    edited = FIELD.model_copy(update={"change": "My own wording"})
    here.save("force_field", edited)
    message = bring_forward(here, "force_field", ForceField, earlier, "force-field analysis")
    assert message.startswith("Your force-field analysis is already in this assignment")
    assert here.load("force_field", ForceField) == edited, (
        "an answer made here is never overwritten"
    )
    assert AnswerStore(earlier).load("force_field", ForceField) == FIELD, (
        "the earlier assignment is unchanged"
    )


def test_bring_forward_says_when_there_is_nothing_to_bring(tmp_path: Path) -> None:
    here = AnswerStore(tmp_path / "change_plan" / "answers.json")
    missing = tmp_path / "leadership_self_and_stakeholders" / "answers.json"
    message = bring_forward(
        here, "stakeholders", ForceField, missing, "stakeholder analysis", step="step 6"
    )
    assert message == (
        f"No stakeholder analysis to bring forward: {missing} is not there or has none saved. "
        "Fill in the stakeholder analysis form in step 6 from scratch."
    )
    assert here.keys() == []


def test_bring_forward_explains_an_earlier_answer_that_no_longer_fits(tmp_path: Path) -> None:
    here = AnswerStore(tmp_path / "change_plan" / "answers.json")
    earlier = tmp_path / "drivers_and_barriers" / "answers.json"
    earlier.parent.mkdir()
    earlier.write_text(
        json.dumps({"schema_version": SCHEMA_VERSION, "answers": {"force_field": {"chnage": "x"}}})
    )
    message = bring_forward(here, "force_field", ForceField, earlier, "force-field analysis")
    assert message.startswith(
        "Your earlier force-field analysis could not be read, so fill in the form in step 5."
    )
    assert here.keys() == []
