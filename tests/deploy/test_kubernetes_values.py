"""Checks of the Kubernetes deployment (deploy/kubernetes) that need no cluster.

What a cluster would catch late, these catch at once: a YAML file that does not
parse, a key the Zero to JupyterHub chart does not know (helm would refuse it,
or worse, ignore it), hub Python that does not compile, a profile rule that lets
trainees start the tutor image, an nbgrader configuration naming a different
course from the repository's, a secret written into a committed file.

The allowed keys come from fixtures/z2jh_keys.txt and fixtures/ngshare_keys.txt
(derived from the charts' schema and defaults; their headers say how).
"""

from __future__ import annotations

import difflib
import re
import sys
import types
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "kubernetes"
FIXTURES = Path(__file__).parent / "fixtures"
COURSE_SERVICE_KEY = "pich-leadership"
PLACEHOLDER = re.compile(r"^<[A-Z0-9_]+>$")


# --- the key check -------------------------------------------------------------------------


@dataclass
class KeyNode:
    """One level of allowed keys: plain names, and glob patterns for free-form names."""

    children: dict[str, KeyNode] = field(default_factory=dict)

    def child(self, key: str) -> tuple[str, KeyNode] | None:
        """The entry that admits ``key``: its own name first, else the first matching glob."""
        if key in self.children:
            return key, self.children[key]
        for pattern, node in self.children.items():
            if is_glob(pattern) and fnmatchcase(key, pattern):
                return pattern, node
        return None

    def names(self) -> list[str]:
        """The plain key names allowed here (globs left out), for suggestions."""
        return sorted(name for name in self.children if not is_glob(name))


def is_glob(segment: str) -> bool:
    """Whether a segment of the key list stands for many names (``*``, ``[A-Z]*``)."""
    return any(char in segment for char in "*?[")


def load_key_tree(path: Path) -> KeyNode:
    """Read a key list (one dotted path a line, ``#`` comments) into a tree."""
    root = KeyNode()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        node = root
        for segment in line.split("."):
            node = node.children.setdefault(segment, KeyNode())
    return root


def unknown_keys(values: dict[str, Any], tree: KeyNode, source: str, prefix: str = "") -> list[str]:
    """Plain-English problems with the keys of ``values``; an empty list when all are allowed.

    A key is allowed when the list names it or a glob at that level matches it. Below a
    glob with nothing listed under it anything goes; a plain name with nothing listed
    under it takes a value or a list, not a mapping. Lists are not looked into.
    """
    problems: list[str] = []
    for key, value in values.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        found = tree.child(str(key))
        if found is None:
            problems.append(unknown_key_message(source, path, str(key), tree))
            continue
        name, node = found
        if not node.children:
            if not is_glob(name) and isinstance(value, dict):
                problems.append(
                    f"{source}: `{path}` takes a single value or a list, not further keys "
                    f"({', '.join(map(str, value))}). Check the indentation."
                )
            continue
        if isinstance(value, dict):
            problems.extend(unknown_keys(value, node, source, path))
    return problems


def unknown_key_message(source: str, path: str, key: str, level: KeyNode) -> str:
    """Say which key is unknown, where, and which allowed keys are nearest to it."""
    allowed = level.names()
    parent = path.rpartition(".")[0] or "the top level"
    nearest = difflib.get_close_matches(key, allowed, n=3, cutoff=0.6)
    if nearest:
        hint = "Did you mean " + " or ".join(f"`{name}`" for name in nearest) + "?"
    else:
        shown = allowed[:12] + (["..."] if len(allowed) > 12 else [])
        shown += [
            f"any name matching the pattern {name}" for name in level.children if is_glob(name)
        ]
        hint = "Allowed there: " + ", ".join(shown) + "."
    return (
        f"{source}: unknown key `{path}`: the chart accepts no `{key}` under {parent}. {hint} "
        "Fix the spelling, or check the key in the chart's configuration reference."
    )


# --- loading the deployment files ----------------------------------------------------------


