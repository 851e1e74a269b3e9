"""Runtime truth: hardgen's docker and kubernetes outputs, run the way they are deployed, by a runtime-faithful probe.

Every linter passes hardgen's artefacts, yet a real runtime fails with some of them. These tests take a fixture
Ballerina project (tests/fixtures/ballerina/), generate its artefacts with hardgen as a user would, build
RuntimeProbe for it (tests/support/java/RuntimeProbe.java: the Ballerina runtime's configuration resolution, the
HTTPS listener's native TLS library, the listener; sources cited there and in tests/support/runtime_probe.py) and
run it on JDK 17, 21 and 25:

* docker: the `docker run` line the Dockerfile's header documents, parsed from the Dockerfile, applied to the image
  the Dockerfile describes (tests/support/sandbox.py: read-only root, Docker's tmpfs defaults `rw,noexec,nosuid,
  nodev` unless the line says otherwise (moby daemon/oci_linux.go), `-v` files with the host file's owner and mode,
  no capabilities, no_new_privs, the numeric USER, a memory cgroup from `--memory`). The files it mounts are
  prepared exactly as the header says (its chown/chmod/install lines); where it says nothing, as the operator has
  them (a copy of the 0600 secrets template, a keystore as keytool writes it).
* kubernetes: the Deployment's container (env, volumeMounts, securityContext, resources.limits.memory) with the
  ConfigMaps' Config.toml and java.options, an exec-able emptyDir /tmp, and the Secret's files as the kubelet
  leaves them: defaultMode 0400, owned by root with group fsGroup, mode |= 0440 (kubernetes/kubernetes
  pkg/volume/volume_linux.go, SetVolumeOwnership).

Each claim is its own test, reading every expected value from the generated files:
  the program starts and its configuration resolves (no unused or missing value: hardgen's Config.toml and secrets
  fit the program); the native TLS library loads (netty-tcnative extracts it into java.io.tmpdir, which must be
  exec-able); HTTPS answers /health with TLS 1.2 and 1.3 and refuses TLS 1.1; the heap is at most
  MaxRAMPercentage of the memory limit; the JMX agent is off (`jcmd <pid> ManagementAgent.status`: any
  `com.sun.management.jmxremote*` property starts it, even `=false`) and the only listening sockets are the
  listener's (and the metrics port when metrics are on); nothing on stderr (no JVM warning, e.g. JEP 472 on 25).
A control test per claim shows the harness can see the failure it looks for.

Several of these fail against a generator that keeps `-Dcom.sun.management.jmxremote=false`, documents
`--tmpfs /tmp` (noexec), omits `--enable-native-access=ALL-UNNAMED` on JDK 25, sets no memory limit on the
documented run line, or does not say how the mounted files become readable by uid 10001: that is the point.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import runtime_probe, sandbox
from tests.support.hardgen import generate
from tests.support.runtime_probe import CLIENT, client_spec, fill_secrets, max_ram_percentage, parse_client_output
from tests.support.toolbox import in_ci, require_java, require_javac

pytestmark = [pytest.mark.jvm, pytest.mark.container]

JDKS = (17, 21, 25)
CONTROL_JDK = 21
KEYSTORE_PASS = "not-a-real-keystore-pass-truth"
SECRET_VALUES = {"dbPassword": "not-a-real-db-password-truth", "keystorePassword": KEYSTORE_PASS}
#: hardgen's answers for each fixture project; `--project` derives the rest from the package and checks every key
#: against its declarations before writing (the org and package name are given too: agreeing answers are fine).
ANSWERS = {
    "orders": ("config.org=myorg", "config.module=orders", "secrets=[dbPassword]", "metrics.enabled=true"),
    "plain": ("config.org=myorg", "config.module=plain", "service.tls=false", "service.port=9090"),
}
KINDS = ("docker", "kubernetes")
CASES = [(kind, "orders", jdk) for kind in KINDS for jdk in JDKS] + [(kind, "plain", CONTROL_JDK) for kind in KINDS]
CASE_IDS = [f"{kind}-{fx}-jdk{jdk}" for kind, fx, jdk in CASES]


def _host_fit() -> None:
    """Root, util-linux's unshare/nsenter/setpriv and a cgroup v1 memory hierarchy; missing ones fail under CI."""
    why = None
    if os.geteuid() != 0:
        why = "needs root (mounts, namespaces, cgroups)"
    elif missing := [t for t in ("unshare", "nsenter", "setpriv", "chroot", "ip", "gcc") if shutil.which(t) is None]:
        why = f"{', '.join(missing)} not installed"
    elif not Path("/sys/fs/cgroup/memory/cgroup.procs").exists():
        why = "no cgroup v1 memory hierarchy at /sys/fs/cgroup/memory"
    if why:
        if in_ci():
            pytest.fail(f"runtime-truth sandbox: {why} (CI is set, so this fails instead of skipping)", pytrace=False)
        pytest.skip(f"runtime-truth sandbox: {why}")


