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
        return {"ipBlock": {"cidr": peer.cidr}}
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
    return _integration_policy(model, "Ingress", rules)


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
    """Namespace-wide: pods without a policy of their own get no traffic at all (DNS included)."""
    meta = metadata(model, "default-deny")
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta,
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
