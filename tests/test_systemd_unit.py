"""The systemd target's files, judged by systemd's own tools: verify, security, sysusers, tmpfiles, sh.

Every shipped preset is rendered with `targets=[systemd]`, plus variants that switch
on what the presets leave off (secrets, address allow-lists, pod peers, a
privileged port, the Security Manager on JDK 17).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from generator.shipped import preset_dir
from tests.support.hardgen import generate, set_args
from tests.support.nspawn import JDK_UNDER_TEST, fake_root_install, run_install_sh_with

MAX_EXPOSURE = 1.2
PRESETS = sorted(p.stem for p in preset_dir().glob("*.yaml"))
VARIANTS = {
    "secrets-cidr-peers": ["secrets=[apiToken, dbPassword]", "ingress=[{name: lb, cidr: 192.168.10.0/24}]",
                           "egress=[{name: db, cidr: 10.20.0.0/16, port: 5432}, {name: v6, cidr: 'fd00::/64', port: 443}]"],
    "pod-peers-17": ["jdk=17", "ingress=[{name: gw, labels: {app: gw}}]", "egress=[{name: stock, labels: {app: stock}, port: 8443}]"],
    "cidr-except": ["egress=[{name: partner, cidr: 10.0.0.0/8, except: [10.244.0.0/16], port: 443}]"],
    "plain-http-25": ["jdk=25", "service.tls=false", "service.port=8290", "metrics.enabled=false", "systemd.memory_max=2Gi"],
}
CASES = {**{f"preset-{p}": (p, []) for p in PRESETS}, **{v: ("vm-systemd", sets) for v, sets in VARIANTS.items()}}


def systemd_output(out: Path, preset: str, *sets: str) -> tuple[Path, str]:
    """(the systemd/ folder, the warnings) of `demo` with `targets=[systemd]`."""
    done = generate(out, "name=demo", "targets=[systemd]", *sets, preset=preset)
    return out / "systemd", done.stderr


def unit_settings(unit: Path) -> dict[str, list[str]]:
    """Key -> values of a unit file, in order (comments and section headers left out)."""
    settings: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each case rendered once for the module: case -> (systemd/ folder, stderr)."""
    return {case: systemd_output(tmp_path_factory.mktemp(case), preset, *sets) for case, (preset, sets) in CASES.items()}


@pytest.mark.parametrize("case", CASES)
def test_unit_passes_systemd_analyze_verify_without_warnings(rendered, case):
    folder, _ = rendered[case]
    proc = subprocess.run(["systemd-analyze", "verify", "--man=no", str(folder / "demo.service")], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stdout + proc.stderr


@pytest.mark.parametrize("case", CASES)
def test_unit_exposure_is_at_most_1_2(rendered, case):
    folder, _ = rendered[case]
    proc = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager", str(folder / "demo.service")],
                          capture_output=True, text=True)
    match = re.search(r"Overall exposure level for demo\.service: ([0-9.]+)", proc.stdout)
    assert match, proc.stdout + proc.stderr
    assert float(match.group(1)) <= MAX_EXPOSURE, proc.stdout


@pytest.mark.parametrize("case", CASES)
def test_sysusers_and_tmpfiles_create_the_user_and_private_directories(rendered, case, tmp_path):
    folder, _ = rendered[case]
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    subprocess.run(["systemd-sysusers", f"--root={root}", str(folder / "demo.sysusers.conf")], check=True, capture_output=True)
    passwd = (root / "etc/passwd").read_text()
    assert re.search(r"^demo:x:[1-9][0-9]*:[1-9][0-9]*:Integration demo:/:/usr/sbin/nologin$", passwd, re.M), passwd
    subprocess.run(["systemd-tmpfiles", f"--root={root}", "--create", str(folder / "demo.tmpfiles.conf")], check=True, capture_output=True)
    conf = (root / "etc/demo").stat()
    assert stat.S_IMODE(conf.st_mode) == 0o750 and conf.st_uid == 0
    assert stat.S_IMODE((root / "opt/demo/jvm").stat().st_mode) == 0o755


def test_unit_runs_the_jvm_as_its_own_user_with_the_vm_options_file(rendered):
    folder, _ = rendered["preset-vm-systemd"]
    unit = unit_settings(folder / "demo.service")
    assert unit["User"] == ["demo"] and unit["Group"] == ["demo"]
    assert unit["ExecStart"] == ["/usr/bin/java @/opt/demo/jvm/java.options -jar /opt/demo/app.jar"]
    assert unit["Restart"] == ["on-failure"] and unit["UMask"] == ["0077"]
    assert "MemoryDenyWriteExecute" not in unit
    assert unit["CapabilityBoundingSet"] == [""] and unit["PrivateUsers"] == ["yes"]
    options = (folder.parent / "jvm" / "java.options").read_text()  # what install.sh installs: no copy in systemd/
    assert not (folder / "java.options").exists()
    assert "-Xlog:gc*:file=/var/log/demo/gc.log" in options  # LogsDirectory=demo: the one writable log path
    assert unit["LogsDirectory"] == ["demo"]


