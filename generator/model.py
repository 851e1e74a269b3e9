"""The integration model: the one definition every input and every target derives from.

Presets, answers files, `--set`, the wizard and `hardgen schema` all read these
dataclasses (through `generator.fields`); targets read a *resolved* instance, in
which every derived default (image name, base image, module, namespace ...) is
filled in, so no target repeats the rules for defaults.
"""

# No `from __future__ import annotations` here: with real annotation objects, typing.get_type_hints
# (generator.fields reads it for every class) need not eval a string per field on every run.
import dataclasses
from collections.abc import Mapping
from typing import Literal

from . import checks
from .errors import Problem
from .fields import field
from .records import record

SCHEMA_VERSION = 1
SUPPORTED_TARGETS = ("docker", "kubernetes", "systemd")
#: Targets whose modules exist in this build; the others stop with "not supported yet".
BUILT_TARGETS = ("docker", "kubernetes", "systemd")
#: JEP 486 (JDK 24) removed the ability to enable the Security Manager: the flag aborts start-up.
LAST_JDK_WITH_SECURITY_MANAGER = 23
RUNTIME_UID = 10001
#: Memory the JVM needs outside the heap (metaspace, code cache, thread stacks, direct buffers) in a pod.
NON_HEAP_MINIMUM_MI = 64
#: Ephemeral storage a pod needs at least: the GC-log volume plus room for /tmp and container logs.
EPHEMERAL_MINIMUM_MI = 128
#: Namespaces an integration must never be deployed into.
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")

Scalar = str | int | float | bool


@record(frozen=True)
class Image:
    """The integration's container image and the base image it is built on."""

    name: str | None = field("Image repository of the integration (registry/path)", None, check=checks.image_name, derived="the integration name")
    tag: str = field("Image tag of the integration; never 'latest'", "0.1.0", check=checks.image_tag)
    digest: str | None = field("Image digest (sha256:...); when set, Kubernetes pulls by digest", None, check=checks.digest, advanced=True)
    base: str | None = field("Base image (name:tag) with a Java runtime", None, check=checks.image_ref, derived="eclipse-temurin:<jdk>-jre-noble", advanced=True)
    base_digest: str | None = field("Digest that pins the base image (sha256:...)", None, check=checks.digest, advanced=True)


@record(frozen=True)
class Service:
    """The integration's own listener: what the health check, probes and policies point at."""

    port: int = field("Port the integration's listener serves on; not a product default", 9443, check=checks.port, minimum=1, maximum=65535)
    tls: bool = field("The listener serves HTTPS (the seeds require TLS on every listener)", True)
    keystore_path_key: str | None = field("Configurable that receives the path of the PKCS12 keystore (keystore.p12, delivered beside the secrets file); null to leave TLS configuration to the integration", "keystorePath", check=checks.identifier, when=(("tls", True),), advanced=True)
    # "passphrase", not "password": secret scanners flag every answers file with a `*password*:` key.
    keystore_passphrase_key: str | None = field("Secret configurable that receives the keystore's password (a placeholder in the secrets template, never a value)", "keystorePassword", check=checks.identifier, when=(("tls", True),), advanced=True)
    health_path: str = field("HTTP path that answers 200 when the service is healthy", "/health", check=lambda v: None if v.startswith("/") and checks.relative_path(v[1:] or "x") is None else "is not a URL path (like /health)", advanced=True)


@record(frozen=True)
class MetricsFrom:
    """The scraper allowed to reach the metrics port (Kubernetes)."""

    namespace: str | None = field("Namespace of the metrics scraper", None, check=checks.dns_label(63))
    labels: Mapping[str, str] = field("Pod labels of the metrics scraper", factory=dict, check=checks.labels)


