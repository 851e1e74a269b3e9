"""JVM start-up options as a Java @argfile, chosen per JDK and per platform.

Every line is there because a run shows it does what its comment says
(tests/test_jvm_real.py reads the flags back from real JVMs; the runtime-truth
tests run them the way each target deploys them). Two lines of the seeds are
left out on purpose: `-Djava.security.manager` (refused by JDK 24+, JEP 486;
withdrawn) and `-Dcom.sun.management.jmxremote=false`, which *starts* the JMX
agent it means to stop. Paths come from a `RuntimeLayout`, so the same rules
serve the image and a systemd install.
"""

from __future__ import annotations

from generator.model.resolved import ResolvedIntegration
from generator.model.validators import memory_bytes
from generator.render.templates import render_template
from generator.targets.plan import TargetPlan
from generator.targets.shared.layout import CONTAINER, RuntimeLayout, has_container, readers, systemd_layout

#: JEP 472 (JDK 24): loading a native library from the class path warns unless native access is enabled;
#: Ballerina's TLS listener loads netty-tcnative (BoringSSL) exactly that way.
FIRST_JDK_WARNING_ON_NATIVE_ACCESS = 24


def options(model: ResolvedIntegration, layout: RuntimeLayout, *, memory_limit: str | None = None) -> bytes:
    """The argfile; `memory_limit` is the limit the JVM cannot see for itself (a systemd unit's MemoryMax=)."""
    return render_template(
        "jvm/java.options.j2",
        name=model.name,
        jdk=model.jdk,
        layout=layout,
        max_ram_percentage=f"{model.jvm.max_ram_percentage:.1f}",
        max_ram=memory_bytes(memory_limit) if memory_limit else None,
        native_access=model.jdk >= FIRST_JDK_WARNING_ON_NATIVE_ACCESS,
        extra_flags=list(model.jvm.extra_flags),
    )


def vm_options(model: ResolvedIntegration) -> bytes:
    """The options for a systemd install: the VM's paths and MemoryMax= as -XX:MaxRAM."""
    return options(model, systemd_layout(model.systemd.install_dir, model.name), memory_limit=model.systemd.memory_max)


def plan(model: ResolvedIntegration) -> TargetPlan:
    """The one `jvm/java.options` users edit: the image's when an image is built, else the VM's."""
    out = TargetPlan()
    content = options(model, CONTAINER) if has_container(model.targets) else vm_options(model)
    out.add("jvm/java.options", content,
            purpose=f"the JVM options (a `java @file` argfile) {readers(model.targets, 'is generated from')}: edit JVM flags here")
    return out
