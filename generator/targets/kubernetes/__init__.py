"""The kubernetes target: manifests for a namespace of its own, one kind per file, and a kustomization.

Every object is built as data here or in the `kubernetes_*` modules and dumped
with ruamel.yaml. The kustomization sits at the output root, beside `config/`
and `jvm/`: its `configMapGenerator` makes the ConfigMaps from the very files a
user edits (`config/Config.toml`, `jvm/java.options`), so there is no second
copy, and their hash-suffixed names roll the pods when either changes.
`kubectl apply -k <output>` deploys the lot. The pod passes the restricted Pod
Security Standard (the Namespace enforces it), NetworkPolicies allow exactly the
declared flows plus DNS, and the Secret is never written with values (see
kubernetes_secret).
"""

from __future__ import annotations

from typing import Any

from generator.model.integration import secret_names
from generator.model.resolved import ResolvedIntegration, image_ref
from generator.render.yaml_dump import dump_yaml
from generator.targets.kubernetes import network, secret, workload
from generator.targets.kubernetes.meta import (
    DIR,
    config_map_name,
    exposes_metrics,
    jvm_map_name,
    labels,
    metadata,
    selector,
    service_port_name,
)
from generator.targets.plan import MODE_SCRIPT, TargetPlan

#: Pod Security Admission: enforce, audit and warn all at the restricted level of the running cluster.
PSS_LEVEL = "restricted"


def namespace(model: ResolvedIntegration) -> dict[str, Any]:
    pss = {}
    for mode in ("enforce", "audit", "warn"):
        pss[f"pod-security.kubernetes.io/{mode}"] = PSS_LEVEL
        pss[f"pod-security.kubernetes.io/{mode}-version"] = "latest"
    meta = {"name": model.kubernetes.namespace, "labels": {**labels(model), **pss}}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def service_account(model: ResolvedIntegration) -> dict[str, Any]:
    """A dedicated account with no token: nothing in the pod can talk to the API server."""
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(model, model.name), "automountServiceAccountToken": False}


def service(model: ResolvedIntegration) -> dict[str, Any]:
    port_name = service_port_name(model)
    ports = [{"name": port_name, "port": model.service.port, "targetPort": port_name, "protocol": "TCP"}]
    if exposes_metrics(model):
        ports.append({"name": "metrics", "port": model.metrics.port, "targetPort": "metrics", "protocol": "TCP"})
    spec = {"type": "ClusterIP", "selector": selector(model), "ports": ports}
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata(model, model.name), "spec": spec}


def manifests(model: ResolvedIntegration) -> dict[str, list[dict[str, Any]]]:
    """File name -> objects of one kind, in the order a reader expects them."""
    files: dict[str, list[dict[str, Any]]] = {}
    if model.kubernetes.create_namespace:
        files["namespace.yaml"] = [namespace(model)]
    files["serviceaccount.yaml"] = [service_account(model)]
    files["deployment.yaml"] = [workload.deployment(model)]
    files["service.yaml"] = [service(model)]
    files["networkpolicy.yaml"] = [network.ingress_policy(model), network.egress_policy(model)]
    if model.kubernetes.default_deny:
        files["networkpolicy-default-deny.yaml"] = [network.default_deny(model)]
    if model.kubernetes.replicas > 1:
        files["poddisruptionbudget.yaml"] = [workload.pod_disruption_budget(model)]
    if secret_names(model) and model.kubernetes.external_secrets:
        files["externalsecret.yaml"] = [secret.external_secret(model)]
    return files


#: The files the ConfigMaps are generated from, relative to the output root (where kustomization.yaml is).
CONFIG_SOURCE = "config/Config.toml"
MI_CONFIG_SOURCE = "config/deployment.toml"
JVM_SOURCE = "jvm/java.options"


def kustomization(model: ResolvedIntegration, resources: list[str]) -> dict[str, Any]:
    """The root kustomization: the manifests, and ConfigMaps generated from the user's own files.

    kustomize rewrites the Deployment's references to the generated names (`<name>-config-<hash>`), so a
    change of Config.toml or java.options is a new ConfigMap and a rollout. `namespace:` puts the generated
    ConfigMaps beside the rest; every other object already names that namespace (and the Namespace itself).
    """
    options = {"labels": labels(model)}
    config_source = MI_CONFIG_SOURCE if model.runtime == "mi" else CONFIG_SOURCE
    generated = [
        {"name": config_map_name(model), "files": [config_source], "options": options},
        {"name": jvm_map_name(model), "files": [JVM_SOURCE], "options": dict(options)},
    ]
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": model.kubernetes.namespace,
        "resources": [f"{DIR}/{name}" for name in resources],
        "configMapGenerator": generated,
    }


def warnings(model: ResolvedIntegration) -> list[str]:
    out = []
    if not model.image.digest:
        out.append(f"warning: image.digest is not set, so the Deployment pulls {image_ref(model)} by tag and checkov's "
                   "CKV_K8S_43 (image by digest) fails; pin image.digest (sha256:...) for a reproducible, tamper-evident rollout")
    out.extend(network.warnings(model))
    if model.metrics.enabled and not exposes_metrics(model):
        out.append("warning: metrics.enabled without metrics.from: the metrics listener stays on 127.0.0.1 inside the pod "
                   "and no Prometheus can scrape it; set metrics.from (namespace and/or labels of the scraper) to allow one")
    return out


#: What each manifest is, for the output's README.
PURPOSES = {
    "namespace.yaml": "the Namespace, enforcing the restricted Pod Security Standard",
    "serviceaccount.yaml": "the pod's ServiceAccount, without an API token",
    "deployment.yaml": "the Deployment: the hardened pod, its probes and read-only mounts",
    "service.yaml": "the cluster-internal Service",
    "networkpolicy.yaml": "NetworkPolicies that allow exactly the declared ingress and egress flows plus DNS",
    "networkpolicy-default-deny.yaml": "the default-deny NetworkPolicy of the namespace",
    "poddisruptionbudget.yaml": "the PodDisruptionBudget: a drain takes at most one pod at a time",
    "externalsecret.yaml": "the ExternalSecret that renders the secrets file from your secret store",
}


def plan(model: ResolvedIntegration) -> TargetPlan:
    out = TargetPlan()
    files = manifests(model)
    for name, objects in files.items():
        out.add(f"{DIR}/{name}", dump_yaml(*objects), purpose=PURPOSES[name])
    out.add("kustomization.yaml", dump_yaml(kustomization(model, list(files))),
            purpose=f"deploys everything with `kubectl apply -k`: the manifests of `{DIR}/` and ConfigMaps generated from "
                    f"`{MI_CONFIG_SOURCE if model.runtime == 'mi' else CONFIG_SOURCE}` and `{JVM_SOURCE}` (a change of either rolls the pods)")
    if model.runtime == "mi":
        out.add(f"{DIR}/create-secret.sh", secret.create_mi_script(model), MODE_SCRIPT,
                purpose="creates or updates the Secret with MI's PKCS12 stores and vault password (server-side apply)")
    elif secret_names(model) and not model.kubernetes.external_secrets:
        out.add(f"{DIR}/create-secret.sh", secret.create_script(model), MODE_SCRIPT,
                purpose="creates or updates the Secret from the filled secrets file (server-side apply, values never in arguments)")
    if secret_names(model) and model.runtime != "mi":
        out.add(f"{DIR}/SECRETS.md", secret.instructions(model), purpose="what the Secret holds and how to create it")
    out.warnings.extend(warnings(model))
    return out
