"""The Deployment and the ConfigMaps it mounts: a pod that passes the restricted Pod Security Standard.

Seed 000 gives a Pod securityContext without seccomp (so the restricted profile
rejects it) and mounts Config.toml through subPath (which never sees ConfigMap
updates). Here the pod runs as the image's numeric user with RuntimeDefault
seccomp, no capabilities, no privilege escalation and a read-only root; the
only writable paths are size-limited emptyDirs; configuration, JVM options and
the secrets file are read-only volumes, never environment variables.
"""

from __future__ import annotations

import hashlib
import posixpath
from typing import Any

from generator.model.integration import RUNTIME_UID, keystore, secret_names
from generator.model.resolved import ResolvedIntegration, image_ref
from generator.targets.kubernetes.meta import (
    KEYSTORE_KEY,
    SECRET_KEY,
    config_map_name,
    exposes_metrics,
    jvm_map_name,
    labels,
    metadata,
    secret_name,
    selector,
    service_port_name,
    text_block,
)
from generator.targets.shared import ballerina_config as ballerina
from generator.targets.shared import jvm
from generator.targets.shared.layout import CONTAINER, LOG_VOLUME_MI, tmp_size_mi

#: Seconds a terminating pod keeps serving before the JVM is asked to stop, so the endpoint's removal reaches every
#: proxy first (Ballerina's own Code to Cloud sleeps 15 s in preStop: module-ballerina-c2c, KubernetesUtils).
PRE_STOP_SECONDS = 15
#: Then the JVM's graceful stop: the same 30 s the systemd unit gives it (TimeoutStopSec=).
STOP_SECONDS = 30
#: Mode of the secrets file: read-only to its owner; with fsGroup the kubelet adds group read (0440).
SECRET_MODE = 0o400


def jvm_files(model: ResolvedIntegration) -> dict[str, str]:
    """The JVM options the pod mounts over /app/jvm, so the heap percentage follows this Deployment."""
    return {"java.options": text_block(jvm.options(model, CONTAINER).decode())}


def config_maps(model: ResolvedIntegration) -> list[dict[str, Any]]:
    config = {"Config.toml": text_block(ballerina.config_toml(model, CONTAINER).decode())}
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(model, config_map_name(model)), "data": config},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(model, jvm_map_name(model)), "data": jvm_files(model)},
    ]


def _checksum(model: ResolvedIntegration) -> str:
    """Pods restart when their configuration changes: the ConfigMaps' content is hashed into the template."""
    digest = hashlib.sha256()
    for cm in config_maps(model):
        for key in sorted(cm["data"]):
            digest.update(f"{cm['metadata']['name']}/{key}\0{cm['data'][key]}\0".encode())
    # 8 hex digits tell configurations apart; a full digest reads as a secret to entropy scanners.
    return digest.hexdigest()[:8]


