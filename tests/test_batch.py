"""`hardgen generate --batch`: one folder per answers file, the same bytes as single runs, all or nothing."""

from __future__ import annotations

from pathlib import Path

from tests.support.hardgen import generate, tree


def write_answers(folder: Path, name: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\n{extra}")
    return path


def test_each_answers_file_gets_its_own_folder_identical_to_a_single_run(hardgen_process, tmp_path):
    """End to end, in a process of its own, as a pipeline runs it."""
    write_answers(tmp_path / "many", "orders", "jdk: 17\nsecrets: [dbPassword]\n")
    write_answers(tmp_path / "many", "billing", "metrics: {enabled: true}\n")
    lone = write_answers(tmp_path / "one", "payments", "service: {port: 8443}\n")
    r = hardgen_process("generate", "--batch", "many", "--batch", str(lone), "--preset", "docker", "--set", "image.tag=2.0.1",
                        "--output", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["billing", "orders", "payments"]
    assert "3 integrations generated" in r.stderr
    for name, answers in (("orders", "many/orders.yaml"), ("billing", "many/billing.yaml"), ("payments", "one/payments.yaml")):
        generate(f"single/{name}", "image.tag=2.0.1", preset="docker", answers=[answers], cwd=tmp_path)
        assert tree(tmp_path / "out" / name) == tree(tmp_path / "single" / name), name


def test_set_wins_over_the_answers_file_which_wins_over_the_preset(hardgen, tmp_path):
    write_answers(tmp_path / "in", "orders", "jdk: 17\nservice: {port: 8443}\n")
    r = hardgen("generate", "--batch", "in", "--preset", "docker", "--set", "service.port=9000", "-o", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    answers = (tmp_path / "out/orders/.hardgen/answers.yaml").read_text()
    assert "jdk: 17\n" in answers  # the file over the preset's 21
    assert "port: 9000\n" in answers  # --set over the file


def test_one_invalid_file_writes_nothing_and_names_the_file(hardgen, tmp_path):
    write_answers(tmp_path / "in", "alpha")
    write_answers(tmp_path / "in", "beta", "service: {port: 70000}\n")
    write_answers(tmp_path / "in", "gamma")
    r = hardgen("generate", "--batch", "in", "--preset", "docker", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2
    assert "in/beta.yaml: service.port:" in r.stderr
    assert "alpha" not in r.stderr and "gamma" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_name_and_a_duplicate_name_are_reported_against_their_files(hardgen, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in/a.yaml").write_text("name: same\n")
    (tmp_path / "in/b.yaml").write_text("name: same\n")
    (tmp_path / "in/c.yaml").write_text("jdk: 17\n")
    r = hardgen("generate", "--batch", "in", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2
    assert "in/b.yaml: name: 'same' is also the name in in/a.yaml" in r.stderr
    assert "in/c.yaml: name: is required" in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_foreign_file_in_one_output_folder_stops_the_batch_before_any_write(hardgen, tmp_path):
    write_answers(tmp_path / "in", "alpha")
    write_answers(tmp_path / "in", "beta")
    (tmp_path / "out/beta").mkdir(parents=True)
    (tmp_path / "out/beta/Dockerfile").write_text("FROM scratch\n")
    r = hardgen("generate", "--batch", "in", "--preset", "docker", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2
    assert "out/beta (from in/beta.yaml): Dockerfile exists" in r.stderr
    assert not (tmp_path / "out/alpha").exists()
    assert (tmp_path / "out/beta/Dockerfile").read_text() == "FROM scratch\n"


def test_a_folder_without_answers_files_and_answers_with_batch_are_usage_errors(hardgen, tmp_path):
    (tmp_path / "empty").mkdir()
    r = hardgen("generate", "--batch", "empty", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2 and "empty: holds no *.yaml answers files" in r.stderr
    write_answers(tmp_path / "in", "alpha")
    r = hardgen("generate", "--batch", "in", "--answers", "in/alpha.yaml", "-o", "out", cwd=tmp_path)
    assert r.returncode == 2 and "--answers: cannot be combined with --batch" in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_second_batch_run_writes_nothing(hardgen, tmp_path):
    write_answers(tmp_path / "in", "alpha")
    args = ("generate", "--batch", "in", "--preset", "docker", "-o", "out")
    assert hardgen(*args, cwd=tmp_path).returncode == 0
    first = tree(tmp_path / "out")
    again = hardgen(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 written" in again.stderr
    assert tree(tmp_path / "out") == first


def test_a_warning_every_integration_shares_is_said_once_naming_them(hardgen, tmp_path):
    """The README's batch example (--output deploy/) puts each folder at deploy/<name>, not at docker.deploy_dir."""
    for name in ("orders", "billing", "payments"):
        write_answers(tmp_path / "integrations", name)
    r = hardgen("generate", "--batch", "integrations/", "--preset", "docker", "--set", "jdk=25", "--output", "deploy/", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    said = [line for line in r.stderr.splitlines() if "docker.deploy_dir" in line]
    assert len(said) == 1, r.stderr
    assert said[0].startswith("integrations/billing.yaml, integrations/orders.yaml, integrations/payments.yaml: warning: ")
    assert "'deploy/<name>'" in said[0]