@record(frozen=True)
class Metrics:
    """Prometheus metrics: off by default, on loopback unless a scraper is declared (seed 000)."""

    enabled: bool = field("Expose Prometheus metrics", False)
    port: int = field("Metrics listener port", 9797, check=checks.port, minimum=1, maximum=65535, when=(("enabled", True),))
    from_: MetricsFrom = field("Who may scrape the metrics port (Kubernetes); empty means only local access", factory=MetricsFrom, when=(("enabled", True), ("/targets", "kubernetes")), advanced=True)


@record(frozen=True)
class Peer:
    """A workload or address block the integration is called by (ingress) or calls (egress)."""

    name: str = field("Name of the peer, used in policy names", check=checks.dns_label(40))
    labels: Mapping[str, str] = field("Pod labels of the peer", factory=dict, check=checks.labels)
    namespace: str | None = field("Namespace of the peer's pods", None, check=checks.dns_label(63), derived="the integration's namespace")
    cidr: str | None = field("Address block of a peer outside the cluster (instead of labels)", None, check=checks.cidr, when=(("labels", {}), ("namespace", None)))
    port: int | None = field("Port the integration calls on this peer (egress only)", None, check=checks.port, minimum=1, maximum=65535)


@record(frozen=True)
class Config:
    """Ballerina configurables: the non-secret values written to Config.toml."""

    org: str = field("Ballerina organisation of the package", "integrations", check=checks.identifier)
    module: str | None = field("Ballerina module (package) name", None, check=checks.identifier, derived="the integration name with '-' as '_'")
    port_key: str | None = field("Configurable that holds the listener port; null to leave it out", "port", check=checks.identifier)
    values: Mapping[str, Scalar] = field("Non-secret configurable values for Config.toml", factory=dict)


@record(frozen=True)
class Resources:
    """Container requests and limits; the JVM heap is sized from the memory limit."""

    cpu: str = field("CPU request and limit", "500m", check=checks.cpu)
    memory: str = field("Memory request and limit; the JVM heap is a percentage of it", "512Mi", check=checks.memory)
    ephemeral_storage: str = field("Ephemeral storage request and limit (logs, tmp)", "256Mi", check=checks.memory)


@record(frozen=True)
class Kubernetes:
    """Kubernetes settings."""

    namespace: str | None = field("Namespace to deploy into; never 'default'", None, check=checks.dns_label(63), derived="the integration name")
    replicas: int = field("Number of pods", 2, check=lambda v: None if 1 <= v <= 100 else "is not a replica count (1-100)", minimum=1, maximum=100)
    resources: Resources = field("Requests and limits for the container", factory=Resources, advanced=True)
    create_namespace: bool = field("Write a Namespace that enforces the restricted Pod Security Standard", True, advanced=True)
    default_deny: bool = field("Write a namespace-wide default-deny NetworkPolicy", True, advanced=True)
    external_secrets: bool = field("Write an ExternalSecret (External Secrets Operator) instead of Secret instructions", False, advanced=True)
    external_store: str | None = field("Name of the External Secrets Operator store that holds the values (with external_secrets)", None, check=checks.dns_label(63), advanced=True)
    external_store_kind: Literal["SecretStore", "ClusterSecretStore"] = field("Kind of that store", "SecretStore", advanced=True)
    external_key: str | None = field("Key of the entry in the store whose properties are the values, one per secret name", None, check=checks.relative_path, derived="the integration name", advanced=True)


@record(frozen=True)
class Systemd:
    """systemd settings for a VM install."""

    user: str | None = field("System user the service runs as (never root)", None, check=checks.system_user, derived="the integration name")
    install_dir: str | None = field("Directory the jar and its files are installed into", None, check=checks.absolute_path, derived="/opt/<name>")
    java: str = field("Absolute path of the java binary the unit runs (a JDK of the release in jdk)", "/usr/bin/java", check=checks.absolute_path)
    memory_max: str = field("MemoryMax= of the unit; the JVM heap is max_ram_percentage of it", "1Gi", check=checks.memory)
    tasks_max: int = field("TasksMax= of the unit: threads the JVM may start (GC, JIT and request threads)", 1024, check=lambda v: None if 64 <= v <= 65536 else "is not a task limit (64-65536; a JVM needs dozens of threads)", minimum=64, maximum=65536)
    limit_nofile: int = field("LimitNOFILE= of the unit: open files and sockets", 65536, check=lambda v: None if 1024 <= v <= 1048576 else "is not a file limit (1024-1048576)", minimum=1024, maximum=1048576)


