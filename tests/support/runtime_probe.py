"""The runtime-faithful stand-in for a Ballerina program, built for a fixture project, and what the tests ask it.

Why: hardgen's own probe shared hardgen's assumptions (it read "the first file" of BAL_CONFIG_FILES, ignored
unused keys, loaded no native code), so artefacts that a real Ballerina runtime refuses passed. RuntimeProbe
(tests/support/java/RuntimeProbe.java) behaves as the runtime does on configuration, the native TLS library and
the listener; this module builds it for a fixture project under tests/fixtures/ballerina/<name>/ and holds the
helpers every deployment test shares:

* `fixture(name)` reads the project with hardgen's own reader (`generator.inputs.ballerina`): Ballerina.toml
  (org, name, observabilityIncluded) and the module-level `configurable` declarations of its modules, plus the
  configurables of the library modules it imports (`KNOWN_MODULES`).
* `probe_jar(name, tmp_path_factory)` compiles RuntimeProbe.java with javac 17 (`--release 17`, so one jar runs
  on 17, 21 and 25), the native library (probe_native.c) with gcc, and writes `declarations.tsv` and the
  Main-Class manifest into the jar. Built once per fixture and session.
* `CLIENT` is a small Python client run *inside* the probe's network namespace (nsenter or the container's
  own `run`): /health over TLS 1.2 and 1.3, a TLS 1.1 handshake that must be refused, /report and /metrics.
* readers of the generated files: `max_ram_percentage`, `size_bytes`, `fill_secrets`.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.toolbox import java_home, require_javac

REPO = Path(__file__).resolve().parent.parent.parent
JAVA_DIR = Path(__file__).parent / "java"
PROBE_SOURCE = JAVA_DIR / "RuntimeProbe.java"
NATIVE_SOURCE = JAVA_DIR / "probe_native.c"
FIXTURES = REPO / "tests" / "fixtures" / "ballerina"
#: Where RuntimeProbe looks for its native library (netty keeps its own under META-INF/native/ too).
NATIVE_ENTRY = "META-INF/native/libhardgen_probe_native.so"
ROLES = ("listener-port", "keystore-path", "keystore-password")


@dataclass(frozen=True)
class Configurable:
    module: str  # "org/name", e.g. "myorg/orders", "myorg/orders.db", "ballerina/log"
    name: str
    type: str  # string, int, float, boolean, string[] ...
    default: str  # TOML literal of the default, or "?" when required
    role: str = ""

    def tsv(self) -> str:
        return "\t".join(("configurable", self.module, self.name, self.type, self.default, self.role))


#: Configurables of the library modules an integration imports, as each module declares them (only those of
#: the simple types the probe models; record-typed ones with defaults, e.g. ballerina/http's trace and access
#: log settings, are left out: hardgen never writes them). Enum-typed ones are modelled as strings.
KNOWN_MODULES: dict[str, tuple[Configurable, ...]] = {
    # ballerina-platform/module-ballerina-log, ballerina/natives.bal:
    #   public configurable LogFormat format = LOGFMT;  (LOGFMT = "logfmt", JSON_FORMAT = "json")
    #   public configurable Level level = INFO;          (DEBUG, ERROR, INFO, WARN)
    "ballerina/log": (
        Configurable("ballerina/log", "format", "string", '"logfmt"'),
        Configurable("ballerina/log", "level", "string", '"INFO"'),
    ),
    # ballerina-platform/module-ballerina-observe, ballerina/commons.bal:
    #   configurable boolean enabled = false; configurable string provider = "";
    #   configurable boolean metricsEnabled = false; configurable string metricsReporter = "";
    #   configurable boolean tracingEnabled = false; configurable string tracingProvider = "";
    #   configurable boolean observabilityLogsEnabled = false;
    "ballerina/observe": (
        Configurable("ballerina/observe", "enabled", "boolean", "false"),
        Configurable("ballerina/observe", "provider", "string", '""'),
        Configurable("ballerina/observe", "metricsEnabled", "boolean", "false"),
        Configurable("ballerina/observe", "metricsReporter", "string", '""'),
        Configurable("ballerina/observe", "tracingEnabled", "boolean", "false"),
        Configurable("ballerina/observe", "tracingProvider", "string", '""'),
        Configurable("ballerina/observe", "observabilityLogsEnabled", "boolean", "false"),
    ),
    # ballerina-platform/module-ballerinax-prometheus, prometheus-extension-ballerina/metric_reporter.bal:
    #   configurable string host = "0.0.0.0"; configurable int port = 9797;
    "ballerinax/prometheus": (
        Configurable("ballerinax/prometheus", "host", "string", '"0.0.0.0"'),
        Configurable("ballerinax/prometheus", "port", "int", "9797"),
    ),
}


@dataclass(frozen=True)
class Fixture:
    name: str  # the fixture folder's name
    org: str
    package: str
    observability_included: bool
    imports: tuple[str, ...]
    configurables: tuple[Configurable, ...] = field(default=())

    def role(self, role: str) -> Configurable | None:
        return next((c for c in self.configurables if c.role == role), None)

    @property
    def root_module(self) -> str:
        return f"{self.org}/{self.package}"

    def declarations_tsv(self) -> str:
        lines = ["# RuntimeProbe declarations, written by tests/support/runtime_probe.py",
                 f"package\t{self.org}\t{self.package}"]
        lines += [c.tsv() for c in self.configurables]
        return "\n".join(lines) + "\n"


_ROLE = re.compile(r"//\s*hardgen:\s*(?P<role>[\w-]+)\s*$")


def _role(comments: tuple[str, ...], where: str) -> str:
    """The `// hardgen: ROLE` line right above a declaration (the reader keeps the comment lines above it)."""
    roles = [m.group("role") for m in (_ROLE.search(c) for c in comments) if m]
    role = roles[-1] if roles else ""
    if role and role not in ROLES:
        raise ValueError(f"{where}: unknown hardgen role {role!r} (known: {', '.join(ROLES)})")
    return role


def _probe_type(c) -> str:
    """The declared type as RuntimeProbe models it: a simple type, or an array of one."""
    t = c.type
    if t.kind == "simple" and t.name in ("int", "string", "boolean", "float"):
        return t.name
    if t.kind == "array" and t.args[0].kind == "simple" and t.args[0].name in ("int", "string", "boolean", "float"):
        return f"{t.args[0].name}[]"
    raise ValueError(f"{c.where}: RuntimeProbe does not model the type `{t.text}` of {c.name!r}")


def _toml_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_literal(v) for v in value) + "]"
    raise ValueError(f"no TOML literal for {value!r}")


@functools.cache
def fixture(name: str) -> Fixture:
    """The fixture project tests/fixtures/ballerina/<name>/ as RuntimeProbe will see it, read by hardgen's own reader."""
    from generator.inputs.ballerina.project import read_project

    project = read_project(FIXTURES / name)
    org, package = project.org, project.name
    configurables: list[Configurable] = []
    imports: set[str] = set()
    for m in project.modules:
        module = project.runtime_module(m.name)
        for c in m.configurables:
            if not (c.required or c.default.literal):
                raise ValueError(f"{c.where}: RuntimeProbe needs a literal default for {c.name!r}, not `{c.default.text}`")
            default = "?" if c.required else _toml_literal(c.default.value)
            configurables.append(Configurable(module, c.name, _probe_type(c), default, _role(c.comments, c.where)))
        imports.update(f"{i.org}/{i.module}" if i.org else i.module for _file, i in m.imports)
    # ballerinax/prometheus imports ballerina/observe (its init calls observe:isMetricsEnabled()); with
    # observabilityIncluded the compiler makes ballerina/observe part of the program as well.
    library = {m for m in imports if "/" in m}
    if "ballerinax/prometheus" in library or project.observability_included:
        library.add("ballerina/observe")
    for module in sorted(library):
        configurables += KNOWN_MODULES.get(module, ())
    return Fixture(name, org, package, project.observability_included, tuple(sorted(imports)), tuple(configurables))


