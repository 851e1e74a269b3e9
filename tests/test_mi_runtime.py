"""WSO2 Micro Integrator (runtime: mi): deployment.toml, the launcher, the keystore script, the image and Kubernetes.

Every key hardgen writes into deployment.toml must be one MI documents: `DOCUMENTED_KEYS` names the page of
the MI documentation (wso2/docs-mi) each comes from, and a key missing from it fails the test. The launcher
is run with a recording `java` and with the real JVMs; the keystore script with the JDK's keytool; the image
and manifests with hadolint, checkov, kubernetes-validate, the PSS checker and nca.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.support import kube, pss
from tests.support import nca as ncasim
from tests.support.hardgen import generate, run, set_args
from tests.support.nspawn import JDK_UNDER_TEST, mi_install_inputs, run_install_sh_with
from tests.support.reviewers import checkov_failures, detect_secrets_findings, hadolint_findings
from tests.support.toolbox import java_home, require_java, require_javac

DOCS = "https://mi.docs.wso2.com/en/latest/"
CATALOG = DOCS + "reference/config-catalog-mi/"  # wso2/docs-mi en/docs/reference/config-catalog-mi.md
KEYSTORES = DOCS + "install-and-setup/setup/security/configuring-keystores/"  # type, custom file location
TRANSPORTS = DOCS + "install-and-setup/setup/transport-configurations/configuring-transports/"  # *.secured_protocols
OFFSET = DOCS + "install-and-setup/setup/deployment-best-practices/changing-the-default-ports-with-offset/"
VAULT = DOCS + "install-and-setup/setup/security/encrypting-plain-text/"  # [secrets], $secret{alias}
USER_STORE = DOCS + "install-and-setup/setup/user-stores/setting-up-a-userstore-in-mi/"  # read_only_ldap
GUIDELINES = DOCS + "install-and-setup/setup/deployment-best-practices/security-guidelines-for-production-deployment/"

#: Every deployment.toml key hardgen may write -> the MI documentation page that defines it.
DOCUMENTED_KEYS = {
    "server.hostname": CATALOG,
    "server.offset": OFFSET,
    "keystore.primary.file_name": KEYSTORES,
    "keystore.primary.type": KEYSTORES,
    "keystore.primary.alias": KEYSTORES,
    "keystore.primary.password": KEYSTORES,
    "keystore.primary.key_password": KEYSTORES,
    "truststore.file_name": KEYSTORES,
    "truststore.type": KEYSTORES,
    "truststore.password": KEYSTORES,
    "transport.http.listener.secured_protocols": TRANSPORTS,
    "transport.http.listener.preferred_ciphers": CATALOG,
    "transport.http.sender.secured_protocols": TRANSPORTS,
    "transport.http.sender.hostname_verifier": CATALOG,
    "super_admin.username": GUIDELINES,
    "super_admin.password": GUIDELINES,
    "super_admin.admin_role": GUIDELINES,
    "super_admin.create_admin_account": GUIDELINES,
    "internal_apis.file_user_store.enable": USER_STORE,
    "user_store.type": USER_STORE,
    "user_store.connection_url": USER_STORE,
    "user_store.connection_name": USER_STORE,
    "user_store.connection_password": USER_STORE,
    "user_store.user_search_base": USER_STORE,
    "secrets.*": VAULT,  # one alias per secret, the names the $secret{} references use
}

DIGEST = "sha256:" + "ab" * 32
BASE_DIGEST = "sha256:" + "cd" * 32
#: Models that switch on every optional section of deployment.toml.
CASES = {
    "preset": ("mi-docker", ["name=orders"]),
    "admin-ldap-secrets": ("mi-docker", [
        "name=orders", "mi.admin_user=opsadmin", "mi.ldap.url=ldaps://ldap.example.com:636",
        "mi.ldap.bind_dn=cn=mi-reader,ou=services,dc=example,dc=com", "mi.ldap.user_search_base=ou=users,dc=example,dc=com",
        "secrets=[crmToken]",
    ]),
    "mi-4.2-jdk17": ("mi-docker", ["name=legacy", "mi.version=4.2.0", "jdk=17", "service.port=8443"]),
}
PASSWORD_WORDS = ("password", "passphrase", "secret", "token")


def render(preset: str, sets: list[str]):
    from tests.support.models import render_case

    return render_case(preset, sets)


def files_of(preset: str, sets: list[str]) -> dict[str, bytes]:
    return {f.path: f.content for f in render(preset, sets).plan.files}


def deployment(preset: str, sets: list[str]) -> dict:
    return tomllib.loads(files_of(preset, sets)["config/deployment.toml"].decode())


def flat_keys(data: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not (prefix == "secrets." or path == "secrets"):
            out.update(flat_keys(value, f"{path}."))
        elif path == "secrets":
            out.update({f"secrets.{alias}": v for alias, v in value.items()})
        else:
            out[path] = value
    return out


def undocumented(keys) -> list[str]:
    return sorted(k for k in keys if k not in DOCUMENTED_KEYS and not (k.startswith("secrets.") and "secrets.*" in DOCUMENTED_KEYS))


# --------------------------------------------------------------- deployment.toml ---


@pytest.mark.parametrize("case", CASES)
def test_every_key_hardgen_writes_into_deployment_toml_is_one_mi_documents(case):
    assert undocumented(flat_keys(deployment(*CASES[case]))) == []


def test_the_documented_key_check_fails_on_a_key_mi_does_not_document():
    keys = flat_keys(deployment(*CASES["preset"]))
    assert undocumented([*keys, "transport.http.listener.made_up"]) == ["transport.http.listener.made_up"]
    assert all(url.startswith(DOCS) for url in DOCUMENTED_KEYS.values())


@pytest.mark.parametrize("case", CASES)
def test_every_password_is_a_secret_reference_and_every_alias_a_placeholder_never_a_value(case):
    data = deployment(*CASES[case])
    keys = flat_keys(data)
    referenced = set()
    for key, value in keys.items():
        leaf = key.rsplit(".", 1)[-1]
        if key.startswith("secrets."):
            assert value == {"hardgen_unfilled": value["hardgen_unfilled"]}, key  # a placeholder table, never a string
            continue
        if any(word in leaf for word in PASSWORD_WORDS):
            assert isinstance(value, str) and value.startswith("$secret{") and value.endswith("}"), key
            referenced.add(value[len("$secret{"):-1])
    assert referenced and referenced <= set(data["secrets"])


def test_stores_are_pkcs12_files_that_are_not_wso2s_and_the_user_store_is_read_only():
    data = deployment(*CASES["admin-ldap-secrets"])
    for table in (data["keystore"]["primary"], data["truststore"]):
        assert table["type"] == "PKCS12"
        assert table["file_name"].endswith(".p12") and "wso2carbon" not in table["file_name"] and "client-truststore" not in table["file_name"]
    assert data["user_store"]["type"] == "read_only_ldap" and data["user_store"]["connection_url"].startswith("ldaps://")
    assert data["internal_apis"]["file_user_store"]["enable"] is False
    assert data["super_admin"]["username"] == "opsadmin" and data["super_admin"]["password"] == "$secret{admin_password}"
    assert data["secrets"].keys() == {"admin_password", "crmToken", "keystore_password", "ldap_password", "truststore_password"}


def test_no_super_admin_account_is_created_from_the_file_unless_one_is_named():
    assert "super_admin" not in deployment(*CASES["preset"])


def test_tls_is_1_2_and_1_3_with_forward_secret_gcm_suites_only_and_strict_host_names():
    http = deployment(*CASES["preset"])["transport"]["http"]
    assert http["listener"]["secured_protocols"] == http["sender"]["secured_protocols"] == "TLSv1.3,TLSv1.2"
    assert http["sender"]["hostname_verifier"] == "Strict"
    ciphers = http["listener"]["preferred_ciphers"].split(",")
    for suite in ciphers:
        assert "_GCM_" in suite and (suite.startswith("TLS_ECDHE_") or suite.startswith("TLS_AES_")), suite
        assert not any(weak in suite for weak in ("CBC", "DES", "RC4", "MD5", "DSS", "NULL", "EXPORT", "_DHE_"))
    options = files_of(*CASES["preset"])["jvm/java.options"].decode().splitlines()
    assert f"-Djdk.tls.client.cipherSuites={','.join(ciphers)}" in options  # the sender's suites: JSSE's client list


@pytest.mark.parametrize("port, http, management", [(9443, 9480, 10354), (8443, 8480, 9354)])
def test_one_offset_moves_every_mi_port_off_its_default(port, http, management):
    data = deployment("mi-docker", ["name=orders", f"service.port={port}"])
    offset = data["server"]["offset"]
    assert offset != 10 and (8243 + offset, 8280 + offset, 9154 + offset) == (port, http, management)
    assert {8290, 8253, 9164} & {port, http, management} == set()


@pytest.mark.parametrize("sets, expected", [
    (["mi.admin_user=admin"], "--set: mi.admin_user: 'admin' is a well-known account name (seed 002's example is admin/admin)"),
    (["mi.admin_user=Administrator"], "--set: mi.admin_user: 'Administrator' is a well-known account name"),
    (["service.port=8253"], "--set: service.port: 8253 is MI's default HTTPS port"),
    (["service.port=8000"], "--set: service.port: 8000 is not an MI HTTPS port"),
    (["service.tls=false"], "--set: service.tls: is false, but MI's service.port is its HTTPS passthrough port"),
    (["jdk=25"], "--set: jdk: 25 is not a JDK Micro Integrator 4.4.0 runs on; set jdk to 17 or 21"),
    (["mi.ldap.url=ldap://ldap.example.com"], "--set: mi.ldap.url: 'ldap://ldap.example.com' is not an ldaps:// URL"),
    (["metrics.enabled=true"], "--set: metrics.enabled: is not supported for runtime mi yet"),
    (["mi.ldap.url=ldaps://ldap.example.com"], "--set: mi.ldap: needs bind_dn and user_search_base with url"),
], ids=["seed-admin", "admin-any-case", "default-port", "port-below-offset-0", "plain-http", "jdk-25",
        "ldap-without-tls", "metrics", "ldap-without-dn"])
def test_unsafe_or_unsupported_mi_answers_are_refused_in_one_line_and_nothing_is_written(tmp_path, sets, expected):
    r = run("generate", "--preset", "mi-docker", "--set", "name=orders", *set_args(sets), "--output", "out", cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith(expected) and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "out").exists()


def test_an_admin_password_as_input_is_refused_without_echoing_it(tmp_path):
    (tmp_path / "answers.yaml").write_text("mi:\n  admin_user: admin\n  admin_password: hunter2-admin\n")
    r = run("generate", "--preset", "mi-docker", "--set", "name=orders", "--answers", "answers.yaml", "--output", "out", cwd=tmp_path)
    assert r.returncode == 2 and "mi.admin_user" in r.stderr and "mi.admin_password" in r.stderr
    assert "hunter2" not in r.stderr + r.stdout and not (tmp_path / "out").exists()


# ------------------------------------------------------------- launcher and JVM ---

RECORDING_JAVA = """#!/bin/sh
printf '%s\\n' "$@" > "$RECORD"
pwd >> "$RECORD.cwd"
"""


def _mi_home(root: Path) -> Path:
    home = root / "mi"
    for d in ("conf.dist/etc", "conf", "wso2/lib/xboot", "bin", "tmp", "repository/logs"):
        (home / d).mkdir(parents=True, exist_ok=True)
    (home / "conf.dist/deployment.toml").write_text("[server]\n")
    (home / "wso2/lib/xboot/boot.jar").write_bytes(b"")
    return home


def test_launcher_runs_java_with_the_argfile_and_mi_main_class_never_a_jmx_property(tmp_path):
    files = files_of(*CASES["preset"])
    launcher, options = tmp_path / "launch.sh", tmp_path / "java.options"
    launcher.write_bytes(files["mi/launch.sh"])
    launcher.chmod(0o755)
    options.write_bytes(files["jvm/java.options"])
    java = tmp_path / "java"
    java.write_text(RECORDING_JAVA)
    java.chmod(0o755)
    home = _mi_home(tmp_path)
    record = tmp_path / "argv"
    env = dict(os.environ, MI_HOME=str(home), HARDGEN_JAVA=str(java), HARDGEN_JVM_OPTIONS=str(options), RECORD=str(record))
    subprocess.run(["sh", str(launcher)], env=env, check=True, timeout=30)
    argv = record.read_text().splitlines()
    assert argv == [f"-Xbootclasspath/a:{home}/wso2/lib/xboot/boot.jar", f"@{options}", "org.wso2.micro.integrator.bootstrap.Bootstrap"]
    assert Path(f"{record}.cwd").read_text().strip() == str(home)
    assert (home / "conf/deployment.toml").read_text() == "[server]\n"  # the writable conf/ filled from conf.dist
    options_lines = [line for line in options.read_text().splitlines() if not line.startswith("#")]
    assert not any("com.sun.management" in line for line in [*argv, *options_lines])
    assert "micro-integrator.sh" not in files["mi/launch.sh"].decode().split("set -eu", 1)[1]


BOOTSTRAP = """
package org.wso2.micro.integrator.bootstrap;
import java.lang.management.ManagementFactory;
public class Bootstrap {
    public static void main(String[] args) throws Exception {
        for (String name : System.getProperties().stringPropertyNames()) {
            System.out.println("prop " + name + "=" + System.getProperty(name));
        }
        System.out.println("jvm " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    }
}
"""


@pytest.fixture(scope="module")
def bootstrap_jar(tmp_path_factory) -> Path:
    """A stand-in for MI's Bootstrap that prints what the JVM was started with."""
    build = tmp_path_factory.mktemp("bootstrap")
    src = build / "org/wso2/micro/integrator/bootstrap"
    src.mkdir(parents=True)
    (src / "Bootstrap.java").write_text(BOOTSTRAP)
    subprocess.run([require_javac(), "--release", "17", "-d", str(build / "classes"), str(src / "Bootstrap.java")], check=True)
    jar = build / "org.wso2.micro.integrator.bootstrap.jar"
    subprocess.run([str(Path(require_javac()).with_name("jar")), "cf", str(jar), "-C", str(build / "classes"), "."], check=True)
    return jar


@pytest.mark.jvm
@pytest.mark.container  # MI_HOME and /opt/hardgen laid out in a private mount namespace, as root
@pytest.mark.parametrize("jdk", [17, 21])
def test_real_jvms_start_mi_through_the_launcher_with_no_jmx_agent_and_no_warning(bootstrap_jar, tmp_path, jdk):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to lay out MI_HOME like the image")
    files = files_of("mi-docker", ["name=orders", f"jdk={jdk}"])
    from generator.targets.shared import mi_config

