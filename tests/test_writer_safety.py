"""The writer: never through a symlink, never over a file it did not write, atomic for a new folder."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from tests.support.hardgen import tree

GEN = ("generate", "--preset", "docker", "--set", "name=demo")


def test_refuses_to_write_through_a_symlinked_output(hardgen, tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    r = hardgen(*GEN, "-o", "link", cwd=tmp_path)
    assert r.returncode == 2 and "symbolic link" in r.stderr
    assert list((tmp_path / "real").iterdir()) == []


def test_refuses_a_symlinked_subfolder_inside_the_output(hardgen, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "deploy").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "deploy/jvm")
    r = hardgen(*GEN, "-o", "deploy", cwd=tmp_path)
    assert r.returncode == 2 and "symbolic link" in r.stderr
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_refuses_a_symlink_where_a_file_goes_even_with_force(hardgen, tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "victim").write_text("keep me")
    os.symlink(tmp_path / "victim", tmp_path / "deploy/Dockerfile")
    r = hardgen(*GEN, "--force", "-o", "deploy", cwd=tmp_path)
    assert r.returncode == 2
    assert (tmp_path / "victim").read_text() == "keep me"


def test_does_not_overwrite_a_file_it_did_not_write_unless_forced(hardgen, tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/Dockerfile").write_text("FROM mine\n")
    r = hardgen(*GEN, "-o", "deploy", cwd=tmp_path)
    assert r.returncode == 2 and "Dockerfile exists and was not written by hardgen" in r.stderr
    assert (tmp_path / "deploy/Dockerfile").read_text() == "FROM mine\n"
    assert sorted(p.name for p in (tmp_path / "deploy").iterdir()) == ["Dockerfile"]
    assert hardgen(*GEN, "--force", "-o", "deploy", cwd=tmp_path).returncode == 0
    assert (tmp_path / "deploy/Dockerfile").read_text() != "FROM mine\n"


def test_does_not_overwrite_a_hand_edited_generated_file(hardgen, tmp_path):
    assert hardgen(*GEN, "-o", "deploy", cwd=tmp_path).returncode == 0
    options = tmp_path / "deploy/jvm/java.options"
    options.write_text(options.read_text() + "-Dtuned=yes\n")
    r = hardgen(*GEN, "--set", "jdk=17", "-o", "deploy", cwd=tmp_path)
    assert r.returncode == 2 and "jvm/java.options" in r.stderr and "regenerate" in r.stderr
    assert "-Dtuned=yes" in options.read_text()


def test_files_no_longer_generated_are_removed_when_untouched(hardgen, tmp_path):
    assert hardgen(*GEN, "--set", "targets=[docker, systemd]", "-o", "deploy", cwd=tmp_path).returncode == 0
    assert (tmp_path / "deploy/systemd/install.sh").exists()
    r = hardgen(*GEN, "-o", "deploy", cwd=tmp_path)
    assert r.returncode == 0 and "6 removed" in r.stderr
    assert not (tmp_path / "deploy/systemd").exists()
    assert not (tmp_path / "deploy/.hardgen/base/systemd").exists()


def test_a_failed_run_leaves_no_staging_folder_behind(hardgen, tmp_path, monkeypatch):
    """The writer fails half-way through its renames: the folder is as it was, and no stage is left anywhere.

    (A run refused at validation never reaches the writer; tests/test_safety_writer_faults.py fails every
    file operation in turn and kills the writer at each.)
    """
    assert hardgen(*GEN, "-o", "deploy", cwd=tmp_path).returncode == 0
    before = tree(tmp_path / "deploy")
    real_replace, real_rename, calls = os.replace, os.rename, []

    def replace(src, dst, *args, **kwargs):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(errno.EIO, "the disk gave up", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    def rename(src, dst, *args, **kwargs):
        if Path(dst).name == "fresh":
            raise OSError(errno.EIO, "the disk gave up", str(dst))
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", rename)
    existing = hardgen(*GEN, "--set", "service.port=9444", "--set", "jdk=17", "-o", "deploy", cwd=tmp_path)
    fresh = hardgen(*GEN, "-o", "fresh", cwd=tmp_path)
    monkeypatch.undo()
    assert len(calls) >= 3, "the writer was not reached"
    assert existing.returncode == 2 and "the disk gave up" in existing.stderr and len(existing.stderr.splitlines()) == 1
    assert tree(tmp_path / "deploy") == before, "the files renamed before the failure are put back"
    assert fresh.returncode == 2 and not (tmp_path / "fresh").exists()
    assert list(tmp_path.rglob(".hardgen-stage-*")) == []
    assert hardgen("regenerate", "deploy", "--check", cwd=tmp_path).returncode == 0


def test_unrelated_files_in_the_output_folder_are_left_alone(hardgen, tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy/NOTES.md").write_text("mine")
    assert hardgen(*GEN, "-o", "deploy", cwd=tmp_path).returncode == 0
    assert (tmp_path / "deploy/NOTES.md").read_text() == "mine"
    assert "NOTES.md" in tree(tmp_path / "deploy")


def test_an_unwritable_output_is_a_one_line_error_not_a_traceback(hardgen_process, tmp_path):
    """In a process of its own: what the shell sees is one line on stderr and exit status 2, not a traceback."""
    r = hardgen_process(*GEN, "-o", "/proc/hardgen-cannot-write-here", cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