@record(frozen=True)
class Docker:
    """Container image build settings."""

    deploy_dir: str = field("Folder of hardgen's output inside the build context (the project root); '.' if they are the same", "deploy", check=lambda v: None if v == "." else checks.relative_path(v))


@record(frozen=True)
class Jvm:
    """JVM settings."""

    security_manager: bool = field("Enable the Java Security Manager with a least-privilege policy (JDK <= 23 only; JEP 486)", False)
    max_ram_percentage: float = field("Heap limit as a percentage of the container or service memory", 75.0, check=lambda v: None if 10 <= v <= 90 else "is not a percentage between 10 and 90", minimum=10, maximum=90)
    extra_flags: list[str] = field("Further JVM options, one per item", factory=tuple, each=checks.jvm_flag)


@record(frozen=True)
class Integration:
    """One integration: every input (presets, answers, --set, the wizard) builds this, every target reads it resolved."""

    name: str = field("Integration name: a DNS-1123 label of at most 52 characters", check=checks.dns_label(52), pattern=checks.DNS_LABEL)
    schema_version: int = field("Version of the answers format", SCHEMA_VERSION, ask=False)
    runtime: Literal["ballerina", "mi"] = field("Runtime: ballerina (WSO2 Integrator) or mi (Micro Integrator)", "ballerina")
    jdk: Literal[17, 21, 25] = field("Java feature release the integration runs on", 21)
    artifact: str | None = field("Path of the built jar (or CAR folder for MI), relative to the build context", None, check=checks.relative_path, derived="target/bin/<module>.jar")
    image: Image = field("Container image of the integration", factory=Image)
    service: Service = field("The integration's listener", factory=Service)
    metrics: Metrics = field("Prometheus metrics", factory=Metrics)
    ingress: list[Peer] = field("Who may call the integration", factory=tuple, omit=("port",))
    egress: list[Peer] = field("What the integration calls", factory=tuple)
    secrets: list[str] = field("Names of secret configurables (values are never asked for or written)", factory=tuple, each=checks.secret_name)
    config: Config = field("Ballerina configurables", factory=Config, advanced=True)
    docker: Docker = field("Container image build settings", factory=Docker, when=(("targets", "docker"),))
    kubernetes: Kubernetes = field("Kubernetes settings", factory=Kubernetes, when=(("targets", "kubernetes"),))
    systemd: Systemd = field("systemd settings", factory=Systemd, when=(("targets", "systemd"),))
    jvm: Jvm = field("JVM settings", factory=Jvm, advanced=True)
    targets: list[Literal["docker", "kubernetes", "systemd"]] = field("Artefact sets to generate", factory=lambda: ("docker",), check=lambda v: None if v else "is empty; choose at least one target")


