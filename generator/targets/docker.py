"""The container image: a Dockerfile and its build-context filter.

Numeric non-root user (a name could map to root in a hostile base image),
application files owned by root so the runtime user cannot change its own code,
exec-form entrypoint (signals reach the JVM), a HEALTHCHECK that talks to the
listener, and no secret anywhere in the image or its build context.
"""

from __future__ import annotations

from generator.model.integration import RUNTIME_UID, keystore, secret_names
from generator.model.resolved import ResolvedIntegration, base_image_ref, metrics_host
from generator.render.templates import render_template
from generator.targets.plan import TargetPlan
from generator.targets.shared.ballerina_config import KEYSTORE_SOURCE, SECRETS_FILLED
from generator.targets.shared.layout import CONTAINER


def _healthcheck(model: ResolvedIntegration) -> list[str]:
    port = model.service.port
    if model.service.tls:
        probe = f"exec 3<>/dev/tcp/127.0.0.1/{port}"
    else:
        probe = (
            f"exec 3<>/dev/tcp/127.0.0.1/{port}"
            f" && printf 'GET {model.service.health_path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3"
            " && head -n 1 <&3 | grep -q ' 200 '"
        )
    return ["bash", "-c", probe]


def plan(model: ResolvedIntegration) -> TargetPlan:
    prefix = "" if model.docker.deploy_dir == "." else model.docker.deploy_dir.rstrip("/") + "/"
    layout = CONTAINER
    copied = [model.artifact, f"{prefix}jvm/java.options", f"{prefix}config/Config.toml"]
    if model.jvm.security_manager:
        copied.append(f"{prefix}jvm/security.policy")
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
        security_manager=model.jvm.security_manager,
        bal_config_files=layout.bal_config_files(bool(secret_names(model))),
        secrets=bool(secret_names(model)),
        secrets_source=f"{prefix}{SECRETS_FILLED}",
        keystore=keystore(model),
        keystore_source=f"{prefix}{KEYSTORE_SOURCE}",
        port=model.service.port,
        tls=model.service.tls,
        health_path=model.service.health_path,
        expose_metrics=model.metrics.enabled and metrics_host(model) != "127.0.0.1",
        metrics_port=model.metrics.port,
        healthcheck=_healthcheck(model),
        entrypoint=["java", f"@{layout.jvm_options}", "-jar", layout.jar],
    )
    out = TargetPlan()
    out.add("Dockerfile", render_template("docker/Dockerfile.j2", **context))
    out.add("Dockerfile.dockerignore", render_template("docker/dockerignore.j2", dockerfile=context["dockerfile"], allowed=sorted(copied)))
    return out
