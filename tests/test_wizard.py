"""`hardgen init` without a terminal: the questions come from the model, and prompt_toolkit's pipe input answers them.

Keys are sent up front and the pipe is closed, so a test that runs out of
answers ends with KeyboardInterrupt (Ctrl-D) instead of waiting for a terminal.
"""

from __future__ import annotations

import contextlib
import copy
import typing

import pytest
import questionary
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from generator import cli
from generator.commands import init
from generator.errors import ExitCode
from generator.model import integration as model
from generator.model.fields import fields_of, spec_of, to_data
from generator.wizard import questions
from generator.wizard.prompts import ask, interview
from tests.support.hardgen import generate, run, tree

ENTER, DOWN, SPACE, CLEAR, CTRL_C, CTRL_D = "\r", "\x1b[B", " ", "\x15", "\x03", "\x04"


@contextlib.contextmanager
def keyboard(*keys: str):
    """Every prompt in the block reads these keys; then the input ends (Ctrl-D)."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("".join(keys))
        pipe.close()
        yield


def typed(text: str) -> str:
    """Replace the pre-filled default of a text prompt with `text`."""
    return CLEAR + text + ENTER


def question(path: str) -> questions.Question:
    return next(q for q in questions.questions() if q.path == path)


def answer_all_defaults() -> str:
    return ENTER * 80  # every prompt's default; "add an entry?" and "advanced?" default to no


# --- the questions are the model ---------------------------------------------------------


def test_every_askable_model_field_is_asked_exactly_once():
    def leaves(cls, prefix=""):
        for f, tp in fields_of(cls):
            key = f"{prefix}{f.name.rstrip('_')}"
            if not spec_of(f).ask:
                continue
            if hasattr(tp, "__dataclass_fields__"):
                yield from leaves(tp, key + ".")
            else:
                yield key

    paths = [q.path for q in questions.questions()]
    assert sorted(paths) == sorted(leaves(model.Integration))
    assert "schema_version" not in paths


def test_the_targets_are_asked_first_and_the_target_sections_last():
    paths = [q.path for q in questions.questions()]
    assert paths[:5] == ["name", "targets", "runtime", "jdk", "artifact"]
    order = [paths.index(p) for p in ("name", "targets", "service.port", "metrics.enabled", "ingress", "egress", "secrets")]
    assert order == sorted(order)
    last_common = paths.index("jvm.extra_flags")
    for target_section in ("docker.", "kubernetes.", "systemd."):
        assert all(paths.index(p) > last_common for p in paths if p.startswith(target_section))


def test_image_questions_are_asked_only_for_targets_that_build_or_pull_an_image():
    tag = question("image.tag")
    assert not questions.applies(tag, {"targets": ["systemd"]})
    assert questions.applies(tag, {"targets": ["systemd", "kubernetes"]}) and questions.applies(tag, {})


def test_an_advanced_setting_a_target_warns_about_is_asked_with_the_ordinary_questions():
    """Kubernetes warns when image.digest and metrics.from are unset: they are offered even without the advanced settings."""
    digest, scraper = question("image.digest"), question("metrics.from.namespace")
    assert not questions.is_advanced(digest, {"targets": ["kubernetes"]}) and questions.is_advanced(digest, {"targets": ["docker"]})
    assert not questions.is_advanced(scraper, {"targets": ["kubernetes"], "metrics": {"enabled": True}})
    assert questions.is_advanced(question("image.base"), {"targets": ["kubernetes"]})


def test_prompt_kind_follows_the_field_type():
    kinds = {q.path: q.kind for q in questions.questions()}
    assert kinds["runtime"] == kinds["jdk"] == questions.SELECT  # Literal
    assert kinds["service.tls"] == questions.CONFIRM  # bool
    assert kinds["targets"] == questions.CHECKBOX  # list of Literal
    assert kinds["ingress"] == kinds["egress"] == questions.ENTRIES  # list of mappings
    assert kinds["service.port"] == kinds["secrets"] == questions.TEXT
    assert question("jdk").choices == typing.get_args(typing.get_type_hints(model.Integration)["jdk"])


def test_target_questions_are_asked_only_for_chosen_targets():
    replicas, user = question("kubernetes.replicas"), question("systemd.user")
    assert not questions.applies(replicas, {"targets": ["docker"]})
    assert questions.applies(replicas, {"targets": ["docker", "kubernetes"]})
    assert not questions.applies(user, {"targets": ["kubernetes"]})
    assert questions.applies(user, {"targets": ["systemd"]})
    assert questions.applies(question("docker.deploy_dir"), {})  # the model's default targets: docker


def test_ingress_entries_do_not_ask_for_a_port_but_egress_entries_do():
    assert "port" not in [q.path for q in question("ingress").items]
    assert "port" in [q.path for q in question("egress").items]


# --- answers are judged by the model, with generate's words -----------------------------


@pytest.mark.parametrize("key, bad", [("service.port", "abc"), ("service.port", "70000"), ("name", "Orders_API"), ("image.tag", "latest")])
def test_a_refused_answer_gets_the_message_generate_prints(key, bad, tmp_path):
    _value, why = questions.judge(question(key), questions.from_text(question(key), bad), {"name": "demo"})
    refused = run("generate", "--set", "name=demo", "--set", f"{key}={bad}", "--output", "unused", "--quiet", cwd=tmp_path)
    assert why and why.startswith(f"{key}: ") and refused.returncode == 2  # the refusal names its subject
    assert f"--set: {why}" in refused.stderr.splitlines()


def test_a_rule_across_fields_refuses_the_answer_that_breaks_it():
    _value, why = questions.judge(question("metrics.port"), questions.from_text(question("metrics.port"), "9443"),
                                  {"name": "demo", "metrics": {"enabled": True}, "service": {"port": 9443}})
    assert why == "metrics.port: 9443 is the service port; choose another"


def test_pasted_secret_value_is_refused_in_name_fields():
    token = "Zq8fK2mX9vL4pR7tW3nB"
    _v, why = questions.judge(question("secrets"), questions.from_text(question("secrets"), f"dbPassword, {token}"), {"name": "demo"})
    assert "looks like a secret value" in why and token not in why
    _v, why = questions.judge(question("name"), questions.from_text(question("name"), "k8s7f2m9x4q1w5e6r3t0y2u8i3o7p1z6"), {})
    assert "looks like a secret value" in why
    assert questions.judge(question("secrets"), questions.from_text(question("secrets"), "dbPassword, apiKey"), {"name": "demo"}) == (["dbPassword", "apiKey"], None)


def test_choices_the_model_refuses_are_offered_disabled_with_its_reason():
    assert questions.refusals(question("targets"), {"name": "demo"}) == {}
    assert questions.refusals(question("runtime"), {"name": "demo"}) == {}
    mi_4_2 = {"name": "demo", "runtime": "mi", "mi": {"version": "4.2.0"}}
    assert questions.refusals(question("jdk"), mi_4_2) == {
        21: "jdk: 21 is not a JDK Micro Integrator 4.2.0 runs on; set jdk to 17",
        25: "jdk: 25 is not a JDK Micro Integrator 4.2.0 runs on; set jdk to 17"}
    assert questions.judge(question("targets"), [], {"name": "demo"}) == (None, "targets: [] is empty; choose at least one target")


def test_a_rule_about_an_entry_names_the_key_it_is_about():
    """rules.py says "is required for an egress peer" of egress[0].port: the wizard's words name egress[0].port."""
    data = {"name": "demo", "egress": [{"name": "db", "labels": {"app": "db"}}]}
    _value, why = questions.judge(question("egress"), [{"name": "db", "labels": {"app": "db"}}], data)
    assert why == "egress[0].port: is required for an egress peer"


