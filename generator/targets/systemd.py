"""The systemd target: a sandboxed service unit for an integration on a Linux VM.

Everything lands in `systemd/` of the output so that one folder (plus the jar)
can be copied to a VM and installed with its `install.sh`:

- `<name>.service`: the unit. A dedicated system user, the JVM started with the
  VM-layout `java.options`, and the full sandbox of `systemd.exec(5)`; the
  `systemd-analyze security` exposure stays at or below 1.2 (seed 000: least
  privilege, restrict listening interfaces; seed 001: never run as root).
- `<name>.sysusers.conf`, `<name>.tmpfiles.conf`: the user (created by
  systemd-sysusers, never by a `useradd` line an operator forgets) and the
  directories with their owners and modes, re-applied at every boot.
- `install.sh`: installs all of it idempotently, with the output's own
  `config/Config.toml` and `jvm/java.options` (rendered for the VM layout: the
  options name MemoryMax= as -XX:MaxRAM, since ProcSubset=pid hides /proc/cgroups,
  where the JVM would look for the limit). It refuses an unfilled secrets file, a
  missing PKCS12 keystore for a TLS listener, and a `java` older than `jdk`.
  Only an output that also builds an image (whose paths differ) gets VM copies
  of those two files here, `systemd/Config.toml` and `systemd/java.options`.

Secrets reach the JVM only as a systemd credential (`LoadCredential=` from a
root-only file): the service reads them from its private credentials directory
(`%d`), never from `Environment=` (visible in `systemctl show`) or a file it
could change. The listener's PKCS12 keystore is a second credential beside it.
"""

from __future__ import annotations

import dataclasses

from generator.model.integration import Peer, keystore, mi_secret_aliases, mi_secret_variable, secret_names
from generator.model.resolved import ResolvedIntegration
from generator.render.templates import render_template
from generator.targets.plan import MODE_SCRIPT, TargetPlan
from generator.targets.shared import ballerina_config as ballerina
from generator.targets.shared import jvm
from generator.targets.shared.layout import has_container, systemd_layout

OUT = "systemd"
#: Ports below this need CAP_NET_BIND_SERVICE.
FIRST_UNPRIVILEGED_PORT = 1024
#: The JVM is a general-purpose system service: start from systemd's @system-service allow-list and
#: take away what it never needs. Blocked calls fail with EPERM (SystemCallErrorNumber=) instead of
#: killing the JVM, so an optional call (setrlimit for MaxFDLimit, thread priorities) degrades gracefully.
SYSCALL_DENY = ("@clock", "@cpu-emulation", "@debug", "@module", "@mount", "@obsolete", "@privileged", "@raw-io", "@reboot", "@resources", "@swap")
LOCALHOST = "localhost"


def unit_name(model: ResolvedIntegration) -> str:
    return f"{model.name}.service"


def systemd_memory(quantity: str) -> str:
    """Kubernetes-style 512Mi as systemd's 512M (systemd's K/M/G/T are powers of 1024)."""
    return quantity[:-1]


def privileged_ports(model: ResolvedIntegration) -> list[int]:
    ports = [model.service.port] + ([model.metrics.port] if model.metrics.enabled else [])
    return sorted(p for p in ports if p < FIRST_UNPRIVILEGED_PORT)


@dataclasses.dataclass(frozen=True)
class AddressPolicy:
    """The unit's IP firewall (IPAddressDeny=/IPAddressAllow=, a cgroup BPF filter on both directions)."""

    deny_all: bool
    allow: tuple[str, ...]
    warnings: tuple[str, ...]


def address_policy(model: ResolvedIntegration) -> AddressPolicy:
    """Allow-list the declared address blocks once any egress peer is an address block.

    systemd filters by remote address, for traffic in both directions, and cannot
    name ports. A peer given by pod labels has no address on a VM: while egress
    has no address blocks the unit cannot restrict egress at all and leaves the
    network open (the sandbox still scores below 1.2); once it has, everything not
    allowed is dropped, so label peers become unreachable and callers must be
    listed in ingress[] by cidr. Localhost stays allowed (a local proxy, resolver
    or metrics scraper). A peer's `except` blocks are left out of its cidr: systemd
    lets an allowed address through whatever IPAddressDeny= says, so the allowed
    set itself is the cidr minus those blocks.
    """
    deny_all = any(p.cidr for p in model.egress)
    allow = sorted({block for p in (*model.ingress, *model.egress) if p.cidr for block in _allowed_blocks(p)}, key=_cidr_key)
    warnings = []
    for kind, peers in (("ingress", model.ingress), ("egress", model.egress)):
        for i, p in enumerate(peers):
            if not p.cidr:
                warnings.append(_label_peer_warning(kind, i, p, deny_all))
    return AddressPolicy(deny_all, (LOCALHOST, *allow) if deny_all else (), tuple(warnings))


