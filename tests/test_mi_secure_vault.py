"""MI's Secure Vault step: `mi/encrypt-secrets.sh`, and `systemd/install.sh` running it on the installed copy.

No MI distribution can be installed here, so MI's `bin/ciphertool.sh` is a stand-in (`STAND_IN`) that behaves
as MI's sources say the real one does:

- wso2/micro-integrator `distribution/src/conf/ciphertool.sh`: needs JAVA_HOME; CARBON_HOME is taken from the
  environment when set, else the script's parent folder; it runs `$JAVA_HOME/bin/java -Dcarbon.home=$CARBON_HOME
  -Dcarbon.config.dir.path=$CARBON_HOME/conf -Dconfigure ... org.wso2.ciphertool.CipherTool` with the jars of
  `$CARBON_HOME/wso2/lib`.
- wso2/cipher-tool `components/ciphertool/.../utils/Utils.java` (setSystemProperties, getDeploymentFilePath,
  getSecreteFromConfiguration, getUnEncryptedValue, writeToSecureConfPropertyFile): the keystore is the one
  `$CARBON_HOME/conf/carbon.xml` names (//Server/Security/KeyStore/Location, Type, KeyAlias);
  `conf/security/cipher-text.properties` and `cipher-tool.properties` must exist; `[secrets]` of
  `conf/deployment.toml` is read, each value with one `[...]` is encrypted and written back;
  `conf/security/secret-conf.properties` is written with `keystore.identity.location` = that keystore.
- `.../utils/KeyStoreUtil.java` (initializeCipher): the keystore password is the system property
  `keystore.password` (`-Dpassword=` on the command line sets it too, "not recommended"); otherwise the tool asks
  on the console, and without one it stops ("String cannot be null").

The stand-in asks the real JVM for `keystore.password` (so JDK_JAVA_OPTIONS=@argfile is proven with the real
launcher) and opens the keystore with the real keytool (a wrong password or alias fails as the real tool does).
Its "ciphertext" is a digest, not RSA: what is proven is the wiring, not MI's cryptography.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.support.hardgen import generate
from tests.support.nspawn import JDK_UNDER_TEST, mi_install_inputs, run_install_sh_with
from tests.support.toolbox import java_home, require_java

STAND_IN = r'''
import base64, hashlib, os, re, subprocess, sys, tomllib, xml.etree.ElementTree as ET
log = open(os.environ["CIPHERTOOL_LOG"], "a")
print("argv", *sys.argv[1:], file=log)
java_home = os.environ.get("JAVA_HOME")
if not java_home:
    print("You must set the JAVA_HOME variable before running CARBON."); sys.exit(1)
home = os.environ.get("CARBON_HOME") or os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[0])))
print("carbon.home", home, file=log)
if not os.path.isdir(os.path.join(home, "wso2", "lib")):
    print("NoClassDefFoundError: org/wso2/ciphertool/CipherTool"); sys.exit(1)
props = subprocess.run([os.path.join(java_home, "bin", "java"), "-XshowSettings:properties", "-version"],
                       capture_output=True, text=True).stderr
found = re.search(r"^\s*keystore\.password = (.*)$", props, re.M)
server = ET.parse(os.path.join(home, "conf", "carbon.xml")).getroot()
location, kind, alias = (server.findtext(f"Security/KeyStore/{k}") for k in ("Location", "Type", "KeyAlias"))
print("keystore", location, kind, alias, file=log)
for name in ("cipher-text.properties", "cipher-tool.properties"):
    if not os.path.exists(os.path.join(home, "conf", "security", name)):
        print("Cannot find file : " + name); sys.exit(1)
if not found:
    print("String cannot be null"); sys.exit(1)
env = dict(os.environ, STORE_PASSWORD=found.group(1))
listing = subprocess.run([os.environ["KEYTOOL"], "-list", "-storetype", kind, "-keystore", location, "-alias", alias,
                          "-storepass:env", "STORE_PASSWORD"], env=env, capture_output=True, text=True)
if listing.returncode:
    print("I/O error occurred while reading the KeyStore from '" + location + "'"); sys.exit(1)
toml = os.path.join(home, "conf", "deployment.toml")
text = open(toml).read()
for key, value in tomllib.loads(text).get("secrets", {}).items():
    inner = re.findall(r"\[(.*?)\]", value)
    if len(inner) == 1:
        cipher = base64.b64encode(hashlib.sha256(("rsa:" + inner[0]).encode()).digest()).decode()
        text = text.replace(f'{key} = "{value}"', f'{key} = "{cipher}"')
open(toml, "w").write(text)
with open(os.path.join(home, "conf", "security", "secret-conf.properties"), "w") as f:
    f.write(f"secVault.enabled=true\nkeystore.identity.location={location}\nkeystore.identity.type={kind}\n"
            f"keystore.identity.alias={alias}\nkeystore.identity.store.password=identity.store.password\n")
print("Secret Configurations are written to the property file successfully")
'''

SECRETS = {"MI_SECRET_KEYSTORE_PASSWORD": "ks-Vault-pass-71", "MI_SECRET_TRUSTSTORE_PASSWORD": "ts-Vault-pass-93"}


def _keytool() -> str:
    try:
        return str(Path(java_home(17)) / "bin" / "keytool")
    except Exception as exc:  # ToolMissing
        pytest.skip(str(exc))


def _mi_home(tmp_path: Path, *, exit_code: int | None = None) -> Path:
    """An unpacked MI as far as the cipher tool needs one: bin/ciphertool.sh (the stand-in), wso2/lib, conf/security."""
    home = tmp_path / "wso2mi-4.4.0"
    (home / "bin").mkdir(parents=True)
    (home / "wso2" / "lib").mkdir(parents=True)
    (home / "conf" / "security").mkdir(parents=True)
    (home / "conf" / "security" / "cipher-text.properties").write_text("")
    (home / "conf" / "security" / "cipher-tool.properties").write_text("")
    (home / "bin" / "ciphertool.py").write_text(STAND_IN)
    fail = f"exit {exit_code}\n" if exit_code is not None else ""
    (home / "bin" / "ciphertool.sh").write_text(f'#!/bin/sh\n{fail}exec python3 "$(dirname "$0")/ciphertool.py" "$@"\n')
    return home


def _keystore(path: Path, password: str) -> Path:
    env = dict(os.environ, STORE_PASSWORD=password)
    subprocess.run([_keytool(), "-genkeypair", "-storetype", "PKCS12", "-keystore", str(path), "-storepass:env", "STORE_PASSWORD",
                    "-alias", "hardgen", "-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA",
                    "-dname", "CN=api.example.com", "-validity", "30"], env=env, check=True, capture_output=True, timeout=120)
    return path


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return dict(os.environ, **SECRETS, JAVA_HOME=str(Path(require_java(21)).parent.parent), KEYTOOL=_keytool(),
                CIPHERTOOL_LOG=str(tmp_path / "ciphertool.log"), TMPDIR=str(tmp_path / "tmp"), **extra)


def _out(tmp_path: Path, *sets: str) -> Path:
    out = tmp_path / "out"
    generate(out, "name=demo", *sets, preset="mi-docker")
    return out


def _plaintext_anywhere(root: Path) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and any(v.encode() in path.read_bytes() for v in SECRETS.values()):
            hits.append(str(path))
    return hits


@pytest.mark.jvm
def test_encrypt_secrets_runs_mis_cipher_tool_with_the_keystore_and_leaves_no_plaintext(tmp_path):
    out = _out(tmp_path)
    home = _mi_home(tmp_path)
    _keystore(out / "config" / "keystore.p12", SECRETS["MI_SECRET_KEYSTORE_PASSWORD"])
    env = _env(tmp_path)
    proc = subprocess.run(["sh", str(out / "mi" / "encrypt-secrets.sh"), "--mi-home", str(home)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    secrets = tomllib.loads((out / "config" / "deployment.toml").read_text())["secrets"]
    assert set(secrets) == {"keystore_password", "truststore_password"}
    for value in secrets.values():
        assert isinstance(value, str) and not value.startswith("[") and value not in SECRETS.values()
    vault = (out / "config" / "secret-conf.properties").read_text()
    assert "keystore.identity.location=/run/hardgen/credentials/keystore.p12\n" in vault  # where the container reads it
    log = (tmp_path / "ciphertool.log").read_text()
    assert "argv -Dconfigure" in log
    assert f"keystore {out / 'config' / 'keystore.p12'} PKCS12 hardgen" in log
    assert not any(v in log for v in SECRETS.values())  # never an argument
    assert not _plaintext_anywhere(tmp_path) and not any((tmp_path / "tmp").iterdir())  # the private copy is gone
    again = subprocess.run(["sh", str(out / "mi" / "encrypt-secrets.sh"), "--mi-home", str(home)], env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "nothing to encrypt" in again.stdout


@pytest.mark.jvm
@pytest.mark.parametrize("case, message", [
    ("missing", "set MI_SECRET_TRUSTSTORE_PASSWORD"),
    ("wrong_password", "MI's cipher tool failed"),
    ("tool_fails", "MI's cipher tool failed"),
    ("not_mi", "no bin/ciphertool.sh"),
    ("quote", "holds a quote"),
])
def test_encrypt_secrets_stops_on_any_failure_and_leaves_the_file_and_disk_as_they_were(tmp_path, case, message):
    out = _out(tmp_path)
    home = _mi_home(tmp_path, exit_code=3 if case == "tool_fails" else None)
    _keystore(out / "config" / "keystore.p12", "another-store-pass" if case == "wrong_password" else SECRETS["MI_SECRET_KEYSTORE_PASSWORD"])
    env = _env(tmp_path)
    if case == "missing":
        del env["MI_SECRET_TRUSTSTORE_PASSWORD"]
    if case == "quote":
        env["MI_SECRET_TRUSTSTORE_PASSWORD"] = 'ab"c'
    before = (out / "config" / "deployment.toml").read_bytes()
    args = ["--mi-home", str(tmp_path / "nowhere" if case == "not_mi" else home)]
    proc = subprocess.run(["sh", str(out / "mi" / "encrypt-secrets.sh"), *args], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and message in proc.stderr, proc.stderr
    assert (out / "config" / "deployment.toml").read_bytes() == before
    assert not (out / "config" / "secret-conf.properties").exists()
    assert not _plaintext_anywhere(tmp_path) and not any((tmp_path / "tmp").iterdir())
    assert not any(v in proc.stderr + proc.stdout for v in SECRETS.values())


def test_the_image_build_refuses_a_plaintext_or_placeholder_secret_and_carries_the_vault_settings(tmp_path):
    out = _out(tmp_path)
    dockerfile = (out / "Dockerfile").read_text()
    assert "grep -q -e hardgen_unfilled -e '= *\"\\[' " in dockerfile
    assert "config/secret-conf.properties /home/wso2carbon/wso2mi-4.4.0/conf/security/" in dockerfile
    assert "!config/secret-conf.properties" in (out / "Dockerfile.dockerignore").read_text().replace("deploy/", "")


@pytest.mark.jvm
def test_mi_install_sh_refuses_placeholders_without_their_values_before_changing_anything(tmp_path):
    out = tmp_path / "out"
    generate(out, "name=demo", "targets=[systemd]", f"systemd.java={JDK_UNDER_TEST}", preset="mi-docker")
    run_install_sh_with(out / "systemd" / "install.sh", require_java(21))
    cars, env = mi_install_inputs(tmp_path, out)
    proc = subprocess.run(["sh", str(out / "systemd" / "install.sh"), str(cars)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "set MI_SECRET_KEYSTORE_PASSWORD MI_SECRET_TRUSTSTORE_PASSWORD for MI's cipher tool" in proc.stderr
    assert "CHANGED" not in proc.stderr
    env.update(SECRETS)  # with the values, every check passes: the encryption runs once MI is unpacked
    (tmp_path / "wso2mi-4.4.0.zip").write_bytes(b"zip")
    ok = subprocess.run(["sh", str(out / "systemd" / "install.sh"), "--mi-zip", str(tmp_path / "wso2mi-4.4.0.zip"), str(cars)],
                        env=env, capture_output=True, text=True, timeout=60)
    assert "CHANGED install" in ok.stderr and "install.sh:" not in ok.stderr.split("CHANGED", 1)[0], ok.stderr


@pytest.mark.jvm
def test_mi_install_sh_encrypts_a_private_copy_with_the_installed_mi_and_installs_only_that(tmp_path):
    """install.sh's encryption step, cut from the generated script and run against a stand-in MI_HOME: the
    installed deployment.toml is the cipher tool's output, the one beside install.sh keeps its placeholders,
    and a failing tool stops the install before deployment.toml is installed."""
    out = tmp_path / "out"
    generate(out, "name=demo", "targets=[systemd]", f"systemd.java={JDK_UNDER_TEST}", preset="mi-docker")  # JAVA is set below
    script = (out / "systemd" / "install.sh").read_text()
    start = script.index("# ---- Secure Vault:")
    end = script.index('install -m 0644 -o root -g root "$SECRET_CONF"')
    end = script.index("\n", end) + 1
    step = script[start:end].replace("install -d -m 0755 -o root -g root", "mkdir -p").replace("install -m 0644 -o root -g root", "cp")
    home = _mi_home(tmp_path)
    (home / "conf.dist").mkdir()
    _keystore(out / "config" / "keystore.p12", SECRETS["MI_SECRET_KEYSTORE_PASSWORD"])
    prelude = (f"set -eu\nHERE='{out / 'systemd'}'\nMI_HOME='{home}'\nKEYSTORE='{tmp_path / 'etc-keystore.p12'}'\n"
               f"config='{out / 'config'}'\nJAVA='{require_java(21)}'\nRUNTIME_KEYSTORE='/run/credentials/demo.service/keystore.p12'\n"
               f"TOML=\"$HERE/../config/deployment.toml\"\nencrypt=yes\n"
               "die() { printf 'install.sh: %s\\n' \"$*\" >&2; exit 1; }\n")
    (tmp_path / "step.sh").write_text(prelude + step)
    env = _env(tmp_path)
    del env["JAVA_HOME"]  # install.sh derives it from systemd.java
    proc = subprocess.run(["sh", str(tmp_path / "step.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    installed = tomllib.loads((home / "conf.dist" / "deployment.toml").read_text())["secrets"]
    assert all(isinstance(v, str) and v not in SECRETS.values() for v in installed.values())
    assert "keystore.identity.location=/run/credentials/demo.service/keystore.p12" in (home / "conf.dist" / "security" / "secret-conf.properties").read_text()
    assert "hardgen_unfilled" in (out / "config" / "deployment.toml").read_text()  # the source keeps its placeholders
    assert not _plaintext_anywhere(tmp_path) and not any((tmp_path / "tmp").iterdir())
    (home / "conf.dist" / "deployment.toml").unlink()
    (home / "bin" / "ciphertool.sh").write_text("#!/bin/sh\nexit 5\n")
    failed = subprocess.run(["sh", str(tmp_path / "step.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "nothing but MI's distribution was installed" in failed.stderr
    assert not (home / "conf.dist" / "deployment.toml").exists()