# ---------------------------------------------------------------------------------------------------------------
# A project as its operator has it: hardgen's output, the jar, the filled secrets file, the keystore
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Project:
    fixture: str
    jdk: int
    root: Path  # the build context and $PWD
    output: Path  # hardgen's output folder (root/deploy)

    def config_toml(self) -> dict:
        return tomllib.loads((self.output / "config" / "Config.toml").read_text())

    def expected_metrics(self, config: dict) -> tuple[str, int] | None:
        """The metrics listener the generated Config.toml asks for (ballerinax/prometheus, when metrics are on)."""
        observe = config.get("ballerina", {}).get("observe", {})
        prometheus = config.get("ballerinax", {}).get("prometheus")
        if prometheus is None or not (observe.get("metricsEnabled") or observe.get("enabled")):
            return None
        return prometheus.get("host", "0.0.0.0"), int(prometheus.get("port", 9797))


def keytool_keystore(path: Path) -> None:
    """What docs/ballerina-config.md tells the operator: keytool -genkeypair -storetype PKCS12 -keystore config/keystore.p12."""
    keytool = Path(require_javac()).with_name("keytool")
    subprocess.run([str(keytool), "-genkeypair", "-storetype", "PKCS12", "-keystore", str(path), "-storepass", KEYSTORE_PASS,
                    "-alias", "listener", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                    "-validity", "2"], check=True, capture_output=True, timeout=120)


def make_project(base: Path, fixture: str, jdk: int, jar: Path) -> Project:
    root = base / f"{fixture}-jdk{jdk}"
    root.mkdir()
    output = root / "deploy"
    generate(output, f"name={fixture}", *ANSWERS[fixture], f"jdk={jdk}", preset="kubernetes-restricted", cwd=root,
             project=runtime_probe.FIXTURES / fixture)
    # The jar where the Dockerfile's COPY takes it from (artifact, default target/bin/<module>.jar).
    jar_copy = re.search(r"^COPY\s+(?:--\S+\s+)*(\S+\.jar)\s", (output / "Dockerfile").read_text(), re.M)
    assert jar_copy, "the Dockerfile copies no jar"
    (root / jar_copy.group(1)).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(jar, root / jar_copy.group(1))
    config = output / "config"
    template = (config / "secrets.template.toml").read_text()
    if "hardgen_unfilled" in template:
        # "Copy it to config/secrets.toml, replace every placeholder table with its value": cp keeps the 0600.
        shutil.copy(config / "secrets.template.toml", config / "secrets.toml")
        (config / "secrets.toml").write_text(fill_secrets(template, SECRET_VALUES))
    if "keystorePath" in (config / "Config.toml").read_text():
        keytool_keystore(config / "keystore.p12")
    return Project(fixture, jdk, root, output)


