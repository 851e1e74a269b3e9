"""Real JVMs 17, 21 and 25 accept every options file hardgen writes, without a single warning, and do what it says.

The options file points GC logs at the image's log directory, so the test lays
that path out in a private mount namespace and runs `java @/app/jvm/java.options`
exactly as the image's ENTRYPOINT does. Then it reads the flags and properties
back from the JVM itself (`-XX:+PrintFlagsFinal -XshowSettings:properties`): a
line that the JVM accepts but ignores would pass the first test, not the second.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.model.validators import memory_bytes
from generator.targets.shared.layout import CONTAINER
from tests.support.models import preset_cases, render_case
from tests.support.toolbox import JDK_VERSIONS, require_java, require_javac

pytestmark = pytest.mark.jvm

HELLO = """
import java.nio.file.*;
public class Hello {
    public static void main(String[] args) throws Exception {
        System.out.println("home=" + System.getProperty("java.io.tmpdir"));
        Path log = Paths.get(args[0], "probe.txt");
        Files.writeString(log, "ok");
        Files.delete(log);
    }
}
"""


def _jvm_cases() -> dict[str, tuple[int, bytes, int | None, float]]:
    """case -> (jdk, options, the memory limit the options name as -XX:MaxRAM or None, MaxRAMPercentage)."""
    out = {}
    for case, (preset, sets) in preset_cases().items():
        rendered = render_case(preset, sets)
        model = rendered.resolved
        if model.runtime == "mi":
            continue  # MI's options name MI_HOME, laid out and run through its launcher in tests/test_mi_runtime.py
        files = {f.path: f.content for f in rendered.plan.files}
        percentage = model.jvm.max_ram_percentage
        vm_limit = memory_bytes(model.systemd.memory_max)
        image = any(t in model.targets for t in ("docker", "kubernetes"))
        # A VM-only output's jvm/java.options is the VM's (install.sh installs it); beside an image the VM has its own.
        if "jvm/java.options" in files:
            out[case if image else f"{case}-vm"] = (model.jdk, files["jvm/java.options"], None if image else vm_limit, percentage)
        if "systemd/java.options" in files:
            out[f"{case}-vm"] = (model.jdk, files["systemd/java.options"], vm_limit, percentage)
    return out


CASES = _jvm_cases()


@pytest.fixture(scope="module")
def hello_jar(tmp_path_factory) -> Path:
    """A tiny program that writes into the log folder, as the integration's jar."""
    build = tmp_path_factory.mktemp("hello")
    (build / "Hello.java").write_text(HELLO)
    subprocess.run([require_javac(), "--release", "17", "-d", str(build), str(build / "Hello.java")], check=True)
    (build / "manifest.txt").write_text("Main-Class: Hello\n")
    jar = build / "app.jar"
    subprocess.run([str(Path(require_javac()).with_name("jar")), "cfm", str(jar), str(build / "manifest.txt"), "-C", str(build), "Hello.class"], check=True)
    return jar


@pytest.fixture
def image_layout(hello_jar, tmp_path):
    """Runs java with /app laid out as in the image, in a private mount namespace (a tmpfs over /app).

    Nothing on the host changes but an empty /app mount point, and parallel test runs cannot collide.
    The VM options name /var/log/<name> for GC logs; that path is made in the same namespace.
    """
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to lay out /app like the image")
    os.makedirs(CONTAINER.app_dir, exist_ok=True)

    def run(java: str, options: bytes, *args: str) -> subprocess.CompletedProcess:
        stage = tmp_path / "stage"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
        shutil.copy(hello_jar, stage / "app.jar")
        (stage / "java.options").write_bytes(options)
        logs = " ".join(sorted({d.decode() for d in re.findall(rb"-Xlog:gc\*:file=(/[^ :]+)/gc\.log", options)}))
        script = (
            f"mount -t tmpfs tmpfs {CONTAINER.app_dir} && mkdir -p {CONTAINER.app_dir}/jvm"
            f" && for d in {logs}; do mkdir -p \"$d\" && mount -t tmpfs tmpfs \"$d\"; done"
            f" && cp \"$1/app.jar\" {CONTAINER.jar} && cp \"$1/java.options\" {CONTAINER.jvm_options}"
            " && shift && exec \"$@\""
        )
        return subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(stage),
             java, f"@{CONTAINER.jvm_options}", *args],
            capture_output=True, text=True, timeout=120,
        )

    return run


