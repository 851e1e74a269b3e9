"""Rules that span fields: what no single field's validator can see.

Each rule returns (key path, message) pairs; `problems` attributes them to the
input that set the key, so the user is sent to the right file or flag.
"""

from __future__ import annotations

from collections.abc import Callable

from generator import secret_like
from generator.errors import Problem, show
from generator.model import validators as checks
from generator.model.integration import (
    EPHEMERAL_MINIMUM_MI,
    MI_BASE_HTTPS,
    MI_BASE_MANAGEMENT,
    MI_DEFAULT_OFFSET,
    MI_JDKS,
    NON_HEAP_MINIMUM_MI,
    RESERVED_NAMESPACES,
    Integration,
    keystore,
    mi_offset,
    mi_ports,
    secret_names,
)


def cross_field_problems(m: Integration) -> list[tuple[str, str]]:
    """Rules that span fields; (key path, message) pairs."""
    out: list[tuple[str, str]] = []
    if m.runtime == "mi":
        out.extend(_mi_checks(m))
    if len(set(m.targets)) != len(m.targets):
        out.append(("targets", "lists a target twice"))
    if m.metrics.enabled and m.metrics.port == m.service.port:
        out.append(("metrics.port", f"{m.metrics.port} is the service port; choose another"))
    if m.kubernetes.namespace in RESERVED_NAMESPACES:
        out.append(("kubernetes.namespace", f"{show(m.kubernetes.namespace)} is not allowed: give the integration its own namespace"))
    elif "kubernetes" in m.targets and not m.kubernetes.namespace and m.name in RESERVED_NAMESPACES:
        out.append(("name", f"{show(m.name)} is not allowed as the namespace (kubernetes.namespace defaults to the name): set kubernetes.namespace"))
    if "kubernetes" in m.targets:
        out.extend(_kubernetes_checks(m))
    out.extend(_memory_checks(m))
    out.extend(_config_table_checks(m))
    for key in m.config.values:
        if checks.identifier(key):
            out.append((f"config.values.{key}", f"{show(key)} is not a Ballerina configurable name"))
        elif key in m.secrets:
            out.append((f"config.values.{key}", f"{show(key)} is also listed in secrets; a secret never gets a value in Config.toml"))
        elif secret_like.secret_name(key):
            out.append((f"config.values.{key}", f"{show(key)} looks like a secret; list its name under secrets instead"))
    for kind, peers in (("ingress", m.ingress), ("egress", m.egress)):
        seen = set()
        for i, p in enumerate(peers):
            where = f"{kind}[{i}]"
            if p.name in seen:
                out.append((f"{where}.name", f"{show(p.name)} is used twice"))
            seen.add(p.name)
            if p.cidr and (p.labels or p.namespace):
                out.append((where, "has both cidr and labels/namespace; a peer is either pods or an address block"))
            if not p.cidr and not p.labels and not p.namespace:
                out.append((where, "needs labels (and optionally namespace), or a cidr"))
            if kind == "egress" and p.port is None:
                out.append((f"{where}.port", "is required for an egress peer"))
            if kind == "ingress" and p.port is not None:
                out.append((f"{where}.port", "is not used for ingress peers: they call service.port"))
            out.extend(_except_checks(where, p))
    if "systemd" in m.targets and not m.systemd.user and checks.system_user(m.name[:32]):
        out.append(("systemd.user", f"is needed: the integration name {show(m.name)} {checks.system_user(m.name[:32])}"))
    if len(set(m.secrets)) != len(m.secrets):
        out.append(("secrets", "lists a name twice"))
    out.extend(_keystore_checks(m))
    out.extend(_external_checks(m))
    out.extend(_artifact_checks(m))
    return out


#: The folder of hardgen's output (docker.deploy_dir) that holds Config.toml, the secrets template, and the filled
#: secrets file and PKCS12 keystore an operator puts beside them (targets/shared/ballerina_config.py).
CONFIG_FOLDER = "config"


def _artifact_checks(m: Integration) -> list[tuple[str, str]]:
    """The jar is copied into the image (and installed by install.sh): it must not be, or hold, the config folder
    where the filled secrets file and the keystore live. Compared as a case-insensitive file system would."""
    module = m.config.module or m.name.replace("-", "_")
    artifact = m.artifact or ("carbonapps" if m.runtime == "mi" else f"target/bin/{module}.jar")
    deploy = "" if m.docker.deploy_dir == "." else m.docker.deploy_dir
    config = f"{deploy}/{CONFIG_FOLDER}" if deploy else CONFIG_FOLDER
    if not checks.overlaps(artifact.casefold(), config.casefold()):
        return []
    return [("artifact", f"{show(artifact)} is or holds {config}/ (docker.deploy_dir {show(m.docker.deploy_dir)}), where the filled "
             f"secrets file and the keystore live: the image would carry them; give the path of the built jar, like target/bin/{module}.jar"
             + (" (for runtime mi: the folder of .car files, like carbonapps)" if m.runtime == "mi" else ""))]


