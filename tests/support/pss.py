"""A Pod Security Standards checker for the "restricted" profile (baseline rules included).

Written from the profile's definition (kubernetes.io/docs/concepts/security/pod-security-standards,
policy version v1.29 and later), independently of the generator, so a test that passes
it says the pod would be admitted by a namespace labelled
`pod-security.kubernetes.io/enforce: restricted`. Each rule is a function that returns
its complaints; tests/test_kubernetes_pss.py proves every rule rejects a violating pod.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

#: Baseline: capabilities a container may add (the container runtime's default set).
BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
#: Baseline: the "safe" sysctls (v1.29 list).
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
})
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
#: Restricted: the only volume types allowed.
RESTRICTED_VOLUME_TYPES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
})
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"

Pod = dict[str, Any]  # {"metadata": {...}, "spec": PodSpec}


def pod_of(obj: dict[str, Any]) -> Pod:
    """The pod a manifest runs: a Pod itself, or the template of a workload (Deployment, Job, ...)."""
    if obj.get("kind") == "Pod":
        return {"metadata": obj.get("metadata") or {}, "spec": obj["spec"]}
    spec = obj["spec"]
    if obj.get("kind") == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    template = spec["template"]
    return {"metadata": template.get("metadata") or {}, "spec": template["spec"]}


def _containers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(group) or []:
            yield f"{group}[{c.get('name', '?')}]", c


def _sc(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("securityContext") or {}


def _contexts(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The pod's securityContext and every container's."""
    yield "spec.securityContext", _sc(spec)
    for where, c in _containers(spec):
        yield f"{where}.securityContext", _sc(c)


# ---------------------------------------------------------------- baseline ---

def host_process(pod: Pod) -> list[str]:
    return [f"{w}.windowsOptions.hostProcess is true" for w, sc in _contexts(pod["spec"])
            if (sc.get("windowsOptions") or {}).get("hostProcess")]


def host_namespaces(pod: Pod) -> list[str]:
    return [f"spec.{k} is true" for k in ("hostNetwork", "hostPID", "hostIPC") if pod["spec"].get(k)]


def privileged(pod: Pod) -> list[str]:
    return [f"{w}.securityContext.privileged is true" for w, c in _containers(pod["spec"]) if _sc(c).get("privileged")]


def baseline_capabilities(pod: Pod) -> list[str]:
    out = []
    for w, c in _containers(pod["spec"]):
        for cap in (_sc(c).get("capabilities") or {}).get("add") or []:
            if cap not in BASELINE_CAPABILITIES:
                out.append(f"{w} adds capability {cap}")
    return out


def host_path_volumes(pod: Pod) -> list[str]:
    return [f"volume {v.get('name')} is a hostPath" for v in pod["spec"].get("volumes") or [] if "hostPath" in v]


def host_ports(pod: Pod) -> list[str]:
    return [f"{w} uses hostPort {p['hostPort']}" for w, c in _containers(pod["spec"])
            for p in c.get("ports") or [] if p.get("hostPort")]


def apparmor(pod: Pod) -> list[str]:
    out = []
    for key, value in ((pod.get("metadata") or {}).get("annotations") or {}).items():
        if key.startswith(APPARMOR_ANNOTATION) and value != "runtime/default" and not value.startswith("localhost/"):
            out.append(f"annotation {key} is {value}")
    for w, sc in _contexts(pod["spec"]):
        profile = sc.get("appArmorProfile")
        if profile and profile.get("type") not in ("RuntimeDefault", "Localhost"):
            out.append(f"{w}.appArmorProfile.type is {profile.get('type')}")
    return out


def selinux(pod: Pod) -> list[str]:
    out = []
    for w, sc in _contexts(pod["spec"]):
        opts = sc.get("seLinuxOptions") or {}
        if opts.get("type", "") not in SELINUX_TYPES:
            out.append(f"{w}.seLinuxOptions.type is {opts['type']}")
        for key in ("user", "role"):
            if opts.get(key):
                out.append(f"{w}.seLinuxOptions.{key} is set")
    return out


def proc_mount(pod: Pod) -> list[str]:
    return [f"{w}.securityContext.procMount is {_sc(c)['procMount']}" for w, c in _containers(pod["spec"])
            if _sc(c).get("procMount", "Default") != "Default"]


