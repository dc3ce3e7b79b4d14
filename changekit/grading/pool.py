"""The grading pool: long-lived worker processes, and how many of them this process may run.

- ``Worker``: one ``python -m changekit.grading.worker`` process (its own
  process group, so its kernel is stopped with it) and the thread that reads
  its replies; ``grade(student, timeout)`` grades one submission or says why not.
- ``Pool``: one worker per grading thread, started when first needed and
  started again when one dies.
- ``job_count``: how many submissions to grade at once, from what this process
  is actually allowed: the CPUs it may run on (``os.sched_getaffinity``), a
  cgroup CPU quota (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``/``cpu.cfs_period_us``),
  and a cgroup memory limit (v2 ``memory.max``, v1 ``memory.limit_in_bytes``)
  divided by the memory one grading kernel may use (``SandboxedKernelManager.memory_mb``,
  its address-space limit). ``read_allowance`` reads those files below a given
  root, so both are tested on fixture files, with no dependence on the host.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from traitlets.config import Config

from changekit.course import tool_env
from changekit.grading.gradebook import CourseSettings
from changekit.grading.sandbox import SandboxedKernelManager

#: Where workers grade a submission before moving it into ``autograded/`` (a
#: hidden folder inside it, which nbgrader's globs skip).
STAGING = ".changekit-staging"

#: Seconds a worker may take to import nbgrader and read the config.
STARTUP_SECONDS = 300


class Worker:
    """One ``changekit.grading.worker`` process and the thread that reads its replies."""

    def __init__(
        self,
        settings: CourseSettings,
        assignment: str,
        env: dict[str, str] | None,
        max_output_mb: float,
        log: IO[str],
    ) -> None:
        command = [
            sys.executable,
            "-m",
            "changekit.grading.worker",
            assignment,
            "--staging",
            STAGING,
            "--max-output-mb",
            str(max_output_mb),
        ]
        self.process = subprocess.Popen(
            command,
            cwd=settings.root,
            env=tool_env(env),
            text=True,
            bufsize=1,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,  # its own process group: stopped as one, kernels included
        )
        self.replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.ready = False

    def _read(self) -> None:
        for line in self.process.stdout:
            self.replies.put(json.loads(line))
        self.replies.put(None)

    def _reply(self, timeout: float | None) -> dict[str, Any] | None:
        try:
            return self.replies.get(timeout=timeout)
        except queue.Empty:
            return None

    def grade(self, student: str, timeout: float | None) -> dict[str, Any]:
        """Ask the worker to grade one student; a worker that dies or hangs is stopped."""
        if not self.ready:
            self.ready = self._reply(STARTUP_SECONDS) is not None
            if not self.ready:
                self.stop()
                return {"ok": False, "reason": "the grading process could not start; see its log"}
        self.process.stdin.write(json.dumps({"student": student}) + "\n")
        self.process.stdin.flush()
        reply = self._reply(timeout)
        if reply is not None:
            return reply
        alive = self.process.poll() is None
        self.stop()
        if alive:
            return {
                "ok": False,
                "reason": f"grading took longer than {timeout:.0f} s, so it was stopped: "
                "look for a cell that never finishes or waits for input",
            }
        return {
            "ok": False,
            "reason": f"the grading process stopped (exit code {self.process.returncode}) "
            "on this submission; see its log",
        }

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Kill the worker and everything it started (its kernel)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def close(self) -> None:
        """Let the worker finish cleanly (stdin closed), or stop it after 30 s."""
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.stop()


class Pool:
    """``jobs`` workers, one per grading thread, replaced when one dies."""

    def __init__(self, start: Callable[[int], Worker]) -> None:
        self._start = start
        self._local = threading.local()
        self._all: list[Worker] = []
        self._lock = threading.Lock()

    def worker(self) -> Worker:
        """This thread's worker, started (or restarted after a crash) when needed."""
        current = getattr(self._local, "worker", None)
        if current is None or not current.alive:
            with self._lock:
                current = self._start(len(self._all) + 1)
                self._all.append(current)
            self._local.worker = current
        return current

    def close(self, *, kill: bool = False) -> None:
        for worker in self._all:
            worker.stop() if kill else worker.close()


# ---------------------------------------------------------------- how many jobs

