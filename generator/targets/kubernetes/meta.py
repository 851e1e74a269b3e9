"""Names, labels and metadata every Kubernetes object of an integration shares.

One place decides the object names and the pod selector, so the Deployment,
Service, PodDisruptionBudget and NetworkPolicies cannot drift apart: a policy
whose podSelector misses the pods silently protects nothing.
"""

from __future__ import annotations

from typing import Any

from generator.model.resolved import ResolvedIntegration, metrics_host
from generator.model.validators import labels as check_labels

#: Folder of the kubernetes target inside the output.
DIR = "kubernetes"
#: Key of the secrets file inside the Secret; the volume maps it to CONTAINER.secrets_file.
SECRET_KEY = "secrets.toml"
#: Key of the PKCS12 keystore inside the same Secret; the volume maps it to CONTAINER.keystore_file.
KEYSTORE_KEY = "keystore.p12"
#: Label the API server puts on every namespace (1.22+); namespaceSelectors match on it.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


def selector(model: ResolvedIntegration) -> dict[str, str]:
    """The immutable pod selector: name and instance only (a version label would break rollouts)."""
    return {"app.kubernetes.io/name": model.name, "app.kubernetes.io/instance": model.name}


def labels(model: ResolvedIntegration) -> dict[str, str]:
    """The recommended app.kubernetes.io/* labels; the version only when the tag is a valid label value."""
    out = {**selector(model), "app.kubernetes.io/component": "integration"}
    if check_labels({"app.kubernetes.io/version": model.image.tag}) is None:
        out["app.kubernetes.io/version"] = model.image.tag
    out["app.kubernetes.io/managed-by"] = "hardgen"
    return out


def metadata(model: ResolvedIntegration, name: str, **extra: Any) -> dict[str, Any]:
    """Namespaced metadata: every object names its namespace, so nothing lands in `default`."""
    return {"name": name, "namespace": model.kubernetes.namespace, "labels": labels(model), **extra}


def secret_name(model: ResolvedIntegration) -> str:
    return f"{model.name}-secrets"


def config_map_name(model: ResolvedIntegration) -> str:
    return f"{model.name}-config"


def jvm_map_name(model: ResolvedIntegration) -> str:
    return f"{model.name}-jvm"


def service_port_name(model: ResolvedIntegration) -> str:
    return "https" if model.service.tls else "http"


def exposes_metrics(model: ResolvedIntegration) -> bool:
    """Metrics leave the pod only when a scraper is declared; otherwise they stay on loopback (seed 000)."""
    return model.metrics.enabled and metrics_host(model) != "127.0.0.1"


def text_block(text: str) -> Any:
    """A file's content as a YAML literal block, so ConfigMaps stay readable and diffable."""
    from generator.render.yaml_dump import literal

    return literal(text)  # hardgen's marker: no ruamel import just to build a manifest
