"""JVM start-up options as a Java @argfile, chosen per JDK, and the Security Manager policy.

The seeds' headline flag `-Djava.security.manager` is only written on request and
only for JDK <= 23: JEP 486 (JDK 24) turned it into a start-up failure, and the
model refuses that combination before planning. Paths come from a
`RuntimeLayout`, so the same rules serve the image and a systemd install.
"""

from __future__ import annotations

from generator.model.resolved import ResolvedIntegration
from generator.render.templates import render_template
from generator.targets.plan import TargetPlan
from generator.targets.shared.layout import CONTAINER, RuntimeLayout


def options(model: ResolvedIntegration, layout: RuntimeLayout) -> bytes:
    return render_template(
        "jvm/java.options.j2",
        name=model.name,
        jdk=model.jdk,
        layout=layout,
        max_ram_percentage=f"{model.jvm.max_ram_percentage:.1f}",
        security_manager=model.jvm.security_manager,
        extra_flags=list(model.jvm.extra_flags),
    )


def security_policy(model: ResolvedIntegration, layout: RuntimeLayout) -> bytes:
    return render_template(
        "jvm/security.policy.j2",
        name=model.name,
        layout=layout,
        port=model.service.port,
        metrics_port=model.metrics.port if model.metrics.enabled else None,
        # SocketPermission takes a host, not an address block, and pods have no stable name:
        # egress is pinned by port here and by address in the NetworkPolicy / IPAddressAllow=.
        egress=[{"name": p.name, "host": "*", "port": p.port} for p in model.egress],
    )


def plan(model: ResolvedIntegration) -> TargetPlan:
    """The container image's JVM files (docker and kubernetes share the image layout)."""
    out = TargetPlan()
    out.add("jvm/java.options", options(model, CONTAINER))
    if model.jvm.security_manager:
        out.add("jvm/security.policy", security_policy(model, CONTAINER))
    return out