def prepare_docker_mounts(project: Project) -> list[list[str]]:
    """Run what the Dockerfile's header says to do to the files `docker run -v` mounts (as root, no shell)."""
    commands = sandbox.documented_preparation((project.output / "Dockerfile").read_text())
    for argv in commands:
        argv = [sandbox._expand_pwd(a, project.root) for a in argv]
        done = subprocess.run(argv, cwd=project.root, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"the Dockerfile header's `{' '.join(argv)}` failed: {done.stderr}"
    return commands


@pytest.fixture(scope="module")
def jars(tmp_path_factory) -> dict[str, Path]:
    require_javac()
    return {name: runtime_probe.probe_jar(name, tmp_path_factory) for name in ANSWERS}


@dataclass
class Deployed:
    project: Project
    spec: sandbox.Spec
    result: sandbox.Result
    java_options: str  # what the JVM was given (the image's file or the ConfigMap's)
    config: dict  # the Config.toml the program was given
    listener_ports: set[int]  # what the generated files say it listens on (docker -p / containerPort)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, jars):
    """deployed(kind, fixture, jdk): the generated output run once per module as `kind` deploys it."""
    _host_fit()
    cache: dict[tuple[str, str, int], Deployed] = {}
    projects: dict[tuple[str, int], Project] = {}

    def get(kind: str, fixture: str, jdk: int) -> Deployed:
        key = (kind, fixture, jdk)
        if key not in cache:
            require_java(jdk)
            if (fixture, jdk) not in projects:
                projects[fixture, jdk] = make_project(tmp_path_factory.mktemp("project"), fixture, jdk, jars[fixture])
            project = projects[fixture, jdk]
            folder = tmp_path_factory.mktemp(f"{kind}-{fixture}-{jdk}")
            if kind == "docker":
                prepare_docker_mounts(project)
                spec = sandbox.docker_spec(project.output, project.root, jdk)
                java_options = (project.output / "jvm" / "java.options").read_text()
                config = project.config_toml()
                ports = {container for _, container in spec.ports}
            else:
                spec = kubernetes_spec(project, folder / "volumes")
                java_options = (spec.mount("/app/jvm").source / "java.options").read_text()
                config = tomllib.loads((spec.mount("/app/conf").source / "Config.toml").read_text())
                ports = container_ports(project)
            cache[key] = Deployed(project, spec, sandbox.run(spec, folder / "run"), java_options, config, ports)
        return cache[key]

    return get


def kubernetes_spec(project: Project, stage: Path) -> sandbox.Spec:
    config = project.output / "config"
    secret_files = {"secrets.toml": config / "secrets.toml", "keystore.p12": config / "keystore.p12"}
    return sandbox.kubernetes_spec(project.output, project.root, project.jdk,
                                   {k: v for k, v in secret_files.items() if v.exists()}, stage)


def container_ports(project: Project) -> set[int]:
    from tests.support.kube import load_all, of_kind

    deployment = of_kind(load_all(project.output / "kubernetes"), "Deployment")[0]
    return {p["containerPort"] for p in deployment["spec"]["template"]["spec"]["containers"][0].get("ports", [])}


def started(d: Deployed) -> dict:
    assert d.result.started, f"the program did not start under the {d.spec.hostname} deployment:\n{d.result.explain()}"
    assert d.result.client is not None and "unreachable" not in d.result.client, d.result.client
    return d.result.client["report"]


# ---------------------------------------------------------------------------------------------------------------
# The claims, for every case
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "fixture", "jdk"), CASES, ids=CASE_IDS)
def test_the_program_starts_and_its_configuration_resolves(deployed, kind, fixture, jdk):
    """Every value of the generated Config.toml and the filled secrets file is one the program declares, and every
    required configurable gets one (RuntimeProbe resolves as ballerina-lang's ConfigResolver/TomlProvider do)."""
    d = deployed(kind, fixture, jdk)
    config_errors = [line for line in d.result.stderr.splitlines() if line.startswith(("error:", "warning:"))]
    assert d.result.started and not config_errors, (
        f"{kind}: the Ballerina runtime would not start this program:\n" + "\n".join(config_errors) + "\n" + d.result.explain())
    report = started(d)
    declared = runtime_probe.fixture(fixture)
    for c in declared.configurables:
        if c.default == "?":
            assert report["config"][f"{c.module}:{c.name}"] not in (None, "default"), c


@pytest.mark.parametrize(("kind", "fixture", "jdk"), [c for c in CASES if c[1] == "orders"],
                         ids=[i for c, i in zip(CASES, CASE_IDS, strict=True) if c[1] == "orders"])
def test_the_https_listener_loads_its_native_tls_library(deployed, kind, fixture, jdk):
    """netty-tcnative is extracted into java.io.tmpdir and System.load()ed: that folder must be writable and exec-able."""
    d = deployed(kind, fixture, jdk)
    tmp = d.spec.mount("/tmp")
    assert d.result.started, (f"{kind}: /tmp is mounted {tmp}; the listener could not start:\n{d.result.explain()}")
    native = started(d)["nativeLibrary"]
    assert native["needed"] and native["loaded"], native


