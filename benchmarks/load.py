"""Load on the course hub: N simulated trainees at once, and what each costs in memory and hub speed.

    .venv/bin/python benchmarks/load.py [--series 2,5,10,20] [--max 20]

Starts the course's local hub (deploy/local/jupyterhub_config.py) on 127.0.0.1
with `changekit start`, in a scratch copy of the course and a scratch state
folder, with as many generated trainee accounts as the largest round needs.
Then, for each N in the series, N trainees at once, each in its own thread:

1. log in (a requests session posting /hub/login, as a browser does);
2. start their server (POST /hub/api/users/<name>/server) and wait on the
   hub's progress stream until it says the server is ready;
3. put a course notebook with its data in their home and open it through the
   contents API; start a kernel for it (the sessions API, as JupyterLab does);
4. run every code cell through the kernel's websocket, each cell bounded by
   ``--cell-timeout``.

While a round runs, an observer (the tutor) asks the hub GET
/hub/api/users/tutor and GET /hub/home in turn, and the p50 and p95 response
times while at least half the round's trainees are still at work are kept.
Once every trainee's cells have run, with their kernels still alive, the
resident memory (RSS, and PSS: shared pages split between the processes
sharing them) and the CPU seconds of each trainee's server and kernel process
tree are summed. The servers are then stopped before the next round.

A round is not started when the machine's available memory, less the memory
the round is expected to need, would fall below ``--reserve-mb``; a round is
cut short if available memory falls below it while it runs. Everything
started is stopped on every path, and the script checks that no process of
the scratch course is left.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import psutil
import requests
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from changekit.hub.accounts import TUTOR, hash_password, write_private  # noqa: E402 (after the path)
from tests.hub.conftest import (  # noqa: E402
    COURSE_PARTS,
    HUB_START_SECONDS,
    PUBLISH_SECONDS_PER_ASSIGNMENT,
    answers,
    hub_env,
    login,
    pick_port,
    stop_hub,
    wait_until,
)

BIN = Path(sys.executable).parent
#: The assignment whose notebook (the model-answer version, with its data) each trainee runs.
ASSIGNMENT = "quantify_a_service_problem"
#: Seconds a request to the hub or a user's server may take before the trainee is counted as failed.
REQUEST_SECONDS = 120
#: Memory assumed for one trainee before any round has measured it (MB).
FIRST_GUESS_MB = 400


# ---------------------------------------------------------------------------------------------
# Pure helpers (tested in tests/unit/test_load_sizing.py)


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0 to 1) percentile of ``values``, by linear interpolation between ranks.

    The same definition as numpy's default and ``statistics.quantiles(method="inclusive")``.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= share <= 1:
        raise ValueError(f"share must be between 0 and 1, not {share}")
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class SizingRow:
    """What one cohort needs, from the measured memory per active trainee."""

    trainees: int
    active: int
    memory_gb: float
    machines: int


def sizing_row(
    trainees: int,
    active_share: float,
    per_trainee_mb: float,
    fixed_mb: float,
    machine_gb: float,
    reserve_gb: float,
) -> SizingRow:
    """Memory and machines of ``machine_gb`` for ``trainees`` of whom ``active_share`` work at once.

    ``fixed_mb`` is what the hub, proxy and grading service take whatever the
    cohort; ``reserve_gb`` is kept free on every machine for the system and for
    a trainee whose work is heavier than the benchmark's notebook.
    """
    if not 0 < active_share <= 1:
        raise ValueError(f"active share must be above 0 and at most 1, not {active_share}")
    active = math.ceil(trainees * active_share)
    usable_mb = (machine_gb - reserve_gb) * 1024 - fixed_mb
    if usable_mb <= per_trainee_mb:
        raise ValueError(f"a {machine_gb} GB machine less {reserve_gb} GB reserve holds no trainee")
    per_machine = math.floor(usable_mb / per_trainee_mb)
    machines = math.ceil(active / per_machine)
    memory_gb = (active * per_trainee_mb + machines * fixed_mb) / 1024 + machines * reserve_gb
    return SizingRow(trainees, active, round(memory_gb, 1), machines)


def active_per_machine(
    per_trainee_mb: float, fixed_mb: float, machine_gb: float, reserve_gb: float
) -> int:
    """How many active trainees one machine of ``machine_gb`` holds, by memory."""
    return math.floor(((machine_gb - reserve_gb) * 1024 - fixed_mb) / per_trainee_mb)


# ---------------------------------------------------------------------------------------------
# The hub


@dataclass
class Hub:
    """A running local hub in a scratch course."""

    url: str
    port: int
    base: Path
    root: Path
    state: Path
    env: dict[str, str]
    process: subprocess.Popen
    log: Path
    passwords: dict[str, str]


def trainee_names(count: int) -> list[str]:
    """``trainee01`` ... as many as asked."""
    return [f"trainee{i:02d}" for i in range(1, count + 1)]


def write_accounts(hub_folder: Path, trainees: int) -> dict[str, str]:
    """accounts.json for a tutor and ``trainees`` trainees, as changekit/hub/accounts.py writes it."""
    passwords = {name: uuid.uuid4().hex for name in [TUTOR, *trainee_names(trainees)]}
    accounts = {
        name: {"role": "tutor" if name == TUTOR else "trainee", "hash": hash_password(password)}
        for name, password in passwords.items()
    }
    write_private(hub_folder / "accounts.json", json.dumps(accounts, indent=1))
    return passwords


def scratch_course(base: Path) -> Path:
    """A copy of the course holding only ASSIGNMENT, so that publishing it takes one assignment's time."""
    root = base / "course"
    root.mkdir()
    for part in COURSE_PARTS:
        source = ROOT / part
        if part in ("source", "release"):
            (root / part).mkdir()
            shutil.copytree(source / ASSIGNMENT, root / part / ASSIGNMENT)
        else:
            (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    return root


def start_hub(base: Path, trainees: int) -> Hub:
    """`changekit start` on a scratch course with ``trainees`` accounts; waits for the login page."""
    root = scratch_course(base)
    state = base / "state"
    passwords = write_accounts(state / "hub", trainees)
    port = pick_port()
    env = hub_env(root, state, port)
    log = base / "hub.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "changekit"), "start"],
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(f"http://127.0.0.1:{port}", port, base, root, state, env, process, log, passwords)
    url = f"{hub.url}/hub/login"
    wait_until(
        lambda: answers(url),
        "the hub's login page",
        PUBLISH_SECONDS_PER_ASSIGNMENT + HUB_START_SECONDS,
        process,
        log,
    )
    return hub


def left_over(base: Path) -> list[psutil.Process]:
    """Processes still running whose command line or working folder is inside the scratch folder."""
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            if any(str(base) in part for part in process.cmdline()) or process.cwd().startswith(
                str(base)
            ):
                found.append(process)
    return found


def stop_everything(hub: Hub) -> list[str]:
    """`changekit stop` and the process group (tests/hub/conftest.py); kill and name anything left."""
    stop_hub(hub.process, hub.env)
    named = []
    for process in left_over(hub.base):
        with contextlib.suppress(psutil.NoSuchProcess):
            named.append(f"{process.pid} {' '.join(process.cmdline())[:80]}")
            process.kill()
    return named


# ---------------------------------------------------------------------------------------------
# One trainee


@dataclass
class Trainee:
    """What happened to one simulated trainee in a round."""

    name: str
    ready_seconds: float | None = None
    cells_seconds: float | None = None
    cells_run: int = 0
    cell_errors: int = 0
    failure: str | None = None
    token: str = field(default="", repr=False)


def hub_api(
    session: requests.Session, method: str, url: str, **kwargs: object
) -> requests.Response:
    """A hub API call with the session's login cookie and its XSRF token (JupyterHub asks for both)."""
    headers = {"X-XSRFToken": session.cookies.get("_xsrf", "")}
    return session.request(method, url, headers=headers, timeout=REQUEST_SECONDS, **kwargs)


def logged_in(url: str, name: str, password: str) -> tuple[requests.Session, str]:
    """A logged-in session and an API token for ``name`` (the token reaches their own server too)."""
    session = requests.Session()
    answer = login(session, url, name, password)
    if answer.status_code != 302:
        raise RuntimeError(f"login answered {answer.status_code}")
    session.get(f"{url}/hub/home", timeout=REQUEST_SECONDS)  # sets the _xsrf cookie
    made = hub_api(
        session, "POST", f"{url}/hub/api/users/{name}/tokens", json={"note": "load benchmark"}
    )
    made.raise_for_status()
    return session, made.json()["token"]


def start_server(url: str, name: str, token: str, seconds: float) -> None:
    """Ask the hub to start ``name``'s server and follow its progress stream until it is ready."""
    auth = {"Authorization": f"token {token}"}
    asked = requests.post(
        f"{url}/hub/api/users/{name}/server", headers=auth, timeout=REQUEST_SECONDS
    )
    if asked.status_code not in (201, 202):
        raise RuntimeError(f"server start answered {asked.status_code}")
    with requests.get(
        f"{url}/hub/api/users/{name}/server/progress", headers=auth, stream=True, timeout=seconds
    ) as stream:
        for line in stream.iter_lines(decode_unicode=True):
            if not line or not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            if event.get("ready"):
                return
            if event.get("failed"):
                raise RuntimeError(f"spawn failed: {event.get('message', '')[:200]}")
    raise RuntimeError("the progress stream ended before the server was ready")


def open_notebook(server: str, token: str, root: Path) -> tuple[str, list[str]]:
    """Put ASSIGNMENT's notebook and data in the home, open it, start its kernel; (kernel id, code cells)."""
    auth = {"Authorization": f"token {token}"}
    folder = root / "source" / ASSIGNMENT
    for data in sorted(folder.glob("*.csv")):
        body = {
            "type": "file",
            "format": "base64",
            "content": base64.b64encode(data.read_bytes()).decode(),
        }
        requests.put(
            f"{server}/api/contents/{data.name}", headers=auth, json=body, timeout=REQUEST_SECONDS
        ).raise_for_status()
    notebook = f"{ASSIGNMENT}.ipynb"
    body = {
        "type": "notebook",
        "format": "json",
        "content": json.loads((folder / notebook).read_text()),
    }
    requests.put(
        f"{server}/api/contents/{notebook}", headers=auth, json=body, timeout=REQUEST_SECONDS
    ).raise_for_status()
    opened = requests.get(
        f"{server}/api/contents/{notebook}?content=1", headers=auth, timeout=REQUEST_SECONDS
    )
    opened.raise_for_status()
    cells = nbformat.from_dict(opened.json()["content"]).cells
    session = requests.post(
        f"{server}/api/sessions",
        headers=auth,
        timeout=REQUEST_SECONDS,
        json={
            "path": notebook,
            "name": notebook,
            "type": "notebook",
            "kernel": {"name": "python3"},
        },
    )
    session.raise_for_status()
    return session.json()["kernel"]["id"], [
        cell.source for cell in cells if cell.cell_type == "code"
    ]


def execute_request(code: str, session: str) -> dict:
    """A Jupyter execute_request message in the websocket's JSON form."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "session": session,
            "username": "load",
            "version": "5.3",
            "date": datetime.now(UTC).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "buffers": [],
        "channel": "shell",
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": False,
        },
    }


async def run_cells(
    websocket_url: str, token: str, cells: list[str], cell_seconds: float
) -> tuple[int, int]:
    """Run ``cells`` one after another on the kernel; (cells run, cells that raised). Raises on a timeout."""
    connection = await websocket_connect(
        HTTPRequest(
            websocket_url,
            headers={"Authorization": f"token {token}"},
            request_timeout=REQUEST_SECONDS,
        )
    )
    session = uuid.uuid4().hex
    run = errors = 0
    try:
        for code in cells:
            message = execute_request(code, session)
            await connection.write_message(json.dumps(message))
            replied = idle = False

            async def finished(msg_id: str = message["header"]["msg_id"]) -> bool:
                nonlocal replied, idle
                status = "ok"
                while not (replied and idle):
                    raw = await connection.read_message()
                    if raw is None:
                        raise RuntimeError("the kernel's websocket closed")
                    if isinstance(raw, bytes):
                        continue
                    reply = json.loads(raw)
                    if reply.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    kind = reply["header"]["msg_type"]
                    if kind == "execute_reply":
                        replied, status = True, reply["content"]["status"]
                    elif kind == "status" and reply["content"]["execution_state"] == "idle":
                        idle = True
                return status == "ok"

            try:
                ok = await asyncio.wait_for(finished(), cell_seconds)
            except TimeoutError as error:
                raise RuntimeError(f"cell {run + 1} took over {cell_seconds:.0f} s") from error
            run += 1
            errors += not ok
    finally:
        connection.close()
    return run, errors


def simulate(hub: Hub, name: str, cell_seconds: float, spawn_seconds: float) -> Trainee:
    """One trainee's visit: log in, start the server, open the notebook, run its cells."""
    trainee = Trainee(name)
    try:
        _, trainee.token = logged_in(hub.url, name, hub.passwords[name])
        began = time.monotonic()
        start_server(hub.url, name, trainee.token, spawn_seconds)
        trainee.ready_seconds = time.monotonic() - began
        server = f"{hub.url}/user/{name}"
        kernel, cells = open_notebook(server, trainee.token, hub.root)
        began = time.monotonic()
        socket_url = f"ws://127.0.0.1:{hub.port}/user/{name}/api/kernels/{kernel}/channels"
        trainee.cells_run, trainee.cell_errors = asyncio.run(
            run_cells(socket_url, trainee.token, cells, cell_seconds)
        )
        trainee.cells_seconds = time.monotonic() - began
    except Exception as error:  # noqa: BLE001 - a failed trainee is a result, reported in the table
        trainee.failure = f"{type(error).__name__}: {error}"[:300]
    return trainee


def stop_servers(url: str, users: list[tuple[str, str]], seconds: float) -> None:
    """Ask the hub to stop each (name, token)'s server, then poll the hub until it lists none as running."""
    for name, token in users:
        with contextlib.suppress(requests.RequestException):
            requests.delete(
                f"{url}/hub/api/users/{name}/server",
                headers={"Authorization": f"token {token}"},
                timeout=REQUEST_SECONDS,
            )
    deadline = time.monotonic() + seconds
    for name, token in users:
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException, ValueError):
                model = requests.get(
                    f"{url}/hub/api/users/{name}",
                    headers={"Authorization": f"token {token}"},
                    timeout=REQUEST_SECONDS,
                ).json()
                if not model.get("servers") and model.get("server") is None:
                    break
            time.sleep(0.5)


