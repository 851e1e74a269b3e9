"""A regeneration that changes the JDK or the base image warns about the pins it makes stale (issue #14)."""

from __future__ import annotations

from tests.support.hardgen import generate

OUT = "deploy"
IMAGE = "image.digest=sha256:" + "a" * 64
BASE = "image.base_digest=sha256:" + "b" * 64


def warnings_of(result) -> list[str]:
    return [line.split(": warning: ", 1)[1] for line in (result.stdout + result.stderr).splitlines() if f"{OUT}: warning: " in line]


def test_a_jdk_change_warns_that_the_pinned_image_and_base_digests_predate_it(hardgen, tmp_path):
    generate(OUT, "name=demo", IMAGE, BASE, "targets=[docker, kubernetes]", "kubernetes.resources.memory=768Mi", preset="docker", cwd=tmp_path)
    done = hardgen("regenerate", OUT, "--set", "jdk=25", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    said = warnings_of(done)
    assert len(said) == 2
    assert said[0].startswith("image.base_digest pins the base image of before the change (JDK 21 -> 25)")
    assert "pin the digest of 'eclipse-temurin:25-jre-noble'" in said[0]
    assert said[1].startswith("image.digest pins the integration image built before the change (JDK 21 -> 25)")
    assert "rebuild the image" in said[1] and "a" * 64 not in done.stdout + done.stderr, "a digest is never echoed"


def test_a_base_image_change_warns_about_its_digest_unless_a_new_one_is_pinned_with_it(hardgen, tmp_path):
    generate(OUT, "name=demo", BASE, preset="docker", cwd=tmp_path)
    moved = hardgen("regenerate", OUT, "--dry-run", "--set", "image.base=eclipse-temurin:21.0.5_11-jre-noble", cwd=tmp_path)
    assert [w.split(":", 1)[0] for w in warnings_of(moved)] == ["image.base_digest pins the base image of before the change (base image 'eclipse-temurin"]
    repinned = hardgen("regenerate", OUT, "--dry-run", "--set", "image.base=eclipse-temurin:21.0.5_11-jre-noble",
                       "--set", "image.base_digest=sha256:" + "c" * 64, cwd=tmp_path)
    assert warnings_of(repinned) == []


def test_no_warning_when_neither_the_jdk_nor_the_base_image_changes(hardgen, tmp_path):
    generate(OUT, "name=demo", IMAGE, BASE, preset="docker", cwd=tmp_path)
    done = hardgen("regenerate", OUT, "--set", "service.port=9444", cwd=tmp_path)
    assert done.returncode == 0 and warnings_of(done) == []


def test_a_jdk_change_on_a_vm_with_the_default_java_warns_that_the_vms_java_must_follow(hardgen, tmp_path):
    generate(OUT, "name=demo", "targets=[systemd]", preset="docker", cwd=tmp_path)
    done = hardgen("regenerate", OUT, "--dry-run", "--set", "jdk=25", cwd=tmp_path)
    assert warnings_of(done) == ["JDK 21 -> 25 on a VM: systemd.java is /usr/bin/java, the VM's default java (Debian 12's is 17), "
                                 "which must be Java 25 or newer (install.sh refuses an older one): install a Java 25 runtime and make it "
                                 "the default, or point systemd.java at it (--set systemd.java=/path/to/bin/java)"]
    own = hardgen("regenerate", OUT, "--dry-run", "--set", "jdk=25", "--set", "systemd.java=/opt/jdk-25/bin/java", cwd=tmp_path)
    assert warnings_of(own) == []
