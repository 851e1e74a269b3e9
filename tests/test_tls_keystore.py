"""A TLS listener gets its PKCS12 keystore from every target (seed 000: "Use PKCS12 keystores (not JKS)").

Config.toml names the keystore at the target's own path, the secrets template asks for its
password as a placeholder, and each target delivers `keystore.p12` beside the secrets file:
a read-only mount (docker), a second item of the Secret volume (kubernetes), a second
systemd credential. No keystore and no password value ever appear in the output.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.support import kube
from tests.support.hardgen import generate, run, set_args
from tests.support.kube import load_all, of_kind

ALL_TARGETS = "targets=[docker, kubernetes, systemd]"
KEYSTORE_BYTES = b"not-a-real-pkcs12-keystore"
PASS_VALUE = "not-a-real-keystore-pass"


def orders_output(out: Path, *sets: str, preset: str = "kubernetes-restricted") -> Path:
    """`orders` with every target, generated into `out`."""
    generate(out, "name=orders", ALL_TARGETS, *sets, preset=preset)
    return out


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> Path:
    return orders_output(tmp_path_factory.mktemp("tls"), "secrets=[dbPassword]")


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    return orders_output(tmp_path_factory.mktemp("plain"), "service.tls=false", "secrets=[dbPassword]")


def module_table(path: Path) -> dict:
    return tomllib.loads(path.read_text())["integrations"]["orders"]


def test_config_toml_names_the_keystore_at_each_targets_own_path(tls):
    assert module_table(tls / "config" / "Config.toml")["keystorePath"] == "/run/hardgen/credentials/keystore.p12"
    assert module_table(tls / "systemd" / "Config.toml")["keystorePath"] == "/run/credentials/orders.service/keystore.p12"
    configmap = next(d for d in of_kind(load_all(tls / "kubernetes"), "ConfigMap") if "Config.toml" in d["data"])
    assert 'keystorePath = "/run/hardgen/credentials/keystore.p12"' in configmap["data"]["Config.toml"]


def test_systemd_only_output_names_the_vm_path_in_config_toml(tmp_path):
    out = orders_output(tmp_path, "targets=[systemd]", preset="vm-systemd")
    assert module_table(out / "config" / "Config.toml")["keystorePath"] == "/run/credentials/orders.service/keystore.p12"


def test_the_keystore_password_is_a_placeholder_in_the_secrets_template(tls):
    template = module_table(tls / "config" / "secrets.template.toml")
    assert set(template) == {"dbPassword", "keystorePassword"}
    assert "hardgen_unfilled" in template["keystorePassword"]
    assert "keystorePassword" not in module_table(tls / "config" / "Config.toml")


def test_no_keystore_or_password_value_in_any_output_and_the_keystore_is_git_ignored(tls):
    for path in tls.rglob("*"):
        if path.is_file():
            assert not path.name.endswith(".p12"), path
            text = path.read_text()
            assert 'keystorePassword = "' not in text and "keystorePassword=" not in text, path
    assert "/config/keystore.p12" in (tls / ".gitignore").read_text().splitlines()


def test_names_can_be_changed_and_tls_configuration_left_to_the_integration(tmp_path):
    out = orders_output(tmp_path / "renamed", "service.keystore_path_key=tlsStore", "service.keystore_passphrase_key=tlsStorePass")
    assert module_table(out / "config" / "Config.toml")["tlsStore"] == "/run/hardgen/credentials/keystore.p12"
    assert "tlsStorePass" in module_table(out / "config" / "secrets.template.toml")
    off = orders_output(tmp_path / "off", "service.keystore_path_key=null")
    assert "keystorePath" not in (off / "config" / "Config.toml").read_text()
    assert "keystore" not in (off / "Dockerfile").read_text() + (off / "systemd" / "orders.service").read_text()


def test_plain_http_wires_no_keystore(plain):
    for path in plain.rglob("*"):
        if path.is_file() and ".hardgen" not in path.parts:
            assert "keystore" not in path.read_text().lower(), path


@pytest.mark.parametrize(("sets", "message"), [
    (["secrets=[keystorePath]"], "service.keystore_path_key: 'keystorePath' is also listed in secrets; the keystore's path is not a secret"),
    (["config.values={keystorePath: /x}"], "service.keystore_path_key: 'keystorePath' is also a key of config.values"),
    (["service.keystore_path_key=port"], "service.keystore_path_key: 'port' is also config.port_key"),
    (["service.keystore_passphrase_key=keystorePath"], "is also keystore_path_key"),
    (["service.keystore_passphrase_key=null"], "service.keystore_passphrase_key: is needed while service.keystore_path_key is set"),
    (["service.keystore_path_key=1bad"], "service.keystore_path_key:"),
])
def test_keystore_names_that_collide_are_refused(tmp_path, sets, message):
    proc = run("generate", "--preset", "docker", "--set", "name=orders", *set_args(sets), "--output", str(tmp_path / "out"))
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()


# ---- docker ----

def test_docker_run_mounts_the_keystore_read_only_and_the_image_never_copies_it(tls):
    dockerfile = (tls / "Dockerfile").read_text()
    assert '-v "$PWD/deploy/config/keystore.p12:/run/hardgen/credentials/keystore.p12:ro"' in dockerfile
    assert not any(line.startswith(("COPY", "ADD")) and "keystore" in line for line in dockerfile.splitlines())
    assert "ENV BAL_CONFIG_FILES=/run/hardgen/credentials/secrets.toml:/app/conf/Config.toml" in dockerfile
    ignore = (tls / "Dockerfile.dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*") + 1:] and not any("keystore" in line for line in ignore)


def test_tls_without_declared_secrets_still_mounts_the_secrets_file_for_the_password(tmp_path):
    out = orders_output(tmp_path, preset="docker")
    dockerfile = (out / "Dockerfile").read_text()
    assert "/run/hardgen/credentials/secrets.toml:ro" in dockerfile
    assert "ENV BAL_CONFIG_FILES=/run/hardgen/credentials/secrets.toml:/app/conf/Config.toml" in dockerfile


def test_listing_the_keystore_password_as_a_secret_is_the_same_secret_not_an_error(tmp_path):
    """The secret hardgen adds for the keystore and one the user lists by the same name are one placeholder."""
    proc = run("generate", "--preset", "docker", "--set", "name=orders", "--set", "secrets=[keystorePassword, dbPassword]",
               "--output", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    template = (tmp_path / "out" / "config" / "secrets.template.toml").read_text()
    assert template.count("keystorePassword =") == 1 and "dbPassword =" in template


# ---- kubernetes ----

def test_the_secret_volume_carries_the_keystore_as_a_second_item(tls):
    deployment = of_kind(load_all(tls / "kubernetes"), "Deployment")[0]
    volume = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "secrets")
    assert volume["projected"]["defaultMode"] == 0o400
    items = volume["projected"]["sources"][0]["secret"]["items"]
    assert items == [{"key": "secrets.toml", "path": "secrets.toml"}, {"key": "keystore.p12", "path": "keystore.p12"}]
    secrets_md = (tls / "kubernetes" / "SECRETS.md").read_text()
    assert "keystore.p12: <base64 of the PKCS12 keystore>" in secrets_md and "--from-file=keystore.p12=" in secrets_md


def _filled(folder: Path) -> Path:
    filled = folder / "secrets.toml"
    filled.write_text(f'[integrations.orders]\ndbPassword = "x"\nkeystorePassword = "{PASS_VALUE}"\n')
    return filled


def test_create_secret_refuses_a_missing_keystore(tls, tmp_path):
    env, log = kube.fake_kubectl(tmp_path)
    proc = subprocess.run([str(tls / "kubernetes" / "create-secret.sh"), str(_filled(tmp_path))],
                          env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "keystore.p12 not found" in proc.stderr, proc.stderr
    assert not log.exists()


def test_create_secret_adds_the_keystore_beside_the_secrets_file_or_the_one_given(tls, tmp_path):
    env, log = kube.fake_kubectl(tmp_path)
    filled = _filled(tmp_path)
    beside = tmp_path / "keystore.p12"
    beside.write_bytes(KEYSTORE_BYTES)
    script = str(tls / "kubernetes" / "create-secret.sh")
    proc = subprocess.run([script, str(filled)], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert f"--from-file=secrets.toml={filled} --from-file=keystore.p12={beside} --dry-run=client" in log.read_text()
    other = tmp_path / "elsewhere.p12"
    other.write_bytes(KEYSTORE_BYTES)
    proc = subprocess.run([script, str(filled), str(other)], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert f"--from-file=keystore.p12={other} --dry-run=client" in log.read_text()


def test_external_secret_decodes_the_keystore_property_into_the_secret(tmp_path):
    out = orders_output(tmp_path, "secrets=[dbPassword]", "kubernetes.external_secrets=true", "kubernetes.external_store=vault")
    external = of_kind(load_all(out / "kubernetes"), "ExternalSecret")[0]
    data = external["spec"]["target"]["template"]["data"]
    assert data["keystore.p12"] == '{{ index . "keystore.p12" | b64dec }}'
    assert "keystorePassword = {{ .keystorePassword | toJson }}" in data["secrets.toml"]
    assert not (out / "kubernetes" / "create-secret.sh").exists()


# ---- systemd ----

def test_unit_loads_the_keystore_as_a_second_credential(tls):
    unit = (tls / "systemd" / "orders.service").read_text().splitlines()
    assert "LoadCredential=keystore.p12:/etc/orders/keystore.p12" in unit
    assert "LoadCredential=secrets.toml:/etc/orders/secrets.toml" in unit
    assert "z /etc/orders/keystore.p12 0600 root root -" in (tls / "systemd" / "orders.tmpfiles.conf").read_text()


def test_install_sh_refuses_a_tls_service_without_its_keystore_before_changing_anything(tls, tmp_path):
    """Runs as a non-root stand-in: the keystore check comes before the root check would matter, so
    install.sh is run with `id` faked to root and every installing tool faked to fail loudly."""
    from tests.support.nspawn import fake_root_install

    env = fake_root_install(tmp_path)
    jar = tmp_path / "app.jar"
    jar.write_bytes(b"jar")
    secrets = _filled(tmp_path)
    script = str(tls / "systemd" / "install.sh")
    proc = subprocess.run(["sh", script, "--secrets", str(secrets), str(jar)], env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and f"no keystore at {tmp_path}/keystore.p12" in proc.stderr, proc.stderr
    assert "CHANGED" not in proc.stderr
    proc = subprocess.run(["sh", script, "--secrets", str(secrets), "--keystore", str(tmp_path / "none.p12"), str(jar)],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "no keystore at" in proc.stderr and "none.p12" in proc.stderr
    help_text = subprocess.run(["sh", script, "--help"], capture_output=True, text=True).stdout
    assert "--keystore FILE" in help_text and "set -eu" not in help_text