# --- the interview -----------------------------------------------------------------------


def test_interview_asks_again_after_a_wrong_value_and_records_the_answers():
    keys = [
        typed("orders"), ENTER, ENTER, DOWN + ENTER,  # name, targets, runtime (mi is disabled), jdk 25
        ENTER, typed("registry.example.com/team/orders"), typed("1.2.0"),  # artifact, image, tag
        typed("abc"), typed("8443"), ENTER,  # a port refused, then accepted; tls
        "y", typed("8443"), typed("9090"),  # metrics on; its port clashes with the service port, then not
        "y", typed("frontend"), typed("app=web"), ENTER, "n",  # ingress peer by labels (no cidr asked), namespace; no second one
        "y", typed("db"), ENTER, typed("10.0.4.0/24"), typed("5432"), "n",  # egress peer by address block: no namespace asked
        typed("dbPassword, apiKey"), ENTER, "n",  # secrets, docker.deploy_dir, no advanced settings
    ]
    with keyboard(*keys):
        got = to_data(interview({}))
    assert got["name"] == "orders" and got["jdk"] == 25
    assert got["image"] == {"name": "registry.example.com/team/orders", "tag": "1.2.0"}
    assert got["service"]["port"] == 8443 and got["metrics"]["port"] == 9090
    assert got["ingress"] == [{"name": "frontend", "labels": {"app": "web"}}]
    assert got["egress"] == [{"name": "db", "labels": {}, "cidr": "10.0.4.0/24", "port": 5432}]
    assert got["secrets"] == ["dbPassword", "apiKey"] and got["targets"] == ["docker"]


