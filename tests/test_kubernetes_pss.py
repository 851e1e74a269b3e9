"""The Pod Security Standards checker rejects every kind of violation, and hardgen's pods pass it.

The checker (tests/support/pss.py) is what the other Kubernetes tests trust to say
"admitted by a restricted namespace"; each rule gets a pod that breaks only it, so a
rule that silently passed everything would fail here.
"""

from __future__ import annotations

import copy

import pytest

from tests.support import pss


def compliant_pod() -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "c",
                "image": "example.invalid/c:1",
                "ports": [{"containerPort": 8443}],
                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
            }],
            "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "c"}}],
        },
    }


def _container(pod):
    return pod["spec"]["containers"][0]


def _csc(pod):
    return _container(pod)["securityContext"]


VIOLATIONS = {
    "hostProcess": lambda p: _csc(p).update(windowsOptions={"hostProcess": True}),
    "hostNamespaces": lambda p: p["spec"].update(hostPID=True),
    "privileged": lambda p: _csc(p).update(privileged=True),
    "capabilities.baseline": lambda p: _csc(p)["capabilities"].update(add=["SYS_ADMIN"]),
    "hostPathVolumes": lambda p: p["spec"]["volumes"].append({"name": "h", "hostPath": {"path": "/"}}),
    "hostPorts": lambda p: _container(p)["ports"][0].update(hostPort=8443),
    "appArmor": lambda p: p["metadata"].update(annotations={"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}),
    "seLinux": lambda p: _csc(p).update(seLinuxOptions={"type": "spc_t"}),
    "procMount": lambda p: _csc(p).update(procMount="Unmasked"),
    "seccomp.baseline": lambda p: _csc(p).update(seccompProfile={"type": "Unconfined"}),
    "sysctls": lambda p: p["spec"]["securityContext"].update(sysctls=[{"name": "kernel.msgmax", "value": "1"}]),
    "volumeTypes": lambda p: p["spec"]["volumes"].append({"name": "n", "nfs": {"server": "s", "path": "/"}}),
    "privilegeEscalation": lambda p: _csc(p).pop("allowPrivilegeEscalation"),
    "runAsNonRoot": lambda p: p["spec"]["securityContext"].pop("runAsNonRoot"),
    "runAsUser": lambda p: _csc(p).update(runAsUser=0),
    "seccomp.restricted": lambda p: p["spec"]["securityContext"].pop("seccompProfile"),
    "capabilities.restricted": lambda p: _csc(p)["capabilities"].update(drop=["NET_RAW"]),
}


def test_compliant_pod_has_no_violations():
    assert pss.violations(compliant_pod()) == {}


def test_every_rule_of_the_profile_has_a_violation_case():
    assert set(VIOLATIONS) == set(pss.RULES)


@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
def test_checker_rejects_a_pod_that_breaks_the_rule(rule):
    pod = compliant_pod()
    VIOLATIONS[rule](pod)
    assert rule in pss.violations(pod), f"{rule} let a violating pod through"


@pytest.mark.parametrize("mutate, rule", [
    (lambda p: p["spec"].update(hostNetwork=True), "hostNamespaces"),
    (lambda p: p["spec"].update(hostIPC=True), "hostNamespaces"),
    (lambda p: _csc(p)["capabilities"].update(add=["NET_RAW"]), "capabilities.restricted"),
    (lambda p: p["spec"]["securityContext"].update(seLinuxOptions={"user": "system_u"}), "seLinux"),
    (lambda p: p["spec"]["securityContext"].update(appArmorProfile={"type": "Unconfined"}), "appArmor"),
    (lambda p: _csc(p).update(runAsNonRoot=False), "runAsNonRoot"),
    (lambda p: p["spec"]["securityContext"].update(runAsUser=0), "runAsUser"),
    (lambda p: p["spec"]["securityContext"].update(seccompProfile={"type": "Unconfined"}), "seccomp.restricted"),
    (lambda p: p["spec"].setdefault("initContainers", []).append({"name": "i", "image": "x", "securityContext": {"privileged": True}}), "privileged"),
    (lambda p: p["spec"]["volumes"].append({"name": "g", "gitRepo": {"repository": "r"}}), "volumeTypes"),
])
def test_checker_rejects_further_variants(mutate, rule):
    pod = compliant_pod()
    mutate(pod)
    assert rule in pss.violations(pod)


def test_checker_allows_what_the_profile_allows():
    pod = compliant_pod()
    _csc(pod)["capabilities"]["add"] = ["NET_BIND_SERVICE"]
    pod["spec"]["securityContext"]["sysctls"] = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
    pod["spec"]["securityContext"]["seLinuxOptions"] = {"type": "container_t", "level": "s0:c1,c2"}
    pod["spec"]["volumes"].append({"name": "p", "projected": {"sources": []}})
    assert pss.violations(pod) == {}


def test_checker_reads_a_deployment_template():
    pod = compliant_pod()
    deployment = {"kind": "Deployment", "spec": {"template": {"metadata": {}, "spec": copy.deepcopy(pod["spec"])}}}
    deployment["spec"]["template"]["spec"]["hostNetwork"] = True
    assert "hostNamespaces" in pss.violations(deployment)
