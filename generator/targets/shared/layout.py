"""Where an integration's files live at run time: the contract between a target and the JVM options.

The image (used by the docker and kubernetes targets) and a VM install (systemd)
put the jar, configuration, logs and temporary files in different places; the
JVM options file and Config.toml wiring are rendered against one of these
layouts, so the paths in them always match the place the target creates.
"""

from __future__ import annotations

from generator.model.validators import memory_bytes
from generator.records import record


def has_container(targets: tuple[str, ...]) -> bool:
    """Whether an image is built from this output: docker and kubernetes share its layout."""
    return any(t in targets for t in ("docker", "kubernetes"))


def readers(targets: tuple[str, ...], container_reader: str) -> str:
    """Who reads a shared file of the output (its README line): the image, the ConfigMap, or install.sh."""
    found = ["the image copies" if "docker" in targets else "",
             f"the Kubernetes ConfigMap {container_reader}" if "kubernetes" in targets else "",
             "`systemd/install.sh` installs" if not has_container(targets) else ""]
    return " and ".join(filter(None, found))


#: Size of the GC-log space: the JVM keeps 5 files of 10 MiB (templates/jvm/java.options.j2).
LOG_VOLUME_MI = 64
#: Ephemeral storage left for the container's stdout logs, which count against a pod's limit too.
LOG_HEADROOM_MI = 32


def tmp_size_mi(ephemeral_storage: str) -> int:
    """A container's /tmp gets the ephemeral storage left after the GC logs and the container-log headroom."""
    return memory_bytes(ephemeral_storage) // 2**20 - LOG_VOLUME_MI - LOG_HEADROOM_MI


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
        """BAL_CONFIG_FILES: the secrets file first, then Config.toml.

        Ballerina lets the FIRST file listed win on a clash: LaunchUtils adds one provider per file in
        reverse order and ConfigResolver keeps the last value it finds (ballerina-lang,
        bvm/ballerina-runtime/.../launch/LaunchUtils.java and .../configurable/ConfigResolver.java).
        hardgen refuses any key in both files, so this order only decides what an operator's own addition
        to the secrets file does: it wins.
        """
        return f"{self.secrets_file}:{self.config_toml}" if with_secrets else self.config_toml


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