# ---------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Memory:
    """Resident memory of each trainee's server and kernels, and of everything else the hub runs (MB)."""

    rss: dict[str, float]
    pss: dict[str, float]
    cpu: dict[str, float]
    fixed_rss: float
    fixed_pss: float


def tree_memory(processes: list[psutil.Process]) -> tuple[float, float, float]:
    """Summed RSS and PSS (MB) and CPU seconds (user and system, ended children included) of ``processes``."""
    rss = pss = cpu = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            info = process.memory_full_info()
            rss += info.rss / 2**20
            pss += info.pss / 2**20
            times = process.cpu_times()
            cpu += times.user + times.system + times.children_user + times.children_system
    return rss, pss, cpu


def user_of(process: psutil.Process) -> str | None:
    """The hub user a single-user server runs for (its JUPYTERHUB_USER), else None."""
    with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        if any("jupyterhub-singleuser" in part for part in process.cmdline()[:2]):
            return process.environ().get("JUPYTERHUB_USER")
    return None


def measure_memory(hub: Hub) -> Memory:
    """Per user, their server's whole process tree (kernels included); the rest of the hub's tree as fixed."""
    top = psutil.Process(hub.process.pid)
    everything = [top, *top.children(recursive=True)]
    counted: set[int] = set()
    rss: dict[str, float] = {}
    pss: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for process in everything:
        user = user_of(process)
        if user is None or process.pid in counted:
            continue
        tree = [process, *process.children(recursive=True)]
        counted.update(p.pid for p in tree)
        rss[user], pss[user], cpu[user] = tree_memory(tree)
    fixed_rss, fixed_pss, _ = tree_memory([p for p in everything if p.pid not in counted])
    return Memory(rss, pss, cpu, fixed_rss, fixed_pss)


