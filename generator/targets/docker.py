"""The container image: a Dockerfile, its build-context filter, and the `docker run` line that runs it safely.

Numeric non-root user (a name could map to root in a hostile base image),
application files owned by root and read-only to everyone (`COPY --chmod`, so a
jar built under umask 077 is still readable by the runtime user), exec-form
entrypoint (signals reach the JVM), a HEALTHCHECK that asks the health path
over the listener's own protocol, and no secret anywhere in the image or its
build context. The documented `docker run` line is part of the contract: the
runtime-truth tests rebuild exactly its mounts (tests/support/sandbox.py).
"""

from __future__ import annotations

from generator.model.integration import RUNTIME_UID, keystore, secret_names
from generator.model.resolved import ResolvedIntegration, base_image_ref, metrics_host
from generator.model.validators import memory_bytes
from generator.render.templates import render_template
from generator.targets.plan import TargetPlan
from generator.targets.shared.ballerina_config import KEYSTORE_SOURCE, SECRETS_FILLED
from generator.targets.shared.layout import CONTAINER, LOG_VOLUME_MI, tmp_size_mi

#: The base images hardgen derives ship curl, which the HEALTHCHECK uses (eclipse-temurin *-jre-noble).
CURL_BASES = ("eclipse-temurin:",)


def healthcheck(model: ResolvedIntegration) -> list[str]:
    """Ask the health path as a client would, over TLS when the listener serves TLS.

    `--insecure`: the check connects to 127.0.0.1, a name the service's certificate does not hold;
    what it proves is that the listener answers the health path, not who it is.
    """
    scheme = "https" if model.service.tls else "http"
    url = f"{scheme}://127.0.0.1:{model.service.port}{model.service.health_path}"
    return ["curl", "--fail", "--silent", "--show-error", "--max-time", "4", "--output", "/dev/null",
            *(["--insecure"] if model.service.tls else []), url]


def docker_memory(quantity: str) -> str:
    """Kubernetes-style 512Mi as docker's 512m (docker's k/m/g are powers of 1024)."""
    return f"{memory_bytes(quantity) // 2**20}m"


def warnings(model: ResolvedIntegration) -> list[str]:
    out = []
    if not model.image.base.startswith(CURL_BASES):
        out.append(f"warning: docker: image.base {model.image.base!r} is not an eclipse-temurin image; the HEALTHCHECK runs curl, "
                   "so the base image must ship it")
    if model.metrics.enabled and metrics_host(model) == "127.0.0.1" and "kubernetes" not in model.targets:
        out.append("warning: docker: metrics.enabled, but the metrics listener stays on 127.0.0.1 inside the container, where no "
                   "Prometheus outside it can scrape; deploy with the kubernetes target and metrics.from, or scrape from inside")
    return out


def plan(model: ResolvedIntegration) -> TargetPlan:
    if model.runtime == "mi":
        return plan_mi(model)
    prefix = "" if model.docker.deploy_dir == "." else model.docker.deploy_dir.rstrip("/") + "/"
    layout = CONTAINER
    copied = [model.artifact, f"{prefix}jvm/java.options", f"{prefix}config/Config.toml"]
    secrets = bool(secret_names(model))
    resources = model.kubernetes.resources
    mounted = ([f"{prefix}{SECRETS_FILLED}"] if secrets else []) + ([f"{prefix}{KEYSTORE_SOURCE}"] if keystore(model) else [])
    context = dict(
        name=model.name,
        image=f"{model.image.name}:{model.image.tag}",
        tag=model.image.tag,
        base=base_image_ref(model),
        base_name=model.image.base,
        dockerfile=f"{prefix}Dockerfile",
        layout=layout,
        uid=RUNTIME_UID,
        artifact=model.artifact,
        prefix=prefix,
        bal_config_files=layout.bal_config_files(secrets),
        secrets=secrets,
        secrets_source=f"{prefix}{SECRETS_FILLED}",
        keystore=keystore(model),
        keystore_source=f"{prefix}{KEYSTORE_SOURCE}",
        mounted=mounted,
        memory=docker_memory(resources.memory),
        tmp_size=f"{tmp_size_mi(resources.ephemeral_storage)}m",
        log_size=f"{LOG_VOLUME_MI}m",
        port=model.service.port,
        tls=model.service.tls,
        health_path=model.service.health_path,
        expose_metrics=model.metrics.enabled and metrics_host(model) != "127.0.0.1",
        metrics_port=model.metrics.port,
        healthcheck=healthcheck(model),
        entrypoint=["java", f"@{layout.jvm_options}", "-jar", layout.jar],
    )
    out = TargetPlan()
    out.add("Dockerfile", render_template("docker/Dockerfile.j2", **context),
            purpose="builds the image (its header has the `docker build` and the `docker run` lines)")
    out.add("Dockerfile.dockerignore", render_template("docker/dockerignore.j2", dockerfile=context["dockerfile"], allowed=sorted(copied)),
            purpose="the build-context filter BuildKit reads for this Dockerfile: only what the image copies, never a secret")
    out.warnings.extend(warnings(model))
    return out


