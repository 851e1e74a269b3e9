"""Every rule between fields (generator/model/rules.py) on both sides of its edge: answers it refuses, at the key
path it names, and the nearest answers it lets through.

Why this file: mutation testing (tests/mutation/run.py, issue #17) showed rules whose condition could be weakened,
widened or dropped without a test noticing; the end-to-end tests feed typical answers. Each test here runs the
validation the CLI runs (presets, then `--set` lines) in process, so a mutant costs a second, not a subprocess.
"""

from __future__ import annotations

import pytest

from generator.errors import UserError
from generator.inputs.load import load_inputs
from generator.render.pipeline import validate


def refused(*sets: str, preset: str = "docker") -> set[str]:
    """The key paths the answers are refused at (empty: accepted)."""
    try:
        validate(load_inputs([preset], [], ["name=orders", *sets]))
    except UserError as e:
        return {p.path for p in e.problems}
    return set()


def messages(*sets: str, preset: str = "docker") -> dict[str, str]:
    """key path -> message of each problem: for the few messages whose numbers or hints a user acts on."""
    try:
        validate(load_inputs([preset], [], ["name=orders", *sets]))
    except UserError as e:
        return {p.path: p.message for p in e.problems}
    return {}


def test_the_presets_pass_the_rules():
    for preset in ("docker", "kubernetes-restricted", "vm-systemd", "mi-docker", "mi-kubernetes-restricted"):
        assert refused(preset=preset) == set(), preset


def test_a_target_listed_twice():
    assert refused("targets=[docker, docker]") == {"targets"}
    assert refused("targets=[docker, kubernetes]") == set()


def test_metrics_on_the_service_port_only_when_metrics_are_on():
    assert refused("metrics.enabled=true", "metrics.port=9443") == {"metrics.port"}
    assert refused("metrics.enabled=true", "metrics.port=9444") == set()
    assert refused("metrics.enabled=true", "metrics.port=9442") == set()


@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public", "kube-node-lease"])
def test_a_reserved_namespace_is_refused(namespace):
    assert refused(f"kubernetes.namespace={namespace}", preset="kubernetes-restricted") == {"kubernetes.namespace"}
    assert refused(f"name={namespace}", preset="kubernetes-restricted") == {"name"}


def test_a_reserved_name_is_fine_where_it_is_not_the_namespace():
    assert refused("name=default") == set()
    assert refused("name=default", "kubernetes.namespace=orders", preset="kubernetes-restricted") == set()


def test_ephemeral_storage_has_room_for_logs_and_tmp():
    assert refused("kubernetes.resources.ephemeral_storage=128Mi", preset="kubernetes-restricted") == set()
    assert refused("kubernetes.resources.ephemeral_storage=131071Ki", preset="kubernetes-restricted") == {"kubernetes.resources.ephemeral_storage"}


def test_external_secrets_need_a_store_only_when_there_are_secrets():
    k8s = "kubernetes-restricted"
    assert refused("kubernetes.external_secrets=true", "secrets=[dbPassword]", preset=k8s) == {"kubernetes.external_store"}
    assert refused("kubernetes.external_secrets=true", "secrets=[dbPassword]", "kubernetes.external_store=vault", preset=k8s) == set()
    assert refused("kubernetes.external_secrets=true", "service.tls=false", preset=k8s) == set()
    assert refused("secrets=[dbPassword]", preset=k8s) == set()


@pytest.mark.parametrize(("preset", "key"), [("docker", "kubernetes.resources.memory"), ("kubernetes-restricted", "kubernetes.resources.memory"),
                                             ("vm-systemd", "systemd.memory_max")])
def test_the_heap_leaves_the_jvm_192mi(preset, key):
    assert refused(f"{key}=768Mi", "jvm.max_ram_percentage=75", preset=preset) == set()
    assert refused(f"{key}=767Mi", "jvm.max_ram_percentage=75", preset=preset) == {key}
    assert refused(f"{key}=1Gi", "jvm.max_ram_percentage=81.25", preset=preset) == set()
    assert refused(f"{key}=1Gi", "jvm.max_ram_percentage=81.3", preset=preset) == {key}


def test_a_memory_limit_of_a_target_not_generated_is_not_checked():
    assert refused("kubernetes.resources.memory=256Mi", preset="vm-systemd") == set()


