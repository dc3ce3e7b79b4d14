"""Every kernel that runs a trainee's submission runs in a bubblewrap sandbox.

nbgrader runs whatever a trainee wrote with the grader's rights: it could read
``source/`` (the hidden tests), other submissions and the gradebook, change
grades, read the grader's tokens, reach services on the machine and leave
processes behind. The course's ``nbgrader_config.py`` replaces nbgrader's
``Execute`` step of autograding (and only of autograding: validating and
generating are untouched) with ``SandboxedExecute``, whose kernel is started by
``SandboxedKernelManager`` inside ``bwrap``. ``changekit grade`` uses the same
class, so both routes grade alike. Inside the sandbox:

- the system (``/usr``), the Python environment and the ``changekit`` package
  are read-only, and nothing else of the machine is there: no homes, no course
  folder, no exchange, no ``var/``, only a few harmless ``/etc`` files;
- the working folder is an empty, size-limited tmpfs at the path nbgrader
  would have used, into which the submission's files are copied, all but the
  notebooks (the notebook runs from outside; its copy with the hidden tests
  restored is not visible), so nothing the code writes reaches the grader's disk;
- no network (its own network namespace; the kernel talks to the grader over
  IPC sockets in a folder bound in for that purpose);
- an environment built from an allow-list: nothing of the grader's tokens or
  settings;
- its own PID namespace, ended with the kernel, so every process it started
  goes too, and limits on memory, processes, file size, open files and CPU time
  (``changekit.grading.sandbox_entry`` sets them before the kernel starts);
- trainee code never runs as root: a grader running as root hands the kernel a
  user id of its own.

Where bubblewrap cannot start, grading refuses with a message saying how to
install it; ``CHANGEKIT_UNSANDBOXED_GRADING=1`` grades without it, loudly.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Integer

import changekit

#: The one setting that grades without the sandbox.
UNSANDBOXED_SETTING = "CHANGEKIT_UNSANDBOXED_GRADING"

UNSANDBOXED_WARNING = (
    f"WARNING: {UNSANDBOXED_SETTING} is set, so trainees' code is being graded WITHOUT the sandbox: "
    "it can read the hidden tests and other submissions, change the gradebook and read this "
    f"account's secrets. Unset {UNSANDBOXED_SETTING} unless you trust every submission."
)

INSTALL_HELP = (
    "Grading runs every trainee's code in a sandbox (bubblewrap), and the sandbox could not start "
    "here: {why}. Install bubblewrap (Debian or Ubuntu: `sudo apt-get install bubblewrap`) and make "
    "sure this machine allows unprivileged user namespaces (`sysctl user.max_user_namespaces` above 0; "
    "on Ubuntu 24.04 and later also `sysctl kernel.apparmor_restrict_unprivileged_userns=0` or an "
    "AppArmor profile for bwrap), then grade again. Only if you trust every submission, grade without "
    f"the sandbox by setting {UNSANDBOXED_SETTING}=1 in the grading command's environment."
)

#: Environment variables a kernel keeps from the grader's (besides ``LC_*``); all else is dropped.
KEPT_ENV = frozenset(
    {"LANG", "LANGUAGE", "TZ", "NBGRADER_EXECUTION", "PYTHONHASHSEED", "PYTHONIOENCODING"}
)
#: The only ``/etc`` entries a kernel sees (when they exist): the loader, the time zone, fonts.
ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "alternatives",
    "nsswitch.conf",
    "fonts",
)
#: Top-level system folders: bound read-only, or recreated as the same symlinks.
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
#: Where the kernel lives: ``HOME`` and scratch space (a tmpfs).
HOME = "/tmp"
KERNEL_MPLCONFIGDIR = f"{HOME}/.matplotlib"
#: Where the read-only copy of the submission's files is bound (copied from there into the working folder).
INPUT = "/run/submission"
#: Where the grader's matplotlib font cache is bound (copied from there into ``MPLCONFIGDIR``).
FONT_CACHE = "/run/matplotlib"
#: A grader running as root gives each kernel the user id BASE + its own pid (unique while it runs).
ROOT_UID_BASE = 1_900_000_000


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot start here; the message says how to fix it and how to grade without it."""


