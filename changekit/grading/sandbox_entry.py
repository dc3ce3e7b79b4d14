"""The first thing that runs inside the grading sandbox; it then becomes the trainee's kernel.

bubblewrap starts ``python -I -m changekit.grading.sandbox_entry`` (see
``changekit.grading.sandbox``). In this order it:

1. drops to the sandbox's own user id (``--uid``, given only when the grader
   runs as root: a root-owned process ignores the process limit, and trainee
   code must never run as root);
2. sets the resource limits (``--limits``, JSON: name -> value);
3. copies each ``--copy SOURCE DEST`` folder's files (read-only inputs) into
   place: the submission's files into the working folder, a size-limited tmpfs
   (so that nothing the kernel writes reaches the grader's disk), and the
   grader's matplotlib font cache into the kernel's (which saves rebuilding it);
4. replaces itself with the kernel command given after ``--``.

Standard library only, and run with ``-I``: nothing of the trainee's is on its
import path while it still holds the right to change user.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys

#: Limits by name, as ``changekit.grading.sandbox`` passes them.
RLIMITS = {
    "memory_bytes": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "cpu_seconds": resource.RLIMIT_CPU,
    "core_bytes": resource.RLIMIT_CORE,
}


def drop_privileges(uid: int) -> None:
    """Become ``uid`` (and group ``uid``) with no supplementary groups and no capabilities left."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def set_limits(limits: dict[str, int]) -> None:
    """Set each limit as both soft and hard, so the kernel cannot raise it again."""
    for name, value in limits.items():
        resource.setrlimit(RLIMITS[name], (value, value))


def copy_in(source: str, dest: str) -> None:
    """Copy every entry of ``source`` into ``dest`` (whose own mode belongs to the sandbox, not to us)."""
    os.makedirs(dest, exist_ok=True)
    for entry in os.scandir(source):
        target = os.path.join(dest, entry.name)
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            shutil.copytree(entry.path, target, symlinks=True)
        else:
            shutil.copy2(entry.path, target)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -I -m changekit.grading.sandbox_entry")
    parser.add_argument("--uid", type=int, help="user id to become (when started as root)")
    parser.add_argument("--limits", type=json.loads, default={}, help="JSON object of limits")
    parser.add_argument(
        "--copy",
        nargs=2,
        action="append",
        default=[],
        metavar=("SOURCE", "DEST"),
        help="copy the files of folder SOURCE into folder DEST (repeatable)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the kernel command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no kernel command given after --")
    if args.uid is not None:
        drop_privileges(args.uid)
    set_limits(args.limits)
    for source, dest in args.copy:
        copy_in(source, dest)
    sys.stdout.flush()
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