def test_config_values_keys_are_configurable_names_and_never_secrets():
    assert refused("config.values={greeting: hi}") == set()
    assert refused("config.values={bad-key: 1}") == {"config.values.bad-key"}
    assert refused("secrets=[apiKey]", "config.values={apiKey: x}") == {"config.values.apiKey"}
    assert refused("config.values={dbPassword: x}") == {"config.values.dbPassword"}


def test_peers_have_unique_names_and_one_kind_of_address():
    assert refused("egress=[{name: db, cidr: 10.0.0.0/8, port: 5432}, {name: db, cidr: 10.1.0.0/16, port: 5432}]") == {"egress[1].name"}
    assert refused("ingress=[{name: a, labels: {app: a}}, {name: b, labels: {app: b}}]") == set()
    assert refused("egress=[{name: db, cidr: 10.0.0.0/8, labels: {app: db}, port: 1}]") == {"egress[0]"}
    assert refused("egress=[{name: db, cidr: 10.0.0.0/8, namespace: db, port: 1}]") == {"egress[0]"}
    assert refused("ingress=[{name: gw}]") == {"ingress[0]"}
    assert refused("ingress=[{name: gw, namespace: edge}]") == set()
    assert refused("ingress=[{name: gw, cidr: 10.0.0.0/8}]") == set()


def test_egress_needs_a_port_and_ingress_takes_none():
    assert refused("egress=[{name: db, cidr: 10.0.0.0/8}]") == {"egress[0].port"}
    assert refused("ingress=[{name: gw, cidr: 10.0.0.0/8, port: 1}]") == {"ingress[0].port"}


def test_except_blocks_lie_inside_the_peers_cidr():
    peer = "egress=[{name: db, cidr: 10.0.0.0/8, port: 1, except: [%s]}]"
    assert refused(peer % "10.244.0.0/16") == set()
    assert refused(peer % "10.244.0.0/16, 10.0.0.0/8") == {"egress[0].except[1]"}
    assert refused(peer % "11.0.0.0/16") == {"egress[0].except[0]"}
    assert refused(peer % "fd00::/8") == {"egress[0].except[0]"}
    assert refused("egress=[{name: db, cidr: 'fd00::/8', port: 1, except: [10.0.0.0/16]}]") == {"egress[0].except[0]"}
    assert refused("egress=[{name: db, labels: {app: db}, port: 1, except: [10.0.0.0/16]}]") == {"egress[0].except"}


def test_systemd_needs_a_user_when_the_name_is_not_one():
    assert refused("name=9orders", preset="vm-systemd") == {"systemd.user"}
    assert refused("name=9orders", "systemd.user=orders", preset="vm-systemd") == set()
    assert refused("name=9orders") == set()
    # a name of 33+ characters gives the user its first 32, and the message says why those are no user name
    assert refused("name=" + "a" * 32 + "-b", preset="vm-systemd") == set()
    why = messages("name=" + "a" * 31 + "-b", preset="vm-systemd")
    assert why.keys() == {"systemd.user"} and "is not a system user name" in why["systemd.user"]


def test_a_secret_listed_twice():
    assert refused("secrets=[dbPassword, dbPassword]") == {"secrets"}


def test_the_keystore_configurables_are_hardgens():
    assert refused("service.keystore_passphrase_key=null") == {"service.keystore_passphrase_key"}
    assert refused("service.keystore_passphrase_key=null", "service.keystore_path_key=null") == set()
    assert refused("service.keystore_passphrase_key=keystorePath") == {"service.keystore_passphrase_key"}
    assert refused("secrets=[keystorePath]") == {"service.keystore_path_key"}
    assert refused("config.values={keystorePath: x}") >= {"service.keystore_path_key"}
    assert refused("config.values={keystorePassword: x}") >= {"service.keystore_passphrase_key"}
    assert refused("config.port_key=keystorePath") == {"service.keystore_path_key"}
    assert refused("config.port_key=keystorePassword") == {"service.keystore_passphrase_key"}
    assert refused("service.tls=false", "config.values={keystorePath: x}") == set()


@pytest.mark.parametrize(("org", "module"), [("ballerina", "log"), ("ballerina", "observe"), ("ballerinax", "prometheus")])
def test_the_runtimes_own_config_tables_are_not_the_integrations(org, module):
    assert refused(f"config.org={org}", f"config.module={module}") == {"config.module"}
    assert refused(f"config.org={org}", "config.module=orders") == set()


def test_the_port_key_is_not_a_secret():
    assert refused("secrets=[port]") == {"secrets"}
    assert refused("secrets=[port]", "config.port_key=null") == set()