def unsandboxed(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the grader's environment (``env``, default this process's) asks to grade without the sandbox."""
    return env.get(UNSANDBOXED_SETTING, "").strip().lower() not in {"", "0", "no", "false"}


def sandbox_uid() -> int | None:
    """The user id the kernel switches to inside the sandbox: only when the grader is root."""
    return ROOT_UID_BASE + os.getpid() if os.geteuid() == 0 else None


def namespace_flags() -> list[str]:
    """bwrap's flags for new namespaces, session and environment, the same for the probe and kernels."""
    flags = [
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "grading",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
    ]
    if os.geteuid() == 0:  # privileged bwrap: keep only the right to drop to the sandbox user
        return [*flags, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return ["--unshare-user", *flags]


@functools.cache
def _why_not() -> str:
    """Empty if bubblewrap starts a sandbox here; otherwise what went wrong (checked once a process)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "the `bwrap` command was not found"
    probe = [
        bwrap,
        *namespace_flags(),
        "--ro-bind",
        "/",
        "/",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--",
        "true",
    ]
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`bwrap` failed to run ({error})"
    if result.returncode != 0:
        return f"`bwrap` said: {result.stderr.strip() or f'exit code {result.returncode}'}"
    return ""


def require_sandbox(env: Mapping[str, str] = os.environ) -> bool:
    """True if grading must sandbox (and can); False if the unsandboxed setting is on in ``env``.

    Raises ``SandboxUnavailable`` when the sandbox is required but cannot start.
    """
    if unsandboxed(env):
        return False
    why = _why_not()
    if why:
        raise SandboxUnavailable(INSTALL_HELP.format(why=why))
    return True


def kernel_environment(grader_env: Mapping[str, str], *, sandboxed: bool = True) -> dict[str, str]:
    """The kernel's whole environment: a few harmless variables of the grader's, and its paths.

    In the sandbox the kernel has its own ``PATH``, ``HOME`` and matplotlib
    folder; without it, the grader's ``PATH``, ``HOME`` and user name.
    """
    kept = {
        name: value
        for name, value in grader_env.items()
        if name in KEPT_ENV or name.startswith("LC_")
    }
    if not sandboxed:
        return {
            **kept,
            **{
                name: grader_env[name]
                for name in ("PATH", "HOME", "USER", "LOGNAME")
                if name in grader_env
            },
        }
    return {
        **kept,
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": HOME,
        "USER": "trainee",
        "LOGNAME": "trainee",
        "MPLCONFIGDIR": KERNEL_MPLCONFIGDIR,
    }


def grader_font_cache() -> Path:
    """Where the grader's matplotlib keeps its font list (found without importing matplotlib)."""
    if os.environ.get("MPLCONFIGDIR"):
        return Path(os.environ["MPLCONFIGDIR"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "matplotlib"


def python_folders() -> list[Path]:
    """Folders the kernel's Python needs, read-only: the environment, its base and the changekit package."""
    package = Path(changekit.__file__).resolve().parent
    wanted = {Path(p) for p in (sys.prefix, sys.base_prefix)}
    wanted |= {p.resolve() for p in wanted} | {package, package.parent / "data"}
    existing = sorted(p for p in wanted if p.is_dir())
    return [p for p in existing if not any(p != q and p.is_relative_to(q) for q in existing)]


@dataclass(frozen=True)
class Limits:
    """What one kernel may use; ``SandboxedKernelManager``'s settings fill it in."""

    memory_mb: int
    processes: int
    file_size_mb: int
    open_files: int
    cpu_seconds: int
    disk_mb: int

    def rlimits(self) -> dict[str, int]:
        """As ``changekit.grading.sandbox_entry`` takes them."""
        return {
            "memory_bytes": self.memory_mb * 2**20,
            "processes": self.processes,
            "file_bytes": self.file_size_mb * 2**20,
            "open_files": self.open_files,
            "cpu_seconds": self.cpu_seconds,
            "core_bytes": 0,
        }


@dataclass(frozen=True)
class KernelFolders:
    """The grader's private folders for one sandboxed kernel, removed when the kernel is."""

    base: Path

    @property
    def run(self) -> Path:
        """Connection file and IPC sockets: the one folder shared with the kernel, read-write."""
        return self.base / "run"

    @property
    def input(self) -> Path:
        """A copy of the submission's files without notebooks, bound read-only at ``INPUT``."""
        return self.base / "input"

    @property
    def fonts(self) -> Path:
        """A copy of the grader's matplotlib font list (so the kernel need not rebuild it), bound read-only."""
        return self.base / "fonts"

    @property
    def etc(self) -> Path:
        """A ``passwd`` and ``group`` naming only the sandbox user."""
        return self.base / "etc"

    @classmethod
    def create(cls, submission: Path, uid: int) -> KernelFolders:
        folders = cls(Path(tempfile.mkdtemp(prefix="changekit-kernel-", dir=_private_parent())))
        folders.run.mkdir()
        folders.etc.mkdir()
        (folders.etc / "passwd").write_text(
            f"trainee:x:{uid}:{uid}:trainee:{HOME}:/usr/sbin/nologin\n"
        )
        (folders.etc / "group").write_text(f"trainee:x:{uid}:\n")
        shutil.copytree(submission, folders.input, symlinks=True, ignore=_not_for_the_kernel)
        folders.fonts.mkdir()
        for font_list in grader_font_cache().glob("fontlist-*.json"):
            shutil.copy(font_list, folders.fonts)
        shared = [folders.etc, folders.input, folders.fonts]
        for path in [*shared, *(p for folder in shared for p in folder.rglob("*"))]:
            if (
                not path.is_symlink()
            ):  # readable by the kernel's user; the base folder stays private
                path.chmod(0o755 if path.is_dir() else 0o644)
        return folders

    def hand_over(self, uid: int | None) -> None:
        """Give the kernel's user (when the grader is root) the run folder and its connection file."""
        if uid is not None:
            for path in [self.run, *self.run.iterdir()]:
                os.chown(path, uid, uid)

    def take_back(self, uid: int | None) -> None:
        """Once the kernel has made its sockets, stop it writing in the run folder (when the grader is root).

        A grader that is not root shares its user id with the kernel, which
        could undo this, so there it is not done (see the README's limits).
        """
        if uid is not None:
            os.chown(self.run, os.getuid(), os.getgid())
            self.run.chmod(0o755)


def _private_parent() -> str:
    """Where kernels' private folders go: the temporary folder, unless its path is too long for a socket.

    A Unix socket's path may be at most 107 characters, and the kernel's sockets live in ``run/``.
    """
    parent = tempfile.gettempdir()
    return parent if len(parent) <= 60 else "/tmp"


def _not_for_the_kernel(folder: str, names: list[str]) -> list[str]:
    """Names ``copytree`` leaves out: notebooks, and anything not a plain file, folder or link."""

    def kept(name: str) -> bool:
        path = Path(folder, name)
        return path.is_symlink() or path.is_dir() or (path.is_file() and path.suffix != ".ipynb")

    return [name for name in names if not kept(name)]


class Mounts:
    """bwrap's mount arguments, creating each destination's missing parents world-readable.

    bwrap would create them owner-only, which a kernel that has dropped root
    could not enter. Folders inside a bound folder exist already and are left alone.
    """

    def __init__(self) -> None:
        self.args: list[str] = []
        self._made: set[Path] = {Path("/")}
        self._bound: list[Path] = []

    def _parents(self, dest: Path) -> None:
        for parent in reversed(dest.parents):
            if parent not in self._made and not any(parent.is_relative_to(b) for b in self._bound):
                self.args += ["--perms", "0755", "--dir", str(parent)]
                self._made.add(parent)

    def add(
        self,
        op: str,
        source: str | None,
        dest: Path | str,
        *,
        perms: str | None = None,
        size_mb: int | None = None,
    ) -> None:
        dest = Path(dest)
        self._parents(dest)
        self.args += [
            *(["--perms", perms] if perms else []),
            *(["--size", str(size_mb * 2**20)] if size_mb else []),
            op,
            *([source] if source is not None else []),
            str(dest),
        ]
        self._made.add(dest)
        if op in {"--ro-bind", "--bind"}:
            self._bound.append(dest)


def system_mounts(mounts: Mounts, etc: Path) -> None:
    """The read-only system: ``/usr`` and friends, a few ``/etc`` entries, ``/proc``, ``/dev``, ``/tmp``."""
    for folder in SYSTEM_FOLDERS:
        path = Path(folder)
        if path.is_symlink():
            mounts.args += ["--symlink", os.readlink(path), folder]
        elif path.is_dir():
            mounts.add("--ro-bind", folder, folder)
    for name in ETC_ENTRIES:
        if Path("/etc", name).exists():
            mounts.add("--ro-bind", f"/etc/{name}", f"/etc/{name}")
    for name in ("passwd", "group"):
        mounts.add("--ro-bind", str(etc / name), f"/etc/{name}")
    mounts.add("--proc", None, "/proc")
    mounts.add("--dev", None, "/dev")


def bwrap_command(
    folders: KernelFolders,
    workdir: Path,
    limits: Limits,
    uid: int | None,
    env: Mapping[str, str],
    kernel_command: Iterable[str],
) -> list[str]:
    """The whole command line that starts one kernel in its sandbox."""
    mounts = Mounts()
    system_mounts(mounts, folders.etc)
    mounts.add("--tmpfs", None, "/tmp", perms="1777", size_mb=limits.disk_mb)
    for folder in python_folders():
        mounts.add("--ro-bind", str(folder), folder)
    mounts.add("--ro-bind", str(folders.input), INPUT)
    mounts.add("--ro-bind", str(folders.fonts), FONT_CACHE)
    mounts.add("--bind", str(folders.run), folders.run)
    mounts.add("--tmpfs", None, workdir, perms="0777", size_mb=limits.disk_mb)
    settings = [arg for name, value in env.items() for arg in ("--setenv", name, value)]
    entry = [
        sys.executable,
        "-I",
        "-m",
        "changekit.grading.sandbox_entry",
        *(["--uid", str(uid)] if uid is not None else []),
        "--limits",
        json.dumps(limits.rlimits()),
        "--copy",
        INPUT,
        str(workdir),
        "--copy",
        FONT_CACHE,
        KERNEL_MPLCONFIGDIR,
        "--",
    ]
    return [
        shutil.which("bwrap") or "bwrap",
        *namespace_flags(),
        *settings,
        *mounts.args,
        "--chdir",
        str(workdir),
        "--",
        *entry,
        *kernel_command,
    ]


class AllowListedKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, giving the kernel only an allow-listed environment.

    What grading uses where ``CHANGEKIT_UNSANDBOXED_GRADING`` is set: even
    then a kernel never inherits the grader's tokens or settings.
    """

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        kernel_command, kw = await super()._async_pre_start_kernel(**kw)
        return kernel_command, {
            **kw,
            "env": kernel_environment(kw.get("env") or os.environ, sandboxed=False),
        }


class SandboxedKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, starting the kernel inside bubblewrap (see the module doc).

    The limits below are settings: e.g. ``c.SandboxedKernelManager.memory_mb = 8192``
    in ``nbgrader_config.py``.
    """

    memory_mb = Integer(4096, help="Address space a kernel may use, in MB.").tag(config=True)
    processes = Integer(256, help="Processes and threads the sandbox user may run.").tag(
        config=True
    )
    file_size_mb = Integer(64, help="Largest file a kernel may write, in MB.").tag(config=True)
    open_files = Integer(1024, help="Files a kernel may have open at once.").tag(config=True)
    cpu_seconds = Integer(900, help="CPU time a kernel may use in all, in seconds.").tag(
        config=True
    )
    disk_mb = Integer(256, help="Size of the kernel's working folder, and of its /tmp, in MB.").tag(
        config=True
    )

    _folders: KernelFolders | None = None

    @property
    def kernel_spec(self) -> KernelSpec | None:
        """The kernel's spec, interrupted by message: a signal to bwrap would not reach the kernel."""
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def limits(self) -> Limits:
        return Limits(
            self.memory_mb,
            self.processes,
            self.file_size_mb,
            self.open_files,
            self.cpu_seconds,
            self.disk_mb,
        )

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        require_sandbox()
        workdir = Path(kw.get("cwd") or os.getcwd()).resolve()
        uid = sandbox_uid()
        self._folders = folders = KernelFolders.create(workdir, os.getuid() if uid is None else uid)
        self.transport, self.cache_ports = "ipc", False
        self.ip = str(folders.run / "kernel")
        self.connection_file = str(folders.run / "kernel.json")
        kernel_command, kw = await super()._async_pre_start_kernel(**kw)
        folders.hand_over(uid)
        command = bwrap_command(
            folders,
            workdir,
            self.limits(),
            uid,
            kernel_environment(kw.get("env") or os.environ),
            kernel_command,
        )
        return command, {
            **kw,
            "cwd": str(folders.base),
            "env": {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        }

    def kernel_ready(self) -> None:
        """Called once the kernel has answered: its sockets exist, so its run folder is closed."""
        if self._folders is not None:
            self._folders.take_back(sandbox_uid())

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if self._folders is not None:
            shutil.rmtree(self._folders.base, ignore_errors=True)
            self._folders = None

    # AsyncKernelManager binds this name to the base coroutine; nbclient calls it after a kernel died.
    cleanup_resources = _async_cleanup_resources


class SandboxedExecute(Execute):
    """nbgrader's ``Execute`` whose kernel runs in the sandbox.

    Only where ``CHANGEKIT_UNSANDBOXED_GRADING`` is set does it run the kernel
    outside (still with an allow-listed environment), and then it says so
    loudly in the grading log.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if unsandboxed():
            kwargs.setdefault("kernel_manager_class", AllowListedKernelManager)
            super().__init__(*args, **kwargs)
            self.log.warning(UNSANDBOXED_WARNING)
        else:
            kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
            super().__init__(*args, **kwargs)

    async def async_start_new_kernel_client(self) -> Any:
        """nbclient's start, then tell the sandbox that the kernel is ready."""
        client = await super().async_start_new_kernel_client()
        if isinstance(self.km, SandboxedKernelManager):
            self.km.kernel_ready()
        return client

    # nbclient's synchronous wrapper is bound to its own coroutine: rebind it to ours.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)


def sandboxed_autograde_steps() -> list[type]:
    """nbgrader's autograde preprocessors with ``Execute`` replaced by ``SandboxedExecute``.

    For ``c.Autograde.autograde_preprocessors`` in ``nbgrader_config.py``.
    """
    from nbgrader.converters import Autograde

    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    return [SandboxedExecute if step is Execute else step for step in steps]
