"""The integration model as answered: the one definition every input derives from.

Presets, answers files, `--set`, the wizard and `hardgen schema` all read these
dataclasses (through `generator.model.fields`). A field whose default is derived
from other answers is `None` here until `generator.model.resolved` fills it in;
targets only ever receive that resolved form.
"""

# No `from __future__ import annotations` here: with real annotation objects, typing.get_type_hints
# (generator.fields reads it for every class) need not eval a string per field on every run.
import re
from collections.abc import Mapping
from typing import Literal, get_args

from generator.inputs.migrate import SCHEMA_VERSION
from generator.model import validators as checks
from generator.model.fields import field
from generator.records import record

#: The artefact sets hardgen generates; `generator.targets.TARGETS` maps each to its planner.
TargetName = Literal["docker", "kubernetes", "systemd"]
TARGET_NAMES: tuple[TargetName, ...] = get_args(TargetName)
RUNTIME_UID = 10001
#: The numeric user of the official MI image (wso2/wso2mi): 10802 from MI 4.4 on, 802 before.
MI_UIDS = {"4.2.0": 802, "4.3.0": 802, "4.4.0": 10802}
#: Memory the JVM needs outside the heap (metaspace, code cache, thread stacks, netty's direct buffers): below
#: this a Ballerina service under load exceeds its limit and is killed before ExitOnOutOfMemoryError can act.
NON_HEAP_MINIMUM_MI = 192
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
    base: str | None = field("Base image (name:tag) with a Java runtime", None, check=checks.image_ref, derived="eclipse-temurin:<jdk>-jre-noble; wso2/wso2mi:<mi.version> for runtime mi", advanced=True)
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
    except_: tuple[str, ...] | None = field("Address blocks inside cidr that are not this peer, e.g. the pod and service networks (with cidr only)", None, each=checks.cidr, ask=False)


@record(frozen=True)
class Config:
    """Ballerina configurables: the non-secret values written to Config.toml."""

    org: str = field("Ballerina organisation of the package", "integrations", check=checks.identifier)
    module: str | None = field("Ballerina module (package) name", None, check=checks.identifier, derived="the integration name with '-' as '_'")
    port_key: str | None = field("Configurable that holds the listener port; null to leave it out", "port", check=checks.identifier)
    values: Mapping[str, Scalar] = field("Non-secret configurable values for Config.toml", factory=dict)
    external: tuple[str, ...] = field("Required configurables the operator supplies another way (BAL_CONFIG_VAR_*, another file): hardgen writes none of them; 'name' in the package's root module, 'module.name' in modules/<module>", factory=tuple, each=lambda v: external_name(v), advanced=True)


@record(frozen=True)
class Resources:
    """Container requests and limits; the JVM heap is sized from the memory limit."""

    cpu: str = field("CPU request and limit", "500m", check=checks.cpu)
    memory: str = field("Memory request and limit of the container (Kubernetes, and docker run --memory); the JVM heap is a percentage of it", "768Mi", check=checks.memory)
    ephemeral_storage: str = field("Ephemeral storage request and limit (logs, tmp)", "256Mi", check=checks.memory)


@record(frozen=True)
class Kubernetes:
    """Kubernetes settings."""

    namespace: str | None = field("Namespace to deploy into; never 'default'", None, check=checks.dns_label(63), derived="the integration name")
    replicas: int = field("Number of pods", 2, check=lambda v: None if 1 <= v <= 100 else "is not a replica count (1-100)", minimum=1, maximum=100)
    resources: Resources = field("Requests and limits for the container", factory=Resources, advanced=True)
    create_namespace: bool = field("Write a Namespace that enforces the restricted Pod Security Standard", True, advanced=True)
    default_deny: bool = field("Write a default-deny NetworkPolicy (<name>-default-deny): namespace-wide when hardgen creates the namespace, else for this integration's pods", True, advanced=True)
    external_secrets: bool = field("Write an ExternalSecret (External Secrets Operator) instead of Secret instructions", False, advanced=True)
    external_store: str | None = field("Name of the External Secrets Operator store that holds the values (with external_secrets)", None, check=checks.dns_label(63), advanced=True)
    external_store_kind: Literal["SecretStore", "ClusterSecretStore"] = field("Kind of that store", "SecretStore", advanced=True)
    external_key: str | None = field("Key of the entry in the store whose properties are the values, one per secret name", None, check=checks.relative_path, derived="the integration name", advanced=True)


