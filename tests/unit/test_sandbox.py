"""The grading sandbox's parts: refusing plainly, the environment allow-list, the kernel's files, limits.

The attacks themselves are in tests/grading/test_hostile_submissions.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from changekit.grading import sandbox
from changekit.grading.parallel import GradingError, _sandbox_warning
from changekit.grading.sandbox import (
    UNSANDBOXED_SETTING,
    UNSANDBOXED_WARNING,
    AllowListedKernelManager,
    KernelFolders,
    SandboxedKernelManager,
    SandboxUnavailable,
    kernel_environment,
    require_sandbox,
)


@pytest.fixture
def fresh_probe() -> Iterator[None]:
    """Forget whether bubblewrap started before, and again afterwards."""
    sandbox._why_not.cache_clear()
    yield
    sandbox._why_not.cache_clear()


def test_missing_bubblewrap_is_refused_with_the_fix_and_the_flag(
    fresh_probe: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(UNSANDBOXED_SETTING, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap here
    with pytest.raises(SandboxUnavailable) as refused:
        require_sandbox()
    message = str(refused.value)
    assert "`bwrap` command was not found" in message
    assert "apt-get install bubblewrap" in message and f"{UNSANDBOXED_SETTING}=1" in message
    with pytest.raises(GradingError, match="apt-get install bubblewrap"):
        _sandbox_warning(None)


def test_bubblewrap_starts_here(fresh_probe: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNSANDBOXED_SETTING, raising=False)
    assert require_sandbox() is True
    assert _sandbox_warning(None) == ""


def test_the_unsandboxed_setting_is_the_only_way_round_and_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert _sandbox_warning({UNSANDBOXED_SETTING: "1"}) == UNSANDBOXED_WARNING
    assert "WITHOUT the sandbox" in UNSANDBOXED_WARNING
    for off in ("", "0", "no"):
        monkeypatch.setenv(UNSANDBOXED_SETTING, off)
        assert not sandbox.unsandboxed()


def test_the_kernel_environment_keeps_nothing_secret() -> None:
    grader = {
        "JUPYTERHUB_API_TOKEN": "secret",
        "CHANGEKIT_DB_URL": "postgresql://u:p@db/x",
        "AWS_SECRET_ACCESS_KEY": "k",
        "HOME": "/root",
        "PATH": "/root/bin:/usr/bin",
        "LANG": "en_GB.UTF-8",
        "LC_TIME": "en_GB.UTF-8",
        "NBGRADER_EXECUTION": "autograde",
    }
    env = kernel_environment(grader)
    assert not {"JUPYTERHUB_API_TOKEN", "CHANGEKIT_DB_URL", "AWS_SECRET_ACCESS_KEY"} & set(env)
    assert "secret" not in str(env) and "/root" not in str(env)
    assert (
        env["LANG"] == env["LC_TIME"] == "en_GB.UTF-8" and env["NBGRADER_EXECUTION"] == "autograde"
    )
    assert env["HOME"] == sandbox.HOME
    outside = kernel_environment(grader, sandboxed=False)
    assert outside == {
        "LANG": "en_GB.UTF-8",
        "LC_TIME": "en_GB.UTF-8",
        "NBGRADER_EXECUTION": "autograde",
        "HOME": "/root",
        "PATH": "/root/bin:/usr/bin",
    }


SHOW_TOKEN = "import os\nprint(os.environ.get('JUPYTERHUB_API_TOKEN', 'no token'))"


def test_no_kernel_inherits_the_hub_token_even_unsandboxed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "fake-token-for-this-test")
    assert (
        run_in_kernel(SHOW_TOKEN, AsyncKernelManager, tmp_path).strip()
        == "fake-token-for-this-test"
    )
    assert run_in_kernel(SHOW_TOKEN, AllowListedKernelManager, tmp_path).strip() == "no token"
    assert run_in_kernel(SHOW_TOKEN, SandboxedKernelManager, tmp_path).strip() == "no token"


def test_the_kernel_gets_the_submissions_files_but_no_notebook(tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    (submission / "data").mkdir(parents=True)
    (submission / "task.ipynb").write_text("{}")
    (submission / "referrals.csv").write_text("a,b\n")
    (submission / "data" / "more.csv").write_text("c\n")
    (submission / "escape").symlink_to("/etc/hostname")
    os.mkfifo(submission / "pipe")
    folders = KernelFolders.create(submission, os.getuid())
    try:
        copied = {p.relative_to(folders.input).as_posix() for p in folders.input.rglob("*")}
        assert copied == {"data", "data/more.csv", "referrals.csv", "escape"}
        assert (folders.input / "escape").is_symlink(), (
            "a link is copied as a link, never followed by the grader"
        )
        assert (folders.etc / "passwd").read_text().startswith(f"trainee:x:{os.getuid()}:")
        assert oct(folders.base.stat().st_mode & 0o777) == "0o700"
    finally:
        sandbox.shutil.rmtree(folders.base)
    assert not folders.base.exists()


def run_in_kernel(code: str, manager: type, folder: Path, **settings: int) -> str:
    """Run one cell in a kernel started by ``manager`` in ``folder``; return what it printed or raised."""
    notebook = new_notebook(cells=[new_code_cell(code)])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    client = NotebookClient(
        notebook,
        timeout=120,
        allow_errors=True,
        kernel_manager_class=manager,
        resources={"metadata": {"path": str(folder)}},
    )
    for name, value in settings.items():
        client.config[manager.__name__][name] = value
    client.execute()
    outputs = notebook.cells[0].outputs
    return "".join(o.get("text", "") or f"{o.get('ename')}: {o.get('evalue')}" for o in outputs)


ALLOCATE = "block = bytearray(700 * 2**20)\nprint('allocated', len(block) // 2**20, 'MB')"


def test_memory_is_limited_in_the_sandbox_and_not_without(tmp_path: Path) -> None:
    limited = run_in_kernel(ALLOCATE, SandboxedKernelManager, tmp_path, memory_mb=600)
    assert "MemoryError" in limited, limited
    assert "allocated 700 MB" in run_in_kernel(ALLOCATE, AsyncKernelManager, tmp_path)


def test_a_dead_kernels_folders_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = Path(
        sandbox.tempfile.mkdtemp(prefix="ck-test-", dir="/tmp")
    )  # short: it holds sockets
    monkeypatch.setattr(sandbox.tempfile, "tempdir", str(private))
    try:
        assert "DeadKernelError" in run_in_kernel_or_error("import os\nos._exit(1)", tmp_path)
        assert list(private.iterdir()) == [], "the kernel's private folders were left behind"
    finally:
        sandbox.shutil.rmtree(private)


def run_in_kernel_or_error(code: str, folder: Path) -> str:
    """Like ``run_in_kernel`` in the sandbox, but the name of what nbclient raised if it did."""
    try:
        return run_in_kernel(code, SandboxedKernelManager, folder)
    except Exception as error:  # noqa: BLE001 - the test looks at which error
        return type(error).__name__


def test_the_kernel_sees_only_its_own_files_and_writes_nothing_back(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text("x\n")
    (tmp_path / "answers.ipynb").write_text("{}")
    (tmp_path.parent / "neighbour.txt").write_text("secret\n")
    code = (
        "import os\nprint(sorted(os.listdir('.')))\n"
        f"print(os.path.exists({str(tmp_path.parent / 'neighbour.txt')!r}))\nprint(os.getcwd())\n"
        "open('written.txt', 'w').write('x')\nprint(sorted(os.listdir('.')))"
    )
    seen = run_in_kernel(code, SandboxedKernelManager, tmp_path)
    assert seen.split("\n")[:4] == [
        "['mine.csv']",
        "False",
        str(tmp_path.resolve()),
        "['mine.csv', 'written.txt']",
    ]
    assert not (tmp_path / "written.txt").exists(), "the working folder is the sandbox's own"
    run_in_kernel("open('written.txt', 'w').write('x')", AsyncKernelManager, tmp_path)
    assert (tmp_path / "written.txt").exists(), (
        "without the sandbox the write lands in the grader's folder"
    )