def _keystore_checks(m: Integration) -> list[tuple[str, str]]:
    """The keystore's configurables are hardgen's to fill: no other input may claim their names."""
    s = m.service
    if not keystore(m):
        return []
    if not s.keystore_passphrase_key:
        return [("service.keystore_passphrase_key", "is needed while service.keystore_path_key is set: a Ballerina keystore cannot be opened without its password (or set keystore_path_key to null too)")]
    out: list[tuple[str, str]] = []
    if s.keystore_passphrase_key == s.keystore_path_key:
        out.append(("service.keystore_passphrase_key", f"{show(s.keystore_passphrase_key)} is also keystore_path_key; give them different names"))
    if s.keystore_path_key in m.secrets:
        out.append(("service.keystore_path_key", f"{show(s.keystore_path_key)} is also listed in secrets; the keystore's path is not a secret (its password is)"))
    for field_name in ("keystore_path_key", "keystore_passphrase_key"):
        key = getattr(s, field_name)
        if key in m.config.values:
            out.append((f"service.{field_name}", f"{show(key)} is also a key of config.values; hardgen writes the keystore's configurables itself"))
        if key == m.config.port_key:
            out.append((f"service.{field_name}", f"{show(key)} is also config.port_key; choose another name"))
    return out


#: Runtime modules whose Config.toml tables hardgen writes itself: an integration that claims one of these
#: names would have its configurables merged into (and clash with) the runtime's own table.
RUNTIME_TABLES = (("ballerina", "log"), ("ballerina", "observe"), ("ballerinax", "prometheus"))


def _config_table_checks(m: Integration) -> list[tuple[str, str]]:
    """The integration's own table must not be one the runtime reads, and a secret never shares a key with Config.toml."""
    out: list[tuple[str, str]] = []
    module = m.config.module or m.name.replace("-", "_")
    if (m.config.org, module) in RUNTIME_TABLES:
        out.append(("config.module", f"{m.config.org}.{module} is a runtime module whose table hardgen writes itself "
                    f"([{m.config.org}.{module}]); give the integration's package its own org and name (Ballerina.toml)"))
    if m.config.port_key and m.config.port_key in m.secrets:
        out.append(("secrets", f"{show(m.config.port_key)} is config.port_key, which Config.toml sets; a key belongs to one file only "
                    "(Ballerina reads the first file that has it: hardgen lists the secrets file first)"))
    return out


def _memory_checks(m: Integration) -> list[tuple[str, str]]:
    """The heap is a percentage of the memory limit; the rest must hold metaspace, code cache, thread stacks and direct buffers."""
    limits = []
    if "kubernetes" in m.targets or "docker" in m.targets:
        limits.append(("kubernetes.resources.memory", m.kubernetes.resources.memory))
    if "systemd" in m.targets:
        limits.append(("systemd.memory_max", m.systemd.memory_max))
    out = []
    for path, limit in limits:
        non_heap = checks.memory_bytes(limit) / 2**20 * (1 - m.jvm.max_ram_percentage / 100)
        if non_heap < NON_HEAP_MINIMUM_MI:
            out.append((path, f"{limit} with jvm.max_ram_percentage {m.jvm.max_ram_percentage:g} leaves {non_heap:.0f}Mi outside the heap; "
                        f"the JVM needs at least {NON_HEAP_MINIMUM_MI}Mi there (metaspace, code cache, thread stacks, direct buffers) "
                        "or it is killed for exceeding the limit: raise the memory or lower the percentage"))
    return out


def _except_checks(where: str, p) -> list[tuple[str, str]]:
    """`except` carves address blocks (typically the pod network) out of a peer's cidr."""
    import ipaddress

    if not p.except_:
        return []
    if not p.cidr:
        return [(f"{where}.except", "is only for a peer given by cidr")]
    out = []
    outer = ipaddress.ip_network(p.cidr)
    for i, block in enumerate(p.except_):
        inner = ipaddress.ip_network(block)
        if inner.version != outer.version or not inner.subnet_of(outer) or inner == outer:  # type: ignore[arg-type]
            out.append((f"{where}.except[{i}]", f"{show(block)} is not a block inside {show(p.cidr)}"))
    return out