def test_secrets_arrive_as_a_credential_never_as_environment(rendered):
    folder, _ = rendered["secrets-cidr-peers"]
    unit = unit_settings(folder / "demo.service")
    assert unit["LoadCredential"] == ["secrets.toml:/etc/demo/secrets.toml", "keystore.p12:/etc/demo/keystore.p12"]
    assert unit["Environment"] == ["BAL_CONFIG_FILES=%d/secrets.toml:/etc/demo/Config.toml"]
    assert any("hardgen_unfilled %d/secrets.toml" in pre for pre in unit["ExecStartPre"])
    assert "z /etc/demo/secrets.toml 0600 root root -" in (folder / "demo.tmpfiles.conf").read_text()


def test_without_secrets_the_unit_loads_no_credential(rendered):
    folder, _ = rendered["plain-http-25"]  # no secrets and no TLS keystore (whose password is a secret)
    unit = unit_settings(folder / "demo.service")
    assert "LoadCredential" not in unit and "ExecStartPre" not in unit
    assert unit["Environment"] == ["BAL_CONFIG_FILES=/etc/demo/Config.toml"]


def test_cidr_peers_and_localhost_are_the_only_allowed_addresses(rendered):
    folder, _ = rendered["secrets-cidr-peers"]
    unit = unit_settings(folder / "demo.service")
    assert unit["IPAddressDeny"] == ["any"]
    assert unit["IPAddressAllow"] == ["localhost 10.20.0.0/16 192.168.10.0/24 fd00::/64"]


def test_without_cidr_egress_the_unit_filters_no_addresses(rendered):
    folder, _ = rendered["plain-http-25"]
    assert "IPAddressDeny" not in unit_settings(folder / "demo.service")


def test_pod_label_peers_are_reported_as_unenforceable_on_a_vm(rendered):
    _, stderr = rendered["pod-peers-17"]
    assert "ingress[0] (gw) is a set of pods" in stderr
    assert "egress[0] (stock) is a set of pods" in stderr


def test_metrics_listen_on_loopback_only(rendered):
    import tomllib

    folder, _ = rendered["preset-vm-systemd"]
    config = tomllib.loads((folder.parent / "config" / "Config.toml").read_text())
    assert config["ballerinax"]["prometheus"]["host"] == "127.0.0.1"


def test_privileged_port_keeps_only_cap_net_bind_service_and_warns(tmp_path):
    folder, stderr = systemd_output(tmp_path / "out", "vm-systemd", "service.port=443")
    unit = unit_settings(folder / "demo.service")
    assert unit["CapabilityBoundingSet"] == ["CAP_NET_BIND_SERVICE"]
    assert unit["AmbientCapabilities"] == ["CAP_NET_BIND_SERVICE"]
    assert unit["PrivateUsers"] == ["no"]  # a capability in a private user namespace cannot bind host ports
    assert "port 443 is below 1024" in stderr


def test_a_peers_except_blocks_are_left_out_of_the_allowed_addresses(rendered):
    """systemd lets an allowed address through whatever IPAddressDeny= says, so `except` must shrink the allow-list."""
    import ipaddress

    folder, _ = rendered["cidr-except"]
    allowed = [ipaddress.ip_network(a) for a in unit_settings(folder / "demo.service")["IPAddressAllow"][0].split() if a != "localhost"]
    hole = ipaddress.ip_network("10.244.0.0/16")
    assert not any(net.overlaps(hole) for net in allowed)
    covered = sum(net.num_addresses for net in allowed)
    assert covered == ipaddress.ip_network("10.0.0.0/8").num_addresses - hole.num_addresses
    assert all(net.subnet_of(ipaddress.ip_network("10.0.0.0/8")) for net in allowed)


def test_the_vm_options_name_memory_max_because_proc_subset_hides_the_cgroup_limit(rendered):
    folder, _ = rendered["plain-http-25"]
    unit = unit_settings(folder / "demo.service")
    assert unit["ProcSubset"] == ["pid"] and unit["MemoryMax"] == ["2G"]
    assert "-XX:MaxRAM=2147483648\n" in (folder.parent / "jvm" / "java.options").read_text()