class Observer(threading.Thread):
    """The tutor asking the hub for their user model and home page in turn until told to stop.

    Times are kept only while ``busy()`` holds (at least half the round's
    trainees still at work), so that one slow trainee's quiet tail does not
    dilute a round's figures.
    """

    def __init__(
        self,
        hub: Hub,
        session: requests.Session,
        token: str,
        reserve_mb: float,
        busy: Callable[[], bool],
    ) -> None:
        super().__init__(daemon=True)
        self.hub, self.session, self.token, self.reserve_mb, self.busy = (
            hub,
            session,
            token,
            reserve_mb,
            busy,
        )
        self.api: list[float] = []
        self.errors = 0
        self.home: list[float] = []
        self.lowest_available_mb = psutil.virtual_memory().available / 2**20
        self.halt = threading.Event()
        self.short_of_memory = threading.Event()

    def timed(self, url: str, **kwargs: object) -> float:
        """Milliseconds the hub took to answer (an error answer counts, and is counted apart)."""
        began = time.monotonic()
        if self.session.get(url, timeout=REQUEST_SECONDS, **kwargs).status_code != 200:
            self.errors += 1
        return (time.monotonic() - began) * 1000

    def run(self) -> None:
        auth = {"Authorization": f"token {self.token}"}
        while not self.halt.is_set():
            busy = self.busy()
            api = self.timed(f"{self.hub.url}/hub/api/users/{TUTOR}", headers=auth)
            home = self.timed(f"{self.hub.url}/hub/home")
            if busy:
                self.api.append(api)
                self.home.append(home)
            available = psutil.virtual_memory().available / 2**20
            self.lowest_available_mb = min(self.lowest_available_mb, available)
            if available < self.reserve_mb:
                self.short_of_memory.set()
            self.halt.wait(0.25)


