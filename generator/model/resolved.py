"""The resolved model: what targets receive, with every derived default filled in.

The answered model (`generator.model.integration`) keeps `None` where a default
is derived from other answers (the image name from the integration name, the
base image from the JDK, the module, namespace, user and install folder), so
the answers file records only what the user chose. Targets must never repeat
those rules, so they receive these subclasses, whose derived fields are plain
`str`: a type checker refuses a target that reads the answered form.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from generator.model.integration import MI_UIDS, RUNTIME_UID, Config, Image, Integration, Kubernetes, Systemd
from generator.records import record


@record(frozen=True, kw_only=True)
class ResolvedImage(Image):
    """`Image` with its repository and base image filled in."""

    name: str = dataclasses.field()
    base: str = dataclasses.field()


@record(frozen=True, kw_only=True)
class ResolvedConfig(Config):
    """`Config` with the Ballerina module filled in."""

    module: str = dataclasses.field()


@record(frozen=True, kw_only=True)
class ResolvedKubernetes(Kubernetes):
    """`Kubernetes` with the namespace and the external store key filled in."""

    namespace: str = dataclasses.field()
    external_key: str = dataclasses.field()


@record(frozen=True, kw_only=True)
class ResolvedSystemd(Systemd):
    """`Systemd` with the service user and install folder filled in."""

    user: str = dataclasses.field()
    install_dir: str = dataclasses.field()


@record(frozen=True, kw_only=True)
class ResolvedIntegration(Integration):
    """An integration as every target reads it: no derived default left open."""

    artifact: str = dataclasses.field()
    image: ResolvedImage = dataclasses.field()
    config: ResolvedConfig = dataclasses.field()
    kubernetes: ResolvedKubernetes = dataclasses.field()
    systemd: ResolvedSystemd = dataclasses.field()


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def resolve(m: Integration) -> ResolvedIntegration:
    """Fill every derived default, so targets read one complete, unambiguous model."""
    module = m.config.module or m.name.replace("-", "_")
    namespace = m.kubernetes.namespace or m.name
    replace = dataclasses.replace

    def peers(items):
        return tuple(replace(p, namespace=p.namespace if (p.namespace or p.cidr) else namespace) for p in items)

    return ResolvedIntegration(**{
        **_fields(m),
        "artifact": m.artifact or ("carbonapps" if m.runtime == "mi" else f"target/bin/{module}.jar"),
        "image": ResolvedImage(**{**_fields(m.image), "name": m.image.name or m.name, "base": m.image.base or default_base(m)}),
        "config": ResolvedConfig(**{**_fields(m.config), "module": module}),
        "kubernetes": ResolvedKubernetes(**{**_fields(m.kubernetes), "namespace": namespace, "external_key": m.kubernetes.external_key or m.name}),
        "systemd": ResolvedSystemd(**{**_fields(m.systemd), "user": m.systemd.user or m.name[:32], "install_dir": m.systemd.install_dir or f"/opt/{m.name}"}),
        "ingress": peers(m.ingress),
        "egress": peers(m.egress),
    })


def default_base(m: Integration) -> str:
    """The official MI image for runtime mi (it holds MI_HOME and the JDK MI is built for), else a JRE."""
    return f"wso2/wso2mi:{m.mi.version}" if m.runtime == "mi" else f"eclipse-temurin:{m.jdk}-jre-noble"


def runtime_uid(m: Integration) -> int:
    """The numeric user the container runs as: the official MI image's own for MI (its MI_HOME belongs to it)."""
    return MI_UIDS[m.mi.version] if m.runtime == "mi" else RUNTIME_UID


def image_ref(m: ResolvedIntegration) -> str:
    """The integration image as Kubernetes should pull it: by digest when known."""
    ref = f"{m.image.name}:{m.image.tag}"
    return f"{ref}@{m.image.digest}" if m.image.digest else ref


def base_image_ref(m: ResolvedIntegration) -> str:
    return f"{m.image.base}@{m.image.base_digest}" if m.image.base_digest else m.image.base


def metrics_host(m: Integration) -> str:
    """Seed 000, 'restrict listening interfaces': metrics stay on loopback unless a scraper in the pod network is declared."""
    scraper = m.metrics.from_.labels or m.metrics.from_.namespace
    return "0.0.0.0" if scraper and "kubernetes" in m.targets else "127.0.0.1"
