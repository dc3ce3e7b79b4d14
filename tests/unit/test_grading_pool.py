"""How many submissions ``changekit grade`` grades at once, from what the process is allowed.

Each case is a folder under ``fixtures/cgroup`` laid out like a machine's root
(``proc/self/cgroup`` and ``sys/fs/cgroup/...``), so nothing here depends on
the host the tests run on.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config import Config

from changekit.grading.parallel import Report
from changekit.grading.pool import (
    Allowance,
    chosen_jobs,
    cpu_quota_v1,
    cpu_quota_v2,
    job_count,
    kernel_memory_mb,
    memory_limit,
    read_allowance,
)

CGROUPS = Path(__file__).parent / "fixtures" / "cgroup"
GB = 2**30


@pytest.mark.parametrize(
    ("text", "cpus"), [("200000 100000\n", 2.0), ("150000 100000", 1.5), ("max 100000\n", None)]
)
def test_cpu_max(text: str, cpus: float | None) -> None:
    assert cpu_quota_v2(text) == cpus


def test_cfs_quota() -> None:
    assert cpu_quota_v1("300000\n", "100000\n") == 3.0
    assert cpu_quota_v1("-1\n", "100000\n") is None


@pytest.mark.parametrize(
    ("text", "limit"), [("3221225472\n", 3 * GB), ("max\n", None), ("9223372036854771712\n", None)]
)
def test_memory_limit(text: str, limit: int | None) -> None:
    assert memory_limit(text) == limit


def test_cgroup_v2_limits_are_read_and_the_smallest_level_binds() -> None:
    allowance = read_allowance(CGROUPS / "v2_container", cpus=8, affinity=8)
    assert allowance.cpu_quota == 2.0
    assert allowance.memory_bytes == 3 * GB  # the parent's 4 GB does not loosen the pod's 3 GB
    assert allowance.sources == (
        "sys/fs/cgroup/kubepods/pod1/cpu.max",
        "sys/fs/cgroup/kubepods/pod1/memory.max",
    )


def test_cgroup_v1_cfs_quota_and_memory_limit_are_read() -> None:
    allowance = read_allowance(CGROUPS / "v1_docker", cpus=16, affinity=16)
    assert allowance.cpu_quota == 4.0
    assert allowance.memory_bytes == 8 * GB


def test_a_hybrid_machine_without_limits_allows_every_cpu() -> None:
    allowance = read_allowance(CGROUPS / "hybrid_unlimited", cpus=2, affinity=2)
    assert allowance == Allowance(2, 2, None, None, ())


def test_no_cgroup_files_at_all_means_no_limits(tmp_path: Path) -> None:
    assert read_allowance(tmp_path, cpus=4, affinity=3) == Allowance(4, 3)


def test_the_8_core_node_with_a_3gi_limit_grades_one_at_a_time() -> None:
    """Issue 13: one job per host CPU overran the formgrader's 3Gi limit on an 8-core node."""
    sizing = job_count(
        read_allowance(CGROUPS / "v2_container", cpus=8, affinity=8), per_job_mb=1024
    )
    assert sizing.jobs == 2  # the CPU quota (2) binds before memory (3 kernels of 1 GB)
    sizing = job_count(
        read_allowance(CGROUPS / "v2_container", cpus=8, affinity=8), per_job_mb=4096
    )
    assert sizing.jobs == 1
    assert "room for 0 grading kernel(s) of up to 4,096 MB" in sizing.reason
    assert "one at a time" in sizing.reason


def test_affinity_limits_jobs_and_the_reason_says_so() -> None:
    sizing = job_count(Allowance(cpus=8, affinity=3), per_job_mb=4096)
    assert sizing.jobs == 3
    assert sizing.reason == (
        "Grading 3 submission(s) at once: 3 CPU(s) this process may run on (of 8); "
        "no cgroup memory limit."
    )


def test_memory_binds_when_it_is_tighter_than_the_cpus() -> None:
    sizing = job_count(
        Allowance(cpus=16, affinity=16, cpu_quota=4.0, memory_bytes=8 * GB, sources=("m",)),
        per_job_mb=4096,
    )
    assert sizing.jobs == 2
    assert "a cgroup CPU quota of 4" in sizing.reason and "(from m)" in sizing.reason


def test_a_fractional_quota_rounds_down_but_never_to_zero() -> None:
    assert job_count(Allowance(4, 4, cpu_quota=1.5), per_job_mb=512).jobs == 1
    assert job_count(Allowance(4, 4, cpu_quota=0.5), per_job_mb=512).jobs == 1


def test_the_per_job_memory_is_the_kernels_limit_from_the_course_config() -> None:
    config = Config()
    assert kernel_memory_mb(config) == 4096
    config.SandboxedKernelManager.memory_mb = 2048
    assert kernel_memory_mb(config) == 2048


def test_grading_sizes_jobs_from_the_allowance_and_the_courses_kernel_limit_unless_told() -> None:
    config = Config()
    config.SandboxedKernelManager.memory_mb = 1024
    settings = SimpleNamespace(coursedir=SimpleNamespace(config=config))
    sized = chosen_jobs(None, settings, CGROUPS / "v1_docker")
    assert 1 <= sized.jobs <= 4, "never more than the cgroup's 4 CPUs, whatever this host has"
    assert (
        "a cgroup CPU quota of 4" in sized.reason
        and "room for 8 grading kernel(s) of up to 1,024 MB" in sized.reason
    )
    assert chosen_jobs(3, settings, CGROUPS / "v1_docker").reason == (
        "Grading 3 submission(s) at once, as asked (--jobs 3)."
    )


def test_the_report_shows_how_many_jobs_and_why(tmp_path: Path) -> None:
    report = Report(
        "tiny", [], 1.0, tmp_path, jobs_reason="Grading 2 submission(s) at once: because."
    )
    assert report.table().splitlines()[1] == "Grading 2 submission(s) at once: because."
