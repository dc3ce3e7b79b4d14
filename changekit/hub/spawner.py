"""Per-trainee limits on one server, enforced by the spawner itself.

These servers (and the machines the tests run on) have no systemd as PID 1, so
jupyterhub-systemdspawner, which asks systemd for a slice per user, cannot run.
The limits are applied instead in the child process the hub forks for each
server, as root and just before it becomes the trainee:

- **memory**: ``RLIMIT_DATA``, the heap and private memory one process may have.
  Python turns a refused allocation into ``MemoryError`` in the trainee's cell,
  and nothing else on the server is touched (a cgroup memory limit would call the
  kernel's OOM killer instead, which ends the whole kernel without a word).
  ``RLIMIT_AS`` is not used: it counts address space reserved but never used
  (thread stacks, malloc arenas, numpy's BLAS), so a limit low enough to matter
  breaks ordinary imports. The limit is per process: a trainee's server and each
  of their kernels may each use that much.
- **processes**: ``RLIMIT_NPROC``, how many processes and threads the trainee's
  account may run at once, across all their kernels (a fork bomb stops there).
- **CPU**: a cgroup per trainee with a CPU quota (``cpu.max`` on cgroup v2,
  ``cpu.cfs_quota_us`` on v1), where the server lets root create cgroups; the
  hub logs when it cannot, and the trainee then shares the CPUs with everyone
  at the same priority (Linux's fair scheduler).
"""

from __future__ import annotations

import os
import pwd
import re
import resource
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Float, Integer, Unicode

#: Where the trainees' CPU cgroups are made (v2 first, then the v1 cpu controller).
CGROUP_ROOTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/cpu"))
CGROUP_PARENT = "changekit"
#: The scheduler period the CPU quota is a share of (microseconds; the kernel's default).
CPU_PERIOD = 100_000
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in a size such as ``2G``, ``512M``, ``1.5GiB`` or ``1073741824``; ValueError otherwise."""
    found = _SIZE.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a size: write it as 2G, 512M or a number of bytes")
    number, unit = found.groups()
    return int(float(number) * 1024 ** "BKMGT".index(unit.upper() or "B"))


@dataclass(frozen=True)
class Limits:
    """What one trainee may use; 0 means no limit of that kind."""

    memory: int = 0
    """Bytes of private memory each process may have (RLIMIT_DATA)."""
    processes: int = 0
    """Processes and threads the account may run at once (RLIMIT_NPROC)."""
    cpus: float = 0.0
    """CPUs the trainee's processes may keep busy together (cgroup quota)."""

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> Limits:
        """``CHANGEKIT_MEMORY_LIMIT`` (e.g. 2G), ``CHANGEKIT_PROCESS_LIMIT``, ``CHANGEKIT_CPU_LIMIT`` (e.g. 1.5)."""
        return cls(
            memory=parse_size(env.get("CHANGEKIT_MEMORY_LIMIT") or "0"),
            processes=int(env.get("CHANGEKIT_PROCESS_LIMIT") or 0),
            cpus=float(env.get("CHANGEKIT_CPU_LIMIT") or 0),
        )


def apply_rlimits(limits: Limits) -> None:
    """Set the memory and process limits on the calling process (inherited by all it starts)."""
    if limits.memory:
        resource.setrlimit(resource.RLIMIT_DATA, (limits.memory, limits.memory))
    if limits.processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))


def cpu_cgroup_root() -> Path | None:
    """The first cgroup hierarchy with a CPU controller that root can create groups in (None if none)."""
    for root in CGROUP_ROOTS:
        v2 = (root / "cgroup.controllers").is_file() and "cpu" in (
            root / "cgroup.controllers"
        ).read_text().split()
        if (v2 or (root / "cpu.cfs_quota_us").is_file()) and os.access(root, os.W_OK):
            return root
    return None


def make_cpu_cgroup(root: Path, user: str, cpus: float) -> Path:
    """The cgroup ``<root>/changekit/<user>`` with a quota of ``cpus`` CPUs; made or updated."""
    parent = root / CGROUP_PARENT
    group = parent / user
    quota = max(1000, int(cpus * CPU_PERIOD))
    if (root / "cgroup.controllers").is_file():  # v2: the parent must hand the cpu controller down
        parent.mkdir(exist_ok=True)
        for folder in (root, parent):
            (folder / "cgroup.subtree_control").write_text("+cpu")
        group.mkdir(exist_ok=True)
        (group / "cpu.max").write_text(f"{quota} {CPU_PERIOD}")
    else:
        group.mkdir(parents=True, exist_ok=True)
        (group / "cpu.cfs_period_us").write_text(str(CPU_PERIOD))
        (group / "cpu.cfs_quota_us").write_text(str(quota))
    return group


def join_cgroup(group: Path) -> None:
    """Move the calling process into ``group`` (its children follow)."""
    (group / "cgroup.procs").write_text(str(os.getpid()))


def limited(
    switch_user: Callable[[], None], limits: Limits, cgroup: Path | None
) -> Callable[[], None]:
    """A preexec function: limits and cgroup applied as root, then ``switch_user`` (setuid)."""

    def preexec() -> None:
        if cgroup is not None:
            join_cgroup(cgroup)
        apply_rlimits(limits)
        switch_user()

    return preexec


class LimitedSpawner(LocalProcessSpawner):
    """LocalProcessSpawner with per-trainee memory, process and CPU limits, and the start page.

    A new account (made at first login by Entra ID, say) has an empty home: the
    spawner puts ``start_page`` there before the first start, owned by the user.
    """

    memory_limit_bytes = Integer(0, help="RLIMIT_DATA per process (0: none)").tag(config=True)
    process_limit = Integer(0, help="RLIMIT_NPROC for the account (0: none)").tag(config=True)
    cpu_limit_cores = Float(0.0, help="CPU quota per trainee in CPUs (0: none)").tag(config=True)
    start_page = Unicode("", help="Notebook copied into a home that has none of that name").tag(
        config=True
    )

    @property
    def limits(self) -> Limits:
        return Limits(self.memory_limit_bytes, self.process_limit, self.cpu_limit_cores)

    def cpu_cgroup(self) -> Path | None:
        """The trainee's CPU cgroup, made now; None (and a warning) where cgroups cannot be made."""
        if not self.cpu_limit_cores:
            return None
        root = cpu_cgroup_root()
        if root is None:
            self.log.warning(
                "No writable cgroup with a CPU controller: %s's CPU is not limited", self.user.name
            )
            return None
        try:
            return make_cpu_cgroup(root, self.user.name, self.cpu_limit_cores)
        except OSError as error:
            self.log.warning(
                "Could not make a CPU cgroup for %s (%s): CPU not limited", self.user.name, error
            )
            return None

    def make_preexec_fn(self, name: str) -> Callable[[], None]:
        return limited(super().make_preexec_fn(name), self.limits, self.cpu_cgroup())

    def place_start_page(self) -> None:
        """Copy ``start_page`` into the user's home unless something of that name is there."""
        if not self.start_page or not Path(self.start_page).is_file():
            return
        account = pwd.getpwnam(self.user.name)
        target = Path(account.pw_dir) / Path(self.start_page).name
        try:  # O_EXCL: never follows a link the user left there, never overwrites their copy
            descriptor = os.open(
                target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644
            )
        except (FileExistsError, FileNotFoundError):
            return
        with os.fdopen(descriptor, "wb") as copy:
            os.fchown(copy.fileno(), account.pw_uid, account.pw_gid)
            copy.write(Path(self.start_page).read_bytes())

    async def start(self):  # type: ignore[override]
        self.place_start_page()
        return await super().start()
