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


def mi_properties(home: str) -> list[str]:
    """MI's system properties and module opens, as bin/micro-integrator.sh sets them (MI 4.x), paths under `home`.

    Left out: -Dcom.sun.management.jmxremote (starts the JMX agent), -Djava.io.tmpdir (the foundation's line
    names MI_HOME/tmp already), the heap-dump flags (ExitOnOutOfMemoryError ends the JVM instead) and
    -Dautomation.mode.seq.car.name (empty outside MI's test mode).
    """
    return [
        "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
        f"-Dcatalina.base={home}/wso2/lib/tomcat", "-Dwso2.server.standalone=true", "-Dcarbon.registry.root=/",
        "-Dqpid.conf=/conf/advanced/", f"-Dcarbon.home={home}", f"-Dlogfiles.home={home}/repository/logs",
        "-Dlogger.server.name=micro-integrator", "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
        f"-Dcarbon.config.dir.path={home}/conf", f"-Dcarbon.repository.dir.path={home}/repository",
        f"-Dcarbon.components.dir.path={home}/wso2/components", f"-Dcarbon.dropins.dir.path={home}/dropins",
        f"-Dcarbon.external.lib.dir.path={home}/lib", f"-Dcarbon.patches.dir.path={home}/patches",
        f"-Dcarbon.internal.lib.dir.path={home}/wso2/lib",
        "-Dei.extendedURIBasedDispatcher=org.wso2.micro.integrator.core.handlers.IntegratorStatefulHandler",
        f"-Djava.util.logging.config.file={home}/conf/etc/logging-bridge.properties",
        f"-Dcomponents.repo={home}/wso2/components/plugins", f"-Dconf.location={home}/conf",
        f"-Dcom.atomikos.icatch.file={home}/wso2/lib/transactions.properties", "-Dcom.atomikos.icatch.hide_init_file_path=true",
        "-Dorg.apache.jasper.compiler.Parser.STRICT_QUOTE_ESCAPING=false", "-Dorg.apache.jasper.runtime.BodyContentImpl.LIMIT_BUFFER=true",
        "-Dcom.sun.jndi.ldap.connect.pool.authentication=simple", "-Dcom.sun.jndi.ldap.connect.pool.timeout=3000",
        "-Dorg.terracotta.quartz.skipUpdateCheck=true", "-Dfile.encoding=UTF8", "-Djava.net.preferIPv4Stack=true",
        "-DNonRegistryMode=true", "-DNonUserCoreMode=true", "-Dcom.ibm.cacheLocalHost=true", "-Dcarbon.use.registry.repo=false",
        "-DworkerNode=false", "-Dorg.apache.cxf.io.CachedOutputStream.Threshold=104857600",
        "-Djavax.xml.xpath.XPathFactory:http://java.sun.com/jaxp/xpath/dom=net.sf.saxon.xpath.XPathFactoryImpl",
        "-Dproperties.file.path=default", "-DenableReadinessProbe=true", "-DenableLivenessProbe=true",
        "-DenableManagementApi=true", "-DskipStartupExtensions=false",
        "-Dlog4j2.contextSelector=org.apache.logging.log4j.core.async.AsyncLoggerContextSelector",
        "-Dorg.ops4j.pax.logging.logReaderEnabled=false", "-Dorg.ops4j.pax.logging.eventAdminEnabled=false",
        "-Dprofile=micro-integrator-default", "-Dorg.apache.activemq.SERIALIZABLE_PACKAGES=*",
    ]


def options(model: ResolvedIntegration, layout: RuntimeLayout, *, memory_limit: str | None = None, mi_home: str | None = None) -> bytes:
    """The argfile; `memory_limit` is the limit the JVM cannot see for itself (a systemd unit's MemoryMax=);
    `mi_home` is MI_HOME for runtime mi, whose class path and properties the argfile then carries."""
    from generator.targets.shared.mi_config import TLS_CIPHERS

    mi = {"home": mi_home, "properties": mi_properties(mi_home), "ciphers": ",".join(TLS_CIPHERS)} if mi_home else None
    return render_template(
        "jvm/java.options.j2",
        name=model.name,
        jdk=model.jdk,
        layout=layout,
        max_ram_percentage=f"{model.jvm.max_ram_percentage:.1f}",
        max_ram=memory_bytes(memory_limit) if memory_limit else None,
        native_access=model.jdk >= FIRST_JDK_WARNING_ON_NATIVE_ACCESS,
        extra_flags=list(model.jvm.extra_flags),
        mi=mi,
    )


def vm_options(model: ResolvedIntegration) -> bytes:
    """The options for a systemd install: the VM's paths and MemoryMax= as -XX:MaxRAM."""
    if model.runtime == "mi":
        from generator.targets.shared import mi_config

        mi_layout = mi_config.vm_layout(model)
        return options(model, mi_layout.runtime(), memory_limit=model.systemd.memory_max, mi_home=mi_layout.home)
    return options(model, systemd_layout(model.systemd.install_dir, model.name), memory_limit=model.systemd.memory_max)


def container_options(model: ResolvedIntegration) -> bytes:
    if model.runtime == "mi":
        from generator.targets.shared import mi_config

        mi_layout = mi_config.container_layout(model)
        return options(model, mi_layout.runtime(), mi_home=mi_layout.home)
    return options(model, CONTAINER)


def plan(model: ResolvedIntegration) -> TargetPlan:
    """The one `jvm/java.options` users edit: the image's when an image is built, else the VM's."""
    out = TargetPlan()
    content = container_options(model) if has_container(model.targets) else vm_options(model)
    out.add("jvm/java.options", content,
            purpose=f"the JVM options (a `java @file` argfile) {readers(model.targets, 'is generated from')}: edit JVM flags here")
    return out
