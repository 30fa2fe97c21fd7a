"""deploy/: the scaled-out topology for Docker Compose and Kubernetes, checked offline.

Nothing is started (no Docker daemon, no cluster): the Compose file is validated against the
compose-spec schema, HAProxy checks its configuration, ``kubectl kustomize`` renders the
Kubernetes manifests and kubernetes-validate checks them against the API's schemas. The rest
are the ways these files can disagree with each other or with the code: settings nobody reads,
Rasa servers whose names HAProxy does not route by, a port published besides the balancer's.

The tools come from ``scripts/ensure-deploy-tools.sh`` (its own venv: they need a newer
jsonschema than Rasa's); ``make test`` passes its folder in ``SUPPORTBOT_TEST_DEPLOY_TOOLS``.
Without it the tests that run a tool are skipped, or fail under
``SUPPORTBOT_TEST_SERVERS_REQUIRED=1``, as the tests needing servers do (tests/databases.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.runtime.haproxy import haproxy_config, server_name
from bot.runtime.servers import endpoints_file
from bot.runtime.topology import Topology
from bot.settings import Settings
from tests.conftest import PROJECT
from tests.databases import unavailable

TOOLS_ENV = "SUPPORTBOT_TEST_DEPLOY_TOOLS"
DEPLOY = PROJECT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
HAPROXY_FILE = DEPLOY / "haproxy" / "haproxy.cfg"
#: kubernetes-validate's schemas for this Kubernetes release (a recent one it ships).
KUBERNETES_VERSION = "1.37.0"
#: ``haproxy.cfg`` tells Docker from Kubernetes by this variable (Kubernetes sets it in pods).
KUBERNETES_MARK = {"KUBERNETES_SERVICE_HOST": "10.96.0.1"}
#: Stands for every secret of deploy/env.example (letters and digits, as it asks).
SECRET = "s3cretvalue"


@pytest.fixture(scope="module")
def tools() -> Path:
    folder = os.environ.get(TOOLS_ENV, "").strip()
    if not folder:
        unavailable(
            f"{TOOLS_ENV} is not set", "set it to what scripts/ensure-deploy-tools.sh prints"
        )
    return Path(folder)


def _program(name: str, *places: Path, script: str = "scripts/ensure-deploy-tools.sh") -> str:
    for place in places:
        if (place / name).is_file():
            return str(place / name)
    found = shutil.which(name)
    if found is None:
        unavailable(f"{name} is not installed", f"{script} installs it")
    assert found is not None
    return found


def _run(command: list[str], env: Mapping[str, str] | None = None) -> str:
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env=env, timeout=120
    )
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


# --- Docker Compose -----------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def _interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}``, ``${NAME:?error}`` and ``$$``."""

    def value(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if name is None:
            return "$"
        given = env.get(name)
        unset = given is None or (given == "" and operator is not None and ":" in operator)
        if unset and operator and operator.endswith("?"):
            raise AssertionError(f"Compose would stop: {name}: {argument}")
        if unset and operator and operator.endswith("-"):
            return argument
        return given or ""

    return _VARIABLE.sub(value, text)


def _env_example() -> dict[str, str]:
    lines = (DEPLOY / "env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def _filled(example: Mapping[str, str]) -> dict[str, str]:
    """deploy/.env as a user makes it from env.example: every empty value set."""
    return {name: value or SECRET for name, value in example.items()}


def _compose(env: Mapping[str, str]) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(_interpolate(COMPOSE_FILE.read_text(), env))
    return loaded


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _compose(_filled(_env_example()))


def _servers_of(compose: Mapping[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The services running ``supportbot serve KIND``."""
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("command") == ["supportbot", "serve", kind]
    }


def _ours(compose: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for kind in ("rasa", "actions", "web")
        for name, service in _servers_of(compose, kind).items()
    }


def test_compose_file_follows_the_compose_spec(tools: Path):
    _run(
        [
            _program("check-jsonschema", tools),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ]
    )


def test_compose_secrets_are_required_from_deploy_env_and_none_is_committed():
    text = COMPOSE_FILE.read_text()
    used = {match.group(1) for match in _VARIABLE.finditer(text) if match.group(1)}
    example = _env_example()
    assert used <= set(example), f"not in deploy/env.example: {sorted(used - set(example))}"
    secrets = {name for name in example if name.endswith(("PASSWORD", "TOKEN"))}
    assert secrets, "deploy/env.example names no password"
    for name in secrets:
        assert example[name] == "", f"deploy/env.example gives {name} a value"
        forms = set(re.findall(r"\$\{" + name + r"([^}]*)\}", text))
        assert forms and all(form.startswith(":?") for form in forms), (
            f"{name} must be required (${{{name}:?...}}), not defaulted: {forms}"
        )
    with pytest.raises(AssertionError, match="Compose would stop"):
        _compose(example)  # env.example copied but not filled in


class _Reads(dict[str, str]):
    """An environment that records the names read from it."""

    def __init__(self, values: Mapping[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def _check_settings(where: str, env: Mapping[str, str]) -> Settings:
    """``env`` holds only settings supportbot reads, valid ones, for a clustered server whose
    Rasa finds everything ``deploy/endpoints.yml`` asks for."""
    reads = _Reads({"SUPPORTBOT_HOME": str(PROJECT), **env})
    settings = Settings.from_env(reads)
    named = {name for name in env if name.startswith("SUPPORTBOT_")}
    assert named <= reads.read, f"{where}: settings nobody reads: {sorted(named - reads.read)}"
    assert settings.database_url.startswith("postgresql://"), where
    assert settings.tracker_url.startswith("postgresql://"), where
    assert settings.redis_url and settings.broker_url, f"{where}: needs Redis and RabbitMQ"
    assert settings.rasa_api_token, f"{where}: every server must share SUPPORTBOT_RASA_API_TOKEN"
    assert settings.rest_token, f"{where}: REST must want SUPPORTBOT_REST_TOKEN in production"
    assert settings.actions_token, f"{where}: Rasa and the action servers share a token"
    assert settings.forwarded_by, f"{where}: the web services must know the balancer"
    assert settings.host == "0.0.0.0", f"{where}: a container's server listens on every address"
    # With Redis and RabbitMQ set, `supportbot serve rasa` starts Rasa on deploy/endpoints.yml:
    # each of its ${SUPPORTBOT_...} must come out of these settings.
    endpoints = (PROJECT / endpoints_file(clustered=True)).read_text()
    wanted = set(re.findall(r"\$\{(\w+)\}", endpoints))
    given = settings.child_environment({})
    assert wanted <= set(given), f"{where}: endpoints.yml misses {sorted(wanted - set(given))}"
    return settings


def test_compose_servers_get_valid_settings_that_supportbot_reads(compose):
    balancer = compose["services"]["haproxy"]["networks"]["backend"]["ipv4_address"]
    servers = _ours(compose)
    assert {name.split("-")[0] for name in servers} == {"rasa", "actions", "web"}
    for name, service in servers.items():
        env = {key: str(value) for key, value in service["environment"].items()}
        settings = _check_settings(f"compose service {name}", env)
        assert settings.rasa_url == "http://haproxy:8081"  # the balancer's internal listeners
        assert settings.actions_url == "http://haproxy:8082"
        assert settings.forwarded_by == balancer, "must be HAProxy's fixed address"


def test_compose_publishes_only_the_balancers_port(compose):
    for name, service in compose["services"].items():
        assert service.get("network_mode") != "host", name
        if name != "haproxy":
            assert "ports" not in service, f"{name} publishes {service['ports']}"
    assert compose["services"]["haproxy"]["ports"] == ["8080:8080"]


# --- HAProxy ------------------------------------------------------------------------------

Sections = dict[str, list[str]]


def _sections(text: str, env: Mapping[str, str]) -> Sections:
    """The configuration's sections and their lines (no comments), as HAProxy reads it with
    ``env`` (its ``.if defined(NAME)`` / ``.if !defined(NAME)`` blocks)."""
    sections: Sections = {}
    current: list[str] = []
    taking: list[bool] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith(".if"):
            found = re.fullmatch(r"\.if (!?)defined\((\w+)\)", line)
            assert found, f"a condition the test cannot read: {line}"
            taking.append((found.group(2) in env) != (found.group(1) == "!"))
        elif line == ".else":
            taking[-1] = not taking[-1]
        elif line == ".endif":
            taking.pop()
        elif not line or not all(taking):
            continue
        elif not raw[0].isspace():
            current = sections.setdefault(line, [])
        else:
            current.append(" ".join(line.split()))
    assert not taking, "an .if without .endif"
    return sections


def _servers(lines: list[str]) -> list[tuple[str, str, str]]:
    """(name, address, options) of each server, ``server-template`` ones spelt out."""
    found = []
    for line in lines:
        words = line.split()
        if words[0] == "server":
            found.append((words[1], words[2], " ".join(words[3:])))
        elif words[0] == "server-template":
            count, address = int(words[2]), words[3]
            options = " ".join(words[4:])
            found += [(f"{words[1]}{n}", address, options) for n in range(1, count + 1)]
    return found


def _rules(lines: list[str]) -> list[str]:
    """What does not depend on where the servers are: all but addresses and DNS."""
    skip = ("bind", "server", "server-template", "default-server")
    return [line for line in lines if line.split()[0] not in skip]


@pytest.fixture(scope="module", params=["compose", "kubernetes"])
def haproxy_env(request: pytest.FixtureRequest) -> dict[str, str]:
    return KUBERNETES_MARK if request.param == "kubernetes" else {}


def test_haproxy_accepts_the_configuration(tools: Path, haproxy_env):
    haproxy = _program("haproxy", Path("/usr/sbin"), script="scripts/ensure-haproxy.sh")
    env = {"PATH": os.environ.get("PATH", ""), **haproxy_env}
    out = _run([haproxy, "-c", "-f", str(HAPROXY_FILE)], env=env)
    assert "Configuration file is valid" in out


def _deploy_sizes(compose: Mapping[str, Any]) -> Topology:
    return Topology.choose(
        rasa=len(_servers_of(compose, "rasa")),
        actions=compose["services"]["actions"]["deploy"]["replicas"],
        web=compose["services"]["web"]["deploy"]["replicas"],
        proxy_port=8080,
    )


def test_haproxy_routes_as_supportbot_run_does(compose, haproxy_env):
    topology = _deploy_sizes(compose)
    settings = Settings.create(home=PROJECT, host="0.0.0.0")
    product = _sections(haproxy_config(topology, settings), {})
    deploy = _sections(HAPROXY_FILE.read_text(), haproxy_env)
    assert set(deploy) - set(product) <= {"resolvers docker"}
    for name, lines in product.items():
        theirs = deploy.get(name)
        assert theirs is not None, f"haproxy.cfg has no {name}"
        assert _rules(theirs) == _rules(lines), name
        ours = [(server, options) for server, _, options in _servers(lines)]
        assert [(server, options) for server, _, options in _servers(theirs)] == ours, name
        for default in (line for line in lines if line.startswith("default-server")):
            assert any(line.startswith(default + " ") for line in theirs), name
        binds = [line.split()[1].rsplit(":", 1)[1] for line in lines if line.startswith("bind")]
        assert [line for line in theirs if line.startswith("bind")] == [f"bind :{p}" for p in binds]


def _rasa_routes(env: Mapping[str, str]) -> dict[str, str]:
    """The Rasa servers in haproxy.cfg: {host:port: their name (cookie, session-id prefix)}."""
    sections = _sections(HAPROXY_FILE.read_text(), env)
    routes = {}
    chat = sections["backend rasa_chat"]
    for n, (name, address, options) in enumerate(_servers(chat), start=1):
        assert name == f"rasa{n}" and options == f"check cookie {server_name(n)}"
        assert f"use-server {name} if {{ urlp(sid) -m beg {server_name(n)}- }}" in chat
        routes[address] = server_name(n)
    api = [address for _, address, _ in _servers(sections["backend rasa_api"])]
    assert api == list(routes), "the desk's Rasa API listener must reach the same servers"
    return routes


def test_compose_rasa_servers_are_the_ones_haproxy_routes_by_name(compose):
    routes = _rasa_routes({})
    servers = _servers_of(compose, "rasa")
    assert len(servers) == len(routes) >= 2
    rasa_port = Settings.from_env({}).rasa_port  # none of them sets SUPPORTBOT_RASA_PORT
    named = {
        f"{service}:{rasa_port}": config["environment"]["SUPPORTBOT_SERVER_NAME"]
        for service, config in servers.items()
    }
    assert named == routes


def test_compose_replicas_fill_haproxys_slots(compose):
    sections = _sections(HAPROXY_FILE.read_text(), {})
    defaults = Settings.from_env({})
    for kind, port in (("web", defaults.web_port), ("actions", defaults.actions_port)):
        servers = _servers(sections[f"backend {kind}"])
        assert {address for _, address, _ in servers} == {f"{kind}:{port}"}
        assert len(servers) == compose["services"][kind]["deploy"]["replicas"]


# --- Kubernetes ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tools: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    kubectl = _program("kubectl", Path("/usr/bin"))
    done = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "kubernetes")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    # Kustomize 2 (kubectl 1.20, Debian's) takes no folder under `resources`.
    assert done.returncode == 0, f"kubectl kustomize (needs kubectl 1.21+):\n{done.stderr}"
    path = tmp_path_factory.mktemp("kubernetes") / "rendered.yaml"
    path.write_text(done.stdout)
    return path


@pytest.fixture(scope="module")
def manifests(rendered: Path) -> dict[tuple[str, str], dict[str, Any]]:
    documents = [d for d in yaml.safe_load_all(rendered.read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in documents}


def test_kubernetes_manifests_pass_the_api_schemas(tools: Path, rendered: Path):
    _run(
        [
            _program("kubernetes-validate", tools),
            "--strict",
            "--quiet",
            "--kubernetes-version",
            KUBERNETES_VERSION,
            str(rendered),
        ]
    )


def _workloads(manifests: Mapping[tuple[str, str], Any]) -> dict[str, dict[str, Any]]:
    kinds = ("Deployment", "StatefulSet")
    return {name: doc for (kind, name), doc in manifests.items() if kind in kinds}


def _container(workload: Mapping[str, Any]) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    found: dict[str, Any] = containers[0]
    return found


def _documented_secret() -> dict[str, str]:
    """The Secret deploy/README.md tells the user to create: {name: example value}."""
    readme = (DEPLOY / "README.md").read_text()
    assert "create secret generic supportbot-secrets" in readme
    pairs = re.findall(r"--from-literal=(\w+)=(?:'([^']*)'|\"([^\"]*)\")", readme)
    return {name: single or double for name, single, double in pairs}


def test_kubernetes_servers_get_valid_settings_that_supportbot_reads(manifests):
    maps = {name: doc for (kind, name), doc in manifests.items() if kind == "ConfigMap"}
    secret = _documented_secret()
    ours = {name: w for name, w in _workloads(manifests).items() if name != "haproxy"}
    assert set(ours) == {"rasa", "actions", "web"}
    for name, workload in ours.items():
        container = _container(workload)
        assert container["image"].startswith("supportbot"), name
        env: dict[str, str] = {}
        for source in container["envFrom"]:
            if "configMapRef" in source:
                env.update(maps[source["configMapRef"]["name"]]["data"])
            else:
                assert source["secretRef"]["name"] == "supportbot-secrets", name
                env.update(secret)
        for item in container.get("env", []):
            if "value" in item:
                env[item["name"]] = item["value"]
            else:  # required from the secret: the pod does not start without it
                reference = item["valueFrom"]["secretKeyRef"]
                assert reference["name"] == "supportbot-secrets" and not reference.get("optional")
                env[item["name"]] = secret[reference["key"]]
        if name == "rasa":
            env["SUPPORTBOT_SERVER_NAME"] = "r1"  # its command sets it (checked below)
        settings = _check_settings(f"Kubernetes {name}", env)
        if name == "rasa":  # REST is for the company's own systems, never open
            assert settings.rest_token, "Kubernetes rasa: SUPPORTBOT_REST_TOKEN must be required"
        assert settings.rasa_url == "http://haproxy:8081"
        assert settings.actions_url == "http://haproxy:8082"
    internal = manifests[("Service", "haproxy")]["spec"]["ports"]  # those two, not public
    assert {p["port"] for p in internal} == {8081, 8082}


def _kubernetes_expand(text: str, env: Mapping[str, str]) -> str:
    """How Kubernetes expands a container's command: ``$(NAME)`` of its own ``env``, ``$$``."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "$"
        return env.get(name, match.group(0))

    return re.sub(r"\$\$|\$\(([A-Za-z_]\w*)\)", value, text)


def _server_names(statefulset: Mapping[str, Any], tmp_path: Path) -> dict[str, str]:
    """{pod name: SUPPORTBOT_SERVER_NAME} from running the Rasa pods' command with ``sh``
    (``supportbot`` replaced by a script that prints what it was given)."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "supportbot").write_text('#!/bin/sh\necho "$SUPPORTBOT_SERVER_NAME $*"\n')
    (fake / "supportbot").chmod(0o755)
    container = _container(statefulset)
    own = {item["name"]: item["value"] for item in container.get("env", []) if "value" in item}
    command = [_kubernetes_expand(word, own) for word in container["command"]]
    names = {}
    for ordinal in range(statefulset["spec"]["replicas"]):
        pod = f"{statefulset['metadata']['name']}-{ordinal}"
        env = {"PATH": f"{fake}:/usr/bin:/bin", "HOSTNAME": pod}
        printed = _run(command, env=env).split()
        assert printed[1:] == ["serve", "rasa"], printed
        names[pod] = printed[0]
    return names


def test_kubernetes_rasa_servers_are_the_ones_haproxy_routes_by_name(manifests, tmp_path):
    statefulset = manifests[("StatefulSet", "rasa")]
    assert manifests[("Service", "rasa")]["spec"]["clusterIP"] == "None"  # governing, headless
    names = _server_names(statefulset, tmp_path)
    assert sorted(names.values()) == [server_name(n) for n in range(1, len(names) + 1)]
    port = _container(statefulset)["ports"][0]["containerPort"]
    routes = {}
    services = {name: doc for (kind, name), doc in manifests.items() if kind == "Service"}
    for name, doc in services.items():
        pod = doc["spec"].get("selector", {}).get("statefulset.kubernetes.io/pod-name")
        if pod is not None:
            assert pod in names, f"Service {name} selects no Rasa pod: {pod}"
            assert [p["port"] for p in doc["spec"]["ports"]] == [port]
            routes[f"{name}:{port}"] = names[pod]
    assert routes == _rasa_routes(KUBERNETES_MARK)


def test_kubernetes_services_are_where_haproxy_looks(manifests):
    sections = _sections(HAPROXY_FILE.read_text(), KUBERNETES_MARK)
    for kind in ("web", "actions"):
        (address,) = {address for _, address, _ in _servers(sections[f"backend {kind}"])}
        host, port = address.split(":")
        service = manifests[("Service", host)]
        assert [p["port"] for p in service["spec"]["ports"]] == [int(port)]
        workload = _workloads(manifests)[kind]
        assert service["spec"]["selector"] == workload["spec"]["selector"]["matchLabels"]


def test_kubernetes_publishes_only_the_balancers_port(manifests):
    for (kind, name), doc in manifests.items():
        assert kind != "Ingress", name
        if kind == "Service" and doc["spec"].get("type", "ClusterIP") != "ClusterIP":
            assert name == "haproxy-public", f"Service {name} is {doc['spec']['type']}"
            assert [p["port"] for p in doc["spec"]["ports"]] == [8080]
            assert doc["spec"]["selector"] == {"app.kubernetes.io/name": "haproxy"}
    for name, workload in _workloads(manifests).items():
        pod = workload["spec"]["template"]["spec"]
        assert not pod.get("hostNetwork"), name
        assert all("hostPort" not in p for p in _container(workload).get("ports", [])), name


def test_kubernetes_probes_ask_each_server_its_health(manifests):
    paths = {"rasa": "/", "actions": "/health", "web": "/health", "haproxy": "/haproxy-health"}
    for name, workload in _workloads(manifests).items():
        container = _container(workload)
        assert container["readinessProbe"]["httpGet"]["path"] == paths[name], name
        assert container["livenessProbe"]["httpGet"]["path"] == paths[name], name
        assert container["resources"]["requests"], name
    assert _container(_workloads(manifests)["rasa"])["resources"]["requests"]["cpu"] == "1"


# --- The image ----------------------------------------------------------------------------


def test_the_image_runs_every_role_unprivileged_with_the_cluster_endpoints():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^COPY deploy/endpoints\.yml ", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert re.search(r'^CMD \["supportbot", "serve", "web"\]$', dockerfile, re.MULTILINE)
    for built in ("supportbot kb build", "supportbot sentiment train", "supportbot train"):
        assert built in dockerfile