def _allowed_blocks(peer: Peer) -> list[str]:
    """The peer's cidr without its `except` blocks, as CIDR blocks (ipaddress.address_exclude)."""
    import ipaddress

    assert peer.cidr is not None
    remaining = [ipaddress.ip_network(peer.cidr)]
    for block in peer.except_ or ():
        hole = ipaddress.ip_network(block)
        remaining = [part for net in remaining for part in (net.address_exclude(hole) if hole.subnet_of(net) else [net])]  # type: ignore[arg-type]
    return [str(net) for net in remaining]


def _cidr_key(cidr: str):
    import ipaddress

    net = ipaddress.ip_network(cidr)
    return (net.version, net)


def _label_peer_warning(kind: str, index: int, peer: Peer, deny_all: bool) -> str:
    where = f"{kind}[{index}] ({peer.name})"
    if deny_all:
        effect = "IPAddressDeny=any blocks it; give it a cidr to allow it"
    else:
        effect = "the unit filters no addresses until an egress peer has a cidr (then IPAddressDeny=any)"
    return f"warning: systemd: {where} is a set of pods (labels), which has no address on a VM: {effect}"


def plan(model: ResolvedIntegration) -> TargetPlan:
    if model.runtime == "mi":
        return plan_mi(model)
    layout = systemd_layout(model.systemd.install_dir, model.name)
    credential = layout.secrets_file.rsplit("/", 1)[1]  # the file's name inside $CREDENTIALS_DIRECTORY (%d)
    group = model.systemd.user
    secrets = bool(secret_names(model))
    keystore_credential = layout.keystore_file.rsplit("/", 1)[1]
    policy = address_policy(model)
    ports = privileged_ports(model)
    # An image's paths differ from a VM's: only then does the VM get copies of its own here.
    own_copies = has_container(model.targets)
    context = dict(
        name=model.name,
        unit=unit_name(model),
        user=model.systemd.user,
        group=group,
        layout=layout,
        java=model.systemd.java,
        jdk=model.jdk,
        port=model.service.port,
        metrics_port=model.metrics.port if model.metrics.enabled else None,
        privileged_ports=ports,
        secrets=secrets,
        credential=credential,
        secrets_file=f"{layout.conf_dir}/{credential}",
        # The credential first: Ballerina lets the first file listed win (RuntimeLayout.bal_config_files).
        config_files=f"%d/{credential}:{layout.config_toml}" if secrets else layout.config_toml,
        unfilled_marker=ballerina.UNFILLED_MARKER,
        syscall_deny=" ".join(SYSCALL_DENY),
        address=policy,
        memory_max=systemd_memory(model.systemd.memory_max),
        tasks_max=model.systemd.tasks_max,
        limit_nofile=model.systemd.limit_nofile,
        artifact=model.artifact,
        out=OUT,
        secrets_template=ballerina.SECRETS_TEMPLATE,
        secrets_filled=ballerina.SECRETS_FILLED,
        keystore=keystore(model),
        keystore_credential=keystore_credential,
        keystore_file=f"{layout.conf_dir}/{keystore_credential}",
        keystore_source=ballerina.KEYSTORE_SOURCE,
        config_source="Config.toml" if own_copies else "../config/Config.toml",
        options_source="java.options" if own_copies else "../jvm/java.options",
        mi=None,
    )
    out = _unit_and_install(model, context, "the sandboxed systemd unit", "systemd/install.sh.j2",
                            "installs the jar, the configuration, the secrets and the unit on the VM (run as root); refuses a java older than the JDK")
    if own_copies:
        out.add(f"{OUT}/java.options", jvm.vm_options(model),
                purpose="the VM's JVM options (its paths differ from the image's `jvm/java.options`): edit the VM's JVM flags here")
        out.add(f"{OUT}/Config.toml", ballerina.config_toml(_on_vm(model), layout),
                purpose="the VM's Ballerina configuration (its paths differ from the image's `config/Config.toml`): edit the VM's values here")
    out.warnings.extend(policy.warnings)
    if ports:
        out.warnings.append(
            f"warning: systemd: port {', '.join(map(str, ports))} is below {FIRST_UNPRIVILEGED_PORT}: the unit keeps CAP_NET_BIND_SERVICE"
            " and turns PrivateUsers= off (exposure about 1.4 instead of 1.0-1.1); prefer a port >= 1024 behind a redirect or proxy"
        )
    return out


