"""Micro Integrator configuration: deployment.toml as data, the launcher that starts MI's JVM, the keystore script.

MI reads one file, `MI_HOME/conf/deployment.toml`, and renders its other
configuration from it at every start. Here it is built with tomlkit from the
model: ports moved off the defaults by `[server] offset`, PKCS12 stores that are
not WSO2's, every password a `$secret{alias}` that Secure Vault resolves, TLS 1.2
and 1.3 with forward-secret GCM suites only, strict hostname verification, and
no super admin unless one is named (its password a reference too). The
`[secrets]` aliases are placeholder tables until the operator fills and encrypts
them with MI's cipher tool (docs/mi.md): an unfilled file is refused by the
image build and the install paths, and a table where MI expects a string does
not start.

MI's own start script always passes `-Dcom.sun.management.jmxremote`, which
starts the JMX agent and opens an RMI port (RUNTIME-FACTS.md). So every target
starts the JVM with `mi/launch.sh`: MI's class path and system properties, taken
from that script, in hardgen's argfile (`jvm/java.options`), without the JMX line.
"""

from __future__ import annotations

from typing import Any

from generator.model.integration import mi_offset, mi_ports, mi_secret_aliases
from generator.model.integration import mi_secret_variable as secret_variable
from generator.model.resolved import ResolvedIntegration
from generator.records import record
from generator.render.templates import render_template
from generator.render.toml_dump import dump_toml
from generator.targets.plan import MODE_SCRIPT, TargetPlan
from generator.targets.shared.layout import RuntimeLayout, has_container, readers

DEPLOYMENT_TOML = "config/deployment.toml"
LOG4J2 = "config/log4j2.properties"
#: wso2carbon.log rolls at this size and keeps this many old files: with the 5 x 10 MiB GC logs, 110 MiB at most,
#: inside the 128 MiB log folder the image and the pod give MI (docker.MI_LOG_SIZE, kubernetes workload.MI_LOG_MI).
LOG_FILE_MB = 10
LOG_FILES = 5
#: Every line: time, level, logger, thread, then the message and any stack trace with CR and LF encoded (seed 002,
#: log forging).
LOG_PATTERN = "[%d] %5p {%c} [%t] - %encode{%m}{CRLF}%encode{%ex}{CRLF}%n"
LAUNCHER = "mi/launch.sh"
KEYSTORE_SCRIPT = "mi/keystore.sh"
#: Fills [secrets] from the environment and encrypts them with MI's cipher tool (docs/mi.md, "Secure Vault").
ENCRYPT_SCRIPT = "mi/encrypt-secrets.sh"
#: What the cipher tool writes beside the encrypted deployment.toml: the Secure Vault settings MI reads from
#: MI_HOME/conf/security/ (no secret in it: the keystore path, type and alias).
SECRET_CONF = "config/secret-conf.properties"
#: Where the operator puts the stores `mi/keystore.sh` makes (git-ignored, never in the image's build context).
KEYSTORE_SOURCE = "config/keystore.p12"
TRUSTSTORE_SOURCE = "config/truststore.p12"
#: The file MI's Secure Vault reads the keystore password from at start (MI_HOME/password-persist; password-tmp is
#: the same but deleted once read, which a read-only mount cannot allow).
PASSWORD_FILE = "password-persist"
PASSWORD_SOURCE = "config/password-persist"
#: The key inside an unfilled `[secrets]` placeholder; the image build and install scripts search for it.
UNFILLED_MARKER = "hardgen_unfilled"
#: TLS versions and suites of the HTTPS listener and (through JSSE) the sender: TLS 1.2 and 1.3, forward-secret
#: (ECDHE, or TLS 1.3's own key exchange), AES-GCM only (seed 002: no SSL/TLS 1.0/1.1, DES/3DES, RC4, MD5, DSS, CBC).
TLS_PROTOCOLS = "TLSv1.3,TLSv1.2"
TLS_CIPHERS = (
    "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
)
#: MI's main class (bin/micro-integrator.sh).
MAIN_CLASS = "org.wso2.micro.integrator.bootstrap.Bootstrap"


