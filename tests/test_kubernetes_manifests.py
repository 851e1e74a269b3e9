"""The kubernetes target, judged by the reviewers' tools: kubernetes-validate, checkov, PSS, nca.

Outputs are generated once per module through the CLI, as a user would: the shipped
preset with and without an image digest, a model with several ingress and egress
peers (pods in other namespaces, pods in its own, address blocks), TLS and metrics with
a scraper, and a variant with an ExternalSecret and no TLS. checkov runs once over all
of them (it takes seconds to start). Tests marked `reviewers` run kubernetes-validate,
checkov or nca; the others read the manifests themselves.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from generator.render.yaml_dump import dump_yaml
from generator.targets.shared.layout import CONTAINER
from tests.support import kube, pss
from tests.support import nca as ncasim
from tests.support.hardgen import generate, run, set_args

DIGEST = "sha256:" + "ab" * 32

RICH = {
    "name": "orders",
    "targets": ["docker", "kubernetes"],
    "image": {"name": "registry.example.com/team/orders", "tag": "1.4.2", "digest": DIGEST},
    "service": {"port": 8443, "tls": True, "health_path": "/healthz"},
    "metrics": {"enabled": True, "port": 9797, "from": {"namespace": "monitoring", "labels": {"app.kubernetes.io/name": "prometheus"}}},
    "ingress": [
        {"name": "gateway", "namespace": "edge", "labels": {"app": "api-gateway"}},
        {"name": "batch", "labels": {"app": "batch-runner"}},
        {"name": "partners", "cidr": "203.0.113.0/24"},
    ],
    "egress": [
        {"name": "db", "namespace": "data", "labels": {"app": "postgres"}, "port": 5432},
        {"name": "cache", "labels": {"app": "redis"}, "port": 6379},
        {"name": "payments", "cidr": "198.51.100.0/28", "port": 443},
    ],
    "secrets": ["dbPassword", "apiToken"],
    "kubernetes": {"namespace": "orders-prod", "replicas": 3},
}

EXTERNAL = {
    "name": "billing",
    "targets": ["kubernetes"],
    "image": {"digest": DIGEST},
    "service": {"port": 9090, "tls": False},
    "metrics": {"enabled": True},
    "egress": [{"name": "ledger", "namespace": "ledger", "port": 8080}],
    "secrets": ["ledgerKey"],
    "kubernetes": {"replicas": 1, "create_namespace": False, "default_deny": False, "external_secrets": True,
                   "external_store": "vault", "external_store_kind": "ClusterSecretStore"},
}

CASES = ("preset", "preset-digest", "rich", "external")


def _generate(root: Path, case: str) -> subprocess.CompletedProcess:
    out = root / case
    if case.startswith("preset"):
        digest = [f"image.digest={DIGEST}"] if case == "preset-digest" else []
        return generate(out, "name=orders", "secrets=[dbPassword]", *digest, preset="kubernetes-restricted", cwd=root)
    answers = root / f"{case}.yaml"
    answers.write_bytes(dump_yaml(RICH if case == "rich" else EXTERNAL))
    return generate(out, answers=[answers], cwd=root)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    root = tmp_path_factory.mktemp("k8s")
    return {case: (root / case / "kubernetes", _generate(root, case)) for case in CASES}


@pytest.fixture(scope="module")
def checkov(outputs, tmp_path_factory) -> dict[str, list[str]]:
    return kube.checkov_failures({case: folder for case, (folder, _) in outputs.items()}, tmp_path_factory.mktemp("checkov"))


@pytest.mark.reviewers
@pytest.mark.parametrize("case", CASES)
def test_kubernetes_validate_strict_accepts_every_manifest_on_1_29_and_newest(outputs, case):
    proc = kube.kubernetes_validate(outputs[case][0])
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "ERROR" not in report and "FATAL" not in report, report


@pytest.mark.reviewers
@pytest.mark.parametrize("case", ["preset-digest", "rich", "external"])
def test_checkov_finds_nothing_when_the_image_is_pinned_by_digest(checkov, case):
    assert checkov[case] == []


@pytest.mark.reviewers
def test_checkov_without_digest_fails_only_the_digest_check_and_hardgen_warns(outputs, checkov):
    assert checkov["preset"] == ["CKV_K8S_43"]
    stderr = outputs["preset"][1].stderr
    assert "CKV_K8S_43" in stderr and "pin image.digest" in stderr
    assert "CKV_K8S_43" not in outputs["preset-digest"][1].stderr


@pytest.mark.parametrize("case", CASES)
def test_deployment_passes_the_restricted_pod_security_standard(outputs, case):
    (deployment,) = kube.of_kind(kube.load_all(outputs[case][0]), "Deployment")
    assert pss.violations(deployment) == {}


def test_namespace_enforces_restricted_pod_security(outputs):
    (ns,) = kube.of_kind(kube.load_all(outputs["rich"][0]), "Namespace")
    assert ns["metadata"]["name"] == "orders-prod"
    for mode in ("enforce", "audit", "warn"):
        assert ns["metadata"]["labels"][f"pod-security.kubernetes.io/{mode}"] == "restricted"
    assert not kube.of_kind(kube.load_all(outputs["external"][0]), "Namespace")


@pytest.mark.parametrize("case", CASES)
def test_kustomization_lists_every_manifest_and_nothing_is_in_default(outputs, case):
    folder = outputs[case][0]
    listed = kube.resources(folder)
    assert sorted(listed) == sorted(f"kubernetes/{p.name}" for p in folder.glob("*.yaml"))
    assert not (folder / "kustomization.yaml").exists() and not (folder / "configmap.yaml").exists()
    for obj in kube.load_all(folder):
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] not in ("default", None)


@pytest.mark.reviewers
@pytest.mark.parametrize("case", CASES)
def test_network_policies_allow_exactly_the_declared_flows_and_dns(outputs, case, tmp_path):
    model = kube.model_of_output(outputs[case][0])
    objects = kube.load_all(outputs[case][0])
    pods, lines = ncasim.cluster_flows(model, objects, tmp_path, _integration_policies(objects))
    assert ncasim.flow_problems(model, pods, lines) == []
    integ = f"{model.kubernetes.namespace}/{ncasim.INTEGRATION_POD}"
    allowed = {(s, d): c for s, d, c in lines if isinstance(s, str) and isinstance(d, str)}
    assert allowed[(integ, "kube-system/coredns")] == {("UDP", 53), ("TCP", 53)}
    for other in ("stranger", "fake-dns"):
        assert (integ, f"{model.kubernetes.namespace}/{other}") not in allowed
        assert (f"{model.kubernetes.namespace}/{other}", integ) not in allowed
    assert (integ, "hardgen-outsider/impostor") not in allowed and ("hardgen-outsider/impostor", integ) not in allowed


def _integration_policies(objects):
    """The policies selecting the integration's pods; the namespace-wide default-deny would also cut
    off same-namespace peers, which need policies of their own (README, Kubernetes target)."""
    return [p for p in kube.of_kind(objects, "NetworkPolicy") if p["spec"]["podSelector"]]


@pytest.mark.reviewers
def test_default_deny_isolates_every_other_pod_in_the_namespace(outputs, tmp_path):
    model = kube.model_of(RICH)
    objects = kube.load_all(outputs["rich"][0])
    pods, lines = ncasim.cluster_flows(model, objects, tmp_path)
    # peers outside the namespace keep their flows; same-namespace peers are cut off like everyone else
    outside = [p for p in pods if p.namespace != "orders-prod" or p.name == ncasim.INTEGRATION_POD]
    assert ncasim.flow_problems(model, outside, lines) == []
    for src, dst, _ in lines:
        for end in (src, dst):
            assert end not in ("orders-prod/stranger", "orders-prod/fake-dns"), f"{src} => {dst} despite default-deny"


SHARED = {
    "name": "shipping",
    "targets": ["kubernetes"],
    "image": {"digest": DIGEST},
    "ingress": [{"name": "gateway", "namespace": "edge", "labels": {"app": "gateway"}}],
    "egress": [{"name": "partner", "cidr": "10.0.0.0/8", "except": ["10.244.0.0/16", "10.96.0.0/12"], "port": 443}],
    "kubernetes": {"namespace": "shared", "create_namespace": False, "default_deny": True},
}


@pytest.mark.reviewers
def test_in_a_namespace_hardgen_does_not_own_default_deny_leaves_every_other_workload_alone(tmp_path):
    """A namespace-wide default-deny in a shared namespace cut every other workload off (DNS included);
    it now selects only this integration's pods, under this integration's name, and hardgen says so."""
    answers = tmp_path / "shared.yaml"
    answers.write_bytes(dump_yaml(SHARED))
    done = generate(tmp_path / "out", answers=[answers], cwd=tmp_path)
    assert "hardgen does not own namespace 'shared'" in done.stderr
    objects = kube.load_all(tmp_path / "out" / "kubernetes")
    assert not [p for p in kube.of_kind(objects, "NetworkPolicy") if p["spec"]["podSelector"] == {}]
    assert "shipping-default-deny" in {p["metadata"]["name"] for p in kube.of_kind(objects, "NetworkPolicy")}
    model = kube.model_of(SHARED)
    pods, lines = ncasim.cluster_flows(model, objects, tmp_path)
    assert ncasim.flow_problems(model, pods, lines) == []
    allowed = {(s, d): c for s, d, c in lines if isinstance(s, str) and isinstance(d, str)}
    # Another workload of the namespace keeps all its traffic, DNS included: no policy of hardgen's selects it.
    assert allowed[("shared/stranger", "kube-system/coredns")] == ncasim.ALL
    assert allowed[("shared/stranger", "shared/fake-dns")] == ncasim.ALL


@pytest.mark.reviewers
def test_an_ipblock_except_keeps_the_pod_network_out_of_a_private_range_peer(tmp_path):
    import ipaddress

    answers = tmp_path / "shared.yaml"
    answers.write_bytes(dump_yaml(SHARED))
    generate(tmp_path / "out", answers=[answers], cwd=tmp_path)
    objects = kube.load_all(tmp_path / "out" / "kubernetes")
    model = kube.model_of(SHARED)
    _pods, lines = ncasim.cluster_flows(model, objects, tmp_path)
    reached = [r for s, d, c in lines if s == "shared/integration" and not isinstance(d, str) and ("TCP", 443) in c for r in d]
    assert reached, "the partner's addresses are reachable"
    pod_network = ipaddress.ip_network("10.244.0.0/16")
    assert not [r for r in reached if r[0] in pod_network or r[1] in pod_network or (r[0] < pod_network[0] and r[1] > pod_network[-1])]


@pytest.mark.reviewers
def test_rich_model_flows_reach_each_peer_on_its_port(outputs, tmp_path):
    model = kube.model_of(RICH)
    objects = kube.load_all(outputs["rich"][0])
    _pods, lines = ncasim.cluster_flows(model, objects, tmp_path, _integration_policies(objects))
    allowed = {(s, d): c for s, d, c in lines if isinstance(s, str) and isinstance(d, str)}
    integ = "orders-prod/integration"
    assert allowed[("edge/in-gateway", integ)] == {("TCP", 8443)}
    assert allowed[("orders-prod/in-batch", integ)] == {("TCP", 8443)}
    assert allowed[("monitoring/scraper", integ)] == {("TCP", 9797)}
    assert allowed[(integ, "data/out-db")] == {("TCP", 5432)}
    assert allowed[(integ, "orders-prod/out-cache")] == {("TCP", 6379)}


def test_deployment_wires_config_secrets_and_jvm_options_as_read_only_files(outputs):
    from generator.targets.shared import ballerina_config as ballerina
    from generator.targets.shared import jvm

    model = kube.model_of(RICH)
    objects = kube.load_all(outputs["rich"][0])
    (deployment,) = kube.of_kind(objects, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == f"registry.example.com/team/orders:1.4.2@{DIGEST}"
    assert container["env"] == [{"name": "BAL_CONFIG_FILES", "value": CONTAINER.bal_config_files(True)}]
    assert container["resources"]["requests"] == container["resources"]["limits"]
    assert set(container["resources"]["limits"]) == {"cpu", "memory", "ephemeral-storage"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert volumes["secrets"]["projected"]["defaultMode"] == 0o400
    items = [{"key": "secrets.toml", "path": "secrets.toml"}, {"key": "keystore.p12", "path": "keystore.p12"}]  # service.tls
    assert volumes["secrets"]["projected"]["sources"] == [{"secret": {"name": "orders-secrets", "items": items}}]
    assert mounts[os.path.dirname(CONTAINER.secrets_file)]["readOnly"] is True
    assert all(m.get("readOnly") for path, m in mounts.items() if path not in (CONTAINER.tmp_dir, CONTAINER.log_dir))
    assert volumes["tmp"]["emptyDir"]["sizeLimit"] and volumes["logs"]["emptyDir"]["sizeLimit"]
    maps = {cm["metadata"]["name"].rsplit("-", 1)[0]: cm["data"] for cm in kube.of_kind(objects, "ConfigMap")}
    assert maps["orders-config"]["Config.toml"] == ballerina.config_toml(model, CONTAINER).decode()
    assert maps["orders-jvm"]["java.options"] == jvm.options(model, CONTAINER).decode()
    for probe in ("startupProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "https", "scheme": "HTTPS"}
    assert container["livenessProbe"]["tcpSocket"] == {"port": "https"}
    assert {p["containerPort"] for p in container["ports"]} == {8443, 9797}
    assert pod["topologySpreadConstraints"] and kube.of_kind(objects, "PodDisruptionBudget")
    assert pod["automountServiceAccountToken"] is False


def _config_map_volumes(objects) -> dict[str, str]:
    """volume name -> the ConfigMap name the built Deployment mounts."""
    (deployment,) = kube.of_kind(objects, "Deployment")
    return {v["name"]: v["configMap"]["name"] for v in deployment["spec"]["template"]["spec"]["volumes"] if "configMap" in v}


@pytest.mark.parametrize("case", CASES)
def test_the_built_configmaps_are_the_users_own_files_and_the_deployment_mounts_them_by_hashed_name(outputs, case):
    """No copy of Config.toml or java.options in any manifest: kustomize makes the ConfigMaps from the files themselves."""
    folder = outputs[case][0]
    root = folder.parent
    objects = kube.load_all(root)
    maps = {cm["metadata"]["name"]: cm for cm in kube.of_kind(objects, "ConfigMap")}
    mounted = _config_map_volumes(objects)
    name = kube.of_kind(objects, "Deployment")[0]["metadata"]["name"]
    assert mounted["config"].startswith(f"{name}-config-") and mounted["jvm"].startswith(f"{name}-jvm-"), mounted
    assert set(maps) == set(mounted.values())
    assert maps[mounted["config"]]["data"] == {"Config.toml": (root / "config" / "Config.toml").read_text()}
    assert maps[mounted["jvm"]]["data"] == {"java.options": (root / "jvm" / "java.options").read_text()}
    namespace = kube.of_kind(objects, "Deployment")[0]["metadata"]["namespace"]
    assert {cm["metadata"]["namespace"] for cm in maps.values()} == {namespace}
    assert "checksum/config" not in str(objects)
    for path in folder.rglob("*.yaml"):
        assert "Non-secret configuration of" not in path.read_text() and "MaxRAMPercentage" not in path.read_text(), path


@pytest.mark.parametrize(("edited", "volume"), [("config/Config.toml", "config"), ("jvm/java.options", "jvm")])
def test_editing_a_configuration_file_renames_its_configmap_so_the_pods_roll(outputs, tmp_path, edited, volume):
    import shutil

    root = tmp_path / "out"
    shutil.copytree(outputs["external"][0].parent, root)
    before = _config_map_volumes(kube.load_all(root))
    with (root / edited).open("a") as f:
        f.write("# an operator's edit\n")
    objects = kube.load_all(root)
    after = _config_map_volumes(objects)
    assert after[volume] != before[volume]
    assert {v: n for v, n in after.items() if v != volume} == {v: n for v, n in before.items() if v != volume}
    (cm,) = [c for c in kube.of_kind(objects, "ConfigMap") if c["metadata"]["name"] == after[volume]]
    assert list(cm["data"].values()) == [(root / edited).read_text()]


def test_a_stopping_pod_keeps_serving_while_its_endpoint_goes_then_gets_the_jvms_stop_time(outputs):
    """Ballerina's Code to Cloud sleeps 15 s in preStop (module-ballerina-c2c); the grace period covers that and 30 s more."""
    (deployment,) = kube.of_kind(kube.load_all(outputs["rich"][0]), "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["containers"][0]["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "15"]}}}
    assert pod["terminationGracePeriodSeconds"] == 45


