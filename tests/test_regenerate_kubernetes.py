"""The Deployment scenario through the CLI: the user's label, env var and sidecar survive an image bump.

The YAML engine is tested on a realistic Deployment in test_regenerate_merge_yaml.py;
this is the same scenario on the real Kubernetes target.
"""

from __future__ import annotations

import io
from pathlib import Path

from tests.support.hardgen import generate


def _yaml():
    from generator.render.yaml_dump import round_trip_yaml

    return round_trip_yaml()


def find_deployment(out: Path) -> Path:
    found = [p for p in sorted(out.rglob("*.y*ml")) if ".hardgen" not in p.parts and "kind: Deployment" in p.read_text()]
    assert len(found) == 1, f"expected one file with the Deployment, found {found}"
    return found[0]


def edit_deployment(path: Path) -> None:
    """What a user does by hand: a label with a comment, an env var, a sidecar container."""
    docs = list(_yaml().load_all(path.read_text()))
    deployment = next(d for d in docs if d.get("kind") == "Deployment")
    from ruamel.yaml.comments import CommentedMap

    labels = deployment["metadata"].setdefault("labels", CommentedMap())
    labels["team"] = "payments"
    labels.yaml_add_eol_comment("cost centre 42", "team")
    pod = deployment["spec"]["template"]["spec"]
    app = pod["containers"][0]
    app.setdefault("env", []).append({"name": "HTTPS_PROXY", "value": "http://proxy.internal:3128"})
    pod["containers"].append({"name": "log-shipper", "image": "fluent/fluent-bit:3.0.7",
                              "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True}})
    out = io.StringIO()
    _yaml().dump_all(docs, out)
    path.write_text(out.getvalue())


def test_deployment_keeps_label_env_var_and_sidecar_when_the_image_tag_is_bumped(hardgen, tmp_path):
    generate("deploy", "name=demo", "targets=[kubernetes]", "image.tag=1.0.0", preset="docker", cwd=tmp_path)
    manifest = find_deployment(tmp_path / "deploy")
    edit_deployment(manifest)
    done = hardgen("regenerate", "deploy", "--set", "image.tag=1.1.0", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    text = manifest.read_text()
    assert "team: payments  # cost centre 42" in text
    docs = list(_yaml().load_all(text))
    deployment = next(d for d in docs if d.get("kind") == "Deployment")
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers][-1] == "log-shipper"
    assert containers[0]["image"].split("@")[0].endswith(":1.1.0")
    assert {"name": "HTTPS_PROXY", "value": "http://proxy.internal:3128"} in [dict(e) for e in containers[0]["env"]]
    assert hardgen("regenerate", "deploy", "--check", cwd=tmp_path).returncode == 0


FIXTURE = Path(__file__).parent / "fixtures" / "hardgen-0.1.0" / "kubernetes-restricted"
#: 0.1.0 defaulted to 512Mi at 75 %, which 0.2.0 refuses (tests/test_regenerate_scenarios.py).
ROOM_FOR_THE_JVM = ("--set", "kubernetes.resources.memory=768Mi")


def upgraded_0_1_0(hardgen, tmp_path: Path, edit=None):
    """The 0.1.0 kubernetes-restricted folder (never edited in place), optionally hand-edited, then regenerated."""
    import shutil

    out = tmp_path / "deploy"
    shutil.copytree(FIXTURE, out, symlinks=True)
    if edit:
        edit(out)
    done = hardgen("regenerate", "deploy", *ROOM_FOR_THE_JVM, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    return out, done.stdout + done.stderr


def test_an_untouched_0_1_0_folder_loses_its_configmap_copy_and_deploys_with_the_root_kustomization(hardgen, tmp_path):
    from tests.support import kube

    out, said = upgraded_0_1_0(hardgen, tmp_path)
    assert "kubernetes/configmap.yaml: removed" in said and "kubernetes/kustomization.yaml: removed" in said
    assert not (out / "kubernetes/configmap.yaml").exists() and not (out / "kubernetes/kustomization.yaml").exists()
    objects = kube.load_all(out)
    (config,) = [c for c in kube.of_kind(objects, "ConfigMap") if c["metadata"]["name"].startswith("demo-config-")]
    assert config["data"] == {"Config.toml": (out / "config/Config.toml").read_text()}
    (deployment,) = kube.of_kind(objects, "Deployment")
    assert "annotations" not in deployment["spec"]["template"]["metadata"]
    assert hardgen("regenerate", "deploy", "--check", cwd=tmp_path).returncode == 0


def test_an_edited_0_1_0_configmap_is_kept_unmanaged_until_the_edit_moves_into_config_toml(hardgen, tmp_path):
    """The CHANGELOG's upgrade note, followed: the old copy is inert, the edit belongs in config/Config.toml."""
    from tests.support import kube

    def debug_logs(out: Path) -> None:
        cm = out / "kubernetes/configmap.yaml"
        cm.write_text(cm.read_text().replace('level = "INFO"', 'level = "DEBUG"'))

    out, said = upgraded_0_1_0(hardgen, tmp_path, debug_logs)
    assert "kubernetes/configmap.yaml: no longer generated, but edited by you: kept" in said
    assert 'level = "DEBUG"' in (out / "kubernetes/configmap.yaml").read_text()
    config = out / "config/Config.toml"
    config.write_text(config.read_text().replace('level = "INFO"', 'level = "DEBUG"'))
    (out / "kubernetes/configmap.yaml").unlink()
    built = kube.build(out)
    assert 'level = "DEBUG"' in built and 'level = "INFO"' not in built
    assert hardgen("regenerate", "deploy", "--check", cwd=tmp_path).returncode == 0
