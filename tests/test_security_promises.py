"""Each security promise hardgen makes, asserted as behaviour where it can be observed, one test per promise.

These are the promises that a mutation of `generator/` or `templates/` once broke without turning the suite red
(issue #17): the build context judged with Docker's own `.dockerignore` matcher, the base image's digest in
`FROM`, the Service's type, both layers of the pod's security context, metrics on loopback on a VM whatever
else the answers ask for, the unit's sandbox directive by directive, and the Kubernetes secret script run end to end.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest
from docker.utils.build import exclude_paths

from tests.support import kube
from tests.support.hardgen import generate, run

DIGEST = "sha256:" + "cd" * 32


def _project(tmp_path: Path, *sets: str, deploy_dir: str = "deploy") -> Path:
    """A project as a user has it: sources, the built jar, hardgen's output, and the FILLED secrets and keystore."""
    root = tmp_path / "project"
    root.mkdir()
    extra = [] if deploy_dir == "deploy" else [f"docker.deploy_dir={deploy_dir}"]
    out = root / ("." if deploy_dir == "." else deploy_dir)
    generate(out if deploy_dir != "." else root, "name=orders", "secrets=[dbPassword]", *extra, *sets, preset="docker", cwd=root)
    base = root if deploy_dir == "." else out
    (base / "config/secrets.toml").write_text('[integrations.orders]\ndbPassword = "hunter2"\nkeystorePassword = "k"\n')
    (base / "config/keystore.p12").write_bytes(b"\x30\x82 not a real keystore")
    for path, text in {"target/bin/orders.jar": "jar", "main.bal": "import ballerina/http;", "Ballerina.toml": "[package]",
                       ".git/config": "[core]", "target/cache/x.bir": "bir", ".env": "TOKEN=1"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _context(root: Path, dockerfile: str) -> set[str]:
    """The files `docker build -f DOCKERFILE .` sends, by Docker's own .dockerignore semantics (docker-py's matcher)."""
    ignore = root / f"{dockerfile}.dockerignore"
    patterns = [line for line in ignore.read_text().splitlines() if line and not line.startswith("#")]
    sent = exclude_paths(str(root), patterns, dockerfile=dockerfile)
    return {p for p in sent if (root / p).is_file()}


@pytest.mark.parametrize("deploy_dir", ["deploy", "."])
def test_the_build_context_holds_exactly_what_the_image_copies_and_never_a_secret(tmp_path, deploy_dir):
    root = _project(tmp_path, deploy_dir=deploy_dir)
    prefix = "" if deploy_dir == "." else "deploy/"
    sent = _context(root, f"{prefix}Dockerfile")
    assert sent == {"target/bin/orders.jar", f"{prefix}jvm/java.options", f"{prefix}config/Config.toml", f"{prefix}Dockerfile"}
    dockerfile = (root / f"{prefix}Dockerfile").read_text()
    copied = {line.split()[-2] for line in dockerfile.splitlines() if line.startswith("COPY")}
    assert copied == sent - {f"{prefix}Dockerfile"}, "the image copies exactly what the context holds"


def test_a_pinned_base_image_is_built_from_its_digest(tmp_path):
    generate(tmp_path / "out", "name=orders", f"image.base_digest={DIGEST}", preset="docker", cwd=tmp_path)
    lines = (tmp_path / "out/Dockerfile").read_text().splitlines()
    assert [line for line in lines if line.startswith("FROM ")] == [f"FROM eclipse-temurin:21-jre-noble@{DIGEST}"]


def test_a_security_manager_flag_cannot_come_in_through_extra_flags():
    for flag in ("-Djava.security.manager", "-Djava.security.manager=allow", "-Djava.security.policy==/p"):
        r = run("generate", "--preset", "docker", "--set", "name=orders", "--set", "jdk=25", "--set", f"jvm.extra_flags=[{flag}]", "-o", "x")
        assert r.returncode == 2 and "the Security Manager is withdrawn" in r.stderr, flag


@pytest.fixture(scope="module")
def k8s(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("k8s")
    generate(root / "out", "name=orders", "secrets=[dbPassword]", "metrics.enabled=true", "metrics.from={namespace: monitoring}",
             preset="kubernetes-restricted", cwd=root)
    return kube.load_all(root / "out" / "kubernetes")


def test_the_service_is_cluster_internal_only(k8s):
    (service,) = kube.of_kind(k8s, "Service")
    spec = service["spec"]
    assert spec["type"] == "ClusterIP"
    assert not {"externalIPs", "loadBalancerIP", "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy"} & set(spec)
    assert all("nodePort" not in port for port in spec["ports"])


def test_the_pod_and_the_container_each_refuse_root_and_confine_syscalls(k8s):
    """Both layers: a pod-level setting covers containers added later (a sidecar); the container's covers a pod edit."""
    (deployment,) = kube.of_kind(k8s, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    for level, context in (("pod", pod["securityContext"]), ("container", pod["containers"][0]["securityContext"])):
        assert context["runAsNonRoot"] is True, level
        assert context["runAsUser"] == 10001 and context["runAsGroup"] == 10001, level
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, level
    container = pod["containers"][0]["securityContext"]
    assert container["allowPrivilegeEscalation"] is False and container["readOnlyRootFilesystem"] is True
    assert container["capabilities"] == {"drop": ["ALL"]} and container["privileged"] is False


def test_neither_the_pod_nor_its_service_account_gets_an_api_token(k8s):
    (account,) = kube.of_kind(k8s, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    (deployment,) = kube.of_kind(k8s, "Deployment")
    assert deployment["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


@pytest.mark.parametrize("targets", [["systemd"], ["kubernetes", "systemd"]])
def test_metrics_stay_on_loopback_on_a_vm_even_when_a_scraper_is_declared(tmp_path, targets):
    generate(tmp_path / "out", "name=orders", f"targets=[{', '.join(targets)}]", "metrics.enabled=true",
             "metrics.from={namespace: monitoring, labels: {app: prometheus}}", preset="vm-systemd", cwd=tmp_path)
    # A VM-only output installs config/Config.toml; beside an image (other paths) the VM has its own copy.
    vm_config = "systemd/Config.toml" if "kubernetes" in targets else "config/Config.toml"
    vm = tomllib.loads((tmp_path / "out" / vm_config).read_text())
    assert vm["ballerinax"]["prometheus"]["host"] == "127.0.0.1"
    if "kubernetes" in targets:  # the pod network may reach the pod's port: there the scraper is let in
        pod = tomllib.loads((tmp_path / "out/config/Config.toml").read_text())
        assert pod["ballerinax"]["prometheus"]["host"] == "0.0.0.0"


#: The sandbox of the unit, directive by directive (systemd.exec(5)); a missing or weakened one is a broken promise.
SANDBOX = {
    "User": "orders", "Group": "orders", "NoNewPrivileges": "yes", "UMask": "0077",
    "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes", "DevicePolicy": "closed",
    "PrivateMounts": "yes", "PrivateIPC": "yes", "PrivateUsers": "yes", "CapabilityBoundingSet": "", "AmbientCapabilities": "",
    "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
    "ProtectClock": "yes", "ProtectHostname": "yes", "ProtectProc": "invisible", "ProcSubset": "pid", "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes", "RestrictSUIDSGID": "yes", "LockPersonality": "yes", "RemoveIPC": "yes", "KeyringMode": "private",
    "SystemCallArchitectures": "native", "SystemCallErrorNumber": "EPERM",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "MemoryMax": "1G", "TasksMax": "1024", "LimitNOFILE": "65536",
    "IPAddressDeny": "any",
}


def test_the_unit_keeps_every_sandbox_directive(tmp_path):
    generate(tmp_path / "out", "name=orders", "egress=[{name: db, cidr: 10.20.0.0/16, port: 5432}]", preset="vm-systemd", cwd=tmp_path)
    settings: dict[str, list[str]] = {}
    for line in (tmp_path / "out/systemd/orders.service").read_text().splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    for key, value in SANDBOX.items():
        assert settings.get(key) == [value], (key, settings.get(key))
    assert settings["SystemCallFilter"][0] == "@system-service"
    assert settings["SystemCallFilter"][1].startswith("~") and "@privileged" in settings["SystemCallFilter"][1].split()
    assert settings["IPAddressAllow"] == ["localhost 10.20.0.0/16"]
    assert "MemoryDenyWriteExecute" not in settings  # the JIT writes code it then runs: it must stay off


def test_create_secret_runs_end_to_end_only_on_a_complete_file(tmp_path):
    """The script, run with a recording kubectl: refuses an unfilled file and a missing value, pipes a filled one."""
    generate(tmp_path / "out", "name=orders", "secrets=[dbPassword, apiToken]", preset="kubernetes-restricted", cwd=tmp_path)
    script = tmp_path / "out/kubernetes/create-secret.sh"
    env, log = kube.fake_kubectl(tmp_path)
    template = tmp_path / "out/config/secrets.template.toml"
    keystore = tmp_path / "keystore.p12"
    keystore.write_bytes(b"ks")

    def call(secrets: Path) -> subprocess.CompletedProcess:
        return subprocess.run([str(script), str(secrets), str(keystore)], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)

    refused = call(template)
    assert refused.returncode == 2 and "unfilled placeholders" in refused.stderr and not log.exists()
    partial = tmp_path / "partial.toml"
    partial.write_text('[integrations.orders]\ndbPassword = "a"\nkeystorePassword = "k"\n')
    refused = call(partial)
    assert refused.returncode == 2 and "has no value for apiToken" in refused.stderr and not log.exists()
    filled = tmp_path / "filled.toml"
    filled.write_text('[integrations.orders]\napiToken = "t"\ndbPassword = "a"\nkeystorePassword = "k"\n')
    done = call(filled)
    assert done.returncode == 0, done.stderr
    recorded = log.read_text()
    assert f"--from-file=secrets.toml={filled} --from-file=keystore.p12={keystore}" in recorded
    assert "apply --server-side" in recorded
    instructions = (tmp_path / "out/kubernetes/SECRETS.md").read_text()
    assert all(name in instructions for name in ("dbPassword", "apiToken", "keystorePassword"))
    assert "t" not in {line.strip() for line in instructions.splitlines()}