@pytest.mark.parametrize(("kind", "fixture", "jdk"), CASES, ids=CASE_IDS)
def test_the_listener_answers_health_over_tls_12_and_13_and_refuses_tls_11(deployed, kind, fixture, jdk):
    d = deployed(kind, fixture, jdk)
    started(d)
    client = d.result.client
    if not started(d)["listenerTls"]:
        assert fixture == "plain"
        assert client["health"].get("status") == 200 and client["health"]["body"] == "ok", client["health"]
        return
    for key, version in (("tls12", "TLSv1.2"), ("tls13", "TLSv1.3")):
        answer = client[key]
        assert answer.get("status") == 200 and answer["body"] == "ok" and answer["tls"] == version, (key, answer)
    refusal = client["tls11"]
    assert "refused" in refusal, f"a TLS 1.1 handshake was accepted: {refusal}"
    assert "NO_PROTOCOLS_AVAILABLE" not in refusal["refused"].upper(), f"the client never offered TLS 1.1: {refusal}"


@pytest.mark.parametrize(("kind", "fixture", "jdk"), CASES, ids=CASE_IDS)
def test_the_heap_is_sized_from_the_memory_limit(deployed, kind, fixture, jdk):
    d = deployed(kind, fixture, jdk)
    limit = d.spec.memory_limit
    what = "the documented `docker run` line" if kind == "docker" else "the Deployment's container"
    assert limit is not None, (f"{what} sets no memory limit (`--memory` / resources.limits.memory): the JVM sizes its "
                               "heap from the host's RAM")
    report = started(d)
    percentage = max_ram_percentage(d.java_options)
    assert report["maxMemory"] <= percentage / 100 * limit, (
        f"max heap {report['maxMemory']} > {percentage}% of the {limit}-byte limit")


@pytest.mark.parametrize(("kind", "fixture", "jdk"), CASES, ids=CASE_IDS)
def test_the_jmx_management_agent_is_off(deployed, kind, fixture, jdk):
    """Any com.sun.management.jmxremote* property starts the agent, even `=false` (JDK sun.management.Agent)."""
    d = deployed(kind, fixture, jdk)
    started(d)
    jmx = [a for a in started(d)["inputArguments"] if a.startswith("-Dcom.sun.management.jmxremote")]
    assert "Agent: disabled" in (d.result.agent_status or ""), (
        f"jcmd ManagementAgent.status says:\n{d.result.agent_status}\nJVM options that start it: {jmx}")


@pytest.mark.parametrize(("kind", "fixture", "jdk"), CASES, ids=CASE_IDS)
def test_only_the_listener_and_metrics_ports_listen(deployed, kind, fixture, jdk):
    d = deployed(kind, fixture, jdk)
    report = started(d)
    assert report["listenerPort"] in d.listener_ports, (
        f"the program listens on {report['listenerPort']}, the generated files publish {sorted(d.listener_ports)}")
    expected = {runtime_probe.listening("0.0.0.0", report["listenerPort"])}  # Ballerina's default listener host
    metrics = d.project.expected_metrics(d.config)
    if metrics:
        expected.add(runtime_probe.listening(*metrics))
    assert runtime_probe.socket_set(report["sockets"]) == expected, f"listening: {report['sockets']}, expected exactly {sorted(expected)}"
    if metrics:
        assert d.result.client["metrics"].get("status") == 200, d.result.client["metrics"]


@pytest.mark.parametrize(("kind", "fixture", "jdk"), CASES, ids=CASE_IDS)
def test_nothing_on_stderr(deployed, kind, fixture, jdk):
    d = deployed(kind, fixture, jdk)
    assert d.result.stderr == "", f"the program wrote to stderr:\n{d.result.stderr}"


# ---------------------------------------------------------------------------------------------------------------
# docker only: the files `-v` mounts
# ---------------------------------------------------------------------------------------------------------------