@dataclass
class Round:
    """One round's results."""

    n: int
    ok: int
    failures: list[str]
    ready_p50: float | None
    ready_max: float | None
    cells_p50: float | None
    cells_run: int
    cell_errors: int
    cpu_per_trainee: float | None
    rss_per_trainee: float | None
    pss_per_trainee: float | None
    fixed_rss: float
    api_p50: float
    api_p95: float
    home_p50: float
    home_p95: float
    requests: int
    hub_errors: int
    lowest_available_mb: float
    load_before: tuple[float, float, float]


def run_round(
    hub: Hub, n: int, tutor: tuple[requests.Session, str], args: argparse.Namespace
) -> Round:
    """N trainees at once; memory measured with every kernel alive; their servers stopped afterwards."""
    load_before = psutil.getloadavg()
    trainees: list[Trainee] = []  # each appended when that trainee is done
    observer = Observer(hub, *tutor, args.reserve_mb, busy=lambda: 2 * len(trainees) <= n)
    observer.start()
    threads = []
    for name in trainee_names(n):
        thread = threading.Thread(
            target=lambda name=name: trainees.append(
                simulate(hub, name, args.cell_timeout, args.spawn_timeout)
            ),
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    try:
        for thread in threads:
            while thread.is_alive() and not observer.short_of_memory.is_set():
                thread.join(1)
        if observer.short_of_memory.is_set():
            raise MemoryError(
                f"available memory fell below {args.reserve_mb:.0f} MB during the round of {n}"
            )
        memory = measure_memory(hub)
    finally:
        observer.halt.set()
        observer.join()
        stop_servers(hub.url, [(t.name, t.token) for t in trainees if t.token], args.spawn_timeout)
    done = [t for t in trainees if t.failure is None]
    ready = [t.ready_seconds for t in trainees if t.ready_seconds is not None]
    measured = [memory.rss[t.name] for t in done if t.name in memory.rss]
    measured_pss = [memory.pss[t.name] for t in done if t.name in memory.pss]
    cpu = [memory.cpu[t.name] for t in done if t.name in memory.cpu]
    return Round(
        n=n,
        ok=len(done),
        failures=[f"{t.name}: {t.failure}" for t in trainees if t.failure],
        ready_p50=percentile(ready, 0.5) if ready else None,
        ready_max=max(ready) if ready else None,
        cells_p50=percentile([t.cells_seconds for t in done], 0.5) if done else None,
        cells_run=sum(t.cells_run for t in trainees),
        cell_errors=sum(t.cell_errors for t in trainees),
        cpu_per_trainee=sum(cpu) / len(cpu) if cpu else None,
        rss_per_trainee=sum(measured) / len(measured) if measured else None,
        pss_per_trainee=sum(measured_pss) / len(measured_pss) if measured_pss else None,
        fixed_rss=memory.fixed_rss,
        api_p50=percentile(observer.api, 0.5),
        api_p95=percentile(observer.api, 0.95),
        home_p50=percentile(observer.home, 0.5),
        home_p95=percentile(observer.home, 0.95),
        requests=len(observer.api) + len(observer.home),
        hub_errors=observer.errors,
        lowest_available_mb=observer.lowest_available_mb,
        load_before=load_before,
    )


# ---------------------------------------------------------------------------------------------
# Reporting


def number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rounds: list[Round]) -> str:
    """The rounds as a markdown table, hub times also as ratios to the first round's."""
    first = rounds[0]
    lines = [
        (
            "| N | ok | ready p50 (s) | ready max (s) | cells run (errors) | cells p50 (s) | CPU per trainee (s) "
            "| RSS per trainee (MB) "
            "| PSS per trainee (MB) "
            "| hub API p50 / p95 (ms) | p95 vs first | /hub/home p50 / p95 (ms) | p95 vs first | load before |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rounds:
        lines.append(
            f"| {r.n} | {r.ok} | {number(r.ready_p50, 1)} | {number(r.ready_max, 1)} | {r.cells_run} ({r.cell_errors}) "
            f"| {number(r.cells_p50, 1)} | {number(r.cpu_per_trainee, 1)} "
            f"| {number(r.rss_per_trainee)} | {number(r.pss_per_trainee)} | {r.api_p50:.0f} / {r.api_p95:.0f} "
            f"| {r.api_p95 / first.api_p95:.1f}x | {r.home_p50:.0f} / {r.home_p95:.0f} "
            f"| {r.home_p95 / first.home_p95:.1f}x | {' '.join(f'{x:.1f}' for x in r.load_before)} |"
        )
    return "\n".join(lines)


def sizing_table(
    per_trainee_mb: float,
    fixed_mb: float,
    active_share: float,
    machine_gb: float,
    reserve_gb: float,
) -> str:
    """The admin guide's sizing table for 30, 100 and 500 trainees."""
    lines = [
        (f"| trainees | active at once | memory needed (GB) | machines of {machine_gb:g} GB |"),
        "|---:|---:|---:|---:|",
    ]
    for trainees in (30, 100, 500):
        row = sizing_row(trainees, active_share, per_trainee_mb, fixed_mb, machine_gb, reserve_gb)
        lines.append(f"| {row.trainees} | {row.active} | {row.memory_gb:g} | {row.machines} |")
    return "\n".join(lines)


def parse_series(text: str) -> list[int]:
    values = sorted({int(part) for part in text.split(",") if part.strip()})
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError(
            "the series is whole numbers of trainees, 1 or more, e.g. 2,5,10"
        )
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--series",
        type=parse_series,
        default=[2, 5, 10, 20],
        help="numbers of trainees at once, one round each (default 2,5,10,20)",
    )
    parser.add_argument(
        "--max", type=int, default=20, help="no round above this many trainees (default 20)"
    )
    parser.add_argument(
        "--cell-timeout", type=float, default=120, help="seconds one cell may take (default 120)"
    )
    parser.add_argument(
        "--spawn-timeout",
        type=float,
        default=300,
        help="seconds to wait for a server to be ready or stopped (default 300)",
    )
    parser.add_argument(
        "--reserve-mb",
        type=float,
        default=3072,
        help="stop when the machine's available memory would fall below this (default 3072)",
    )
    parser.add_argument(
        "--active-share",
        type=float,
        default=1 / 3,
        help="share of a cohort assumed active at once, for the sizing table (default 1/3)",
    )
    parser.add_argument(
        "--machine-gb", type=float, default=24, help="memory of one machine for the sizing (24)"
    )
    parser.add_argument(
        "--machine-reserve-gb",
        type=float,
        default=4,
        help="memory kept free on each machine in the sizing (default 4)",
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep the scratch course, state and hub log here"
    )
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    series = [n for n in args.series if n <= args.max]
    if not series:
        parser.error(f"no round in the series is at most --max {args.max}")

    base = Path(tempfile.mkdtemp(prefix="load-", dir=args.workdir))
    print(
        f"{platform.machine()}, {psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GB, "
        f"available {psutil.virtual_memory().available / 2**30:.1f} GB, "
        f"load {' '.join(f'{x:.1f}' for x in psutil.getloadavg())}; scratch folder {base}",
        flush=True,
    )
    rounds: list[Round] = []
    began = time.monotonic()
    hub = start_hub(base, max(series))
    try:
        print(f"hub: login page answered after {time.monotonic() - began:.0f} s", flush=True)
        tutor = logged_in(hub.url, TUTOR, hub.passwords[TUTOR])
        for n in series:
            expected = n * (
                rounds[-1].rss_per_trainee or FIRST_GUESS_MB if rounds else FIRST_GUESS_MB
            )
            available = psutil.virtual_memory().available / 2**20
            if available - expected < args.reserve_mb:
                print(
                    f"Stopping before N={n}: {available:.0f} MB available, about {expected:.0f} MB needed, "
                    f"{args.reserve_mb:.0f} MB to keep free."
                )
                break
            print(f"round N={n} ...", flush=True)
            try:
                result = run_round(hub, n, tutor, args)
            except MemoryError as error:
                print(f"Stopped: {error}.")
                break
            rounds.append(result)
            print(
                f"  N={n}: {result.ok} ok, RSS per trainee {number(result.rss_per_trainee)} MB, "
                f"hub API p95 {result.api_p95:.0f} ms ({result.hub_errors} hub answers not 200), "
                f"ready p50 {number(result.ready_p50, 1)} s",
                flush=True,
            )
            for failure in result.failures:
                print(f"  failed: {failure}")
    finally:
        left = stop_everything(hub)
        print(
            "Stopped the hub; no process of the scratch course left."
            if not left
            else "Killed processes left after `changekit stop`:\n  " + "\n  ".join(left)
        )
        if args.workdir is None:
            shutil.rmtree(base, ignore_errors=True)
    if not rounds:
        print("No round completed.")
        return 1
    print()
    print(table(rounds))
    measured = [r for r in rounds if r.rss_per_trainee is not None]
    if measured:
        worst = max(r.rss_per_trainee for r in measured)
        fixed = max(r.fixed_rss for r in rounds)
        print(
            f"\nHub, proxy and grading service together (RSS): {fixed:.0f} MB. Sizing from the largest "
            f"RSS per trainee measured ({worst:.0f} MB), {args.active_share:.0%} active at once, "
            f"{args.machine_reserve_gb:g} GB kept free per machine:\n"
        )
        print(
            sizing_table(worst, fixed, args.active_share, args.machine_gb, args.machine_reserve_gb)
        )
        print(
            f"\nActive trainees one {args.machine_gb:g} GB machine holds by memory: "
            f"{active_per_machine(worst, fixed, args.machine_gb, args.machine_reserve_gb)}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rounds], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
