"""Models the reviewer tests render: every shipped preset, and variants that switch on each option.

Built in code (presets + `--set` lines), so a new preset or option is covered by
every reviewer test without touching them. `render_case` gives the rendered files
in memory (the pipeline the CLI uses); to write a case's output folder, use
`tests.support.hardgen.generate(out, *sets, preset=preset)`.
"""

from __future__ import annotations

from generator.inputs.load import load_inputs
from generator.render.pipeline import render_model, validate
from generator.shipped import preset_dir

#: name -> (preset, --set lines). Each switches on options the presets leave off.
VARIANTS: dict[str, tuple[str, list[str]]] = {
    "plain-http-metrics-secrets-17": ("docker", [
        "name=orders", "jdk=17", "service.tls=false", "service.port=8290", "metrics.enabled=true",
        "secrets=[dbPassword, apiToken]", "config.values={greeting: hello, retries: 3}",
        "jvm.extra_flags=[-Dfoo=bar, -XX:+AlwaysPreTouch]",
    ]),
    "pinned-25-root-context": ("docker", [
        "name=payments", "jdk=25", "docker.deploy_dir=.", "image.name=registry.example.com/team/payments",
        "image.tag=2.3.1", "image.digest=sha256:" + "ab" * 32, "image.base_digest=sha256:" + "cd" * 32,
        "egress=[{name: db, cidr: 10.20.0.0/16, port: 5432}]",
    ]),
    "heap-60-21-peers": ("docker", [
        "name=inventory", "jdk=21", "jvm.max_ram_percentage=60", "kubernetes.resources.memory=1Gi",
        "ingress=[{name: gateway, labels: {app: gateway}}]",
        "egress=[{name: stock, labels: {app: stock}, namespace: stock, port: 8443}]", "secrets=[stockApiKey]",
    ]),
    "k8s-external-secrets-metrics": ("kubernetes-restricted", [
        "name=billing", "service.tls=false", "metrics.enabled=true", "metrics.from={namespace: monitoring}",
        "secrets=[ledgerKey]", "kubernetes.external_secrets=true", "kubernetes.external_store=vault",
        "kubernetes.replicas=1", "egress=[{name: ledger, namespace: ledger, labels: {app: ledger}, port: 8080}]",
    ]),
    "k8s-secrets-peers-digest": ("kubernetes-restricted", [
        "name=orders", "secrets=[dbPassword, apiToken]", "image.digest=sha256:" + "ab" * 32, "kubernetes.replicas=3",
        "ingress=[{name: gw, namespace: edge, labels: {app: gw}}, {name: lb, cidr: 192.168.10.0/24}]",
        "egress=[{name: db, cidr: 10.20.0.0/16, port: 5432}]",
    ]),
    "vm-secrets-cidr-except-17": ("vm-systemd", [
        "name=ledger", "jdk=17", "secrets=[dbPassword, apiToken]",
        "ingress=[{name: lb, cidr: 192.168.10.0/24}]", "egress=[{name: db, cidr: 10.20.0.0/16, except: [10.20.128.0/17], port: 5432}]",
    ]),
    "mi-every-target-admin": ("mi-kubernetes-restricted", [
        "name=ledger", "targets=[docker, kubernetes, systemd]", "mi.admin_user=opsadmin", "secrets=[crmToken]",
        "mi.admin_from={cidr: 10.40.0.0/24}", "image.digest=sha256:" + "ab" * 32, "image.base_digest=sha256:" + "cd" * 32,
    ]),
    "k8s-shared-namespace-cidr-except": ("kubernetes-restricted", [
        "name=shipping", "kubernetes.namespace=shared", "kubernetes.create_namespace=false",
        "egress=[{name: partner, cidr: 10.0.0.0/8, except: [10.244.0.0/16, 10.96.0.0/12], port: 443}]",
    ]),
}


def preset_names() -> list[str]:
    return sorted(p.stem for p in preset_dir().glob("*.yaml"))


def preset_cases() -> dict[str, tuple[str, list[str]]]:
    """Every shipped preset with just a name, plus the variants."""
    cases = {f"preset-{p}": (p, [f"name=demo-{p}"[:52]]) for p in preset_names()}
    cases.update(VARIANTS)
    return cases


def render_case(preset: str, sets: list[str]):
    return render_model(validate(load_inputs([preset], [], sets)))