def test_a_peer_without_labels_or_cidr_is_asked_again():
    keys = [typed("demo")] + [ENTER] * 8 + ["n",  # targets .. service.tls, no metrics
            "y", typed("anyone"), ENTER, ENTER, ENTER,  # no labels, cidr or namespace: refused
            typed("anyone"), typed("app=web"), ENTER, "n", "n", ENTER, ENTER, "n"]
    with keyboard(*keys):
        got = to_data(interview({}))
    assert got["ingress"] == [{"name": "anyone", "labels": {"app": "web"}}]


def test_rerunning_on_recorded_answers_keeps_them(capsys):
    recorded = {"name": "orders", "jdk": 17, "service": {"port": 8443}, "secrets": ["dbPassword"],
                "ingress": [{"name": "web", "labels": {"app": "web"}}], "jvm": {"max_ram_percentage": 60.0}}
    with keyboard(answer_all_defaults()):
        got = to_data(interview(copy.deepcopy(recorded)))
    for key in ("name", "jdk", "secrets", "ingress"):
        assert got[key] == recorded[key]
    assert got["service"]["port"] == 8443 and got["jvm"]["max_ram_percentage"] == 60.0


def test_recorded_answers_no_question_can_fix_are_refused_before_the_first_question():
    """The withdrawn Security Manager is not asked (ask=False): an answers file that enables it is refused up front."""
    from generator.errors import UserError

    with pytest.raises(UserError, match=r"jvm\.security_manager: true is withdrawn"):
        interview({"name": "orders", "jdk": 17, "jvm": {"security_manager": True}})


def test_choosing_kubernetes_asks_its_settings_and_not_systemds(monkeypatch):
    keys = [typed("orders"), DOWN + SPACE + ENTER]  # targets: docker and kubernetes
    keys += [ENTER] * 6 + [ENTER, ENTER, "n", "n", "n", ENTER]  # runtime .. image.digest, port, tls, metrics, peers, secrets
    keys += [ENTER, typed("orders-prod"), typed("3"), "n"]  # docker.deploy_dir, kubernetes.namespace, .replicas; no advanced
    with keyboard(*keys):
        got = to_data(interview({}))
    assert got["targets"] == ["docker", "kubernetes"]
    assert got["kubernetes"]["namespace"] == "orders-prod" and got["kubernetes"]["replicas"] == 3


def test_advanced_settings_are_asked_only_when_chosen():
    with keyboard(typed("demo"), ENTER * 8, "n", "n", "n", ENTER, ENTER, "y", typed("sha256:" + "a" * 64), ENTER * 80):
        got = to_data(interview({}))
    assert got["image"]["digest"] == "sha256:" + "a" * 64  # docker only: the digest is an advanced setting, asked last


def test_declining_the_advanced_settings_leaves_no_warning_about_an_answer_never_offered():
    """The wizard once warned "pin image.digest" after never asking it: every key a warning names was asked."""
    import re

    from generator.inputs.load import Layers
    from generator.render.pipeline import render_model, validate
    from generator.wizard.prompts import Interview

    keys = [typed("orders"), DOWN + SPACE + ENTER] + [ENTER] * 8 + ["y", ENTER, ENTER, ENTER, "n", "n", ENTER]
    keys += [ENTER, ENTER, ENTER, "n"]  # docker.deploy_dir, kubernetes.namespace, .replicas; no advanced settings
    with keyboard(*keys):
        run = Interview({})
        data = run.run()
    warnings = render_model(validate(Layers(data=data))).plan.warnings
    named = {m for w in warnings for m in re.findall(r"\b(image\.digest|metrics\.from)\b", w)}
    assert named == {"image.digest", "metrics.from"}  # both warn: nothing was answered
    assert "image.digest" in run.offered and "metrics.from.namespace" in run.offered


def test_typing_over_a_default_replaces_it_and_enter_keeps_it():
    """A default is shown, not pre-filled: typed text never appends to it (the wizard recorded 0.1.01.0.0 when it did)."""
    with keyboard(typed("demo"), ENTER * 5, "1.0.0" + ENTER, "8443" + ENTER, ENTER * 80):
        got = to_data(interview({}))
    assert got["image"]["tag"] == "1.0.0" and got["service"]["port"] == 8443
    assert got.get("jdk", 21) == 21  # Enter kept the default


