"""`--project`: answers derived from a Ballerina package, and the contract check before anything is written.

Ballerina stops at start on a Config.toml value no configurable consumes (ballerina-lang TomlProvider
validateUnusedNodes, in every file of BAL_CONFIG_FILES), on a required configurable without a value
(ConfigResolver) and on a value of the wrong TOML type (Utils.checkEffectiveTomlType). For each fixture package
under tests/fixtures/ballerina/ these tests generate with `--project` and check that every key of every TOML file
hardgen wrote is a configurable the program declares (or one of the runtime modules it includes), and that every
required configurable gets a value; then the mismatches the issue names, each exit 2 with one line and nothing
written.
"""

from __future__ import annotations

import contextlib
import shutil
import tomllib
from pathlib import Path

import pytest

from generator.inputs.ballerina.project import read_project
from generator.render.contract import RUNTIME_CONFIGURABLES
from tests.support.hardgen import run, set_args, tree

FIXTURES = Path(__file__).parent / "fixtures" / "ballerina"
#: The answers each fixture package needs besides what the project derives.
ANSWERS = {
    "orders": ("secrets=[dbPassword]", "metrics.enabled=true"),  # 2201.10, observability on, a submodule
    "plain": ("service.tls=false",),  # 2201.10, observability off
    "greeter": ("service.tls=false",),  # 2201.8, observability off, Dependencies.toml
    "inventory": ("secrets=[apiToken]", "config.external=[database, stock.warehouse]", "metrics.enabled=true"),  # 2201.12
}
DERIVED = {  # config.org, config.module, artifact, jdk, service.port
    "orders": ("myorg", "orders", "target/bin/orders.jar", 17, 9443),
    "plain": ("myorg", "plain", "target/bin/plain.jar", 17, 9090),
    "greeter": ("acme", "greeter", "target/bin/greeter.jar", 17, 8080),
    "inventory": ("acme", "inventory", "target/bin/inventory.jar", 21, 9443),
}
PRESETS = ("kubernetes-restricted", "vm-systemd")


def generate_project(out: Path, fixture: str, *sets: str, preset: str = "kubernetes-restricted", project: Path | None = None):
    return run("generate", "--preset", preset, *set_args([f"name={fixture}", *sets]),
               "--project", str(project or FIXTURES / fixture), "--output", str(out))


def tables(data: dict, prefix: str = "") -> dict[str, set[str]]:
    """Every TOML table of a file (dotted name) with the keys whose values are not tables."""
    out: dict[str, set[str]] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not ("hardgen_unfilled" in value and len(value) == 1):
            out.update(tables(value, name))
        else:
            out.setdefault(prefix, set()).add(key)
    return out


def undeclared_keys(out: Path, fixture: str) -> list[str]:
    """Keys of the generated TOML files that no configurable of the program consumes."""
    project = read_project(FIXTURES / fixture)
    modules = {f"{project.org}.{project.name}" + (f".{m.name}" if m.name else ""): {c.name for c in m.configurables}
               for m in project.modules}
    runtime = {f"{org}.{module}": set(keys) for (org, module), keys in RUNTIME_CONFIGURABLES.items()}
    wrong = []
    for path in sorted(out.rglob("*.toml")):
        if ".hardgen" in path.parts:
            continue
        for table, keys in tables(tomllib.loads(path.read_text())).items():
            known = modules.get(table, runtime.get(table))
            wrong += [f"{path.relative_to(out)}: [{table}] {key}" for key in sorted(keys) if known is None or key not in known]
    return wrong


def unsupplied_required(out: Path, fixture: str) -> list[str]:
    project = read_project(FIXTURES / fixture)
    config = tomllib.loads((out / "config/Config.toml").read_text())
    secrets = tomllib.loads((out / "config/secrets.template.toml").read_text())
    answers = (out / ".hardgen/answers.yaml").read_text()
    own = {**config.get(project.org, {}).get(project.name, {}), **secrets.get(project.org, {}).get(project.name, {})}
    missing = []
    for c in project.configurables():
        name = f"{c.module}.{c.name}" if c.module else c.name
        if c.required and not (not c.module and c.name in own) and f"- {name}\n" not in answers:
            missing.append(f"{c.where} {name}")
    return missing


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("fixture", list(ANSWERS))
def test_the_generated_configuration_matches_the_program_exactly(tmp_path, fixture, preset):
    out = tmp_path / "deploy"
    done = generate_project(out, fixture, *ANSWERS[fixture], preset=preset)
    assert done.returncode == 0, done.stderr
    assert f"checked against the Ballerina package in {FIXTURES / fixture}" in done.stderr
    assert undeclared_keys(out, fixture) == []
    assert unsupplied_required(out, fixture) == []