def _unit_and_install(model: ResolvedIntegration, context: dict, unit_purpose: str, install_template: str,
                      install_purpose: str) -> TargetPlan:
    """The files every runtime's VM output has: the unit, its sysusers.d and tmpfiles.d files, and install.sh."""
    out = TargetPlan()
    out.add(f"{OUT}/{unit_name(model)}", render_template("systemd/unit.service.j2", **context),
            purpose=f"{unit_purpose}; `install.sh` installs it as /etc/systemd/system/{unit_name(model)}")
    out.add(f"{OUT}/{model.name}.sysusers.conf", render_template("systemd/sysusers.conf.j2", **context),
            purpose=f"creates the service's system user `{model.systemd.user}` (sysusers.d)")
    out.add(f"{OUT}/{model.name}.tmpfiles.conf", render_template("systemd/tmpfiles.conf.j2", **context),
            purpose="creates the install and configuration folders with their owners and modes, at every boot (tmpfiles.d)")
    out.add(f"{OUT}/install.sh", render_template(install_template, **context), MODE_SCRIPT, purpose=install_purpose)
    return out


def _on_vm(model: ResolvedIntegration) -> ResolvedIntegration:
    """The model as a VM sees it: no pod network, so metrics stay on 127.0.0.1 (seed 000) even when
    the same answers also build Kubernetes manifests with a scraper peer."""
    return dataclasses.replace(model, targets=("systemd",))


def plan_mi(model: ResolvedIntegration) -> TargetPlan:
    """The MI unit: MI_HOME unpacked read-only under the install folder, its writable folders bound in from the
    unit's own directories, the stores as credentials, the JVM started by hardgen's launcher."""
    from generator.targets.shared import mi_config

    mi_layout = mi_config.vm_layout(model)
    runtime = mi_layout.runtime()
    layout = dataclasses.replace(systemd_layout(model.systemd.install_dir, model.name), app_dir=mi_layout.hardgen_dir)
    conf, tmp, logs = mi_layout.writable
    policy = address_policy(model)
    ports = privileged_ports(model)
    own_copies = has_container(model.targets)
    mi = dict(version=model.mi.version, home=mi_layout.home, launcher=mi_layout.launcher, conf=conf, tmp=tmp, logs=logs,
              conf_dist=mi_layout.conf_dist, keystore_file=f"{layout.conf_dir}/keystore.p12",
              truststore_file=f"{layout.conf_dir}/truststore.p12", password_file=mi_layout.password_file,
              runtime_keystore=mi_layout.keystore,
              secret_vars=[mi_secret_variable(a) for a in mi_secret_aliases(model)])
    context = dict(
        name=model.name, unit=unit_name(model), user=model.systemd.user, group=model.systemd.user, layout=layout,
        java=model.systemd.java, jdk=model.jdk, port=model.service.port, metrics_port=None, privileged_ports=ports,
        secrets=False, keystore=False, unfilled_marker=mi_config.UNFILLED_MARKER, syscall_deny=" ".join(SYSCALL_DENY),
        address=policy, memory_max=systemd_memory(model.systemd.memory_max), tasks_max=model.systemd.tasks_max,
        limit_nofile=model.systemd.limit_nofile, artifact=model.artifact.rstrip("/"), out=OUT, mi=mi,
        toml_source="deployment.toml" if own_copies else "../config/deployment.toml",
        options_source="java.options" if own_copies else "../jvm/java.options",
        launcher_source="launch.sh" if own_copies else "../mi/launch.sh",
        log4j2_source="../config/log4j2.properties", encrypt_source=mi_config.ENCRYPT_SCRIPT,
    )
    assert runtime.jvm_options == f"{layout.app_dir}/jvm/java.options"
    out = _unit_and_install(model, context, "the sandboxed systemd unit of MI", "systemd/install-mi.sh.j2",
                            "installs MI (from its zip, once), the CARs, deployment.toml, the stores and the unit on the VM (run as root)")
    if own_copies:
        out.add(f"{OUT}/java.options", jvm.vm_options(model),
                purpose="the VM's JVM options (its paths differ from the image's `jvm/java.options`): edit the VM's JVM flags here")
        out.add(f"{OUT}/deployment.toml", mi_config.deployment_toml(model, mi_layout),
                purpose="the VM's deployment.toml (its store paths differ from the image's `config/deployment.toml`): fill and encrypt [secrets] here too")
        out.add(f"{OUT}/launch.sh", mi_config.launcher(model, mi_layout), MODE_SCRIPT,
                purpose="the VM's MI launcher (MI_HOME differs from the image's `mi/launch.sh`)")
    out.warnings.extend(policy.warnings)
    return out