    layout = mi_config.container_layout(render("mi-docker", ["name=orders"]).resolved)
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / "launch.sh").write_bytes(files["mi/launch.sh"])
    (stage / "java.options").write_bytes(files["jvm/java.options"])
    shutil.copy(bootstrap_jar, stage / "bootstrap.jar")
    java = require_java(jdk)
    h, o = layout.home, layout.hardgen_dir
    script = (
        f"mkdir -p {h} {o} && mount -t tmpfs tmpfs {h} && mount -t tmpfs tmpfs {o}"
        f" && mkdir -p {h}/conf.dist {h}/conf {h}/tmp {h}/repository/logs {h}/wso2/lib {h}/bin {o}/jvm"
        f" && cp \"$1/bootstrap.jar\" {h}/wso2/lib/ && cp \"$1/java.options\" {o}/jvm/java.options"
        f" && cp \"$1/launch.sh\" {o}/launch.sh && chmod 0755 {o}/launch.sh && HARDGEN_JAVA=\"$2\" exec {o}/launch.sh"
    )
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(stage), java],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no warning, no ignored option
    props = dict(line[len("prop "):].split("=", 1) for line in proc.stdout.splitlines() if line.startswith("prop "))
    assert not any(name.startswith("com.sun.management") for name in props)
    jvm_args = next(line for line in proc.stdout.splitlines() if line.startswith("jvm "))
    assert "jmxremote" not in jvm_args  # no such property: the JMX agent stays off (RUNTIME-FACTS.md)
    assert props["httpclient.hostnameVerifier"] == "Strict"
    assert props["jdk.tls.ephemeralDHKeySize"] == "2048" and props["jdk.tls.rejectClientInitiatedRenegotiation"] == "true"
    assert props["carbon.home"] == h and props["java.io.tmpdir"] == f"{h}/tmp"
    assert props["jdk.tls.client.cipherSuites"] == ",".join(mi_config.TLS_CIPHERS)