@record(frozen=True)
class MiLayout:
    """Where MI_HOME, the CARs, the writable folders and the secret files live at run time."""

    home: str  # MI_HOME: root's, read-only to the service
    hardgen_dir: str  # the launcher and the JVM options
    credentials_dir: str  # read-only to the service only: the stores and the vault password

    @property
    def carbonapps(self) -> str:
        return f"{self.home}/repository/deployment/server/carbonapps"

    @property
    def conf(self) -> str:
        """Writable: MI renders axis2.xml and the rest from deployment.toml into it at every start."""
        return f"{self.home}/conf"

    @property
    def conf_dist(self) -> str:
        """The read-only configuration the launcher copies into `conf` before MI starts."""
        return f"{self.home}/conf.dist"

    @property
    def keystore(self) -> str:
        return f"{self.credentials_dir}/keystore.p12"

    @property
    def truststore(self) -> str:
        return f"{self.credentials_dir}/truststore.p12"

    @property
    def password_file(self) -> str:
        return f"{self.home}/{PASSWORD_FILE}"

    @property
    def launcher(self) -> str:
        return f"{self.hardgen_dir}/launch.sh"

    @property
    def writable(self) -> tuple[str, ...]:
        """What MI writes: its rendered configuration, java.io.tmpdir (CARs are extracted there) and its logs."""
        return (self.conf, f"{self.home}/tmp", f"{self.home}/repository/logs")

    def runtime(self) -> RuntimeLayout:
        """The same places as the JVM options template reads them."""
        return RuntimeLayout(app_dir=self.hardgen_dir, conf_dir=self.conf, secrets_file=f"{self.credentials_dir}/none",
                             log_dir=f"{self.home}/repository/logs", tmp_dir=f"{self.home}/tmp")


def container_layout(model: ResolvedIntegration) -> MiLayout:
    """The official image's MI_HOME (wso2/wso2mi: /home/wso2carbon/wso2mi-<version>)."""
    return MiLayout(home=f"/home/wso2carbon/wso2mi-{model.mi.version}", hardgen_dir="/opt/hardgen",
                    credentials_dir="/run/hardgen/credentials")


def vm_layout(model: ResolvedIntegration) -> MiLayout:
    """A VM install: MI's distribution unpacked under the install folder, credentials from systemd."""
    return MiLayout(home=f"{model.systemd.install_dir}/wso2mi-{model.mi.version}", hardgen_dir=model.systemd.install_dir,
                    credentials_dir=f"/run/credentials/{model.name}.service")


def _secret(alias: str) -> str:
    return f"$secret{{{alias}}}"


def sections(model: ResolvedIntegration, layout: MiLayout) -> dict[str, Any]:
    """deployment.toml as plain data: table path -> {key: value}; a dotted key is MI's own dotted name."""
    out: dict[str, Any] = {
        "server": {"hostname": "localhost", "offset": mi_offset(model)},
        "keystore.primary": {
            "file_name": layout.keystore, "type": "PKCS12", "alias": model.mi.key_alias,
            "password": _secret("keystore_password"), "key_password": _secret("keystore_password"),
        },
        "truststore": {"file_name": layout.truststore, "type": "PKCS12", "password": _secret("truststore_password")},
        "transport.http": {
            "listener.secured_protocols": TLS_PROTOCOLS,
            "listener.preferred_ciphers": ",".join(TLS_CIPHERS),
            "sender.secured_protocols": TLS_PROTOCOLS,
            "sender.hostname_verifier": "Strict",
        },
    }
    if model.mi.admin_user:
        out["super_admin"] = {"username": model.mi.admin_user, "password": _secret("admin_password"),
                              "admin_role": "admin", "create_admin_account": True}
    ldap = model.mi.ldap
    if ldap.url and ldap.bind_dn and ldap.user_search_base:
        # The LDAP store replaces the file-based one, which would otherwise still authenticate the management API.
        out["internal_apis.file_user_store"] = {"enable": False}
        out["user_store"] = {"type": "read_only_ldap", "connection_url": ldap.url, "connection_name": ldap.bind_dn,
                             "connection_password": _secret("ldap_password"), "user_search_base": ldap.user_search_base}
    return out


