"""`hardgen new --set runtime=mi`: a Micro Integrator project whose CAR lands where `deploy/` deploys it from.

The scaffold is MI for VS Code's single Maven project (artifacts under `src/main/wso2mi/artifacts/`, packed into
`target/<name>_<version>.car` by org.wso2.maven:vscode-car-plugin), with one health API; its `package` phase also
copies the CAR into the folder `artifact` names (default `carbonapps`), which the Dockerfile and install.sh take.
Maven itself reads the pom (offline: WSO2's plugin cannot be fetched here, so that must be the only problem it
reports); the workflow and pre-commit config are checked as for the Ballerina scaffold (tests/test_new.py).
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.gitrepo import git
from tests.support.hardgen import new_repo, run, tree
from tests.support.toolbox import require_tool

pytest.importorskip("cookiecutter")

ANSWERS = ("--set", "runtime=mi", "--set", "name=orders", "--set", "targets=[docker, kubernetes, systemd]",
           "--set", "secrets=[crm_token]")
REPO_FILES = {"pom.xml", "src/main/wso2mi/artifacts/apis/HealthAPI.xml", "README.md", ".gitignore", ".dockerignore",
              ".github/workflows/ci.yml", ".pre-commit-config.yaml"}
POM = {"m": "http://maven.apache.org/POM/4.0.0"}


def make(tmp_path: Path, *args: str, name: str = "orders") -> Path:
    return new_repo(tmp_path, args or ANSWERS, name)




def test_new_mi_writes_the_mi_project_and_the_mi_deploy_folder_with_its_state(tmp_path):
    repo = make(tmp_path)
    files = set(tree(repo))
    assert files >= REPO_FILES
    assert not {"Ballerina.toml", "main.bal", "scripts/dev-keystore.sh"} & files
    assert {"deploy/Dockerfile", "deploy/config/deployment.toml", "deploy/mi/encrypt-secrets.sh", "deploy/mi/keystore.sh",
            "deploy/.hardgen/answers.yaml", "deploy/.hardgen/state.json"} <= files
    assert any(f.startswith("deploy/kubernetes/") for f in files) and "deploy/systemd/install.sh" in files
    readme = (repo / "README.md").read_text()
    assert "MI_SECRET_CRM_TOKEN" in readme and "deploy/mi/encrypt-secrets.sh --mi-home" in readme
    assert not [p for p in tmp_path.iterdir() if p.name != "orders"], "the staging folder was left behind"


def test_the_same_mi_answers_make_the_same_repository_byte_for_byte(tmp_path):
    assert tree(make(tmp_path / "a")) == tree(make(tmp_path / "b"))


@pytest.mark.parametrize("artifact, health", [(None, "/health"), ("build/cars", "/status/live")])
def test_the_pom_copies_the_car_into_the_folder_deploy_takes_it_from(tmp_path, artifact, health):
    sets = [*ANSWERS, "--set", f"service.health_path={health}"] + (["--set", f"artifact={artifact}"] if artifact else [])
    repo = make(tmp_path, *sets)
    pom = ET.parse(repo / "pom.xml").getroot()
    plugin = pom.find(".//m:plugin[m:artifactId='vscode-car-plugin']", POM)
    assert plugin is not None and plugin.findtext("m:extensions", namespaces=POM) == "true"
    copy = pom.find(".//m:execution[m:id='copy-car-to-artifact']", POM)
    assert copy.findtext("m:phase", namespaces=POM) == "package"
    folder = copy.findtext("m:configuration/m:outputDirectory", namespaces=POM).removeprefix("${project.basedir}/")
    assert folder == (artifact or "carbonapps")
    assert f"COPY --chown=0:0 --chmod=0444 {folder}/ " in (repo / "deploy/Dockerfile").read_text()
    assert f"cars=${{cars:-./{folder}}}" in (repo / "deploy/systemd/install.sh").read_text()
    api = ET.parse(repo / "src/main/wso2mi/artifacts/apis/HealthAPI.xml").getroot()
    assert api.tag == "{http://ws.apache.org/ns/synapse}api" and api.get("context") == health


def test_maven_reads_the_pom_and_lacks_only_wso2s_car_plugin_offline(tmp_path):
    mvn = shutil.which("mvn")
    if mvn is None:
        pytest.skip("no Maven (apt-get install maven)")
    repo = make(tmp_path)
    done = subprocess.run([mvn, "-o", "-B", "validate"], cwd=repo, capture_output=True, text=True, timeout=300)
    errors = [line for line in done.stdout.splitlines() if "[ERROR]" in line and "Unresolveable build extension" in line]
    assert errors and all("org.wso2.maven:vscode-car-plugin:5.2.65" in line for line in errors), done.stdout[-3000:]
    assert "has 1 error" in done.stdout, done.stdout[-3000:]  # the model itself is valid: nothing but the plugin is missing


def test_git_add_stages_no_keystore_vault_password_car_or_build_output(tmp_path):
    repo = make(tmp_path)
    for rel in ("deploy/config/keystore.p12", "deploy/config/truststore.p12", "deploy/config/password-persist",
                "target/orders_1.0.0.car", "carbonapps/orders_1.0.0.car", "deploy/Dockerfile.hardgen-new"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(b"x")
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    staged = set(git("ls-files", cwd=repo).split())
    assert staged >= REPO_FILES and "deploy/config/deployment.toml" in staged and "deploy/mi/encrypt-secrets.sh" in staged
    assert not staged & {"deploy/config/keystore.p12", "deploy/config/truststore.p12", "deploy/config/password-persist",
                         "target/orders_1.0.0.car", "carbonapps/orders_1.0.0.car", "deploy/Dockerfile.hardgen-new"}


def test_the_root_dockerignore_sends_the_cars_and_the_config_never_a_store_the_password_or_the_sources(tmp_path):
    """Judged with Docker's own matcher (docker-py), for builders that read only the root .dockerignore."""
    from docker.utils.build import exclude_paths

    repo = make(tmp_path)
    for rel in ("carbonapps/orders_1.0.0.car", "target/orders_1.0.0.car", "deploy/config/keystore.p12",
                "deploy/config/password-persist", "deploy/Dockerfile.hardgen-new"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("x")
    patterns = [line for line in (repo / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    sent = {p for p in exclude_paths(str(repo), patterns, dockerfile="deploy/Dockerfile") if (repo / p).is_file()}
    assert {"carbonapps/orders_1.0.0.car", "deploy/config/deployment.toml", "deploy/jvm/java.options"} <= sent
    assert not sent & {"target/orders_1.0.0.car", "deploy/config/keystore.p12", "deploy/config/password-persist",
                       "deploy/Dockerfile.hardgen-new", "src/main/wso2mi/artifacts/apis/HealthAPI.xml"}


@pytest.mark.reviewers
def test_the_mi_workflow_and_pre_commit_config_are_what_github_and_pre_commit_accept(tmp_path):
    repo = make(tmp_path)
    done = subprocess.run([require_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                           str(repo / ".github/workflows/ci.yml")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run([require_tool("pre-commit"), "validate-config", str(repo / ".pre-commit-config.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_mi_workflow_builds_with_maven_on_the_answers_jdk_and_reviews_deploy(tmp_path):
    import yaml

    workflow = yaml.safe_load((make(tmp_path, *ANSWERS, "--set", "jdk=17") / ".github/workflows/ci.yml").read_text())
    build = "\n".join(step["run"] for step in workflow["jobs"]["build"]["steps"] if "run" in step)
    assert build == 'JAVA_HOME="$JAVA_HOME_17_X64" mvn -B -ntp package' and "bal " not in build
    review = "\n".join(step.get("run", "") for step in workflow["jobs"]["deploy"]["steps"])
    for command in ("hardgen regenerate --check deploy", "hadolint deploy/Dockerfile", "checkov", "kubernetes-validate"):
        assert command in review


def test_regenerate_check_is_in_sync_inside_the_new_mi_repository(tmp_path):
    repo = make(tmp_path)
    done = run("regenerate", "--check", "deploy", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.reviewers
def test_the_mi_ci_review_steps_pass_on_the_new_repository_run_with_the_real_tools(tmp_path):
    """Each `run` of the workflow's deploy job (after its install step), with `.venv/bin/TOOL` as the tools in .tools/."""
    import shlex
    import sys

    import yaml

    from tests.support.hardgen import hardgen_env

    repo = make(tmp_path, *ANSWERS, "--set", "image.digest=sha256:" + "a" * 64, "--set", "image.base_digest=sha256:" + "b" * 64)
    steps = yaml.safe_load((repo / ".github/workflows/ci.yml").read_text())["jobs"]["deploy"]["steps"]
    hardgen = f"{shlex.quote(sys.executable)} -m generator"
    ran = []
    for step in steps[2:]:
        command = step["run"].replace(".venv/bin/hardgen", hardgen)
        for name in ("hadolint", "checkov", "kubernetes-validate", "kubectl"):
            command = command.replace(f".venv/bin/{name}", shlex.quote(require_tool(name)))
        done = subprocess.run(["bash", "-c", command], cwd=repo, env=hardgen_env(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{step['name']}: {command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        ran.append(step["name"])
    assert len(ran) == 6, ran


def test_the_wizards_summary_names_the_mi_project_not_a_ballerina_package():
    from generator.commands import new
    from generator.inputs.load import load_inputs
    from generator.render.pipeline import render_model, validate

    rendered = render_model(validate(load_inputs([], [], ["runtime=mi", "name=orders", "targets=[docker]"])))
    text = new.summary(rendered, Path("orders"), [])
    assert "WSO2 Micro Integrator 4.4.0 project orders" in text and "pom.xml, src/main/wso2mi/artifacts/apis/HealthAPI.xml" in text
    assert "Ballerina" not in text