@pytest.mark.parametrize("key", [CTRL_C, CTRL_D])
@pytest.mark.parametrize("prompt", [
    lambda: questionary.text("t", default="typed"),
    lambda: questionary.select("s", choices=["a", "b"]),
    lambda: questionary.confirm("c"),
    lambda: questionary.checkbox("cb", choices=["a"]),
])
def test_ctrl_c_and_ctrl_d_abort_every_kind_of_prompt(prompt, key):
    with keyboard(key), pytest.raises(KeyboardInterrupt):
        ask(prompt())


# --- the command -------------------------------------------------------------------------


def run_init(monkeypatch, *keys: str, args=()) -> int:
    monkeypatch.setattr(init, "has_terminal", lambda: True)
    with keyboard(*keys):
        return cli.main(["init", *args])


def test_init_writes_what_generate_replays_byte_for_byte(monkeypatch, tmp_path, capsys):
    out = tmp_path / "deploy"
    rc = run_init(monkeypatch, typed("demo"), ENTER * 8, "n", "n", "n", typed("dbPassword"), ENTER, "n", "y",
                  args=("--preset", "docker", "--output", str(out)))
    assert rc == 0, capsys.readouterr()
    shown = capsys.readouterr().out
    assert "  new        0644  config/secrets.template.toml" in shown and "hardgen generate --answers" in shown
    generate(tmp_path / "other", answers=[out / ".hardgen" / "answers.yaml"])
    assert tree(out) == tree(tmp_path / "other")


def test_declining_the_summary_writes_nothing(monkeypatch, tmp_path, capsys):
    rc = run_init(monkeypatch, typed("demo"), ENTER * 14, "n", args=("--output", str(tmp_path / "deploy")))
    assert rc == ExitCode.ABORTED
    assert "aborted, nothing written" in capsys.readouterr().err
    assert not (tmp_path / "deploy").exists()


def test_running_out_of_input_aborts_with_130_and_writes_nothing(monkeypatch, tmp_path, capsys):
    rc = run_init(monkeypatch, typed("demo"), ENTER, args=("--output", str(tmp_path / "deploy")))
    assert rc == 130 and "aborted, nothing written" in capsys.readouterr().err
    assert not (tmp_path / "deploy").exists()


def test_init_starts_from_the_answers_already_in_the_output(monkeypatch, tmp_path, capsys):
    out = tmp_path / "deploy"
    generate(out, "name=orders", "service.port=8443", "jdk=17")
    before = tree(out)
    assert run_init(monkeypatch, answer_all_defaults(), args=("--output", str(out))) == 0
    assert tree(out) == before
    assert "deploy: 0 written" in capsys.readouterr().out


def test_init_without_a_terminal_names_the_missing_keys(tmp_path):
    done = run("init", "--preset", "docker", "--output", "deploy", cwd=tmp_path, input="")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == ("init: no terminal to ask in (or --no-input, --defaults), so nothing is asked; the missing keys below: "
                        "run hardgen generate --preset docker --set name=... --output deploy")
    assert lines[1].startswith("missing: name: is required (Integration name")
    assert not (tmp_path / "deploy").exists()


def test_an_unknown_key_in_the_answers_is_refused_before_the_first_question(monkeypatch, tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text("name: demo\nimgae: {tag: 1.0.0}\n")
    assert run_init(monkeypatch, args=("--answers", str(answers), "--output", str(tmp_path / "d"))) == 2
    assert capsys.readouterr().err == f"{answers}: imgae: unknown key 'imgae'; did you mean 'image'?\n"


@pytest.mark.parametrize("flag", ["--no-input", "--defaults"])
def test_init_with_no_input_or_defaults_never_prompts_and_writes_when_nothing_is_missing(monkeypatch, tmp_path, capsys, flag):
    monkeypatch.setattr(init, "has_terminal", lambda: True)
    with keyboard():  # any prompt would read the end of input and abort with 130
        assert cli.main(["init", flag, "--set", "name=demo", "--output", str(tmp_path / "d")]) == 0
    generate(tmp_path / "other", "name=demo")
    assert tree(tmp_path / "d") == tree(tmp_path / "other")


def test_init_without_a_terminal_writes_when_every_answer_is_given(tmp_path):
    done = run("init", "--set", "name=demo", "--output", "deploy", cwd=tmp_path, input="")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "deploy/.hardgen/answers.yaml").read_text().startswith("# ") or (tmp_path / "deploy/Dockerfile").is_file()


def test_without_a_terminal_and_a_missing_answer_init_and_new_exit_2_listing_it(tmp_path):
    for argv in (("init", "--defaults", "--output", "deploy"), ("new", "--defaults", "repo")):
        done = run(*argv, cwd=tmp_path, input="")
        assert done.returncode == 2 and "missing: name: is required" in done.stderr
    assert list(tmp_path.iterdir()) == []

