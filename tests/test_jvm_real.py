"""Real JVMs 17, 21 and 25 accept every options file hardgen writes, without a single warning.

The options file points GC logs at the image's log directory and the policy at
the image's app directory, so the test lays those paths out on this machine
(as root, removing what it created) and runs `java @file` exactly as the
image's ENTRYPOINT does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.layout import CONTAINER
from tests.support.models import preset_cases, render_case
from tests.toolbox import JDK_VERSIONS, require_java, require_javac

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
def image_layout(tmp_path_factory):
    """/app as the image has it: app.jar (a tiny program), jvm/, logs/ — created only where missing."""
    if os.geteuid() != 0:
        pytest.skip("needs root to lay out /app like the image")
    build = tmp_path_factory.mktemp("hello")
    (build / "Hello.java").write_text(HELLO)
    subprocess.run([require_javac(), "--release", "17", "-d", str(build), str(build / "Hello.java")], check=True)
    (build / "manifest.txt").write_text("Main-Class: Hello\n")
    jar = Path(require_javac()).with_name("jar")
    created = []
    for d in (CONTAINER.app_dir, CONTAINER.log_dir, f"{CONTAINER.app_dir}/jvm"):
        if not os.path.exists(d):
            os.makedirs(d)
            created.append(d)
    assert not os.path.exists(CONTAINER.jar), "refusing to replace an existing /app/app.jar"
    subprocess.run([str(jar), "cfm", CONTAINER.jar, str(build / "manifest.txt"), "-C", str(build), "Hello.class"], check=True)
    yield Path(CONTAINER.app_dir)
    os.remove(CONTAINER.jar)
    for d in reversed(created):
        shutil.rmtree(d, ignore_errors=True)


def _run(java: str, options: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([java, f"@{options}", *args], capture_output=True, text=True, timeout=120)


def _unexpected(stderr: str) -> list[str]:
    return [l for l in stderr.splitlines() if not l.startswith(SECURITY_MANAGER_NOTICE) and not l.startswith(("openjdk version", "OpenJDK Runtime", "OpenJDK 64-Bit"))]


@pytest.mark.parametrize("case", sorted(CASES))
def test_options_file_is_accepted_by_its_jvm_without_warnings(image_layout, tmp_path, case):
    jdk, options, policy = CASES[case]
    opts = tmp_path / "java.options"
    opts.write_bytes(options)
    if policy:
        Path(CONTAINER.security_policy).write_bytes(policy)
    try:
        version = _run(require_java(jdk), opts, "-version")
        assert version.returncode == 0, version.stderr
        assert _unexpected(version.stderr) == []
        assert f'version "{jdk}' in version.stderr
        program = _run(require_java(jdk), opts, "-jar", CONTAINER.jar, CONTAINER.log_dir)
        assert program.returncode == 0, program.stderr
        assert _unexpected(program.stderr) == []
        assert f"sm={'true' if policy else 'false'}" in program.stdout  # the policy lets it write logs under the SM
    finally:
        if policy:
            os.remove(CONTAINER.security_policy)


@pytest.mark.parametrize("jdk", JDK_VERSIONS)
def test_options_without_security_manager_run_on_every_jdk(image_layout, tmp_path, jdk):
    for case, (_, options, policy) in CASES.items():
        if policy is None:
            opts = tmp_path / f"{case}.options"
            opts.write_bytes(options)
            r = _run(require_java(jdk), opts, "-version")
            assert r.returncode == 0 and _unexpected(r.stderr) == [], (case, r.stderr)


def test_jdk_25_refuses_the_seeds_security_manager_flag_which_is_why_hardgen_does():
    r = subprocess.run([require_java(25), "-Djava.security.manager", "-version"], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "Security Manager is not supported" in r.stdout + r.stderr