#: A cgroup v1 memory limit at or above this means "no limit" (2**63 rounded down to a page).
_V1_NO_LIMIT = 2**60
_MB = 2**20


@dataclass(frozen=True)
class Allowance:
    """The CPUs and memory this process may use, and the files that said so.

    ``cpus`` is every CPU of the machine; ``affinity`` the CPUs this process
    may run on; ``cpu_quota`` the CPUs' worth of time a cgroup allows (None:
    no quota); ``memory_bytes`` the cgroup's memory limit (None: no limit).
    ``sources`` names the files that set a quota or a limit, for the report.
    """

    cpus: int
    affinity: int
    cpu_quota: float | None = None
    memory_bytes: int | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobSizing:
    """How many submissions to grade at once, and why, in a sentence for the report."""

    jobs: int
    reason: str


def cpu_quota_v2(text: str) -> float | None:
    """CPUs' worth of time from a cgroup v2 ``cpu.max``.

    "200000 100000" -> 2.0; "max 100000" (no quota) -> None.
    """
    quota, _, period = text.strip().partition(" ")
    if quota == "max" or not quota:
        return None
    return int(quota) / int(period or 100000)


def cpu_quota_v1(quota: str, period: str) -> float | None:
    """CPUs' worth of time from cgroup v1 ``cpu.cfs_quota_us`` and ``cpu.cfs_period_us``.

    A quota of -1 (no quota) gives None.
    """
    microseconds = int(quota.strip())
    return None if microseconds < 0 else microseconds / int(period.strip())


def memory_limit(text: str) -> int | None:
    """Bytes from a cgroup ``memory.max`` (v2; "max" -> None) or ``memory.limit_in_bytes`` (v1)."""
    value = text.strip()
    if value == "max":
        return None
    limit = int(value)
    return None if limit >= _V1_NO_LIMIT else limit


def _cgroup_dirs(mount: Path, path: str) -> list[Path]:
    """A cgroup's folder under ``mount`` and every folder above it up to the mount, deepest first.

    Limits nest (a parent's limit binds its children), and inside a container
    the mount is often the container's own cgroup whatever path
    ``/proc/self/cgroup`` names; so every level that exists is read.
    """
    parts = [p for p in path.split("/") if p]
    dirs = [mount.joinpath(*parts[:depth]) for depth in range(len(parts), -1, -1)]
    return [d for d in dirs if d.is_dir()]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None


def _v1_cpu_quota(folder: Path) -> float | None:
    quota, period = _read(folder / "cpu.cfs_quota_us"), _read(folder / "cpu.cfs_period_us")
    return cpu_quota_v1(quota, period) if quota and period else None


def _limits(
    mount: Path | None, path: str, root: Path, name: str, parse: Callable[[Path], float | None]
) -> list[tuple[float, str]]:
    """Each limit set on the cgroup ``path`` under ``mount`` or above it, with its file."""
    found = []
    for folder in _cgroup_dirs(mount, path) if mount is not None else []:
        value = parse(folder)
        if value is not None:
            found.append((value, str((folder / name).relative_to(root))))
    return found


def _parsed(name: str, parse: Callable[[str], float | None]) -> Callable[[Path], float | None]:
    """Reads the file ``name`` in a cgroup folder with ``parse``; a missing file is no limit."""

    def read(folder: Path) -> float | None:
        text = _read(folder / name)
        return parse(text) if text else None

    return read


def _smallest(found: list[tuple[float, str]]) -> tuple[float | None, tuple[str, ...]]:
    """The tightest of the limits found and the file that set it (None and no file if none)."""
    if not found:
        return None, ()
    value, source = min(found)
    return value, (source,)


def _first_dir(*candidates: Path) -> Path | None:
    return next((c for c in candidates if c.is_dir()), None)