def test_single_replica_has_no_disruption_budget_and_http_probes(outputs):
    objects = kube.load_all(outputs["external"][0])
    (deployment,) = kube.of_kind(objects, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert not kube.of_kind(objects, "PodDisruptionBudget")
    assert "topologySpreadConstraints" not in deployment["spec"]["template"]["spec"]
    assert container["readinessProbe"]["httpGet"]["scheme"] == "HTTP"
    # metrics without a declared scraper stay on loopback: no port, no Service entry, and a warning
    assert [p["name"] for p in container["ports"]] == ["http"]
    assert "metrics.enabled without metrics.from" in outputs["external"][1].stderr


def test_external_secret_renders_the_secrets_file_from_the_store(outputs):
    folder = outputs["external"][0]
    (es,) = kube.of_kind(kube.load_all(folder), "ExternalSecret")
    assert es["spec"]["secretStoreRef"] == {"name": "vault", "kind": "ClusterSecretStore"}
    assert es["spec"]["target"]["name"] == "billing-secrets"
    assert es["spec"]["dataFrom"] == [{"extract": {"key": "billing"}}]
    assert es["spec"]["target"]["template"]["data"]["secrets.toml"] == "[integrations.billing]\nledgerKey = {{ .ledgerKey | toJson }}\n"
    assert not (folder / "create-secret.sh").exists()
    assert "ClusterSecretStore `vault`" in (folder / "SECRETS.md").read_text()


def test_create_secret_script_refuses_an_unfilled_secrets_file(outputs, tmp_path):
    folder = outputs["rich"][0]
    script = folder / "create-secret.sh"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    env, log = kube.fake_kubectl(tmp_path)
    template = folder.parent / "config" / "secrets.template.toml"
    proc = subprocess.run([str(script), str(template)], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "unfilled" in proc.stderr
    missing = tmp_path / "partial.toml"
    missing.write_text('[integrations.orders]\ndbPassword = "x"\n')
    proc = subprocess.run([str(script), str(missing)], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "apiToken" in proc.stderr
    assert not log.exists()


def test_create_secret_script_pipes_the_filled_file_to_kubectl(outputs, tmp_path):
    script = outputs["rich"][0] / "create-secret.sh"
    env, log = kube.fake_kubectl(tmp_path)
    filled = tmp_path / "secrets.toml"
    filled.write_text('[integrations.orders]\ndbPassword = "s3cret"\napiToken = "t0ken"\nkeystorePassword = "k3y"\n')
    keystore = tmp_path / "keystore.p12"  # service.tls: the Secret carries the listener's keystore too
    keystore.write_bytes(b"not-a-real-keystore")
    proc = subprocess.run([str(script), str(filled)], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text()
    assert (f"create secret generic orders-secrets --namespace orders-prod --from-file=secrets.toml={filled}"
            f" --from-file=keystore.p12={keystore} --dry-run=client -o yaml") in calls
    # Server-side: a client-side apply would copy the Secret's values into the last-applied annotation.
    assert "apply --server-side --field-manager=hardgen --force-conflicts -f -" in calls
    assert "annotate secret orders-secrets --namespace orders-prod kubectl.kubernetes.io/last-applied-configuration-" in calls
    assert "s3cret" not in (outputs["rich"][0] / "SECRETS.md").read_text()


def test_heap_that_leaves_too_little_non_heap_memory_is_refused(tmp_path):
    proc = run("generate", "--preset", "kubernetes-restricted", "--set", "name=orders",
               "--set", "kubernetes.resources.memory=256Mi", "--set", "jvm.max_ram_percentage=80",
               "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2
    assert "kubernetes.resources.memory" in proc.stderr and "outside the heap" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("sets, expected", [
    (["name=default"], "name: 'default' is not allowed as the namespace"),
    (["name=orders", "kubernetes.namespace=kube-system"], "kubernetes.namespace: 'kube-system' is not allowed"),
])
def test_reserved_namespaces_are_refused(tmp_path, sets, expected):
    proc = run("generate", "--preset", "kubernetes-restricted", *set_args(sets), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2 and expected in proc.stderr
