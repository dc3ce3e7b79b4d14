"""Per-trainee limits on the production hub (changekit/hub/spawner.py), enforced without systemd.

The installed hub is started with the limits an admin sets in the settings
file; a trainee logs in, starts her server through the hub's API and runs code
in a kernel over its websocket: allocating beyond the memory limit raises
MemoryError in her cell, her kernel and the hub carry on, the limits are those
of the settings file, her processes are in her CPU cgroup (where the server
lets root make one), and a home without the start page gets one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from changekit.hub.spawner import CGROUP_PARENT, cpu_cgroup_root
from tests.hub.conftest import pick_port
from tests.security import hubapi
from tests.security.conftest import NEEDS_INSTALL, Server, production_hub, set_passwords

pytestmark = [
    pytest.mark.security,
    pytest.mark.hub,
    pytest.mark.xdist_group("security"),
    NEEDS_INSTALL,
]
MEMORY = 1024**3
PROCESSES = 200
START_PAGE = "00_start_here.ipynb"


@pytest.fixture(scope="module")
def trainee(server: Server) -> Iterator[tuple[hubapi.Trainee, str]]:
    name = server.trainees[0]
    (server.home(name) / START_PAGE).unlink(
        missing_ok=True
    )  # as for an account made at first login
    password = set_passwords([name])[name]
    settings = {
        "CHANGEKIT_PORT": str(pick_port()),
        "CHANGEKIT_HUB_DIR": str(server.base / "hub-limits"),
        "CHANGEKIT_MEMORY_LIMIT": "1G",
        "CHANGEKIT_PROCESS_LIMIT": str(PROCESSES),
        "CHANGEKIT_CPU_LIMIT": "0.5",
        "CHANGEKIT_CULL_TIMEOUT": "0",
    }
    with production_hub(server, settings, "hub-limits") as (url, process, _log):
        person = hubapi.log_in(url, name, password)
        hubapi.start_server(person)
        kernel = hubapi.start_kernel(person)
        yield person, kernel
        assert process.poll() is None, "the hub must outlive a trainee's greedy kernel"


def test_allocating_beyond_the_limit_is_a_memory_error_and_everything_carries_on(trainee) -> None:
    person, kernel = trainee
    greedy = hubapi.run_code(person, kernel, f"hog = bytearray({2 * MEMORY})")
    assert greedy["error"] == "MemoryError", greedy
    after = hubapi.run_code(person, kernel, "print(sum(range(10)))")
    assert after["error"] is None and after["stdout"].strip() == "45", after
    assert requests.get(f"{person.hub}/hub/api", timeout=30).status_code == 200


def test_the_kernel_runs_with_the_settings_files_limits(trainee) -> None:
    person, kernel = trainee
    shown = hubapi.run_code(
        person,
        kernel,
        "import resource; print(resource.getrlimit(resource.RLIMIT_DATA)[0],"
        " resource.getrlimit(resource.RLIMIT_NPROC)[0])",
    )
    assert shown["stdout"].split() == [str(MEMORY), str(PROCESSES)], shown


def test_the_kernel_is_in_the_trainees_cpu_cgroup(trainee, server: Server) -> None:
    root = cpu_cgroup_root()
    if root is None:
        pytest.skip(
            "no writable cgroup with a CPU controller here (the hub logs that CPU is not limited)"
        )
    person, kernel = trainee
    pid = int(hubapi.run_code(person, kernel, "import os; print(os.getpid())")["stdout"])
    groups = Path(f"/proc/{pid}/cgroup").read_text()
    assert f"/{CGROUP_PARENT}/{person.name}" in groups, groups
    group = root / CGROUP_PARENT / person.name
    quota = (
        (group / "cpu.max").read_text().split()[0]
        if (group / "cpu.max").exists()
        else (group / "cpu.cfs_quota_us").read_text().strip()
    )
    assert quota == "50000", quota


def test_a_home_without_the_start_page_gets_one_owned_by_the_trainee(
    trainee, server: Server
) -> None:
    person, _ = trainee
    page = server.home(person.name) / START_PAGE
    assert page.is_file() and page.stat().st_uid == os.stat(server.home(person.name)).st_uid