#: Sizes of MI's writable tmpfs folders besides tmp: its rendered configuration and its logs (GC and server logs).
MI_CONF_SIZE = "16m"
MI_LOG_SIZE = "128m"


def plan_mi(model: ResolvedIntegration) -> TargetPlan:
    """The MI image: the official image, hardgen's deployment.toml, the CARs, the launcher; no secret inside."""
    from generator.model.integration import mi_ports
    from generator.model.resolved import runtime_uid
    from generator.targets.shared import mi_config as mi

    prefix = "" if model.docker.deploy_dir == "." else model.docker.deploy_dir.rstrip("/") + "/"
    layout = mi.container_layout(model)
    ports = mi_ports(model)
    resources = model.kubernetes.resources
    conf, tmp, logs = layout.writable
    mounts = [(f"{prefix}{mi.KEYSTORE_SOURCE}", layout.keystore), (f"{prefix}{mi.TRUSTSTORE_SOURCE}", layout.truststore),
              (f"{prefix}{mi.PASSWORD_SOURCE}", layout.password_file)]
    copied = [model.artifact, f"{prefix}jvm/java.options", f"{prefix}{mi.DEPLOYMENT_TOML}", f"{prefix}{mi.SECRET_CONF}", f"{prefix}{mi.LOG4J2}",
              f"{prefix}{mi.LAUNCHER}"]
    context = dict(
        name=model.name,
        version=model.mi.version,
        image=f"{model.image.name}:{model.image.tag}",
        tag=model.image.tag,
        base=base_image_ref(model),
        base_name=model.image.base,
        dockerfile=f"{prefix}Dockerfile",
        layout=layout,
        uid=runtime_uid(model),
        artifact=model.artifact.rstrip("/"),
        prefix=prefix,
        mounted=[source for source, _ in mounts],
        mounts=mounts,
        writable=[(conf, MI_CONF_SIZE), (tmp, f"{tmp_size_mi(resources.ephemeral_storage)}m"), (logs, MI_LOG_SIZE)],
        memory=docker_memory(resources.memory),
        port=model.service.port,
        http_port=ports["http"],
        management_port=ports["management"],
        unfilled_marker=mi.UNFILLED_MARKER,
        healthcheck=["/bin/bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{model.service.port}"],
    )
    out = TargetPlan()
    out.add("Dockerfile", render_template("docker/Dockerfile.mi.j2", **context),
            purpose="builds the MI image (its header has the `docker build` and the `docker run` lines)")
    out.add("Dockerfile.dockerignore", render_template("docker/dockerignore.j2", dockerfile=context["dockerfile"], allowed=sorted(copied)),
            purpose="the build-context filter BuildKit reads for this Dockerfile: only what the image copies, never a secret")
    if not model.image.base_digest:
        out.warnings.append(f"warning: docker: image.base_digest is not set, so the image builds FROM {model.image.base} by tag; "
                            "pin the official MI image's digest (sha256:...) for a reproducible build")
    return out