def yaml_files() -> list[Path]:
    """Every YAML file in deploy/kubernetes."""
    return sorted(path for path in DEPLOY.rglob("*") if path.suffix in {".yaml", ".yml"})


def load_yaml(path: Path) -> Any:
    """Parse one YAML file, failing the test with the file, line and problem in plain words."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        pytest.fail(f"{path.relative_to(ROOT)} is not valid YAML{where}: {problem}.", pytrace=False)


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    """deploy/kubernetes/values.yaml, parsed."""
    return load_yaml(DEPLOY / "values.yaml")


@pytest.fixture(scope="module")
def z2jh_keys() -> KeyNode:
    """The keys the jupyterhub chart accepts."""
    return load_key_tree(FIXTURES / "z2jh_keys.txt")


def repo_course_id(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The course id that the repository's nbgrader_config.py sets when no override is given."""
    monkeypatch.delenv("CHANGEKIT_COURSE_ID", raising=False)
    monkeypatch.setenv("CHANGEKIT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CHANGEKIT_TRAINEE_DIR", str(tmp_path / "trainee"))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    return config.CourseDirectory.course_id


def load_written_nbgrader_config(
    text: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Config, list[str]]:
    """Run the nbgrader configuration values.yaml writes, with ngshare_exchange stood in.

    ngshare_exchange is installed in the images, not in the test environment; the
    stand-in records the URL that ``configureExchange`` was given.
    """
    urls: list[str] = []
    stub = types.ModuleType("ngshare_exchange")
    stub.configureExchange = lambda c, url=None: urls.append(url)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ngshare_exchange", stub)
    (folder / "nbgrader_config.py").write_text(text, encoding="utf-8")
    return PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config(), urls


def formgrader_container(values: dict[str, Any]) -> dict[str, Any]:
    """The hub's sidecar container that serves the course formgrader."""
    (container,) = [c for c in values["hub"]["extraContainers"] if c["name"] == "formgrader"]
    return container


# --- tests ---------------------------------------------------------------------------------


def test_the_deployment_files_are_all_there() -> None:
    names = {path.relative_to(DEPLOY).as_posix() for path in DEPLOY.rglob("*") if path.is_file()}
    expected = {
        "values.yaml",
        "ngshare-values.yaml",
        "README.md",
        "images/trainee/Dockerfile",
        "images/tutor/Dockerfile",
    }
    assert expected <= names, f"missing from deploy/kubernetes: {sorted(expected - names)}"


@pytest.mark.parametrize("path", yaml_files(), ids=lambda path: path.relative_to(DEPLOY).as_posix())
def test_every_yaml_file_parses_to_a_mapping(path: Path) -> None:
    assert isinstance(load_yaml(path), dict), (
        f"{path.relative_to(ROOT)} should hold a mapping of settings"
    )


def test_every_values_key_is_one_the_chart_accepts(
    values: dict[str, Any], z2jh_keys: KeyNode
) -> None:
    problems = unknown_keys(values, z2jh_keys, "deploy/kubernetes/values.yaml")
    assert not problems, "\n".join(problems)


def test_every_ngshare_key_is_one_its_chart_accepts() -> None:
    tree = load_key_tree(FIXTURES / "ngshare_keys.txt")
    problems = unknown_keys(
        load_yaml(DEPLOY / "ngshare-values.yaml"), tree, "deploy/kubernetes/ngshare-values.yaml"
    )
    assert not problems, "\n".join(problems)


def test_a_misspelt_key_is_reported_with_its_path_and_the_nearest_keys(z2jh_keys: KeyNode) -> None:
    problems = unknown_keys({"hub": {"servces": {}}}, z2jh_keys, "values.yaml")
    assert len(problems) == 1
    assert "unknown key `hub.servces`" in problems[0]
    assert "`services`" in problems[0]