def deployment_toml(model: ResolvedIntegration, layout: MiLayout) -> bytes:
    import tomlkit

    doc = tomlkit.document()
    ports = mi_ports(model)
    for line in (
        f"Micro Integrator configuration of {model.name}, generated by hardgen (MI {model.mi.version}).",
        f"Ports: HTTPS {ports['https']} (the API), HTTP {ports['http']}, management API {ports['management']} (operators only),",
        f"internal HTTP API {ports['internal_http']} (health probes): [server] offset {mi_offset(model)} replaces MI's built-in 10.",
        "Every password is a $secret{alias}: mi/encrypt-secrets.sh fills [secrets] from MI_SECRET_<ALIAS> variables and",
        "encrypts them with MI's cipher tool (bin/ciphertool.sh -Dconfigure) before you build or install (docs/mi.md).",
    ):
        doc.add(tomlkit.comment(line))
    supers: dict[str, Any] = {}
    for path, values in sections(model, layout).items():
        table = tomlkit.table()
        for key, value in values.items():
            table.add(tomlkit.key(key.split(".")) if "." in key else key, value)
        head, _, tail = path.partition(".")
        if tail:
            if head not in supers:
                supers[head] = tomlkit.table(is_super_table=True)
                doc.add(head, supers[head])
            supers[head].add(tail, table)
        else:
            doc.add(head, table)
    secrets = tomlkit.table()
    for alias in mi_secret_aliases(model):
        placeholder = tomlkit.inline_table()
        placeholder.append(UNFILLED_MARKER, f"mi/encrypt-secrets.sh replaces this table with the encrypted {secret_variable(alias)}")
        secrets.add(alias, placeholder)
    doc.add("secrets", secrets)
    return dump_toml(doc)


def log4j2(model: ResolvedIntegration) -> bytes:
    total = LOG_FILE_MB * (LOG_FILES + 1)
    return render_template("mi/log4j2.properties.j2", name=model.name, pattern=LOG_PATTERN, file_size=f"{LOG_FILE_MB}MB",
                           files=LOG_FILES, total=f"{total} MB", log_volume="128 MiB")


def launcher(model: ResolvedIntegration, layout: MiLayout) -> bytes:
    return render_template("mi/launch.sh.j2", name=model.name, layout=layout, main_class=MAIN_CLASS)


def keystore_script(model: ResolvedIntegration) -> bytes:
    return render_template("mi/keystore.sh.j2", name=model.name, alias=model.mi.key_alias,
                           keystore=KEYSTORE_SOURCE, truststore=TRUSTSTORE_SOURCE)


def encrypt_script(model: ResolvedIntegration, layout: MiLayout) -> bytes:
    aliases = [(alias, secret_variable(alias)) for alias in mi_secret_aliases(model)]
    return render_template("mi/encrypt-secrets.sh.j2", name=model.name, version=model.mi.version, aliases=aliases,
                           toml=DEPLOYMENT_TOML, keystore=KEYSTORE_SOURCE, runtime_keystore=layout.keystore,
                           key_alias=model.mi.key_alias, unfilled_marker=UNFILLED_MARKER,
                           password_var=secret_variable("keystore_password"))


def layout_for(model: ResolvedIntegration) -> MiLayout:
    return container_layout(model) if has_container(model.targets) else vm_layout(model)


def plan(model: ResolvedIntegration) -> TargetPlan:
    """deployment.toml (the image's when an image is built, else the VM's), the launcher and the keystore script."""
    out = TargetPlan()
    layout = layout_for(model)
    out.add(DEPLOYMENT_TOML, deployment_toml(model, layout),
            purpose=f"MI's deployment.toml {readers(model.targets, 'is generated from')}: encrypt [secrets] first (mi/encrypt-secrets.sh)")
    out.add(LOG4J2, log4j2(model),
            purpose="MI's log4j2.properties: wso2carbon.log rotated by size, CR/LF in messages encoded (no log forging)")
    out.add(LAUNCHER, launcher(model, layout), MODE_SCRIPT,
            purpose="starts MI's JVM with `jvm/java.options` (MI's own start script would start the JMX agent)")
    out.add(KEYSTORE_SCRIPT, keystore_script(model), MODE_SCRIPT,
            purpose="creates the PKCS12 keystore and truststore with keytool (passwords from the environment, never arguments)")
    out.add(ENCRYPT_SCRIPT, encrypt_script(model, layout), MODE_SCRIPT,
            purpose="fills [secrets] from the environment and encrypts them with MI's cipher tool in a private folder (no plaintext left)")
    ignored = "\n".join(f"/{p}" for p in (KEYSTORE_SOURCE, TRUSTSTORE_SOURCE, PASSWORD_SOURCE))
    out.add(".gitignore", f"# The stores and the vault password never belong in version control.\n{ignored}\n".encode(),
            purpose="keeps the PKCS12 stores and the Secure Vault password out of git")
    return out