_jars: dict[str, Path] = {}


def probe_jar(name: str, tmp_path_factory) -> Path:
    """RuntimeProbe as an executable jar for fixture `name`, built once per session."""
    if name not in _jars:
        _jars[name] = build_probe_jar(fixture(name), tmp_path_factory.mktemp(f"probe-{name}"))
    return _jars[name]


def build_probe_jar(fx: Fixture, out: Path) -> Path:
    javac = require_javac()
    classes = out / "classes"
    compiled = subprocess.run([javac, "--release", "17", "-Xlint:all", "-Werror", "-d", str(classes), str(PROBE_SOURCE)],
                              capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, f"javac RuntimeProbe.java failed:\n{compiled.stdout}{compiled.stderr}"
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed to build the probe's native library (Debian: apt-get install gcc)"
    include = Path(java_home(17)) / "include"
    so = out / "libhardgen_probe_native.so"
    built = subprocess.run([gcc, "-shared", "-fPIC", "-O2", "-Wall", "-Werror", f"-I{include}", f"-I{include / 'linux'}",
                            "-o", str(so), str(NATIVE_SOURCE)], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, f"gcc probe_native.c failed:\n{built.stderr}"
    jar = out / f"{fx.package}.jar"
    with zipfile.ZipFile(jar, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nMain-Class: RuntimeProbe\r\n\r\n")
        for cls in sorted(classes.glob("*.class")):
            z.write(cls, cls.name)
        z.write(so, NATIVE_ENTRY)
        z.writestr("declarations.tsv", fx.declarations_tsv())
    return jar


# ---------------------------------------------------------------------------------------------------------------
# Reading what hardgen generated
# ---------------------------------------------------------------------------------------------------------------

_SIZE_UNITS = {"": 1, "k": 1024, "ki": 1024, "m": 1024**2, "mi": 1024**2, "g": 1024**3, "gi": 1024**3, "t": 1024**4, "ti": 1024**4}


def size_bytes(text: str) -> int:
    """`512Mi` (Kubernetes), `1G` (systemd: K, M, G, T are powers of 1024), `512m` (docker) in bytes."""
    match = re.fullmatch(r"\s*(\d+)\s*([kKmMgGtT]i?)?[bB]?\s*", text)
    assert match, f"not a size: {text!r}"
    return int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").lower()]


def jvm_options(text: str) -> list[str]:
    """The options of a Java @argfile (one per line; '#' lines are comments)."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def max_ram_percentage(options_text: str) -> float:
    values = [float(o.split("=", 1)[1]) for o in jvm_options(options_text) if o.startswith("-XX:MaxRAMPercentage=")]
    assert values, "java.options sets no -XX:MaxRAMPercentage"
    return values[-1]


_PLACEHOLDER = re.compile(r"^(?P<key>[A-Za-z_][\w]*)\s*=\s*\{\s*hardgen_unfilled\s*=.*\}\s*$", re.M)


def fill_secrets(template: str, values: dict[str, str]) -> str:
    """What the docs tell the operator to do: copy the template and replace every placeholder table with its value."""
    def value(match: re.Match) -> str:
        key = match.group("key")
        assert key in values, f"the secrets template asks for {key!r}, the test has no value for it"
        return f"{key} = {json.dumps(values[key])}"

    filled = _PLACEHOLDER.sub(value, template)
    assert "hardgen_unfilled" not in filled, filled
    return filled


# ---------------------------------------------------------------------------------------------------------------
# The client, run inside the probe's network namespace
# ---------------------------------------------------------------------------------------------------------------

#: argv[1] is JSON: {"port": int, "tls": bool, "metrics": "host:port" | null, "wait": seconds}.
#: Prints one JSON object: what each request got.
CLIENT = r'''
import http.client, json, socket, ssl, sys, time
spec = json.loads(sys.argv[1])
port, out = spec["port"], {}

def context(version=None, legacy=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if legacy:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx

def get(path, ctx=None, host="127.0.0.1", p=None):
    p = p or port
    conn = http.client.HTTPSConnection(host, p, timeout=10, context=ctx) if ctx else http.client.HTTPConnection(host, p, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        version = conn.sock.version() if ctx and conn.sock else None
        return {"status": resp.status, "body": body, "tls": version}
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}
    finally:
        conn.close()

deadline = time.monotonic() + spec.get("wait", 60)
while True:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        break
    except OSError as e:
        if time.monotonic() > deadline:
            print(json.dumps({"unreachable": f"127.0.0.1:{port}: {e}"}))
            sys.exit(0)
        time.sleep(0.1)

if spec["tls"]:
    out["tls12"] = get("/health", context(ssl.TLSVersion.TLSv1_2))
    out["tls13"] = get("/health", context(ssl.TLSVersion.TLSv1_3))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context(ssl.TLSVersion.TLSv1_1, legacy=True).wrap_socket(raw) as tls:
                out["tls11"] = {"accepted": tls.version()}
    except (ssl.SSLError, OSError) as e:
        out["tls11"] = {"refused": f"{type(e).__name__}: {e}"}
    report = get("/report", context())
else:
    out["health"] = get("/health")
    report = get("/report")
try:
    out["report"] = json.loads(report["body"])
except Exception:
    out["report_error"] = report
if spec.get("metrics"):
    host, _, mport = spec["metrics"].rpartition(":")
    out["metrics"] = get("/metrics", host=host, p=int(mport))
print(json.dumps(out))
'''


def client_spec(port: int, tls: bool, metrics: str | None = None, wait: float = 60) -> str:
    return json.dumps({"port": port, "tls": tls, "metrics": metrics, "wait": wait})


def parse_client_output(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert lines, f"the client printed no result:\n{stdout}"
    return json.loads(lines[-1])


def wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "[::]", "::", "*")


def socket_set(sockets: list[str]) -> set[str]:
    """The probe's listening sockets with either wildcard ('0.0.0.0', '[::]': Java binds Ballerina's default host
    "0.0.0.0" as IPv6 '::' where the namespace has IPv6, as IPv4 where it has not) written as '*:PORT'."""
    out = set()
    for socket in sockets:
        host, _, port = socket.rpartition(":")
        out.add(f"*:{port}" if wildcard(host) else socket)
    return out


def listening(host: str, port: int) -> str:
    """The socket_set() entry a listener on host:port shows as."""
    return f"*:{port}" if wildcard(host) else f"{host}:{port}"


def report_from_stdout(stdout: str) -> dict | None:
    """The report RuntimeProbe prints once when it has started (None if it never got that far)."""
    for line in stdout.splitlines():
        if line.startswith('{"probe":"RuntimeProbe"'):
            return json.loads(line)
    return None