# ------------------------------------------------------------- keystore script ---


def _keytool() -> str:
    try:
        return str(Path(java_home(17)) / "bin" / "keytool")
    except Exception as exc:  # ToolMissing
        pytest.skip(str(exc))


def _keystore_script(tmp_path: Path) -> Path:
    script = tmp_path / "keystore.sh"
    script.write_bytes(files_of(*CASES["preset"])["mi/keystore.sh"])
    script.chmod(0o755)
    return script


def _listing(store: Path, env_name: str, env: dict) -> str:
    return subprocess.run([_keytool(), "-list", "-v", "-storetype", "PKCS12", "-keystore", str(store), "-storepass:env", env_name],
                          env=env, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("algorithm, size, expect", [
    ("RSA", None, "3072-bit RSA key"), ("RSA", "2048", "2048-bit RSA key"), ("EC", None, "256-bit EC (secp256r1) key"),
])
def test_keystore_script_makes_pkcs12_stores_with_a_strong_sha256_key_and_no_wso2_certificate(tmp_path, algorithm, size, expect):
    # A keytool that records its arguments, then runs the JDK's: no password may be among them.
    log = tmp_path / "keytool.argv"
    wrapper = tmp_path / "keytool"
    wrapper.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{log}'\nexec '{_keytool()}' \"$@\"\n")
    wrapper.chmod(0o755)
    env = dict(os.environ, MI_KEYSTORE_PASSWORD="ks-" + "x7" * 8, MI_TRUSTSTORE_PASSWORD="ts-" + "y9" * 8,
               KEYTOOL=str(wrapper), MI_KEY_ALGORITHM=algorithm)
    if size:
        env["MI_KEY_SIZE"] = size
    out = tmp_path / "stores"
    subprocess.run([str(_keystore_script(tmp_path)), "api.example.com", str(out)], env=env, check=True, capture_output=True, timeout=120)
    keystore = _listing(out / "keystore.p12", "MI_KEYSTORE_PASSWORD", env)
    assert "Keystore type: PKCS12" in keystore and "Entry type: PrivateKeyEntry" in keystore
    assert expect in keystore
    assert "Signature algorithm name: SHA256with" in keystore
    assert "Alias name: hardgen" in keystore and "CN=api.example.com" in keystore
    truststore = _listing(out / "truststore.p12", "MI_TRUSTSTORE_PASSWORD", env)
    assert "Your keystore contains 1 entry" in truststore and "wso2" not in truststore.lower()
    argv = log.read_text()
    assert env["MI_KEYSTORE_PASSWORD"] not in argv and env["MI_TRUSTSTORE_PASSWORD"] not in argv
    assert "-storepass:env" in argv and "-storetype\nPKCS12" in argv


@pytest.mark.parametrize("env_extra, message", [
    ({"MI_KEY_SIZE": "1024"}, "below 2048 bits"),
    ({"MI_KEY_ALGORITHM": "DSA"}, "is not RSA or EC"),
    ({"MI_TRUSTSTORE_PASSWORD": ""}, "set MI_TRUSTSTORE_PASSWORD"),
])
def test_keystore_script_refuses_a_weak_key_another_algorithm_or_a_missing_password(tmp_path, env_extra, message):
    env = dict(os.environ, MI_KEYSTORE_PASSWORD="ks-password-1", MI_TRUSTSTORE_PASSWORD="ts-password-1", KEYTOOL=_keytool())
    env.update(env_extra)
    proc = subprocess.run([str(_keystore_script(tmp_path)), "api.example.com", str(tmp_path / "stores")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and message in proc.stderr
    assert not (tmp_path / "stores" / "keystore.p12").exists()


# ------------------------------------------------------------------ the image ---


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("mi")
    made = {}
    for case, (preset, sets) in CASES.items():
        generate(root / case, *sets, f"image.base_digest={BASE_DIGEST}", preset=preset)
        made[case] = root / case
    rich = root / "kubernetes"
    generate(rich, "name=orders", f"image.digest={DIGEST}", f"image.base_digest={BASE_DIGEST}",
             "ingress=[{name: gateway, namespace: edge, labels: {app: gateway}}, {name: partners, cidr: 203.0.113.0/24}]",
             "mi.admin_from={namespace: ops, labels: {app: icp}}", "kubernetes.namespace=orders-prod",
             preset="mi-kubernetes-restricted")
    made["kubernetes"] = rich
    closed = root / "kubernetes-closed"
    generate(closed, "name=orders", f"image.digest={DIGEST}", "ingress=[{name: gateway, namespace: edge, labels: {app: gateway}}]",
             preset="mi-kubernetes-restricted")
    made["kubernetes-closed"] = closed
    return made


@pytest.mark.reviewers
@pytest.mark.parametrize("case", [*CASES, "kubernetes"])
def test_hadolint_finds_nothing_in_the_mi_dockerfile(outputs, case):
    assert hadolint_findings(outputs[case] / "Dockerfile") == []


@pytest.mark.reviewers
def test_checkov_fails_no_check_on_the_mi_dockerfiles(outputs):
    assert checkov_failures(outputs["preset"].parent, "dockerfile") == []


def test_the_image_copies_no_store_or_password_and_refuses_an_unfilled_deployment_toml(outputs):
    dockerfile = (outputs["preset"] / "Dockerfile").read_text()
    ignore = (outputs["preset"] / "Dockerfile.dockerignore").read_text().splitlines()
    assert "*" in ignore  # deny everything, then allow what the image copies
    allowed = [line[1:] for line in ignore if line.startswith("!")]
    assert not any(p.endswith((".p12", "password-persist")) for p in allowed)
    assert "grep -q -e hardgen_unfilled" in dockerfile and "exit 1" in dockerfile
    assert "USER 10802:10802" in dockerfile.splitlines()
    assert 'ENTRYPOINT ["/opt/hardgen/launch.sh"]' in dockerfile and "micro-integrator.sh" not in dockerfile.split("FROM", 1)[1]
    legacy = (outputs["mi-4.2-jdk17"] / "Dockerfile").read_text()
    assert "FROM wso2/wso2mi:4.2.0@" + BASE_DIGEST in legacy and "USER 802:802" in legacy


@pytest.mark.reviewers
@pytest.mark.parametrize("case", [*CASES, "kubernetes"])
def test_detect_secrets_finds_nothing_in_mi_outputs(outputs, case):
    assert detect_secrets_findings(outputs[case]) == {}


# ---------------------------------------------------------------- Kubernetes ---


@pytest.mark.reviewers
@pytest.mark.parametrize("case", ["kubernetes", "kubernetes-closed"])
def test_kubernetes_validate_strict_accepts_the_mi_manifests(outputs, case):
    proc = kube.kubernetes_validate(outputs[case])
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "ERROR" not in report and "FATAL" not in report, report


@pytest.mark.reviewers
def test_checkov_finds_nothing_in_the_mi_manifests(outputs, tmp_path):
    assert kube.checkov_failures({"kubernetes": outputs["kubernetes"], "closed": outputs["kubernetes-closed"]}, tmp_path) == {
        "kubernetes": [], "closed": []}


@pytest.mark.parametrize("case", ["kubernetes", "kubernetes-closed"])
def test_the_mi_pod_passes_the_restricted_pod_security_standard_and_writes_only_its_emptydirs(outputs, case):
    (deployment,) = kube.of_kind(kube.load_all(outputs[case]), "Deployment")
    assert pss.violations(deployment) == {}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    writable = {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")}
    home = "/home/wso2carbon/wso2mi-4.4.0"
    assert writable == {f"{home}/conf", f"{home}/tmp", f"{home}/repository/logs"}
    assert container["securityContext"]["runAsUser"] == 10802 and "env" not in container


def test_the_service_carries_the_https_port_only(outputs):
    (service,) = kube.of_kind(kube.load_all(outputs["kubernetes"]), "Service")
    assert [p["port"] for p in service["spec"]["ports"]] == [9443]


def _flows(outputs, case, tmp_path):
    model = kube.model_of_output(outputs[case] / "kubernetes")
    objects = kube.load_all(outputs[case])
    (deployment,) = kube.of_kind(objects, "Deployment")
    pods = ncasim.synthetic_cluster(model, deployment["spec"]["template"]["metadata"]["labels"])
    pods.append(ncasim.SimPod("ops", "icp", {"app": "icp"}))
    policies = [p for p in kube.of_kind(objects, "NetworkPolicy") if p["spec"]["podSelector"]]
    lines = ncasim.connectivity(policies, pods, tmp_path)
    integ = f"{model.kubernetes.namespace}/{ncasim.INTEGRATION_POD}"
    return {s: c for s, d, c in lines if d == integ and isinstance(s, str)}, \
        [(s, c) for s, d, c in lines if d == integ and not isinstance(s, str)]


@pytest.mark.reviewers
def test_nca_proves_the_management_port_unreachable_from_ingress_peers_and_open_to_the_admin_peer_only(outputs, tmp_path):
    inbound, from_addresses = _flows(outputs, "kubernetes", tmp_path)
    assert inbound["edge/in-gateway"] == {("TCP", 9443)}
    assert inbound["ops/icp"] == {("TCP", 10354)}
    assert set(inbound) == {"edge/in-gateway", "ops/icp"}
    assert all(conn == {("TCP", 9443)} for _, conn in from_addresses) and from_addresses


@pytest.mark.reviewers
def test_nca_proves_the_management_port_closed_to_everyone_without_an_admin_peer(outputs, tmp_path):
    inbound, _ = _flows(outputs, "kubernetes-closed", tmp_path)
    assert inbound == {"edge/in-gateway": {("TCP", 9443)}}


def test_create_secret_script_refuses_missing_stores_and_pipes_the_files_to_kubectl(outputs, tmp_path):
    script = outputs["kubernetes"] / "kubernetes" / "create-secret.sh"
    config = tmp_path / "config"
    config.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "kubectl.log"
    (bin_dir / "kubectl").write_text(f"#!/bin/sh\necho \"$@\" >> '{log}'\ncat > /dev/null\n")
    (bin_dir / "kubectl").chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    refused = subprocess.run(["bash", str(script), str(config)], env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "keystore.p12 not found" in refused.stderr and not log.exists()
    for name in ("keystore.p12", "truststore.p12", "password-persist"):
        (config / name).write_bytes(b"not-a-real-" + name.encode())
    done = subprocess.run(["bash", str(script), str(config)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    calls = log.read_text()
    assert "--from-file=password-persist=" in calls and "apply --server-side" in calls
    assert "not-a-real" not in calls
    assert stat.S_IMODE(script.stat().st_mode) == 0o755


def test_runtime_mi_answers_round_trip_through_the_answers_file(outputs, tmp_path):
    answers = (outputs["admin-ldap-secrets"] / ".hardgen" / "answers.yaml").read_text()
    assert "runtime: mi" in answers and "admin_user: opsadmin" in answers
    again = tmp_path / "again"
    (tmp_path / "a.yaml").write_text(answers)
    generate(again, answers=[tmp_path / "a.yaml"])
    assert (again / "config/deployment.toml").read_bytes() == (outputs["admin-ldap-secrets"] / "config/deployment.toml").read_bytes()


# ------------------------------------------------------------------- systemd ---


def _vm(tmp_path: Path, *sets: str) -> Path:
    out = tmp_path / "out"
    generate(out, "name=demo", "targets=[systemd]", *sets, preset="mi-docker")
    return out


def test_the_mi_unit_starts_the_launcher_with_the_stores_as_credentials_and_binds_only_mis_writable_folders(tmp_path):
    out = _vm(tmp_path)
    unit = (out / "systemd" / "demo.service").read_text()
    settings = [line for line in unit.splitlines() if line and not line.startswith("#")]
    assert "ExecStart=/bin/sh /opt/demo/launch.sh" in settings and "Environment=HARDGEN_JAVA=/usr/bin/java" in settings
    assert "LoadCredential=keystore.p12:/etc/demo/keystore.p12" in settings and "LoadCredential=truststore.p12:/etc/demo/truststore.p12" in settings
    home = "/opt/demo/wso2mi-4.4.0"
    assert f"BindPaths=%S/demo/conf:{home}/conf %S/demo/tmp:{home}/tmp %L/demo:{home}/repository/logs" in settings
    assert not any("BAL_CONFIG" in line or "micro-integrator.sh" in line or "jmxremote" in line for line in settings)
    toml = tomllib.loads((out / "config" / "deployment.toml").read_text())
    assert toml["keystore"]["primary"]["file_name"] == "/run/credentials/demo.service/keystore.p12"
    options = (out / "jvm" / "java.options").read_text().splitlines()
    assert any(line.startswith("-XX:MaxRAM=") for line in options) and f"-Dcarbon.home={home}" in options


def _install_inputs(tmp_path: Path, out: Path, *, filled: bool) -> tuple[Path, dict]:
    cars, env = mi_install_inputs(tmp_path, out)
    if filled:
        toml = out / "config" / "deployment.toml"
        text = toml.read_text()
        for line in text.splitlines():
            if "hardgen_unfilled" in line:
                text = text.replace(line, line.split(" = ")[0] + ' = "cipher-text-of-the-value"')
        toml.write_text(text)
        (out / "config" / "secret-conf.properties").write_text("secVault.enabled=true\n")  # mi/encrypt-secrets.sh writes it
    return cars, env


@pytest.mark.jvm
def test_mi_install_sh_refuses_unfilled_secrets_before_changing_anything(tmp_path):
    out = _vm(tmp_path, f"systemd.java={JDK_UNDER_TEST}")
    run_install_sh_with(out / "systemd" / "install.sh", require_java(21))
    cars, env = _install_inputs(tmp_path, out, filled=False)
    proc = subprocess.run(["sh", str(out / "systemd" / "install.sh"), str(cars)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "[secrets] are still placeholders (hardgen_unfilled): set MI_SECRET_" in proc.stderr
    assert "CHANGED" not in proc.stderr


@pytest.mark.jvm
def test_mi_install_sh_needs_the_distribution_once_then_passes_every_check(tmp_path):
    out = _vm(tmp_path, f"systemd.java={JDK_UNDER_TEST}")
    run_install_sh_with(out / "systemd" / "install.sh", require_java(21))
    cars, env = _install_inputs(tmp_path, out, filled=True)
    script = str(out / "systemd" / "install.sh")
    no_zip = subprocess.run(["sh", script, str(cars)], env=env, capture_output=True, text=True, timeout=60)
    assert no_zip.returncode == 1 and "give MI's distribution with --mi-zip wso2mi-4.4.0.zip" in no_zip.stderr
    (tmp_path / "wso2mi-4.4.0.zip").write_bytes(b"zip")
    ok = subprocess.run(["sh", script, "--mi-zip", str(tmp_path / "wso2mi-4.4.0.zip"), str(cars)], env=env,
                        capture_output=True, text=True, timeout=60)
    assert "CHANGED install" in ok.stderr and "install.sh:" not in ok.stderr.split("CHANGED", 1)[0], ok.stderr


# ------------------------------------------------------------------ log4j2 ---

LOGGING = """
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
public class Logging {
    public static void main(String[] args) {
        Logger log = LogManager.getLogger("org.wso2.micro.integrator.Test");
        String filler = "x".repeat(100);
        for (int i = 0; i < 800_000; i++) log.info(filler);  // about 150 MB: more than every file the policy keeps
        log.warn("user input: ok\\n[2026-01-01 00:00:00,000]  INFO {admin} [main] - forged entry");
        log.error("failure", new RuntimeException("bad\\r\\nvalue"));
    }
}
"""
LOG4J2_JARS = (Path("/usr/share/java/log4j-api.jar"), Path("/usr/share/java/log4j-core.jar"))


@pytest.mark.jvm
def test_mis_log4j2_rotates_by_size_keeps_a_bounded_set_and_encodes_forged_lines(tmp_path):
    """The real log4j2 (Debian's liblog4j2-java, tests/tools/install.sh) runs the generated log4j2.properties."""
    if not all(jar.is_file() for jar in LOG4J2_JARS):
        pytest.skip("log4j2 jars missing: bash tests/tools/install.sh installs liblog4j2-java")
    from generator.targets.shared import mi_config

    config = tmp_path / "log4j2.properties"
    config.write_bytes(files_of(*CASES["preset"])["config/log4j2.properties"])
    (tmp_path / "Logging.java").write_text(LOGGING)
    classpath = ":".join(map(str, LOG4J2_JARS))
    subprocess.run([require_javac(), "--release", "17", "-cp", classpath, "-d", str(tmp_path), str(tmp_path / "Logging.java")], check=True)
    home = tmp_path / "mi"
    (home / "repository" / "logs").mkdir(parents=True)
    proc = subprocess.run([require_java(21), f"-Dlog4j2.configurationFile={config}", f"-Dcarbon.home={home}",
                           "-cp", f"{classpath}:{tmp_path}", "Logging"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=300)
    assert proc.returncode == 0 and "ERROR StatusLogger" not in proc.stderr, proc.stderr
    logs = sorted(p.name for p in (home / "repository" / "logs").iterdir())
    assert set(logs) == {"wso2carbon.log", *(f"wso2carbon-{i}.log" for i in range(1, mi_config.LOG_FILES + 1))}
    limit = mi_config.LOG_FILE_MB * 2**20 + 4096
    assert all((home / "repository" / "logs" / name).stat().st_size <= limit for name in logs)
    current = (home / "repository" / "logs" / "wso2carbon.log").read_text()
    assert "forged entry" in current and not any(line.startswith("[2026-01-01") for line in current.splitlines())
    assert "ok\\n[2026-01-01" in current  # the LF is written as backslash-n
    assert "bad\\r\\nvalue" in current  # in a stack trace too


# ------------------------------------------------------------ wizard and new ---


def test_the_wizard_asks_the_mi_questions_only_for_runtime_mi():
    from generator.wizard import questions

    mi = [q for q in questions.questions() if q.path.startswith("mi.") and not q.advanced]
    assert {q.path for q in mi} >= {"mi.version", "mi.key_alias", "mi.admin_user"}
    assert all(questions.holds(q.when, {"name": "demo", "runtime": "mi"}) for q in mi)
    assert not any(questions.holds(q.when, {"name": "demo", "runtime": "ballerina"}) for q in mi)