def test_the_dockerfile_header_says_how_to_make_the_mounted_files_readable_by_the_image_user(deployed):
    """`docker run -v` keeps the host file's owner and mode; uid 10001 must read them, nobody else should.

    The docs say "both files must be readable by uid 10001" (docs/targets/docker.md); the Dockerfile's header must
    say how (a chown/chmod/install line the harness runs as written), or an operator following it cannot start the
    image: the copy of the 0600 template is root's.
    """
    d = deployed("docker", "orders", CONTROL_JDK)
    header = "\n".join(sandbox.header_comment((d.project.output / "Dockerfile").read_text()))
    commands = sandbox.documented_preparation((d.project.output / "Dockerfile").read_text())
    assert commands, ("the Dockerfile header does not say how to make the mounted secrets file and keystore readable "
                      f"by uid {d.spec.uid} (docs/targets/docker.md only says they must be):\n{header}")
    for bind in d.spec.binds:
        st = bind.source.stat()
        readable = ((st.st_uid == d.spec.uid and st.st_mode & 0o400) or (st.st_gid in (d.spec.gid, *d.spec.groups)
                                                                          and st.st_mode & 0o040) or st.st_mode & 0o004)
        assert readable, f"{bind.source} ({oct(st.st_mode)}, {st.st_uid}:{st.st_gid}) is not readable by uid {d.spec.uid}"
        assert not st.st_mode & 0o007, f"{bind.source} is readable by every user of the host ({oct(st.st_mode)})"


# ---------------------------------------------------------------------------------------------------------------
# Controls: the harness sees each failure it looks for
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture
def control(tmp_path, jars):
    """control(edit, fixture="orders", jdk=CONTROL_JDK): the kubernetes run of a fresh project after edit(spec, project)."""
    _host_fit()

    def run(edit, fixture: str = "orders", jdk: int = CONTROL_JDK) -> sandbox.Result:
        require_java(jdk)
        base = Path(tempfile.mkdtemp(dir=tmp_path))
        project = make_project(base, fixture, jdk, jars[fixture])
        spec = kubernetes_spec(project, base / "volumes")
        edit(spec, project)
        return sandbox.run(spec, base / "run")

    return run


def _options_file(spec: sandbox.Spec) -> Path:
    return spec.mount("/app/jvm").source / "java.options"


def _without_jmx(spec: sandbox.Spec) -> str:
    lines = [line for line in _options_file(spec).read_text().splitlines() if "com.sun.management.jmxremote" not in line]
    return "\n".join(lines) + "\n"


def test_control_a_jmxremote_false_option_turns_the_agent_and_socket_checks_red(control):
    clean = control(lambda spec, _: _options_file(spec).write_text(_without_jmx(spec)))
    assert "Agent: disabled" in clean.agent_status, clean.agent_status
    assert runtime_probe.socket_set(clean.report["sockets"]) == {"*:9443", "127.0.0.1:9797"}, clean.report["sockets"]

    agent = control(lambda spec, _: _options_file(spec).write_text(_without_jmx(spec) + "-Dcom.sun.management.jmxremote=false\n"))
    assert "Agent: enabled" in agent.agent_status, agent.agent_status
    extra = runtime_probe.socket_set(agent.client["report"]["sockets"]) - {"*:9443", "127.0.0.1:9797"}
    assert len(extra) == 1 and next(iter(extra)).startswith("*:"), agent.client["report"]["sockets"]  # RMI, wildcard


def test_control_a_noexec_tmp_makes_the_native_tls_library_fail_to_load(control):
    def docker_default_tmp(spec, _):
        spec.mount("/tmp").options = sandbox.merge_tmpfs_options(None)  # what a bare `--tmpfs /tmp` gives

    result = control(docker_default_tmp)
    assert result.exit_code == 1, result.explain()
    assert "failed to map segment from shared object" in result.stderr, result.stderr
    assert not result.started


def test_control_docker_tmpfs_options_are_noexec_unless_exec_is_given():
    assert sandbox.merge_tmpfs_options(None) == ["rw", "noexec", "nosuid", "nodev"]
    assert "exec" in sandbox.merge_tmpfs_options("exec") and "noexec" not in sandbox.merge_tmpfs_options("exec")
    assert sandbox.merge_tmpfs_options("uid=10001,gid=10001")[-2:] == ["uid=10001", "gid=10001"]


def test_control_an_extra_key_in_config_toml_stops_the_program(control):
    def extra_key(spec, _):
        config = spec.mount("/app/conf").source / "Config.toml"
        config.write_text(config.read_text() + "extraKey = 1\n")  # lands in the last table, [myorg.orders]

    result = control(extra_key)
    assert result.exit_code == 1, result.explain()
    assert re.search(r"^error: \[/app/conf/Config.toml:\(\d+:\d+,\d+:\d+\)\] unused configuration value "
                     r"'myorg\.orders\.extraKey'$", result.stderr, re.M), result.stderr