@pytest.mark.parametrize("fixture", list(ANSWERS))
def test_what_the_project_derives_is_recorded_so_a_replay_needs_no_project(tmp_path, fixture):
    out = tmp_path / "deploy"
    assert generate_project(out, fixture, *ANSWERS[fixture]).returncode == 0
    from generator.inputs.load import read_yaml

    answers = read_yaml(out / ".hardgen/answers.yaml")
    org, module, artifact, jdk, port = DERIVED[fixture]
    assert (answers["config"]["org"], answers["config"]["module"], answers["artifact"], answers["jdk"],
            answers["service"]["port"]) == (org, module, artifact, jdk, port)
    replay = tmp_path / "replay"
    done = run("generate", "--answers", str(out / ".hardgen/answers.yaml"), "--output", str(replay), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert tree(replay) == tree(out)


def test_a_presets_value_is_a_default_the_project_replaces(tmp_path):
    """vm-systemd turns metrics on; greeter cannot serve them (no ballerinax/prometheus): the project's false wins."""
    out = tmp_path / "deploy"
    done = generate_project(out, "greeter", "service.tls=false", preset="vm-systemd")
    assert done.returncode == 0, done.stderr
    assert "metrics:\n  enabled: false\n" in (out / ".hardgen/answers.yaml").read_text()
    assert "ballerinax" not in (out / "config/Config.toml").read_text()


def test_an_explicit_answer_that_agrees_with_the_project_is_fine(tmp_path):
    done = generate_project(tmp_path / "deploy", "orders", *ANSWERS["orders"], "config.org=myorg", "config.module=orders", "jdk=17")
    assert done.returncode == 0, done.stderr


def test_jdk_25_is_a_warning_no_distribution_claims_it(tmp_path):
    done = generate_project(tmp_path / "deploy", "inventory", *ANSWERS["inventory"], "jdk=25")
    assert done.returncode == 0, done.stderr
    assert ("warning: jdk 25: the program is built by Ballerina 2201.12.0 "
            f"({FIXTURES / 'inventory/Dependencies.toml'}: [ballerina] distribution-version = '2201.12.0'); "
            "no released Ballerina distribution claims Java 25 yet") in done.stderr


# --- every mismatch: exit 2, one precise line, nothing written -------------------------------

NEGATIVE = {
    "org mismatch": ("orders", ("config.org=acme",),
                     f"--set: config.org: 'acme' contradicts {FIXTURES / 'orders/Ballerina.toml'}: [package] org = 'myorg', which "
                     "names the module's table ([myorg.orders]); leave config.org out or make it 'myorg'"),
    "misspelt configurable": ("greeter", ("config.values.greting=Hi",),
                              "--set: config.values.greting: Config.toml [acme.greeter] greting: module acme/greeter declares no "
                              f"configurable 'greting' (searched {FIXTURES / 'greeter/main.bal'}), so the runtime would stop at start "
                              f"on an unused value; did you mean 'greeting' ({FIXTURES / 'greeter/main.bal'}:11)?"),
    "missing required": ("orders", ("secrets=[]",),
                         f"{FIXTURES / 'orders/main.bal'}:16: config.external: [myorg.orders] dbPassword is required "
                         "(`configurable string dbPassword = ?;`) and neither Config.toml nor the secrets template gives it a "
                         "value, so the runtime would stop at start: list it in secrets (a secret), set it in config.values, or "
                         "list it in config.external (supplied another way, e.g. BAL_CONFIG_VAR_MYORG_ORDERS_DBPASSWORD)"),
    "metrics without the import": ("greeter", ("metrics.enabled=true",),
                                   "--set: metrics.enabled: true, but the program cannot serve metrics (its [ballerina.observe] "
                                   "and [ballerinax.prometheus] values would have no reader and stop it at start): "
                                   f"ballerinax/prometheus is not in the program ({FIXTURES / 'greeter/Dependencies.toml'}; add "
                                   f"`import ballerinax/prometheus as _;`); {FIXTURES / 'greeter/Ballerina.toml'} does not set "
                                   "[build-options] observabilityIncluded = true"),
    "jdk 17 on 2201.12": ("inventory", ("jdk=17",),
                          f"--set: jdk: 17 cannot run this program: {FIXTURES / 'inventory/Dependencies.toml'}: [ballerina] "
                          "distribution-version = '2201.12.0', and Ballerina 2201.11 and later compile Java 21 class files "
                          "(JDK 17 stops with UnsupportedClassVersionError); use jdk 21"),
    "wrong type": ("inventory", ("config.values.taxRate=1",),
                   "--set: config.values.taxRate: Config.toml [acme.inventory] taxRate: 1 is a TOML integer; `decimal` takes a "
                   "TOML float (write 1.0: Ballerina reads a TOML integer only into int and byte); declared at "
                   f"{FIXTURES / 'inventory/main.bal'}:26 as `configurable decimal taxRate = 0.2d;`"),
    "a value for a submodule's configurable": ("orders", ("config.values.poolSize=3",),
                                               "--set: config.values.poolSize: Config.toml [myorg.orders] poolSize: module "
                                               "myorg/orders declares no configurable 'poolSize' (searched "
                                               f"{FIXTURES / 'orders/main.bal'}), so the runtime would stop at start on an "
                                               f"unused value; module db declares it ({FIXTURES / 'orders/modules/db/db.bal'}:2), "
                                               "but hardgen writes only the root module's table: set it another way "
                                               "(e.g. BAL_CONFIG_VAR_MYORG_ORDERS_DB_POOLSIZE)"),
    "an external name the program does not declare": ("orders", ("config.external=[db.pool]",),
                                                      "--set: config.external[0]: 'db.pool': module myorg/orders.db declares no "
                                                      f"configurable 'pool' (searched {FIXTURES / 'orders/modules/db/db.bal'})"),
}


@pytest.mark.parametrize("case", list(NEGATIVE))
def test_each_mismatch_exits_2_with_one_precise_line_and_writes_nothing(tmp_path, case):
    fixture, extra, line = NEGATIVE[case]
    out = tmp_path / "deploy"
    done = generate_project(out, fixture, *ANSWERS[fixture], *extra)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [line]
    assert not out.exists()


def test_the_keystore_keys_of_a_program_without_them_say_how_to_leave_them_out(tmp_path):
    done = generate_project(tmp_path / "deploy", "greeter")  # service.tls defaults to true
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 2 and all(line.endswith("if the listener serves plain HTTP, set service.tls=false; if the program "
                                                 "configures TLS itself, set service.keystore_path_key=null") for line in lines)


def test_a_default_that_does_not_fit_the_program_is_named_as_the_default(tmp_path):
    package = tmp_path / "greeter"
    shutil.copytree(FIXTURES / "greeter", package)
    main = package / "main.bal"
    main.write_text(main.read_text().replace("int port = 8080", "int listenPort = 8080").replace("(port)", "(listenPort)"))
    done = generate_project(tmp_path / "deploy", "greeter", "service.tls=false", project=package)
    assert done.returncode == 2
    assert done.stderr.startswith("default: config.port_key: Config.toml [acme.greeter] port: module acme/greeter declares "
                                  "no configurable 'port'")
    assert "set config.port_key to the configurable that holds the listener port" in done.stderr
    fixed = generate_project(tmp_path / "deploy", "greeter", "service.tls=false", "config.port_key=listenPort", project=package)
    assert fixed.returncode == 0, fixed.stderr
    assert "  port: 8080\n" in (tmp_path / "deploy/.hardgen/answers.yaml").read_text()  # derived from listenPort's default


# --- where the project comes from ------------------------------------------------------------


def test_the_current_folder_is_the_project_when_it_holds_a_ballerina_toml(tmp_path):
    package = tmp_path / "greeter"
    shutil.copytree(FIXTURES / "greeter", package)
    done = run("generate", "--preset", "docker", "--set", "name=greeter", "--set", "service.tls=false", "--output", "deploy", cwd=package)
    assert done.returncode == 0, done.stderr
    assert "deploy: checked against the Ballerina package in ." in done.stderr
    assert "org: acme\n" in (package / "deploy/.hardgen/answers.yaml").read_text()
    elsewhere = run("generate", "--preset", "docker", "--set", "name=greeter", "--output", "deploy", cwd=tmp_path)
    assert elsewhere.returncode == 0 and "checked against" not in elsewhere.stderr


def test_project_and_batch_cannot_be_combined(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("name: greeter\n")
    done = run("generate", "--batch", str(answers), "--project", str(FIXTURES / "greeter"), "--output", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["--project: cannot be combined with --batch: a project is one Ballerina package, one "
                                        "integration; run hardgen generate --project DIR for each package"]


def test_a_folder_without_ballerina_toml_is_refused(tmp_path):
    done = run("generate", "--set", "name=x", "--project", str(tmp_path), "--output", str(tmp_path / "out"))
    assert done.returncode == 2
    assert done.stderr == f"--project: {str(tmp_path)!r} holds no Ballerina.toml: it is not a Ballerina package\n"


# --- hardgen contract ------------------------------------------------------------------------


def test_contract_prints_the_declarations_to_paste_without_a_project(tmp_path):
    done = run("contract", "--preset", "docker", "--set", "name=demo", "--set", "secrets=[dbPassword]",
               "--set", "config.values={greeting: 'say \"hi\"', ratio: 0.5}", "--set", "metrics.enabled=true", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    code = [line for line in done.stdout.splitlines() if line and not line.startswith("//")]
    assert code == [
        "import ballerinax/prometheus as _;",
        'configurable string greeting = "say \\"hi\\"";',
        "configurable string keystorePath = ?;  // the keystore path differs per target",
        "configurable int port = 9443;",
        "configurable float ratio = 0.5;",
        "configurable string dbPassword = ?;",
        "configurable string keystorePassword = ?;",
    ]


def test_contract_with_a_project_names_each_declaration_and_refuses_a_mismatch(tmp_path):
    done = run("contract", "--set", "name=orders", *set_args(ANSWERS["orders"]), "--project", str(FIXTURES / "orders"))
    assert done.returncode == 0, done.stderr
    assert f"configurable string dbPassword = ?;  // {FIXTURES / 'orders/main.bal'}:16" in done.stdout
    bad = run("contract", "--set", "name=orders", "--project", str(FIXTURES / "orders"))
    assert bad.returncode == 2 and "dbPassword is required" in bad.stderr


# --- regenerate and init ---------------------------------------------------------------------


def test_regenerate_with_the_project_catches_a_configurable_the_program_renamed(tmp_path):
    package = tmp_path / "greeter"
    shutil.copytree(FIXTURES / "greeter", package)
    assert generate_project(package / "deploy", "greeter", "service.tls=false", project=package).returncode == 0
    assert run("regenerate", "--check", "deploy", cwd=package).returncode == 0
    main = package / "main.bal"
    main.write_text(main.read_text().replace("configurable int port = 8080;", "configurable int listenPort = 8080;")
                    .replace("(port)", "(listenPort)"))
    done = run("regenerate", "--check", "deploy", cwd=package)
    assert done.returncode == 2
    assert ("module acme/greeter declares no configurable 'port' (searched main.bal), so the runtime would stop at start "
            "on an unused value") in done.stderr
    assert run("regenerate", "--check", str(package / "deploy"), cwd=tmp_path).returncode == 0  # no project: in sync


@contextlib.contextmanager
def keyboard(*keys: str):
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("".join(keys))
        pipe.close()
        yield


def test_init_asks_only_what_the_project_cannot_say_and_shows_what_it_derived(monkeypatch, tmp_path, capsys):
    from generator import cli
    from generator.commands import init
    from generator.render.pipeline import load_project
    from generator.wizard.prompts import Interview

    _layers, context = load_project(FIXTURES / "inventory", [], [], ["name=inventory"])
    asked = {q.path for q in Interview({}, skip=frozenset(context.derived.reasons)).questions}
    assert not asked & {"config.org", "config.module", "artifact", "jdk", "service.port"}
    assert {"name", "secrets", "config.external"} <= asked

    monkeypatch.setattr(init, "has_terminal", lambda: True)
    out = tmp_path / "deploy"
    with keyboard("\x15inventory\r", "\r" * 80):
        rc = cli.main(["init", "--project", str(FIXTURES / "inventory"), "--set", "secrets=[apiToken]",
                       "--set", "config.external=[database, stock.warehouse]", "--output", str(out)])
    shown = capsys.readouterr()
    assert rc == 0, shown.err
    assert f"Derived from the Ballerina package in {FIXTURES / 'inventory'}" in shown.out
    assert f"  jdk = 21  ({FIXTURES / 'inventory/Dependencies.toml'}: [ballerina] distribution-version = '2201.12.0')" in shown.out
    assert "org: acme\n" in (out / ".hardgen/answers.yaml").read_text()


# --- speed: no project, no reader --------------------------------------------------------------


def test_generate_without_a_project_never_imports_the_project_reader(tmp_path):
    from tests.test_import_budget import among, hardgen_imports

    modules, _done = hardgen_imports(tmp_path, "generate", "--preset", "docker", "--set", "name=demo", "--output", "out")
    assert "generator.render.pipeline" in modules
    assert among(modules, ("generator.inputs.ballerina", "generator.render.contract", "generator.model.project")) == []


def test_generate_with_a_project_imports_no_yaml_library_or_wizard(tmp_path):
    from tests.test_import_budget import NOT_FOR_GENERATE, among, hardgen_imports

    modules, _done = hardgen_imports(tmp_path, "generate", "--preset", "docker", "--set", "name=greeter", "--set",
                                     "service.tls=false", "--project", str(FIXTURES / "greeter"), "--output", "out")
    assert "generator.render.contract" in modules
    assert among(modules, NOT_FOR_GENERATE) == []