def read_allowance(
    root: Path = Path("/"), *, cpus: int | None = None, affinity: int | None = None
) -> Allowance:
    """What this process may use: CPUs, affinity, and cgroup v2 and v1 limits read below ``root``.

    ``root`` is ``/`` on a real machine and a fixture folder in tests (with
    ``proc/self/cgroup`` and ``sys/fs/cgroup/...``); ``cpus`` and ``affinity``
    default to ``os.cpu_count()`` and ``len(os.sched_getaffinity(0))``. Files
    that are missing or unreadable count as no limit; where several levels or
    versions set one, the smallest binds.
    """
    cpus = cpus if cpus is not None else os.cpu_count() or 1
    if affinity is None:
        affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    base = root / "sys" / "fs" / "cgroup"
    quotas: list[tuple[float, str]] = []
    memories: list[tuple[float, str]] = []
    for line in (_read(root / "proc" / "self" / "cgroup") or "").splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if (
            hierarchy == "0" and not controllers
        ):  # cgroup v2, alone or beside v1 ("hybrid", under unified/)
            unified = next(
                (m for m in (base, base / "unified") if (m / "cgroup.controllers").is_file()), None
            )
            quotas += _limits(unified, path, root, "cpu.max", _parsed("cpu.max", cpu_quota_v2))
            memories += _limits(
                unified, path, root, "memory.max", _parsed("memory.max", memory_limit)
            )
        names = controllers.split(",")
        if "cpu" in names:
            mount = _first_dir(base / controllers, base / "cpu", base / "cpu,cpuacct")
            quotas += _limits(mount, path, root, "cpu.cfs_quota_us", _v1_cpu_quota)
        if "memory" in names:
            memories += _limits(
                _first_dir(base / "memory"),
                path,
                root,
                "memory.limit_in_bytes",
                _parsed("memory.limit_in_bytes", memory_limit),
            )
    quota, quota_source = _smallest(quotas)
    memory, memory_source = _smallest(memories)
    return Allowance(
        cpus, affinity, quota, None if memory is None else int(memory), quota_source + memory_source
    )


def kernel_memory_mb(config: Config) -> int:
    """The memory one grading kernel may use, in MB.

    ``SandboxedKernelManager.memory_mb`` in the course's config (the sandbox's default if unset).
    """
    return int(
        config.SandboxedKernelManager.get(
            "memory_mb", SandboxedKernelManager.memory_mb.default_value
        )
    )


def job_count(allowance: Allowance, per_job_mb: int) -> JobSizing:
    """How many submissions to grade at once: the fewest the CPUs and the memory allow, at least 1.

    CPUs: those this process may run on, fewer if a cgroup quota allows less
    time (a quota of 1.5 CPUs gives 1). Memory: the cgroup limit divided by
    ``per_job_mb``, the most one grading kernel may use, so that every kernel
    reaching its own limit at once still fits.
    """
    cpu_jobs = allowance.affinity
    cpu_text = f"{allowance.affinity} CPU(s) this process may run on (of {allowance.cpus})"
    if allowance.cpu_quota is not None:
        cpu_jobs = min(cpu_jobs, max(1, int(allowance.cpu_quota)))
        cpu_text += f", a cgroup CPU quota of {allowance.cpu_quota:g}"
    jobs = max(1, cpu_jobs)
    if allowance.memory_bytes is None:
        memory_text = "no cgroup memory limit"
    else:
        fits = allowance.memory_bytes // (per_job_mb * _MB)
        memory_text = (
            f"a cgroup memory limit of {allowance.memory_bytes // _MB:,} MB, room for {fits} "
            f"grading kernel(s) of up to {per_job_mb:,} MB (SandboxedKernelManager.memory_mb)"
        )
        if fits < 1:
            memory_text += ": even one may reach the limit, so one at a time"
        jobs = max(1, min(jobs, fits))
    sources = f" (from {', '.join(allowance.sources)})" if allowance.sources else ""
    return JobSizing(
        jobs, f"Grading {jobs} submission(s) at once: {cpu_text}; {memory_text}{sources}."
    )


def chosen_jobs(jobs: int | None, settings: CourseSettings, root: Path = Path("/")) -> JobSizing:
    """``jobs`` as asked, or else sized by ``job_count`` for this process and the course.

    The allowance is read below ``root`` (``/`` except in tests), the memory
    per job from the course's ``SandboxedKernelManager.memory_mb``.
    """
    if jobs is not None:
        return JobSizing(
            max(1, jobs), f"Grading {max(1, jobs)} submission(s) at once, as asked (--jobs {jobs})."
        )
    return job_count(read_allowance(root), kernel_memory_mb(settings.coursedir.config))