@record(frozen=True)
class Systemd:
    """systemd settings for a VM install."""

    user: str | None = field("System user the service runs as (never root)", None, check=checks.system_user, derived="the integration name")
    install_dir: str | None = field("Directory the jar and its files are installed into (root's alone: not under /var/lib, /var/log, /etc, /tmp, /run, /home ...)", None, check=checks.install_dir, derived="/opt/<name>")
    java: str = field("Absolute path of the java binary the unit runs (a JDK of the release in jdk)", "/usr/bin/java", check=checks.java_binary)
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

    security_manager: bool = field("Withdrawn; must be false (kept so older answers files still read): the Java Security Manager is deprecated (JEP 411) and refused by JDK 24+ (JEP 486)", False, check=checks.security_manager_withdrawn, ask=False)
    max_ram_percentage: float = field("Heap limit as a percentage of the container or service memory", 75.0, check=lambda v: None if 10 <= v <= 90 else "is not a percentage between 10 and 90", minimum=10, maximum=90)
    extra_flags: tuple[str, ...] = field("Further JVM options, one per item", factory=tuple, each=checks.jvm_flag)


#: Micro Integrator releases hardgen knows, and the Java feature releases each runs on among those hardgen
#: supports (MI's own start script refuses any other: docs/mi.md cites where each pair comes from).
MiVersion = Literal["4.2.0", "4.3.0", "4.4.0"]
MI_JDKS: dict[str, tuple[int, ...]] = {"4.2.0": (17,), "4.3.0": (17, 21), "4.4.0": (17, 21)}


@record(frozen=True)
class AdminFrom:
    """Who may reach MI's management API port (Kubernetes: pods; systemd: an address block)."""

    namespace: str | None = field("Namespace of the operators' pods (the management console, the Integration Control Plane)", None, check=checks.dns_label(63))
    labels: Mapping[str, str] = field("Pod labels of the operators' pods", factory=dict, check=checks.labels)
    cidr: str | None = field("Address block of the operators outside the cluster (instead of labels)", None, check=checks.cidr)


@record(frozen=True)
class Ldap:
    """A read-only external LDAP user store (seed 002: read-only access, over TLS, as a less privileged user)."""

    url: str | None = field("ldaps:// URL of the user store; null for MI's own file-based store", None, check=checks.ldaps_url)
    bind_dn: str | None = field("DN MI binds as (a user that can read, never change, the directory), like cn=mi-reader,ou=services,dc=example,dc=com", None, check=checks.ldap_dn)
    user_search_base: str | None = field("DN under which users are searched, like ou=users,dc=example,dc=com", None, check=checks.ldap_dn)


@record(frozen=True)
class Mi:
    """WSO2 Micro Integrator settings (runtime: mi)."""

    version: MiVersion = field("Micro Integrator release the CARs run on (the official image wso2/wso2mi:<version>)", "4.4.0")
    key_alias: str = field("Alias of the server's private key in the PKCS12 keystore", "hardgen", check=checks.identifier)
    admin_user: str | None = field("Super admin MI creates from deployment.toml, its password a $secret{} reference; null: no account from the file (manage users with the management API)", None, check=checks.mi_admin_user)
    admin_from: AdminFrom = field("Who may reach the management API port; empty: nobody from outside the pod or host", factory=AdminFrom)
    ldap: Ldap = field("Read-only external LDAP user store", factory=Ldap, advanced=True)


