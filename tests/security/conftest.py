"""One production install, shared by the security and production-hub tests.

deploy/production/install.sh runs for real as root (its own Python
environment, system accounts, course folder, exchange, settings) into a
scratch prefix under /var/tmp, world-readable as a server's /opt would be.
Every account and group has a name unique to this run and is removed at the
end, after any process still running as one of them has been stopped.
Skipped unless root with Debian's useradd, chpasswd and python3-venv.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from changekit.hub.spawner import CGROUP_PARENT, cpu_cgroup_root
from changekit.paths import course_root
from tests.hub.conftest import answers, wait_until

COURSE = "pich-leadership"
NAME = "pichsec"


def missing_requirements() -> str:
    """Why the production install cannot run here ('' when it can)."""
    if os.geteuid() != 0:
        return "needs root (it creates system users)"
    missing = [tool for tool in ("useradd", "chpasswd", "runuser") if not shutil.which(tool)]
    if missing:
        return f"needs {', '.join(missing)} (Debian's passwd and util-linux)"
    if (
        subprocess.run(["dpkg", "-s", "python3-venv"], capture_output=True, check=False).returncode
        != 0
    ):
        return "needs Debian's python3-venv (make debian-packages)"
    return ""


NEEDS_INSTALL = pytest.mark.skipif(
    bool(missing_requirements()), reason=missing_requirements() or "ready"
)


@dataclass
class Server:
    base: Path
    prefix: Path
    course: Path
    exchange: Path
    venv_bin: Path
    etc: Path
    grader: str
    tutor: str
    trainees: tuple[str, ...]
    install_env: dict[str, str]

    @property
    def settings(self) -> Path:
        return self.prefix / "etc" / "pich.env"

    @property
    def hub_dir(self) -> Path:
        return self.prefix / "hub"

    def home(self, user: str) -> Path:
        return Path(f"/home/{user}")

    def install(self) -> subprocess.CompletedProcess:
        """Run install.sh as an admin would, with this server's settings; fail with its output."""
        done = subprocess.run(
            ["bash", str(course_root() / "deploy/production/install.sh")],
            env=self.install_env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"install.sh failed:\n{done.stdout}\n{done.stderr[-3000:]}"
        return done

    def run_as(
        self, user: str, *command: str, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        """Run a command as ``user`` with the server's environment, as their Jupyter server would."""
        env = [
            f"HOME={self.home(user)}",
            f"PATH={self.venv_bin}:/usr/bin:/bin",
            f"JUPYTER_CONFIG_PATH={self.etc}",
            f"JUPYTER_DATA_DIR={self.home(user)}/.local/share/jupyter",
            f"CHANGEKIT_EXCHANGE={self.exchange}",
        ]
        done = subprocess.run(
            ["runuser", "-u", user, "--", "env", *env, *command],
            cwd=cwd or self.home(user),
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{user}: {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def as_grader(self, *command: str) -> subprocess.CompletedProcess:
        """A course command through install.sh's ``as-grader`` wrapper, as the admin guide says."""
        return subprocess.run(
            [str(self.prefix / "bin" / "as-grader"), *command],
            capture_output=True,
            text=True,
            check=False,
        )

    def nbgrader(
        self, user: str, *args: str, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        return self.run_as(user, str(self.venv_bin / "nbgrader"), *args, cwd=cwd, check=check)

    def python(self, user: str, code: str) -> subprocess.CompletedProcess:
        return self.run_as(user, str(self.venv_bin / "python"), "-c", code, check=False)


def processes_of(users: list[str]) -> list[int]:
    """Process ids running as any of ``users`` (read from /proc)."""
    uids = set()
    for user in users:
        done = subprocess.run(["id", "-u", user], capture_output=True, text=True, check=False)
        if done.returncode == 0:
            uids.add(int(done.stdout))
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except FileNotFoundError:
                continue
    return found


def stop_processes_of(users: list[str]) -> None:
    """Stop what still runs as this run's accounts (a server the hub failed to stop), by process id."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = processes_of(users)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 20
        while pids and processes_of(users) and time.monotonic() < deadline:
            time.sleep(0.2)


def remove_accounts(names: list[str], groups: list[str]) -> None:
    """Stop their processes, then remove the accounts, their homes, their CPU cgroups and the groups."""
    stop_processes_of(names)
    cgroups = cpu_cgroup_root()
    for name in names:
        subprocess.run(["userdel", "-r", name], capture_output=True, check=False)
        if cgroups is not None:
            with contextlib.suppress(FileNotFoundError):
                (cgroups / CGROUP_PARENT / name).rmdir()
    for group in groups:
        subprocess.run(["groupdel", group], capture_output=True, check=False)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    reason = missing_requirements()
    if reason:
        pytest.skip(reason)
    base = Path("/var/tmp") / f"{NAME}-{secrets.token_hex(4)}"
    base.mkdir(mode=0o755)
    suffix = secrets.token_hex(2)
    grader, tutor = f"{NAME}g{suffix}", f"{NAME}tu{suffix}"
    trainees = (f"{NAME}a{suffix}", f"{NAME}b{suffix}", f"{NAME}c{suffix}")
    groups = [f"formgrade-{NAME}{suffix}", f"nbgrader-{NAME}{suffix}"]
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "PREFIX": str(base / "opt"),
        "COURSE_DIR": str(base / "course"),
        "EXCHANGE": str(base / "exchange"),
        "JUPYTER_ETC": str(base / "etc-jupyter"),
        "GRADER": grader,
        "TUTORS": tutor,
        "TRAINEES": " ".join(trainees),
        "TUTORS_GROUP": groups[0],
        "TRAINEES_GROUP": groups[1],
    }
    server = Server(
        base,
        base / "opt",
        base / "course",
        base / "exchange",
        base / "opt/venv/bin",
        base / "etc-jupyter",
        grader,
        tutor,
        trainees,
        env,
    )
    try:
        started = time.monotonic()
        server.install()
        print(f"install.sh took {time.monotonic() - started:.0f} s")
        yield server
    finally:
        remove_accounts([grader, tutor, *trainees], groups)
        shutil.rmtree(base, ignore_errors=True)


def unit_command(unit: Path) -> tuple[list[str], dict[str, str], Path]:
    """ExecStart, environment and working folder of the systemd unit, as systemd reads them."""
    env = {"LANG": "C.UTF-8"}
    command: list[str] = []
    cwd = Path("/")
    for line in unit.read_text().splitlines():
        key, _, value = line.partition("=")
        if key == "EnvironmentFile":
            for setting in Path(value).read_text().splitlines():
                if "=" in setting and not setting.lstrip().startswith("#"):
                    name, _, text = setting.partition("=")
                    env[name.strip()] = text.strip()
        elif key == "Environment":
            name, _, text = value.partition("=")
            env[name] = text
        elif key == "WorkingDirectory":
            cwd = Path(value)
        elif key == "ExecStart":
            command = shlex.split(value)
    assert command, f"no ExecStart in {unit}"
    return command, env, cwd


def set_passwords(users: list[str]) -> dict[str, str]:
    """What the admin guide says: chpasswd with name:password lines."""
    passwords = {user: secrets.token_urlsafe(12) for user in users}
    lines = "".join(f"{user}:{password}\n" for user, password in passwords.items())
    subprocess.run(["chpasswd"], input=lines, text=True, check=True)
    return passwords


def anything_at(url: str) -> bool:
    """Whether something answers HTTP at ``url`` now (any status: the service is up)."""
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return False
    return True


def stop_hub(process: subprocess.Popen) -> None:
    """Stop the hub as systemd would (SIGTERM; it stops the servers it started), then its process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the proxy, if the hub left it behind


@contextlib.contextmanager
def production_hub(
    server: Server, settings: dict[str, str], name: str
) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """The installed hub, started with the systemd unit's command, environment file and folder.

    ``settings`` are lines the admin would add to the settings file, given here instead so
    that hubs started one after another by different test modules do not see each other's;
    a hub given CHANGEKIT_HUB_DIR gets that folder made root-only first. Yields the hub's
    URL, process and log once its login page and the grading service answer; stops it after
    and keeps its log in test-artefacts/security/.
    """
    command, env, cwd = unit_command(server.prefix / "etc" / "jupyterhub.service")
    env.update(settings)
    if "CHANGEKIT_HUB_DIR" in settings:
        Path(settings["CHANGEKIT_HUB_DIR"]).mkdir(mode=0o700, exist_ok=True)
    port = int(env["CHANGEKIT_PORT"])
    log = server.base / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: answers(f"{url}/hub/login"),
            f"the hub's login page at {url}/hub/login",
            600,
            process,
            log,
        )
        service = f"http://127.0.0.1:{port + 10}/services/{env['CHANGEKIT_COURSE_ID']}/"
        wait_until(
            lambda: anything_at(service), f"the grading service at {service}", 600, process, log
        )
        yield url, process, log
    finally:
        stop_hub(process)
        kept = course_root() / "test-artefacts" / "security"
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, kept / log.name)  # the scratch install is removed at the end