def test_control_an_unfilled_secrets_file_stops_the_program(control):
    def unfilled(spec, project):
        secrets = spec.mount("/run/hardgen/credentials").source / "secrets.toml"
        secrets.write_text((project.output / "config" / "secrets.template.toml").read_text())

    result = control(unfilled)
    assert result.exit_code == 1, result.explain()
    assert re.search(r"configurable variable 'dbPassword' is expected to be of type 'string', but found 'record'",
                     result.stderr), result.stderr


def test_control_a_missing_required_value_stops_the_program(control):
    def missing(spec, _):
        secrets = spec.mount("/run/hardgen/credentials").source / "secrets.toml"
        secrets.write_text("\n".join(line for line in secrets.read_text().splitlines() if "dbPassword" not in line) + "\n")

    result = control(missing)
    assert result.exit_code == 1, result.explain()
    assert "error: value not provided for required configurable variable 'dbPassword'" in result.stderr, result.stderr


def test_control_the_first_file_in_bal_config_files_wins(control):
    def override(first: bool):
        def edit(spec, _):
            conf = spec.mount("/app/conf").source
            (conf / "override.toml").write_text("[myorg.orders]\nport = 9444\n")
            os.chmod(conf / "override.toml", 0o644)
            files = spec.env["BAL_CONFIG_FILES"].split(":")
            files = ["/app/conf/override.toml", *files] if first else [*files, "/app/conf/override.toml"]
            spec.env["BAL_CONFIG_FILES"] = ":".join(files)
        return edit

    first = control(override(first=True))
    assert first.report["listenerPort"] == 9444, first.explain()
    assert first.report["config"]["myorg/orders:port"] == "/app/conf/override.toml"
    last = control(override(first=False))
    assert last.report["listenerPort"] == 9443, last.explain()
    assert last.report["config"]["myorg/orders:port"] == "/app/conf/Config.toml"
    assert last.stderr == "", last.stderr  # the port in the file listed last was read too: not an unused value


def test_control_without_a_memory_limit_the_heap_check_goes_red(control):
    limits = {}

    def no_limit(spec, _):
        limits["limit"] = spec.memory_limit
        spec.memory_limit = None

    result = control(no_limit)
    percentage = max_ram_percentage(_options_file(result.spec).read_text())
    assert result.report["maxMemory"] > percentage / 100 * limits["limit"], result.report["maxMemory"]


def _native_access(spec: sandbox.Spec, enabled: bool) -> None:
    lines = [line for line in _options_file(spec).read_text().splitlines() if not line.startswith("--enable-native-access")]
    _options_file(spec).write_text("\n".join([*lines, *(["--enable-native-access=ALL-UNNAMED"] if enabled else [])]) + "\n")


def test_control_jdk_25_warns_on_stderr_unless_native_access_is_enabled(control):
    warned = control(lambda spec, _: _native_access(spec, False), jdk=25)
    assert "WARNING: A restricted method in java.lang.System has been called" in warned.stderr, warned.explain()
    quiet = control(lambda spec, _: _native_access(spec, True), jdk=25)
    assert quiet.stderr == "", quiet.stderr


def test_control_the_tls_client_does_negotiate_tls_11_with_a_server_that_allows_it(tmp_path):
    """Python's ssl server with TLS 1.0-1.3 at security level 0: the client's TLS 1.1 handshake is real."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-c", LEGACY_SERVER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        done = subprocess.run([sys.executable, "-c", CLIENT, client_spec(port, True, wait=10)], capture_output=True,
                              text=True, timeout=60)
        result = parse_client_output(done.stdout + done.stderr)
        assert result["tls11"] == {"accepted": "TLSv1.1"}, result
    finally:
        server.kill()
        server.wait()


LEGACY_SERVER = r'''
import http.server, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1] + "/cert.pem", sys.argv[1] + "/key.pem")
ctx.minimum_version = ssl.TLSVersion.TLSv1
ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok" if self.path == "/health" else b"{}"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
httpd = http.server.HTTPServer(("127.0.0.1", 0), H)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
print(httpd.server_address[1], flush=True)
httpd.serve_forever()
'''


def test_nothing_is_left_behind():
    """Runs last: no sandbox mount, cgroup or process survives the module."""
    assert sandbox.leftovers() == []