def test_a_misspelt_key_below_a_free_name_is_still_caught(z2jh_keys: KeyNode) -> None:
    values = {
        "singleuser": {"extraFiles": {"any-name": {"mountpath": "/etc/x", "stringData": "x"}}}
    }
    (problem,) = unknown_keys(values, z2jh_keys, "values.yaml")
    assert "`singleuser.extraFiles.any-name.mountpath`" in problem and "`mountPath`" in problem


def test_a_hub_config_section_must_be_a_class_name(z2jh_keys: KeyNode) -> None:
    (problem,) = unknown_keys(
        {"hub": {"config": {"jupyterHub": {"x": 1}}}}, z2jh_keys, "values.yaml"
    )
    assert "`hub.config.jupyterHub`" in problem and "[A-Z]*" in problem
    assert not unknown_keys({"hub": {"config": {"JupyterHub": {"x": 1}}}}, z2jh_keys, "values.yaml")


def test_a_mapping_under_a_single_value_key_is_reported(z2jh_keys: KeyNode) -> None:
    (problem,) = unknown_keys(
        {"singleuser": {"defaultUrl": {"lab": True}}}, z2jh_keys, "values.yaml"
    )
    assert "`singleuser.defaultUrl` takes a single value" in problem


def test_hub_python_snippets_compile(values: dict[str, Any]) -> None:
    snippets = values["hub"]["extraConfig"]
    assert snippets, "hub.extraConfig should hold the profile rule"
    for name, code in snippets.items():
        try:
            compile(code, f"hub.extraConfig.{name}", "exec")
        except SyntaxError as error:
            pytest.fail(f"hub.extraConfig.{name}, line {error.lineno}: {error.msg}", pytrace=False)


def profiles_offered(values: dict[str, Any], groups: set[str]) -> list[dict[str, Any]]:
    """Run the profile rule in values.yaml for a user in ``groups``: what may they start?"""
    settings = {
        "custom.courseId": values["custom"]["courseId"],
        "singleuser.profileList": values["singleuser"]["profileList"],
    }
    c = Config()
    namespace = {"c": c, "get_config": lambda key, default=None: settings.get(key, default)}
    snippet = values["hub"]["extraConfig"]["10-profiles-by-group.py"]
    # Our own hub configuration, run the way the chart runs it.
    exec(compile(snippet, "hub.extraConfig", "exec"), namespace)  # noqa: S102
    user = types.SimpleNamespace(
        groups=[types.SimpleNamespace(name=name) for name in sorted(groups)]
    )
    return c.KubeSpawner.profile_list(types.SimpleNamespace(user=user))


def test_trainees_may_start_only_the_trainee_profile(values: dict[str, Any]) -> None:
    offered = profiles_offered(values, {"nbgrader-pich-leadership"})
    assert [profile["slug"] for profile in offered] == ["trainee"]


def test_tutors_may_start_the_tutor_profile_with_its_own_image(values: dict[str, Any]) -> None:
    offered = {p["slug"]: p for p in profiles_offered(values, {"formgrade-pich-leadership"})}
    assert set(offered) == {"trainee", "tutor"}
    trainee_image = offered["trainee"]["kubespawner_override"]["image"]
    tutor_image = offered["tutor"]["kubespawner_override"]["image"]
    assert trainee_image != tutor_image
    assert "/pich-trainee:" in trainee_image and "/pich-tutor:" in tutor_image