def baseline_seccomp(pod: Pod) -> list[str]:
    return [f"{w}.seccompProfile.type is Unconfined" for w, sc in _contexts(pod["spec"])
            if (sc.get("seccompProfile") or {}).get("type") == "Unconfined"]


def sysctls(pod: Pod) -> list[str]:
    return [f"sysctl {s.get('name')} is not in the safe set" for s in _sc(pod["spec"]).get("sysctls") or []
            if s.get("name") not in SAFE_SYSCTLS]


# -------------------------------------------------------------- restricted ---

def volume_types(pod: Pod) -> list[str]:
    out = []
    for v in pod["spec"].get("volumes") or []:
        kinds = set(v) - {"name"}
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            out.append(f"volume {v.get('name')} has type {', '.join(sorted(kinds - RESTRICTED_VOLUME_TYPES))}")
    return out


def privilege_escalation(pod: Pod) -> list[str]:
    return [f"{w} does not set allowPrivilegeEscalation: false" for w, c in _containers(pod["spec"])
            if _sc(c).get("allowPrivilegeEscalation") is not False]


def run_as_non_root(pod: Pod) -> list[str]:
    pod_level = _sc(pod["spec"]).get("runAsNonRoot")
    out = []
    if pod_level is False:
        out.append("spec.securityContext.runAsNonRoot is false")
    for w, c in _containers(pod["spec"]):
        own = _sc(c).get("runAsNonRoot")
        if own is False:
            out.append(f"{w} sets runAsNonRoot: false")
        elif own is None and pod_level is not True:
            out.append(f"{w} runs without runAsNonRoot: true (neither pod nor container sets it)")
    return out


def run_as_user(pod: Pod) -> list[str]:
    return [f"{w}.runAsUser is 0" for w, sc in _contexts(pod["spec"]) if sc.get("runAsUser") == 0]


def restricted_seccomp(pod: Pod) -> list[str]:
    allowed = ("RuntimeDefault", "Localhost")
    pod_type = (_sc(pod["spec"]).get("seccompProfile") or {}).get("type")
    out = []
    if pod_type is not None and pod_type not in allowed:
        out.append(f"spec.securityContext.seccompProfile.type is {pod_type}")
    for w, c in _containers(pod["spec"]):
        own = (_sc(c).get("seccompProfile") or {}).get("type")
        if own is not None and own not in allowed:
            out.append(f"{w}.seccompProfile.type is {own}")
        elif own is None and pod_type not in allowed:
            out.append(f"{w} has no seccompProfile RuntimeDefault or Localhost (neither pod nor container)")
    return out


def restricted_capabilities(pod: Pod) -> list[str]:
    out = []
    for w, c in _containers(pod["spec"]):
        caps = _sc(c).get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            out.append(f"{w} does not drop ALL capabilities")
        for cap in caps.get("add") or []:
            if cap != "NET_BIND_SERVICE":
                out.append(f"{w} adds capability {cap} (restricted allows only NET_BIND_SERVICE)")
    return out


RULES: dict[str, Callable[[Pod], list[str]]] = {
    "hostProcess": host_process,
    "hostNamespaces": host_namespaces,
    "privileged": privileged,
    "capabilities.baseline": baseline_capabilities,
    "hostPathVolumes": host_path_volumes,
    "hostPorts": host_ports,
    "appArmor": apparmor,
    "seLinux": selinux,
    "procMount": proc_mount,
    "seccomp.baseline": baseline_seccomp,
    "sysctls": sysctls,
    "volumeTypes": volume_types,
    "privilegeEscalation": privilege_escalation,
    "runAsNonRoot": run_as_non_root,
    "runAsUser": run_as_user,
    "seccomp.restricted": restricted_seccomp,
    "capabilities.restricted": restricted_capabilities,
}


def violations(obj: dict[str, Any]) -> dict[str, list[str]]:
    """Rule name -> complaints, for a Pod or a workload manifest; empty when the pod is admitted."""
    pod = pod_of(obj)
    found = {name: rule(pod) for name, rule in RULES.items()}
    return {name: msgs for name, msgs in found.items() if msgs}