def _unexpected(stderr: str) -> list[str]:
    """What a JVM printed on stderr besides its version banner: a warning, an ignored option, an error."""
    return [line for line in stderr.splitlines() if not line.startswith(("openjdk version", "OpenJDK Runtime", "OpenJDK 64-Bit"))]


def _flags(output: str) -> dict[str, str]:
    """`-XX:+PrintFlagsFinal` lines as name -> value."""
    out = {}
    for line in output.splitlines():
        m = re.match(r"\s*\S+\s+(\w+)\s+[:=]?=\s+(\S+)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _properties(output: str) -> dict[str, str]:
    """`-XshowSettings:properties` lines as name -> value."""
    out = {}
    for line in output.splitlines():
        m = re.match(r"\s{4}(\S+) = (.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


@pytest.mark.container  # /app laid out in a private mount namespace, as root
@pytest.mark.parametrize("case", sorted(CASES))
def test_options_file_is_accepted_by_its_jvm_without_warnings(image_layout, case):
    jdk, options, _limit, _pct = CASES[case]
    version = image_layout(require_java(jdk), options, "-version")
    assert version.returncode == 0, version.stderr
    assert _unexpected(version.stderr) == []
    assert f'version "{jdk}' in version.stderr
    log_dir = re.search(r"-Xlog:gc\*:file=(/[^ :]+)/gc\.log", options.decode()).group(1)
    program = image_layout(require_java(jdk), options, "-jar", CONTAINER.jar, log_dir)
    assert program.returncode == 0, program.stderr
    assert _unexpected(program.stderr) == []


@pytest.mark.container
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_jvm_reads_back_every_setting_the_options_promise(image_layout, case):
    """Each commented promise of java.options, as the JVM itself reports it after reading the file."""
    jdk, options, limit, percentage = CASES[case]
    r = image_layout(require_java(jdk), options, "-XX:+PrintFlagsFinal", "-XshowSettings:properties", "-version")
    assert r.returncode == 0, r.stderr
    flags, props = _flags(r.stdout), _properties(r.stderr)
    assert flags["ExitOnOutOfMemoryError"] == "true"  # die and be restarted, never run on after an OOM
    assert flags["UseG1GC"] == "true"
    assert flags["UseContainerSupport"] == "true"
    assert float(flags["MaxRAMPercentage"]) == percentage
    if limit is not None:  # VM: the unit's MemoryMax, which the JVM cannot read itself under ProcSubset=pid
        assert int(flags["MaxRAM"]) == limit
        assert int(flags["MaxHeapSize"]) <= limit * percentage / 100
    assert props["jdk.tls.ephemeralDHKeySize"] == "2048"
    assert props["jdk.tls.rejectClientInitiatedRenegotiation"] == "true"
    assert props["jdk.tls.client.protocols"] == "TLSv1.3,TLSv1.2"
    assert props["https.protocols"] == "TLSv1.3,TLSv1.2"
    assert props["java.io.tmpdir"] == "/tmp"
    # Any com.sun.management.jmxremote* property starts the JMX agent (see the next test): none may be set.
    assert not [p for p in props if p.startswith("com.sun.management.jmxremote")]
    assert "java.security.manager" not in props


@pytest.mark.parametrize("jdk", JDK_VERSIONS)
def test_the_seeds_jmx_flag_starts_the_agent_it_means_to_stop_which_is_why_hardgen_omits_it(jdk, tmp_path):
    """`-Dcom.sun.management.jmxremote=false` (seed 000) turns the local management agent ON; without it, it is off."""
    (tmp_path / "Wait.java").write_text("public class Wait { public static void main(String[] a) throws Exception {"
                                        " System.out.println(\"ready\"); System.out.flush(); Thread.sleep(60000); } }")
    subprocess.run([require_javac(), "--release", "17", "-d", str(tmp_path), str(tmp_path / "Wait.java")], check=True)
    jcmd = str(Path(require_java(jdk)).with_name("jcmd"))

    def agent(*flags: str) -> str:
        proc = subprocess.Popen([require_java(jdk), *flags, "-cp", str(tmp_path), "Wait"], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready"
            return subprocess.run([jcmd, str(proc.pid), "ManagementAgent.status"], capture_output=True, text=True, timeout=60).stdout
        finally:
            proc.kill()
            proc.wait()

    assert "Agent: disabled" in agent()
    assert "Agent: enabled" in agent("-Dcom.sun.management.jmxremote=false")


def test_jdk_25_refuses_the_seeds_security_manager_flag_which_is_why_hardgen_does():
    r = subprocess.run([require_java(25), "-Djava.security.manager", "-version"], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "Security Manager is not supported" in r.stdout + r.stderr
