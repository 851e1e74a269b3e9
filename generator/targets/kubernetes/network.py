"""NetworkPolicies for the integration's pods: exactly the declared flows, both directions.

Seed 000's example policy selects the pods for Ingress and Egress but allows
egress only to the database, so the pod cannot resolve the database's name: DNS
(UDP and TCP 53 to kube-dns in kube-system) is always allowed here. Peers are
matched by pod labels *and* namespace (the `kubernetes.io/metadata.name` label
the API server sets), or by an ipBlock for addresses outside the cluster.
"""

from __future__ import annotations

from typing import Any

from generator.model.integration import Peer
from generator.model.resolved import ResolvedIntegration
from generator.targets.kubernetes.meta import NAMESPACE_NAME_LABEL, exposes_metrics, metadata, selector

#: CoreDNS keeps the kube-dns labels in every mainstream distribution.
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}


def _pods_in(namespace: str, pod_labels: dict[str, str]) -> dict[str, Any]:
    """Pods with these labels (all pods when none) in exactly this namespace."""
    return {
        "podSelector": {"matchLabels": dict(pod_labels)} if pod_labels else {},
        "namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}},
    }


def peer_selector(peer: Peer) -> dict[str, Any]:
    """A NetworkPolicyPeer; `peer.namespace` is resolved (the integration's own when not given)."""
    if peer.cidr:
        block: dict[str, Any] = {"cidr": peer.cidr}
        if peer.except_:
            block["except"] = list(peer.except_)
        return {"ipBlock": block}
    assert peer.namespace is not None, "resolve() gives every pod peer a namespace"
    return _pods_in(peer.namespace, dict(peer.labels))


def egress_port(peer: Peer) -> int:
    """An egress peer's port, which the model's rules require (generator.model.rules)."""
    assert peer.port is not None, "an egress peer always has a port"
    return peer.port


def _tcp(port: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port}]


def ingress_policy(model: ResolvedIntegration) -> dict[str, Any]:
    """Each ingress peer may reach the service port only; a declared scraper the metrics port only."""
    rules = [{"from": [peer_selector(p)], "ports": _tcp(model.service.port)} for p in model.ingress]
    if exposes_metrics(model):
        scraper = model.metrics.from_
        rules.append({"from": [_pods_in(scraper.namespace or model.kubernetes.namespace, dict(scraper.labels))], "ports": _tcp(model.metrics.port)})
    if model.runtime == "mi":
        rules.extend(_mi_admin_rules(model))
    return _integration_policy(model, "Ingress", rules)


def _mi_admin_rules(model: ResolvedIntegration) -> list[dict[str, Any]]:
    """MI's management API: reachable only from the declared operators (mi.admin_from), from nobody else,
    and never from an ingress peer (the rules above name the service port only)."""
    from generator.model.integration import mi_ports

    admin = model.mi.admin_from
    if admin.cidr:
        source: dict[str, Any] = {"ipBlock": {"cidr": admin.cidr}}
    elif admin.labels or admin.namespace:
        source = _pods_in(admin.namespace or model.kubernetes.namespace, dict(admin.labels))
    else:
        return []
    return [{"from": [source], "ports": _tcp(mi_ports(model)["management"])}]


def egress_policy(model: ResolvedIntegration) -> dict[str, Any]:
    """DNS to kube-dns, then each egress peer on its own port; nothing else leaves the pod."""
    dns = {
        "to": [_pods_in(DNS_NAMESPACE, DNS_POD_LABELS)],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    rules = [dns, *({"to": [peer_selector(p)], "ports": _tcp(egress_port(p))} for p in model.egress)]
    return _integration_policy(model, "Egress", rules)


def _integration_policy(model: ResolvedIntegration, direction: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    """A policy for the integration's pods in one direction; one per direction keeps each readable on review."""
    key = direction.lower()
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(model, f"{model.name}-{key}"),
        "spec": {"podSelector": {"matchLabels": selector(model)}, "policyTypes": [direction], key: rules},
    }


def default_deny(model: ResolvedIntegration) -> dict[str, Any]:
    """Deny what no other policy allows: namespace-wide only in a namespace hardgen creates.

    In a namespace hardgen does not own (`create_namespace: false`) a namespace-wide
    policy would cut ingress, egress and DNS of every other workload there, so the
    policy selects this integration's pods only. Either way it is named after the
    integration: deleting one integration never deletes another's protection.
    """
    selected = {} if model.kubernetes.create_namespace else {"matchLabels": selector(model)}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(model, f"{model.name}-default-deny"),
        "spec": {"podSelector": selected, "policyTypes": ["Ingress", "Egress"]},
    }


#: Address blocks a pod network is usually carved from; an ipBlock in them may match pods (Calico, Cilium).
PRIVATE_BLOCKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")


def warnings(model: ResolvedIntegration) -> list[str]:
    import ipaddress

    out = []
    if model.kubernetes.default_deny and not model.kubernetes.create_namespace:
        out.append(f"warning: kubernetes: hardgen does not own namespace {model.kubernetes.namespace!r} (create_namespace: false), so "
                   f"{model.name}-default-deny covers this integration's pods only; a namespace-wide default-deny is the namespace owner's to add")
    private = [ipaddress.ip_network(b) for b in PRIVATE_BLOCKS]
    for kind, peers in (("ingress", model.ingress), ("egress", model.egress)):
        for i, p in enumerate(peers):
            if p.cidr and not p.except_ and any(ipaddress.ip_network(p.cidr).overlaps(b) for b in private):
                out.append(f"warning: kubernetes: {kind}[{i}] ({p.name}) cidr {p.cidr} is a private range; on Calico and Cilium an ipBlock "
                           "also matches pods with addresses in it: list the pod and service networks under except")
    return out