@record(frozen=True)
class Integration:
    """One integration: every input (presets, answers, --set, the wizard) builds this, every target reads it resolved."""

    name: str = field("Integration name: a DNS-1123 label of at most 52 characters", check=checks.dns_label(52), pattern=checks.DNS_LABEL)
    schema_version: int = field("Version of the answers format", SCHEMA_VERSION, check=checks.schema_version(SCHEMA_VERSION), ask=False)
    runtime: Literal["ballerina", "mi"] = field("Runtime: ballerina (WSO2 Integrator) or mi (Micro Integrator)", "ballerina")
    jdk: Literal[17, 21, 25] = field("Java feature release the integration runs on", 21)
    artifact: str | None = field("Path of the built jar (or CAR folder for MI), relative to the build context", None, check=checks.relative_path, derived="target/bin/<module>.jar; carbonapps (a folder of .car files) for runtime mi")
    image: Image = field("Container image of the integration", factory=Image)
    service: Service = field("The integration's listener", factory=Service)
    metrics: Metrics = field("Prometheus metrics", factory=Metrics)
    ingress: tuple[Peer, ...] = field("Who may call the integration", factory=tuple, omit=("port",))
    egress: tuple[Peer, ...] = field("What the integration calls", factory=tuple)
    secrets: tuple[str, ...] = field("Names of secret configurables (values are never asked for or written)", factory=tuple, each=checks.secret_name)
    config: Config = field("Ballerina configurables", factory=Config, advanced=True)
    docker: Docker = field("Container image build settings", factory=Docker, when=(("targets", "docker"),))
    kubernetes: Kubernetes = field("Kubernetes settings", factory=Kubernetes, when=(("targets", "kubernetes"),))
    systemd: Systemd = field("systemd settings", factory=Systemd, when=(("targets", "systemd"),))
    jvm: Jvm = field("JVM settings", factory=Jvm, advanced=True)
    mi: Mi = field("Micro Integrator settings", factory=Mi, when=(("runtime", "mi"),))
    targets: tuple[TargetName, ...] = field("Artefact sets to generate", factory=lambda: ("docker",), check=lambda v: None if v else "is empty; choose at least one target")


_EXTERNAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


def external_name(value: str) -> str | None:
    """`name` (a configurable of the root module) or `module.name` (of modules/<module>)."""
    if _EXTERNAL_NAME.fullmatch(value) and len(value) <= 130:
        return None
    return "is not a configurable name ('name', or 'module.name' for a module under modules/)"


#: MI's built-in ports before any offset (the passthrough HTTP and HTTPS transports, the management API over HTTPS,
#: the internal HTTP API that answers the health probes); MI adds `[server] offset` (10 when none is set).
MI_BASE_HTTP, MI_BASE_HTTPS, MI_BASE_MANAGEMENT, MI_BASE_INTERNAL_HTTP = 8280, 8243, 9154, 9191
MI_DEFAULT_OFFSET = 10


def mi_offset(m: Integration) -> int:
    """service.port is MI's HTTPS passthrough port; every other MI port follows from the offset it implies."""
    return m.service.port - MI_BASE_HTTPS


def mi_ports(m: Integration) -> dict[str, int]:
    offset = mi_offset(m)
    return {"http": MI_BASE_HTTP + offset, "https": MI_BASE_HTTPS + offset,
            "management": MI_BASE_MANAGEMENT + offset, "internal_http": MI_BASE_INTERNAL_HTTP + offset}


def mi_secret_aliases(m: Integration) -> tuple[str, ...]:
    """Every Secure Vault alias deployment.toml references: the stores' passwords, the admin's, the LDAP bind
    password, and the user's own `secrets` (for wso2:vault-lookup in the CARs)."""
    own = ["keystore_password", "truststore_password"]
    if m.mi.admin_user:
        own.append("admin_password")
    if m.mi.ldap.url:
        own.append("ldap_password")
    return tuple(sorted({*own, *m.secrets}))


def mi_secret_variable(alias: str) -> str:
    """The environment variable mi/encrypt-secrets.sh and install.sh read an alias's value from (MI_SECRET_<ALIAS>)."""
    return "MI_SECRET_" + re.sub(r"[^A-Z0-9_]", "_", alias.upper())


def keystore(m: Integration) -> bool:
    """Whether hardgen wires a PKCS12 keystore (seed 000: "Use PKCS12 keystores (not JKS)") into the listener's configurables."""
    if m.runtime == "mi":
        return True  # MI's HTTPS transport always reads [keystore.primary]
    return m.service.tls and m.service.keystore_path_key is not None


def secret_names(m: Integration) -> tuple[str, ...]:
    """Every secret configurable, sorted: the declared secrets plus the keystore's password."""
    if m.runtime == "mi":
        return mi_secret_aliases(m)
    extra = (m.service.keystore_passphrase_key,) if keystore(m) and m.service.keystore_passphrase_key else ()
    return tuple(sorted({*m.secrets, *extra}))