def test_the_secrets_credential_is_the_first_config_file_because_ballerina_lets_the_first_win(rendered):
    folder, _ = rendered["secrets-cidr-peers"]
    env = unit_settings(folder / "demo.service")["Environment"]
    assert "BAL_CONFIG_FILES=%d/secrets.toml:/etc/demo/Config.toml" in env


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_install_sh_is_an_executable_script_that_parses(rendered, shell):
    folder, _ = rendered["secrets-cidr-peers"]
    script = folder / "install.sh"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    proc = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_install_sh_checks_everything_before_it_changes_anything(rendered, tmp_path):
    """Run for real (as root) without the jar: it must stop at its checks, before the first file lands in /etc.

    The full install runs in a booted systemd (tests/test_systemd_e2e.py); this shows the order of its checks.
    """
    folder, _ = rendered["secrets-cidr-peers"]
    if os.geteuid() != 0:
        pytest.skip("install.sh refuses to run as a normal user before anything else")
    landed = [Path("/etc/sysusers.d/demo.conf"), Path("/etc/tmpfiles.d/demo.conf"), Path("/etc/systemd/system/demo.service"), Path("/opt/demo")]
    assert not any(p.exists() for p in landed), "a previous run installed demo on this host"
    proc = subprocess.run(["bash", str(folder / "install.sh")], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "no jar at" in proc.stderr, proc.stderr
    assert not any(p.exists() for p in landed)


def test_install_sh_help_explains_its_arguments(rendered):
    folder, _ = rendered["secrets-cidr-peers"]
    proc = subprocess.run(["sh", str(folder / "install.sh"), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "--secrets FILE" in proc.stdout


@pytest.mark.parametrize(("sets", "message"), [
    (["systemd.user=root"], "systemd.user: 'root' is not a system user name"),
    (["name=1st-integration"], "systemd.user: is needed: the integration name '1st-integration'"),
    (["systemd.memory_max=32Mi"], "systemd.memory_max: '32Mi' is below the 64Mi a JVM needs"),
    (["systemd.java=java"], "systemd.java: 'java' is not an absolute path"),
])
def test_bad_systemd_answers_stop_with_one_line_each(hardgen, tmp_path, sets, message):
    r = hardgen("generate", "--preset", "vm-systemd", "--set", "name=demo", *set_args(sets), "--output", str(tmp_path / "out"))
    assert r.returncode == 2
    assert message in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.jvm
@pytest.mark.parametrize(("jdk", "java", "accepted"), [
    (21, 17, False), (25, 21, False), (25, 17, False), (17, 17, True), (21, 21, True), (21, 25, True), (17, 25, True),
])
def test_install_sh_refuses_a_java_older_than_the_jdk_before_installing_anything(tmp_path, jdk, java, accepted):
    """The real JVM's java.specification.version decides: an integration built for 21 does not start on 17."""
    from tests.support.toolbox import require_java

    binary = require_java(java)
    folder, _ = systemd_output(tmp_path / "out", "vm-systemd", f"jdk={jdk}", f"systemd.java={JDK_UNDER_TEST}", "service.tls=false")
    run_install_sh_with(folder / "install.sh", binary)
    jar = tmp_path / "app.jar"
    jar.write_bytes(b"jar")
    proc = subprocess.run(["sh", str(folder / "install.sh"), str(jar)], env=fake_root_install(tmp_path), capture_output=True, text=True, timeout=60)
    if accepted:  # past every check: the first installing tool runs (and, faked, fails)
        assert "CHANGED install" in proc.stderr and "older than" not in proc.stderr, proc.stderr
    else:
        expected = f"install.sh: {binary} is Java {java}, older than JDK {jdk} that demo is built for"
        assert proc.returncode == 1 and proc.stderr.startswith(expected) and proc.stderr.count("\n") == 1, proc.stderr
        assert "CHANGED" not in proc.stderr


def test_install_sh_refuses_a_missing_java_in_one_line(tmp_path):
    folder, _ = systemd_output(tmp_path / "out", "vm-systemd", "systemd.java=/opt/no-such-jdk/bin/java", "service.tls=false")
    jar = tmp_path / "app.jar"
    jar.write_bytes(b"jar")
    proc = subprocess.run(["sh", str(folder / "install.sh"), str(jar)], env=fake_root_install(tmp_path), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "no java at /opt/no-such-jdk/bin/java (systemd.java)" in proc.stderr
    assert "CHANGED" not in proc.stderr


def test_install_sh_installs_the_outputs_own_config_and_options_and_the_secrets_privately(tmp_path):
    """No copies under systemd/ in a VM-only output: install.sh names config/Config.toml and jvm/java.options."""
    folder, _ = systemd_output(tmp_path / "out", "vm-systemd", "secrets=[dbPassword]")
    script = (folder / "install.sh").read_text()
    assert '"$HERE/../config/Config.toml" "$CONF_DIR/Config.toml"' in script
    assert '"$HERE/../jvm/java.options" "$APP_DIR/jvm/java.options"' in script
    assert 'install -m 0600 -o root -g root "$secrets_src" "$SECRETS"' in script
    assert sorted(p.name for p in folder.iterdir()) == ["demo.service", "demo.sysusers.conf", "demo.tmpfiles.conf", "install.sh"]