def cross_check(m: Integration) -> list[tuple[str, str]]:
    """Rules that span fields; (key path, message) pairs."""
    out: list[tuple[str, str]] = []
    if m.runtime == "mi":
        out.append(("runtime", "'mi' (Micro Integrator) is not supported yet; use 'ballerina'"))
    if m.jvm.security_manager and m.jdk > LAST_JDK_WITH_SECURITY_MANAGER:
        out.append(("jvm.security_manager", f"true is not possible on JDK {m.jdk}: since JDK 24 (JEP 486) -Djava.security.manager aborts JVM start-up; use JDK 17 or 21, or set it to false and rely on the container and systemd sandbox"))
    for t in m.targets:
        if t not in BUILT_TARGETS:
            out.append(("targets", f"{t!r} is not supported yet (available: {', '.join(BUILT_TARGETS)})"))
    if len(set(m.targets)) != len(m.targets):
        out.append(("targets", "lists a target twice"))
    if m.metrics.enabled and m.metrics.port == m.service.port:
        out.append(("metrics.port", f"{m.metrics.port} is the service port; choose another"))
    if m.kubernetes.namespace in RESERVED_NAMESPACES:
        out.append(("kubernetes.namespace", f"{m.kubernetes.namespace!r} is not allowed: give the integration its own namespace"))
    elif "kubernetes" in m.targets and not m.kubernetes.namespace and m.name in RESERVED_NAMESPACES:
        out.append(("name", f"{m.name!r} is not allowed as the namespace (kubernetes.namespace defaults to the name): set kubernetes.namespace"))
    if "kubernetes" in m.targets:
        out.extend(_kubernetes_checks(m))
    for key in m.config.values:
        if checks.identifier(key):
            out.append((f"config.values.{key}", f"{key!r} is not a Ballerina configurable name"))
        elif key in m.secrets:
            out.append((f"config.values.{key}", f"{key!r} is also listed in secrets; a secret never gets a value in Config.toml"))
        elif any(w in key.lower() for w in ("password", "secret", "token", "apikey", "api_key", "privatekey")):
            out.append((f"config.values.{key}", f"{key!r} looks like a secret; list its name under secrets instead"))
    for kind, peers in (("ingress", m.ingress), ("egress", m.egress)):
        seen = set()
        for i, p in enumerate(peers):
            where = f"{kind}[{i}]"
            if p.name in seen:
                out.append((f"{where}.name", f"{p.name!r} is used twice"))
            seen.add(p.name)
            if p.cidr and (p.labels or p.namespace):
                out.append((where, "has both cidr and labels/namespace; a peer is either pods or an address block"))
            if not p.cidr and not p.labels and not p.namespace:
                out.append((where, "needs labels (and optionally namespace), or a cidr"))
            if kind == "egress" and p.port is None:
                out.append((f"{where}.port", "is required for an egress peer"))
            if kind == "ingress" and p.port is not None:
                out.append((f"{where}.port", "is not used for ingress peers: they call service.port"))
    if "systemd" in m.targets and not m.systemd.user and checks.system_user(m.name[:32]):
        out.append(("systemd.user", f"is needed: the integration name {m.name!r} {checks.system_user(m.name[:32])}"))
    if len(set(m.secrets)) != len(m.secrets):
        out.append(("secrets", "lists a name twice"))
    out.extend(_keystore_checks(m))
    return out


def _keystore_checks(m: Integration) -> list[tuple[str, str]]:
    """The keystore's configurables are hardgen's to fill: no other input may claim their names."""
    s = m.service
    if not keystore(m):
        return []
    if not s.keystore_passphrase_key:
        return [("service.keystore_passphrase_key", "is needed while service.keystore_path_key is set: a Ballerina keystore cannot be opened without its password (or set keystore_path_key to null too)")]
    out: list[tuple[str, str]] = []
    if s.keystore_passphrase_key == s.keystore_path_key:
        out.append(("service.keystore_passphrase_key", f"{s.keystore_passphrase_key!r} is also keystore_path_key; give them different names"))
    for field_name in ("keystore_path_key", "keystore_passphrase_key"):
        key = getattr(s, field_name)
        if key in m.secrets:
            out.append((f"service.{field_name}", f"{key!r} is also listed in secrets; hardgen adds the keystore's configurables itself"))
        if key in m.config.values:
            out.append((f"service.{field_name}", f"{key!r} is also a key of config.values; hardgen writes the keystore's configurables itself"))
        if key == m.config.port_key:
            out.append((f"service.{field_name}", f"{key!r} is also config.port_key; choose another name"))
    return out


