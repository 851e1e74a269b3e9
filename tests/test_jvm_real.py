"""Real JVMs 17, 21 and 25 accept every options file hardgen writes, without a single warning.

The options file points GC logs at the image's log directory and the policy at
the image's app directory, so the test lays those paths out in a private mount
namespace and runs `java @/app/jvm/java.options` exactly as the image's
ENTRYPOINT does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.targets.shared.layout import CONTAINER
from tests.support.models import preset_cases, render_case
from tests.support.toolbox import JDK_VERSIONS, require_java, require_javac

pytestmark = pytest.mark.jvm

#: JEP 411 (JDK 17) makes the JVM itself print these when the Security Manager is on; nothing else may appear.
SECURITY_MANAGER_NOTICE = (
    "WARNING: A command line option has enabled the Security Manager and deprecated",  # 18+
    "WARNING: A command line option has enabled the Security Manager",
    "WARNING: The Security Manager is deprecated and will be removed in a future release",
)

HELLO = """
import java.nio.file.*;
public class Hello {
    public static void main(String[] args) throws Exception {
        System.out.println("home=" + System.getProperty("java.io.tmpdir"));
        Path log = Paths.get(args[0], "probe.txt");
        Files.writeString(log, "ok");
        Files.delete(log);
        System.out.println("sm=" + (System.getSecurityManager() != null));
    }
}
"""


def _jvm_cases() -> dict[str, tuple[int, bytes, bytes | None]]:
    out = {}
    for case, (preset, sets) in preset_cases().items():
        rendered = render_case(preset, sets)
        files = {f.path: f.content for f in rendered.plan.files}
        if "jvm/java.options" in files:
            out[case] = (rendered.resolved.jdk, files["jvm/java.options"], files.get("jvm/security.policy"))
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
    """
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to lay out /app like the image")
    os.makedirs(CONTAINER.app_dir, exist_ok=True)

    def run(java: str, options: bytes, policy: bytes | None, *args: str) -> subprocess.CompletedProcess:
        stage = tmp_path / "stage"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
        shutil.copy(hello_jar, stage / "app.jar")
        (stage / "java.options").write_bytes(options)
        if policy is not None:
            (stage / "security.policy").write_bytes(policy)
        script = (
            f"mount -t tmpfs tmpfs {CONTAINER.app_dir} && mkdir -p {CONTAINER.log_dir} {CONTAINER.app_dir}/jvm"
            f" && cp \"$1/app.jar\" {CONTAINER.jar} && cp \"$1/java.options\" {CONTAINER.jvm_options}"
            f" && {{ [ ! -f \"$1/security.policy\" ] || cp \"$1/security.policy\" {CONTAINER.security_policy}; }}"
            " && shift && exec \"$@\""
        )
        return subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(stage),
             java, f"@{CONTAINER.jvm_options}", *args],
            capture_output=True, text=True, timeout=120,
        )

    return run


def _unexpected(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith(SECURITY_MANAGER_NOTICE) and not line.startswith(("openjdk version", "OpenJDK Runtime", "OpenJDK 64-Bit"))]


@pytest.mark.container  # /app laid out in a private mount namespace, as root
@pytest.mark.parametrize("case", sorted(CASES))
def test_options_file_is_accepted_by_its_jvm_without_warnings(image_layout, case):
    jdk, options, policy = CASES[case]
    version = image_layout(require_java(jdk), options, policy, "-version")
    assert version.returncode == 0, version.stderr
    assert _unexpected(version.stderr) == []
    assert f'version "{jdk}' in version.stderr
    program = image_layout(require_java(jdk), options, policy, "-jar", CONTAINER.jar, CONTAINER.log_dir)
    assert program.returncode == 0, program.stderr
    assert _unexpected(program.stderr) == []
    assert f"sm={'true' if policy else 'false'}" in program.stdout  # the policy lets it write logs under the SM


@pytest.mark.container
@pytest.mark.parametrize("jdk", JDK_VERSIONS)
def test_options_without_security_manager_run_on_every_jdk(image_layout, jdk):
    for case, (_, options, policy) in CASES.items():
        if policy is None:
            r = image_layout(require_java(jdk), options, None, "-version")
            assert r.returncode == 0 and _unexpected(r.stderr) == [], (case, r.stderr)


def test_jdk_25_refuses_the_seeds_security_manager_flag_which_is_why_hardgen_does():
    r = subprocess.run([require_java(25), "-Djava.security.manager", "-version"], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "Security Manager is not supported" in r.stdout + r.stderr
