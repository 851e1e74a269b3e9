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