def _kubernetes_checks(m: Integration) -> list[tuple[str, str]]:
    """Pod-level rules: a heap that leaves the JVM room, storage for logs and tmp, a store for ExternalSecrets."""
    out: list[tuple[str, str]] = []
    k = m.kubernetes
    memory_mi = checks.memory_bytes(k.resources.memory) / 2**20
    non_heap = memory_mi * (1 - m.jvm.max_ram_percentage / 100)
    if non_heap < NON_HEAP_MINIMUM_MI:
        out.append(("kubernetes.resources.memory", f"{k.resources.memory} with jvm.max_ram_percentage {m.jvm.max_ram_percentage:g} leaves {non_heap:.0f}Mi outside the heap; the JVM needs at least {NON_HEAP_MINIMUM_MI}Mi there (metaspace, code cache, threads) or the pod is OOM-killed: raise the memory or lower the percentage"))
    if checks.memory_bytes(k.resources.ephemeral_storage) < EPHEMERAL_MINIMUM_MI * 2**20:
        out.append(("kubernetes.resources.ephemeral_storage", f"{k.resources.ephemeral_storage} is below {EPHEMERAL_MINIMUM_MI}Mi: the pod needs 64Mi for rotated GC logs plus room for /tmp and container logs"))
    if k.external_secrets and secret_names(m) and not k.external_store:
        out.append(("kubernetes.external_store", "is required with kubernetes.external_secrets: name the SecretStore that holds the values"))
    return out


def resolve(m: Integration) -> Integration:
    """Fill every derived default, so targets read one complete, unambiguous model."""
    module = m.config.module or m.name.replace("-", "_")
    replace = dataclasses.replace
    return replace(
        m,
        artifact=m.artifact or f"target/bin/{module}.jar",
        image=replace(m.image, name=m.image.name or m.name, base=m.image.base or f"eclipse-temurin:{m.jdk}-jre-noble"),
        config=replace(m.config, module=module),
        kubernetes=replace(m.kubernetes, namespace=m.kubernetes.namespace or m.name, external_key=m.kubernetes.external_key or m.name),
        systemd=replace(m.systemd, user=m.systemd.user or m.name[:32], install_dir=m.systemd.install_dir or f"/opt/{m.name}"),
        ingress=tuple(replace(p, namespace=p.namespace if (p.namespace or p.cidr) else (m.kubernetes.namespace or m.name)) for p in m.ingress),
        egress=tuple(replace(p, namespace=p.namespace if (p.namespace or p.cidr) else (m.kubernetes.namespace or m.name)) for p in m.egress),
    )


def keystore(m: Integration) -> bool:
    """Whether hardgen wires a PKCS12 keystore (seed 000: "Use PKCS12 keystores (not JKS)") into the listener's configurables."""
    return m.service.tls and m.service.keystore_path_key is not None


def secret_names(m: Integration) -> tuple[str, ...]:
    """Every secret configurable, sorted: the declared secrets plus the keystore's password."""
    extra = (m.service.keystore_passphrase_key,) if keystore(m) and m.service.keystore_passphrase_key else ()
    return tuple(sorted({*m.secrets, *extra}))


def image_ref(m: Integration) -> str:
    """The integration image as Kubernetes should pull it: by digest when known."""
    ref = f"{m.image.name}:{m.image.tag}"
    return f"{ref}@{m.image.digest}" if m.image.digest else ref


def base_image_ref(m: Integration) -> str:
    return f"{m.image.base}@{m.image.base_digest}" if m.image.base_digest else m.image.base


def metrics_host(m: Integration) -> str:
    """Seed 000, 'restrict listening interfaces': metrics stay on loopback unless a scraper in the pod network is declared."""
    scraper = m.metrics.from_.labels or m.metrics.from_.namespace
    return "0.0.0.0" if scraper and "kubernetes" in m.targets else "127.0.0.1"


def problems_for(m: Integration, origin) -> list[Problem]:
    return [Problem(origin(path), path, msg) for path, msg in cross_check(m)]
