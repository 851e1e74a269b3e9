"""For many generated integrations, the Kubernetes output passes PSS, nca and kubernetes-validate.

Models come from hypothesis: peers as pods (in their own or another namespace) or
address blocks, TLS on or off, metrics with and without a scraper, replicas, secrets,
digests, resources. checkov is left to test_kubernetes_manifests (it is too slow to run
per example).
"""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.model.integration import NON_HEAP_MINIMUM_MI, RESERVED_NAMESPACES, keystore, secret_names
from generator.render.yaml_dump import dump_yaml
from tests.support import kube, pss
from tests.support import nca as ncasim
from tests.support.hardgen import generate

pytestmark = pytest.mark.reviewers  # kubernetes-validate and nca judge every example

NAMESPACES = (None, "edge", "data", "shared-services")
LABELS = st.dictionaries(st.sampled_from(["app", "tier", "app.kubernetes.io/name"]), st.sampled_from(["api", "db", "worker", "v1"]), min_size=1, max_size=2)
CIDRS = st.builds(lambda ip, prefix: str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False)),
                  st.ip_addresses(v=4), st.integers(16, 32))
PORTS = st.integers(1, 65535)
MEMORY = {"256Mi": 256, "512Mi": 512, "1Gi": 1024, "3Gi": 3072}


@st.composite
def peers(draw, direction: str):
    out = []
    for i in range(draw(st.integers(0, 3))):
        peer: dict = {"name": f"{direction}{i}"}
        if draw(st.booleans()):
            peer["cidr"] = draw(CIDRS)
        else:
            namespace = draw(st.sampled_from(NAMESPACES))
            labels = draw(st.one_of(LABELS, st.just({}))) if namespace else draw(LABELS)
            if labels:
                peer["labels"] = labels
            if namespace:
                peer["namespace"] = namespace
        if direction == "egress":
            peer["port"] = draw(PORTS)
        out.append(peer)
    return out


@st.composite
def models(draw):
    name = draw(st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6})?", fullmatch=True).filter(lambda n: n not in RESERVED_NAMESPACES))
    service_port = draw(PORTS)
    jdk = draw(st.sampled_from([17, 21, 25]))
    memory = draw(st.sampled_from(sorted(MEMORY)))
    percentage = draw(st.sampled_from([25.0, 50.0, 60.0, 75.0, 80.0, 90.0]).filter(lambda p: MEMORY[memory] * (1 - p / 100) >= NON_HEAP_MINIMUM_MI))
    data: dict = {
        "name": name,
        "targets": ["kubernetes"],
        "service": {"port": service_port, "tls": draw(st.booleans())},
        "ingress": draw(peers("ingress")),
        "egress": draw(peers("egress")),
        "secrets": draw(st.lists(st.sampled_from(["dbPassword", "apiToken", "clientSecret"]), unique=True, max_size=2)),
        "jdk": jdk,
        "jvm": {"max_ram_percentage": percentage},
        "kubernetes": {
            "replicas": draw(st.integers(1, 4)),
            "create_namespace": draw(st.booleans()),
            "default_deny": draw(st.booleans()),
            "resources": {"memory": memory, "ephemeral_storage": draw(st.sampled_from(["128Mi", "256Mi", "1Gi"]))},
        },
    }
    if draw(st.booleans()):
        data["kubernetes"]["namespace"] = draw(st.sampled_from(["apps", "orders-prod"]))
    if draw(st.booleans()):
        data["image"] = {"digest": "sha256:" + draw(st.from_regex(r"[a-f0-9]{64}", fullmatch=True))}
    if draw(st.booleans()):
        scraper = draw(st.sampled_from([{}, {"namespace": "monitoring"}, {"labels": {"app": "prometheus"}},
                                        {"namespace": "monitoring", "labels": {"app": "prometheus"}}]))
        data["metrics"] = {"enabled": True, "port": draw(PORTS.filter(lambda p: p != service_port)), "from": scraper}
    if data["secrets"] and draw(st.booleans()):
        data["kubernetes"].update(external_secrets=True, external_store="vault")
    return data


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_generated_models_pass_pss_nca_and_kubernetes_validate(data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        answers = root / "answers.yaml"
        answers.write_bytes(dump_yaml(data))
        warnings = generate(root / "out", answers=[answers]).stderr
        model = kube.model_of(data)
        folder = root / "out" / "kubernetes"
        objects = kube.load_all(folder)

        (deployment,) = kube.of_kind(objects, "Deployment")
        assert pss.violations(deployment) == {}
        jvm_files = next(cm["data"] for cm in kube.of_kind(objects, "ConfigMap") if cm["metadata"]["name"].startswith(f"{model.name}-jvm-"))
        assert jvm_files == {"java.options": (root / "out" / "jvm" / "java.options").read_text()}

        proc = kube.kubernetes_validate(folder)
        report = proc.stdout + proc.stderr
        assert proc.returncode == 0 and "ERROR" not in report and "FATAL" not in report, report

        policies = [p for p in kube.of_kind(objects, "NetworkPolicy") if p["spec"]["podSelector"]]
        pods = ncasim.synthetic_cluster(model, deployment["spec"]["template"]["metadata"]["labels"])
        work = root / "nca"
        work.mkdir()
        lines = ncasim.connectivity(policies, pods, work)
        assert ncasim.flow_problems(model, pods, lines) == []

        assert ("CKV_K8S_43" in warnings) == (not model.image.digest)
        secrets = bool(secret_names(model))  # declared secrets, or the TLS keystore's password
        script = secrets and not model.kubernetes.external_secrets
        assert (folder / "create-secret.sh").exists() == script
        assert (folder / "SECRETS.md").exists() == secrets
        assert bool(kube.of_kind(objects, "ExternalSecret")) == (secrets and model.kubernetes.external_secrets)
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        items = [i["key"] for i in volumes["secrets"]["projected"]["sources"][0]["secret"]["items"]] if secrets else []
        assert ("keystore.p12" in items) == keystore(model)