def _probes(model: ResolvedIntegration) -> dict[str, Any]:
    """Startup and readiness ask the health path (the kubelet skips certificate checks for HTTPS);
    liveness only checks the listener accepts connections, so a failing database behind /health
    takes pods out of the Service instead of restarting every one of them."""
    port = service_port_name(model)
    http = {"path": model.service.health_path, "port": port, "scheme": "HTTPS" if model.service.tls else "HTTP"}
    return {
        "startupProbe": {"httpGet": http, "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 36},
        "readinessProbe": {"httpGet": dict(http), "periodSeconds": 10, "timeoutSeconds": 3, "failureThreshold": 3},
        "livenessProbe": {"tcpSocket": {"port": port}, "periodSeconds": 20, "timeoutSeconds": 3, "failureThreshold": 3},
    }


def _volumes(model: ResolvedIntegration) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, mounts): writable emptyDirs with size limits, everything else read-only."""
    volumes: list[dict[str, Any]] = [
        {"name": "tmp", "emptyDir": {"sizeLimit": f"{tmp_size_mi(model.kubernetes.resources.ephemeral_storage)}Mi"}},
        {"name": "logs", "emptyDir": {"sizeLimit": f"{LOG_VOLUME_MI}Mi"}},
        {"name": "config", "configMap": {"name": config_map_name(model)}},
        {"name": "jvm", "configMap": {"name": jvm_map_name(model)}},
    ]
    mounts: list[dict[str, Any]] = [
        {"name": "tmp", "mountPath": CONTAINER.tmp_dir},
        {"name": "logs", "mountPath": CONTAINER.log_dir},
        {"name": "config", "mountPath": CONTAINER.conf_dir, "readOnly": True},
        {"name": "jvm", "mountPath": posixpath.dirname(CONTAINER.jvm_options), "readOnly": True},
    ]
    if secret_names(model):
        # A projected volume with one Secret source: the same read-only file and mode as a `secret:`
        # volume, without the `secretName:` key that secret scanners (detect-secrets) flag in manifests.
        items = [{"key": SECRET_KEY, "path": posixpath.basename(CONTAINER.secrets_file)}]
        if keystore(model):
            # The keystore is a secret file too: same Secret, same private directory, same mode.
            items.append({"key": KEYSTORE_KEY, "path": posixpath.basename(CONTAINER.keystore_file)})
        source = {"secret": {"name": secret_name(model), "items": items}}
        volumes.append({"name": "secrets", "projected": {"defaultMode": SECRET_MODE, "sources": [source]}})
        mounts.append({"name": "secrets", "mountPath": posixpath.dirname(CONTAINER.secrets_file), "readOnly": True})
    return volumes, mounts


def _container(model: ResolvedIntegration) -> dict[str, Any]:
    res = model.kubernetes.resources
    amounts = {"cpu": res.cpu, "memory": res.memory, "ephemeral-storage": res.ephemeral_storage}
    ports = [{"name": service_port_name(model), "containerPort": model.service.port, "protocol": "TCP"}]
    if exposes_metrics(model):
        ports.append({"name": "metrics", "containerPort": model.metrics.port, "protocol": "TCP"})
    _, mounts = _volumes(model)
    return {
        "name": model.name,
        "image": image_ref(model),
        "imagePullPolicy": "Always",
        "ports": ports,
        "env": [{"name": "BAL_CONFIG_FILES", "value": CONTAINER.bal_config_files(bool(secret_names(model)))}],
        # requests = limits: Guaranteed QoS, and the JVM sizes its heap from the limit it sees.
        "resources": {"requests": dict(amounts), "limits": dict(amounts)},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": RUNTIME_UID,
            "runAsGroup": RUNTIME_UID,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        **_probes(model),
        # Keep serving while the endpoint is removed, then SIGTERM (the image's coreutils provide sleep).
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRE_STOP_SECONDS)]}}},
        "volumeMounts": mounts,
    }


def _pod_spec(model: ResolvedIntegration) -> dict[str, Any]:
    volumes, _ = _volumes(model)
    spec: dict[str, Any] = {
        "serviceAccountName": model.name,
        # The integration never talks to the API server: no token in the pod.
        "automountServiceAccountToken": False,
        # No service discovery through environment variables (they leak every Service in the namespace).
        "enableServiceLinks": False,
        "hostNetwork": False,
        "hostPID": False,
        "hostIPC": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUNTIME_UID,
            "runAsGroup": RUNTIME_UID,
            "fsGroup": RUNTIME_UID,
            "fsGroupChangePolicy": "OnRootMismatch",
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "terminationGracePeriodSeconds": PRE_STOP_SECONDS + STOP_SECONDS,
        "containers": [_container(model)],
        "volumes": volumes,
    }
    if model.kubernetes.replicas > 1:
        spec["topologySpreadConstraints"] = [
            {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": selector(model)}},
            {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector(model)}},
        ]
    return spec


def deployment(model: ResolvedIntegration) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(model, model.name),
        "spec": {
            "replicas": model.kubernetes.replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(model)},
            # Never below the declared capacity during a rollout.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": labels(model), "annotations": {"checksum/config": _checksum(model)}},
                "spec": _pod_spec(model),
            },
        },
    }


def pod_disruption_budget(model: ResolvedIntegration) -> dict[str, Any]:
    """With several replicas, a node drain never takes more than one pod at a time."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(model, model.name),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(model)}},
    }
