"""`hardgen init` end to end, in a real pseudo-terminal, as a user meets it."""

from __future__ import annotations

import pexpect

from tests.support.hardgen import generate, tree
from tests.support.wizard_terminal import FIRST_PROMPT, spawn_init

DOWN, CLEAR = "\x1b[B", "\x15"


def answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    child.expect_exact(prompt)
    child.send(keys)


def test_a_new_user_answers_every_question_and_generate_replays_it_byte_for_byte(tmp_path):
    child = spawn_init("--output", "deploy", cwd=tmp_path)
    answer(child, FIRST_PROMPT, "orders\r")
    answer(child, "(targets)", "\r")  # asked first: every later question depends on it
    answer(child, "(runtime)", "\r")
    answer(child, "(jdk)", DOWN + DOWN + "\r")  # 25
    answer(child, "(artifact", "\r")
    answer(child, "(image.name", "registry.example.com/team/orders\r")
    answer(child, "(image.tag; Enter: 0.1.0)", "latest\r")  # the default is shown, not pre-filled
    child.expect_exact("image.tag: 'latest' is not allowed: 'latest' is not a fixed version; use a release tag")  # refused, asked again
    child.send(CLEAR + "1.4.0\r")
    answer(child, "(service.port; Enter: 9443)", "8443\r")  # typed over the default: 8443, not 94438443
    answer(child, "(service.tls)", "y")
    answer(child, "(metrics.enabled)", "y")
    answer(child, "(metrics.port", "\r")
    answer(child, "Who may call the integration: add one? (ingress)", "y")
    answer(child, "(ingress[0].name", "frontend\r")
    answer(child, "(ingress[0].labels", "app=web\r")
    answer(child, "(ingress[0].namespace", "web\r")  # no address block asked: the peer has labels
    answer(child, "add another? (ingress)", "n")
    answer(child, "add one? (egress)", "y")
    answer(child, "(egress[0].name", "db\r")
    answer(child, "(egress[0].labels", "\r")
    answer(child, "(egress[0].cidr", "10.0.4.0/24\r")
    answer(child, "(egress[0].port", "5432\r")  # no namespace asked: the peer is an address block
    answer(child, "add another? (egress)", "n")
    answer(child, "(secrets", "dbPassword, apiKey\r")
    answer(child, "(docker.deploy_dir", "\r")
    answer(child, "Also review the advanced settings", "n")  # after every ordinary question
    child.expect_exact("new        0644  config/secrets.template.toml")
    answer(child, "Write these files to deploy?", "y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    written = tmp_path / "deploy" / ".hardgen" / "answers.yaml"
    recorded = written.read_text()
    assert "name: orders" in recorded and "tag: 1.4.0" in recorded and "port: 8443" in recorded
    assert "namespace" not in recorded.split("egress:")[1].split("secrets:")[0]
    generate("replayed", answers=["deploy/.hardgen/answers.yaml"], cwd=tmp_path)
    assert tree(tmp_path / "deploy") == tree(tmp_path / "replayed")


def test_ctrl_c_mid_way_exits_130_and_writes_nothing(tmp_path):
    child = spawn_init("--output", "deploy", cwd=tmp_path)
    answer(child, FIRST_PROMPT, "orders\r")
    answer(child, "(targets)", "\r")
    answer(child, "(runtime)", "\r")
    child.expect_exact("(jdk)")
    child.sendcontrol("c")
    child.expect_exact("aborted, nothing written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.iterdir()) == []


def test_ctrl_d_in_a_text_prompt_exits_130_and_writes_nothing(tmp_path):
    child = spawn_init("--output", "deploy", cwd=tmp_path)
    answer(child, FIRST_PROMPT, "orders\r")
    answer(child, "(targets)", "\r")
    answer(child, "(runtime)", "\r")
    answer(child, "(jdk)", "\r")
    child.expect_exact("(artifact")
    child.sendcontrol("d")
    child.expect_exact("aborted, nothing written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.iterdir()) == []