def test_external_configurables_are_ones_hardgen_writes_none_of():
    assert refused("config.external=[apiUrl]") == set()
    assert refused("config.external=[apiUrl, apiUrl]") == {"config.external[1]"}
    for written in ("config.values={greeting: hi}", "secrets=[greeting]", "config.port_key=greeting",
                    "service.keystore_path_key=greeting", "service.keystore_passphrase_key=greeting"):
        assert refused(written, "config.external=[greeting]") == {"config.external[0]"}, written
    assert refused("service.tls=false", "config.external=[keystorePath]") == set()
    assert refused("config.values={port: 1}") == {"config.values.port"}


def test_the_artifact_is_not_the_config_folder():
    assert refused("artifact=deploy/config/orders.jar") == {"artifact"}
    assert refused("artifact=Deploy/Config") == {"artifact"}
    assert refused("artifact=deploy") == {"artifact"}
    assert refused("artifact=config/orders.jar") == set()
    assert refused("docker.deploy_dir=.", "artifact=config/orders.jar") == {"artifact"}
    assert refused("docker.deploy_dir=.", "artifact=configs/orders.jar") == set()
    assert refused("name=config-x", "docker.deploy_dir=.", "config.module=config") == set()


def test_the_default_artifact_is_judged_too():
    """No artifact given: the default (target/bin/<module>.jar, or carbonapps for mi) must not hold the config folder."""
    why = messages("docker.deploy_dir=target/bin/orders.jar")
    assert why.keys() == {"artifact"} and ".car" not in why["artifact"]
    assert refused("docker.deploy_dir=target/bin/orders.jar", "config.module=billing") == set()
    assert refused("docker.deploy_dir=target/bin/billing.jar", "config.module=billing") == {"artifact"}
    why = messages("artifact=null", "docker.deploy_dir=carbonapps", preset="mi-docker")
    assert why.keys() == {"artifact"} and ".car files" in why["artifact"]


def test_mi_runs_on_the_jdks_of_its_release():
    assert refused("jdk=17", "mi.version=4.2.0", preset="mi-docker") == set()
    assert refused("jdk=21", "mi.version=4.2.0", preset="mi-docker") == {"jdk"}
    assert refused("jdk=25", preset="mi-docker") == {"jdk"}


def test_mi_serves_https_on_a_port_its_offset_can_reach():
    mi = "mi-docker"
    assert refused("service.tls=false", preset=mi) == {"service.tls"}
    assert refused("service.port=8243", preset=mi) == set()
    assert refused("service.port=8242", preset=mi) == {"service.port"}
    assert refused("service.port=64624", preset=mi) == set()
    assert refused("service.port=64625", preset=mi) == {"service.port"}
    why = messages("service.port=64625", preset=mi)["service.port"]
    assert "8243-64624" in why and "service.port + 911" in why
    assert refused("service.port=8253", preset=mi) == {"service.port"}
    assert refused("service.port=8254", preset=mi) == set()


def test_mi_refuses_what_it_does_not_support_yet():
    assert refused("kubernetes.external_secrets=true", "kubernetes.external_store=v", preset="mi-kubernetes-restricted") == {"kubernetes.external_secrets"}
    assert refused("metrics.enabled=true", preset="mi-docker") == {"metrics.enabled"}


def test_mi_ldap_needs_bind_dn_and_search_base():
    url, dn, base = "mi.ldap.url=ldaps://ldap.example.com", "mi.ldap.bind_dn=cn=r,dc=ex", "mi.ldap.user_search_base=ou=u,dc=ex"
    assert refused(url, dn, base, preset="mi-docker") == set()
    assert refused(url, dn, preset="mi-docker") == {"mi.ldap"}
    assert refused(url, base, preset="mi-docker") == {"mi.ldap"}
    assert refused(dn, preset="mi-docker") == set()


def test_mi_admin_from_is_pods_or_a_block():
    assert refused("mi.admin_from={cidr: 10.0.0.0/8, labels: {app: ops}}", preset="mi-docker") == {"mi.admin_from"}
    assert refused("mi.admin_from={cidr: 10.0.0.0/8, namespace: ops}", preset="mi-docker") == {"mi.admin_from"}
    assert refused("mi.admin_from={cidr: 10.0.0.0/8}", preset="mi-docker") == set()


@pytest.mark.parametrize("alias", ["keystore_password", "truststore_password", "admin_password", "ldap_password"])
def test_mi_secret_aliases_of_its_own_are_refused(alias):
    assert refused(f"secrets=[{alias}]", preset="mi-docker") == {"secrets"}