def _kubernetes_checks(m: Integration) -> list[tuple[str, str]]:
    """Pod-level rules: a heap that leaves the JVM room, storage for logs and tmp, a store for ExternalSecrets."""
    out: list[tuple[str, str]] = []
    k = m.kubernetes
    if checks.memory_bytes(k.resources.ephemeral_storage) < EPHEMERAL_MINIMUM_MI * 2**20:
        out.append(("kubernetes.resources.ephemeral_storage", f"{k.resources.ephemeral_storage} is below {EPHEMERAL_MINIMUM_MI}Mi: the pod needs 64Mi for rotated GC logs plus room for /tmp and container logs"))
    if k.external_secrets and secret_names(m) and not k.external_store:
        out.append(("kubernetes.external_store", "is required with kubernetes.external_secrets: name the SecretStore that holds the values"))
    return out


def _external_checks(m: Integration) -> list[tuple[str, str]]:
    """config.external names configurables hardgen writes no value for: none of them may be one it writes."""
    written = {*m.config.values, *m.secrets}
    if m.config.port_key:
        written.add(m.config.port_key)
    if keystore(m):
        written.update(k for k in (m.service.keystore_path_key, m.service.keystore_passphrase_key) if k)
    out: list[tuple[str, str]] = []
    if m.config.port_key and m.config.port_key in m.config.values:
        out.append((f"config.values.{m.config.port_key}", f"{m.config.port_key!r} is config.port_key, which Config.toml sets to "
                    "service.port; set service.port instead (else probes, Services and policies point at another port)"))
    seen: set[str] = set()
    for i, name in enumerate(m.config.external):
        if name in seen:
            out.append((f"config.external[{i}]", f"{name!r} is listed twice"))
        seen.add(name)
        if name in written:
            out.append((f"config.external[{i}]", f"{name!r} is a key hardgen writes itself (a config.values key, a secret, "
                        "config.port_key or a keystore key); external means the operator supplies it another way"))
    return out


#: Highest TCP port: the management API (service.port + 911) must stay below it.
MAX_PORT = 65535


def _mi_checks(m: Integration) -> list[tuple[str, str]]:
    """MI's ports follow from one offset, its JDK from its release, its listener is HTTPS."""
    out: list[tuple[str, str]] = []
    if m.jdk not in MI_JDKS[m.mi.version]:
        allowed = " or ".join(map(str, MI_JDKS[m.mi.version]))
        out.append(("jdk", f"{m.jdk} is not a JDK Micro Integrator {m.mi.version} runs on; set jdk to {allowed}"))
    if not m.service.tls:
        out.append(("service.tls", "is false, but MI's service.port is its HTTPS passthrough port; runtime mi serves HTTPS only"))
    offset = mi_offset(m)
    ports = mi_ports(m)
    if offset < 0 or ports["management"] > MAX_PORT:
        out.append(("service.port", f"{m.service.port} is not an MI HTTPS port hardgen can reach with [server] offset: use "
                    f"{MI_BASE_HTTPS}-{MAX_PORT - (MI_BASE_MANAGEMENT - MI_BASE_HTTPS)} (the management API is service.port + "
                    f"{MI_BASE_MANAGEMENT - MI_BASE_HTTPS})"))
    elif offset == MI_DEFAULT_OFFSET:
        out.append(("service.port", f"{m.service.port} is MI's default HTTPS port (offset {MI_DEFAULT_OFFSET}); seed 002 asks for ports "
                    "moved off the defaults: choose another"))
    if "kubernetes" in m.targets and m.kubernetes.external_secrets:
        out.append(("kubernetes.external_secrets", "is not supported for runtime mi yet: MI's Secret holds files (kubernetes/create-secret.sh)"))
    if m.metrics.enabled:
        out.append(("metrics.enabled", "is not supported for runtime mi yet; MI's Prometheus API needs its own design"))
    missing = [key for key in ("bind_dn", "user_search_base") if not getattr(m.mi.ldap, key)]
    if m.mi.ldap.url and missing:
        out.append(("mi.ldap", f"needs {' and '.join(missing)} with url (the DN MI binds as, and where users are searched)"))
    if m.mi.admin_from.cidr and (m.mi.admin_from.labels or m.mi.admin_from.namespace):
        out.append(("mi.admin_from", "has both cidr and labels/namespace; the operators are either pods or an address block"))
    for alias in m.secrets:
        if alias in ("keystore_password", "truststore_password", "admin_password", "ldap_password"):
            out.append(("secrets", f"{alias!r} is an alias hardgen writes itself; choose another name"))
    return out


def problems(m: Integration, origin: Callable[[str], str]) -> list[Problem]:
    """The cross-field problems of `m`, each attributed to the input that set its key."""
    return [Problem(origin(path), path, msg) for path, msg in cross_field_problems(m)]
