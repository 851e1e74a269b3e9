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
    answer(child, "runtime - ", "\r")
    answer(child, "jdk - ", DOWN + DOWN + "\r")  # 25
    answer(child, "artifact - ", "\r")
    answer(child, "image.name - ", "registry.example.com/team/orders\r")
    answer(child, "image.tag - ", CLEAR + "latest\r")
    child.expect_exact("'latest' is not allowed: 'latest' is not a fixed version; use a release tag")  # refused, asked again
    child.send(CLEAR + "1.4.0\r")
    answer(child, "Also review the advanced settings", "n")
    answer(child, "service.port - ", CLEAR + "8443\r")
    answer(child, "service.tls - ", "y")
    answer(child, "metrics.enabled - ", "y")
    answer(child, "metrics.port - ", "\r")
    answer(child, "ingress: add an entry", "y")
    answer(child, "ingress[0].name - ", "frontend\r")
    answer(child, "ingress[0].labels - ", "app=web\r")
    answer(child, "ingress[0].namespace - ", "web\r")
    answer(child, "ingress: add another entry", "n")
    answer(child, "egress: add an entry", "y")
    answer(child, "egress[0].name - ", "db\r")
    answer(child, "egress[0].labels - ", "\r")
    answer(child, "egress[0].namespace - ", "\r")
    answer(child, "egress[0].cidr - ", "10.0.4.0/24\r")
    answer(child, "egress[0].port - ", "5432\r")
    answer(child, "egress: add another entry", "n")
    answer(child, "secrets - ", "dbPassword, apiKey\r")
    answer(child, "targets - ", "\r")
    answer(child, "docker.deploy_dir - ", "\r")
    child.expect_exact("new        0644  config/secrets.template.toml")
    answer(child, "Write these files to deploy?", "y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    written = tmp_path / "deploy" / ".hardgen" / "answers.yaml"
    assert "name: orders" in written.read_text()
    generate("replayed", answers=["deploy/.hardgen/answers.yaml"], cwd=tmp_path)
    assert tree(tmp_path / "deploy") == tree(tmp_path / "replayed")


def test_ctrl_c_mid_way_exits_130_and_writes_nothing(tmp_path):
    child = spawn_init("--output", "deploy", cwd=tmp_path)
    answer(child, FIRST_PROMPT, "orders\r")
    answer(child, "runtime - ", "\r")
    child.expect_exact("jdk - ")
    child.sendcontrol("c")
    child.expect_exact("aborted, nothing written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.iterdir()) == []


def test_ctrl_d_in_a_text_prompt_exits_130_and_writes_nothing(tmp_path):
    child = spawn_init("--output", "deploy", cwd=tmp_path)
    answer(child, FIRST_PROMPT, "orders\r")
    answer(child, "runtime - ", "\r")
    answer(child, "jdk - ", "\r")
    child.expect_exact("artifact - ")
    child.sendcontrol("d")
    child.expect_exact("aborted, nothing written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.iterdir()) == []

