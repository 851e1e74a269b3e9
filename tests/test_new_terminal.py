"""`hardgen new` through the wizard, in a real pseudo-terminal, as a new user meets it."""

from __future__ import annotations

import tomllib

import pexpect

from tests.support.hardgen import run
from tests.support.wizard_terminal import FIRST_PROMPT, spawn

DOWN, SPACE, CLEAR = "\x1b[B", " ", "\x15"


def answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    child.expect_exact(prompt)
    child.send(keys)


def test_a_new_user_makes_a_repository_through_the_wizard_typing_over_a_default_and_fixing_a_wrong_answer(tmp_path):
    child = spawn("new", "orders", cwd=tmp_path)
    answer(child, FIRST_PROMPT, "orders\r")
    answer(child, "(targets)", DOWN + SPACE + "\r")  # docker and kubernetes
    answer(child, "(runtime)", "\r")
    answer(child, "(jdk)", "\r")
    answer(child, "(artifact", "\r")
    answer(child, "(image.name", "\r")
    answer(child, "(image.tag; Enter: 0.1.0)", "1.0.0\r")  # typed over the default: 1.0.0, never 0.1.01.0.0
    answer(child, "(image.digest", "\r")  # kubernetes warns without it, so it is asked with the ordinary questions
    answer(child, "(service.port; Enter: 9443)", "94438443\r")
    child.expect_exact("service.port: 94438443 is not a port")  # refused, asked again
    child.send(CLEAR + "8443\r")
    answer(child, "(service.tls)", "\r")
    answer(child, "(metrics.enabled)", "n")
    answer(child, "add one? (ingress)", "n")
    answer(child, "add one? (egress)", "n")
    answer(child, "(secrets", "dbPassword\r")
    answer(child, "(docker.deploy_dir", "\r")
    answer(child, "(kubernetes.namespace", "\r")
    answer(child, "(kubernetes.replicas", "\r")
    answer(child, "Also review the advanced settings", "n")
    child.expect_exact("Repository orders/ (package integrations/orders, Ballerina 2201.12.7)")
    answer(child, "Create the repository orders?", "y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    repo = tmp_path / "orders"
    recorded = (repo / "deploy/.hardgen/answers.yaml").read_text()
    assert "tag: 1.0.0" in recorded and "port: 8443" in recorded
    assert "configurable string dbPassword = ?;" in (repo / "main.bal").read_text()
    assert tomllib.loads((repo / "deploy/config/Config.toml").read_text())["integrations"]["orders"]["port"] == 8443
    done = run("regenerate", "--check", "deploy", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr


def test_declining_the_summary_creates_nothing(tmp_path):
    child = spawn("new", "orders", "--set", "targets=[docker]", cwd=tmp_path)
    answer(child, FIRST_PROMPT, "orders\r")
    for prompt in ("(targets)", "(runtime)", "(jdk)", "(artifact", "(image.name", "(image.tag", "(service.port", "(service.tls)",
                   "(metrics.enabled)", "(ingress)", "(egress)", "(secrets", "(docker.deploy_dir", "advanced settings"):
        answer(child, prompt, "\r")  # every default; no advanced settings
    answer(child, "Create the repository orders?", "n")
    child.expect_exact("aborted, nothing written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert list(tmp_path.iterdir()) == []


def test_in_a_terminal_with_every_answer_given_new_asks_nothing(tmp_path):
    child = spawn("new", "orders", "--set", "name=orders", cwd=tmp_path)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "(name" not in child.before and "(targets)" not in child.before  # no question was asked
    assert (tmp_path / "orders/main.bal").is_file()