def test_the_nbgrader_config_names_the_repository_course_and_ngshare(
    values: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = repo_course_id(monkeypatch, tmp_path)
    text = values["singleuser"]["extraFiles"]["nbgrader-config"]["stringData"]
    written = tmp_path / "written"
    written.mkdir()
    config, urls = load_written_nbgrader_config(text, written, monkeypatch)
    assert config.CourseDirectory.course_id == course, (
        f"values.yaml writes course id {config.CourseDirectory.course_id!r} for nbgrader, "
        f"but nbgrader_config.py's default is {course!r}: make them the same."
    )
    ngshare_url = values["hub"]["services"]["ngshare"]["url"]
    assert urls == [f"{ngshare_url}/services/ngshare"], (
        "nbgrader should reach ngshare where the hub registers it"
    )


def test_the_course_id_is_the_same_everywhere_in_values(
    values: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = repo_course_id(monkeypatch, tmp_path)
    hub = values["hub"]
    env = {item["name"]: item.get("value") for item in formgrader_container(values)["env"]}
    assert values["custom"]["courseId"] == course
    assert course in hub["services"], f"the formgrader service should be named {course!r}"
    assert (
        env["JUPYTERHUB_SERVICE_NAME"]
        == env["CHANGEKIT_COURSE_ID"]
        == env["JUPYTERHUB_USER"]
        == course
    )
    assert set(hub["config"]["AzureAdOAuthenticator"]["allowed_groups"]) == {
        f"formgrade-{course}",
        f"nbgrader-{course}",
    }
    tutors = hub["loadRoles"][f"formgrade-{course}"]
    assert tutors["groups"] == [f"formgrade-{course}"]
    assert f"access:services!service={course}" in tutors["scopes"]
    trainees = hub["loadRoles"][f"nbgrader-{course}"]
    assert not any(scope.startswith("access:services") for scope in trainees["scopes"]), (
        "trainees must not be able to open the formgrader"
    )
    assert load_yaml(DEPLOY / "ngshare-values.yaml")["ngshare"]["admins"] == [course]


def test_the_formgrader_service_is_wired_to_its_container(values: dict[str, Any]) -> None:
    hub = values["hub"]
    container = formgrader_container(values)
    port = container["ports"][0]["containerPort"]
    env = {item["name"]: item for item in container["env"]}
    assert hub["services"][COURSE_SERVICE_KEY]["url"] == f"http://hub:{port}"
    assert env["JUPYTERHUB_SERVICE_URL"]["value"].endswith(f":{port}")
    assert [p["port"] for p in hub["service"]["extraPorts"]] == [port]
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {
        "name": "hub",
        "key": f"hub.services.{COURSE_SERVICE_KEY}.apiToken",
    }
    volumes = {volume["name"] for volume in hub["extraVolumes"]}
    assert {mount["name"] for mount in container["volumeMounts"]} <= volumes
    config_volume = next(v for v in hub["extraVolumes"] if v["name"] == "pich-nbgrader-config")
    assert config_volume["secret"]["items"][0]["key"] in values["singleuser"]["extraFiles"], (
        "the formgrader should read the same nbgrader configuration as the users' servers"
    )


def test_secrets_are_placeholders_in_committed_files(values: dict[str, Any]) -> None:
    entra = values["hub"]["config"]["AzureAdOAuthenticator"]
    secrets = {
        "hub.config.AzureAdOAuthenticator.tenant_id": entra["tenant_id"],
        "hub.config.AzureAdOAuthenticator.client_id": entra["client_id"],
        "hub.config.AzureAdOAuthenticator.client_secret": entra["client_secret"],
        "hub.services.ngshare.api_token": values["hub"]["services"]["ngshare"]["api_token"],
    }
    real = [path for path, value in secrets.items() if not PLACEHOLDER.match(str(value))]
    assert not real, (
        f"put these in secrets.yaml (not committed) and leave a <PLACEHOLDER> here: {real}"
    )
    assert "hub_api_token" not in load_yaml(DEPLOY / "ngshare-values.yaml")["ngshare"], (
        "ngshare's token belongs in ngshare-secrets.yaml, not in ngshare-values.yaml"
    )


def dockerfile(role: str) -> str:
    """The text of one image's Dockerfile."""
    return (DEPLOY / "images" / role / "Dockerfile").read_text(encoding="utf-8")


def test_the_trainee_image_carries_no_model_answers() -> None:
    copies = [
        line
        for line in dockerfile("trainee").splitlines()
        if line.strip().startswith(("COPY", "ADD"))
    ]
    assert copies, "the trainee Dockerfile should COPY the course files it needs"
    assert not [line for line in copies if re.search(r"\bsource\b", line)], (
        "source/ holds model answers and hidden tests: it belongs in the tutor image only"
    )
    assert "TUTOR_ONLY_LAB_PLUGINS" in dockerfile("trainee"), (
        "the trainee image should switch off tutor-only tools"
    )


def test_both_images_install_the_same_pinned_ngshare_exchange_without_its_stale_pins() -> None:
    pins = re.findall(r"NGSHARE_EXCHANGE_VERSION=(\S+)", dockerfile("trainee"))
    assert pins == ["0.5.3"]
    assert 'pip install --no-deps "ngshare-exchange==${NGSHARE_EXCHANGE_VERSION}"' in dockerfile(
        "trainee"
    )
    assert "FROM ${TRAINEE_IMAGE}" in dockerfile("tutor"), (
        "the tutor image should build on the trainee image"
    )


def test_the_tutor_image_can_sandbox_autograding() -> None:
    installs = [line for line in dockerfile("tutor").splitlines() if "apt-get install" in line]
    assert any("bubblewrap" in line for line in installs), (
        "the formgrader autogrades in bubblewrap's sandbox: the tutor image must install bubblewrap"
    )


def gigabytes(size: str) -> float:
    """A Kubernetes size ('512M', '2G', '15Gi') in gigabytes (10^9 bytes)."""
    units = {"M": 1e6, "G": 1e9, "Mi": 2**20, "Gi": 2**30}
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([MG]i?)", size).groups()
    return float(number) * units[unit] / 1e9


def test_values_are_sized_for_a_few_hundred_trainees(values: dict[str, Any]) -> None:
    """The README's sizing table: 512M guarantee, packed user pods, placeholders, core and user pools."""
    memory = values["singleuser"]["memory"]
    assert gigabytes(memory["guarantee"]) <= 0.55, (
        "a trainee's guarantee should be about 512M (README, Sizing)"
    )
    assert gigabytes(memory["limit"]) >= 4 * 0.25, (
        "the limit should hold four open notebooks of 250 MB"
    )
    scheduling = values["scheduling"]
    assert scheduling["userScheduler"]["enabled"] and scheduling["podPriority"]["enabled"]
    assert (
        scheduling["userPlaceholder"]["enabled"] and scheduling["userPlaceholder"]["replicas"] >= 1
    )
    assert scheduling["userPods"]["nodeAffinity"]["matchNodePurpose"] in {"prefer", "require"}


def test_volumes_hold_three_hundred_trainees_at_the_measured_size() -> None:
    """15 MB per trainee in the course volume, 8 MB in the exchange (README, Sizing), for 300 trainees."""
    readme = (DEPLOY / "README.md").read_text()
    course = re.search(r"name: pich-course\n.*?storage: (\S+)", readme, re.DOTALL).group(1)
    assert gigabytes(course) >= 300 * 15e-3, f"pich-course {course} is too small for 300 trainees"
    ngshare = load_yaml(DEPLOY / "ngshare-values.yaml")["pvc"]["storage"]
    assert gigabytes(ngshare) >= 300 * 8e-3, (
        f"ngshare's volume {ngshare} is too small for 300 trainees"
    )


def test_the_formgrader_leaves_collection_to_ngshare(
    values: dict[str, Any], tmp_path: Path
) -> None:
    """On Kubernetes the course config must not replace ngshare's collector with the filesystem one."""
    from changekit.course import course_config

    container = next(c for c in values["hub"]["extraContainers"] if c["name"] == "formgrader")
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env.get("CHANGEKIT_NGSHARE") == "1", (
        "the formgrader container must say its exchange is ngshare"
    )
    state = {"CHANGEKIT_STATE_DIR": str(tmp_path)}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**state, "CHANGEKIT_NGSHARE": "1"}.items():
            patch.setenv(name, value)
        assert "collect" not in course_config(ROOT).ExchangeFactory, (
            "ngshare's collector was replaced"
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHANGEKIT_STATE_DIR", str(tmp_path))
        patch.delenv("CHANGEKIT_NGSHARE", raising=False)
        assert course_config(ROOT).ExchangeFactory.collect.endswith("CollectOnTime")
