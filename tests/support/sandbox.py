"""Run a generated output the way it is deployed, without Docker or Kubernetes: namespaces, mounts and a cgroup.

Why: every linter passes hardgen's artefacts, yet a runtime fails on some of them (a noexec /tmp under a native
TLS library, a JMX agent a "false" starts, a heap sized from host RAM). Only running the program under the
same mounts, user, limits and options shows that. There is no Docker engine and no cluster here, so this module
builds what they would build from the generated files, and nothing else:

* `docker_spec(output, project, jdk)`: the documented `docker run ...` line, parsed from the Dockerfile's header
  comment (never hard-coded), applied to the image the Dockerfile describes.
* `kubernetes_spec(output, project, jdk, secret_files)`: the Deployment's container (env, volumeMounts, security
  context, memory limit) with the ConfigMaps' data, applied to the same image.
* `run(spec, ...)` starts it and answers the questions the tests ask (the probe's report, a TLS client inside its
  network namespace, `jcmd <pid> ManagementAgent.status` from outside), then stops it.

The image: the host's own / (read-only overlay, lowerdir=/) stands in for the base image, plus what the
Dockerfile's COPY lines put in (honouring --chown/--chmod and the build-context filter `Dockerfile.dockerignore`),
its RUN lines run in a chroot as root, WORKDIR, ENV, USER and ENTRYPOINT. The real base image's Temurin JRE is not
here: the chosen JDK is bind-mounted read-only at /opt/java/openjdk, where eclipse-temurin images keep it
(their Dockerfiles: `ENV JAVA_HOME /opt/java/openjdk`, `ENV PATH $JAVA_HOME/bin:$PATH`), and `java` is found
through PATH as the ENTRYPOINT's exec form does.

The container: `unshare --mount --pid --fork --net --uts --ipc` runs a generated bash script as PID 1 of the new
namespaces. The script builds the image layer on a tmpfs, mounts the root read-only (`--read-only`,
readOnlyRootFilesystem), /proc, a read-only /sys with the cgroup v1 hierarchies bound the way Docker binds them
(the memory hierarchy at the container's own cgroup), a minimal /dev, the tmpfs and bind mounts with their
effective options, then `chroot` + `setpriv` (user, groups, no capabilities, no_new_privs) and `exec`s the
entrypoint. The whole sandbox joins a memory cgroup created for it under this process's own memory cgroup
(memory.limit_in_bytes = `--memory` / `resources.limits.memory`).

Not emulated (and not needed by what the tests check): seccomp and AppArmor profiles, /etc/hosts and
/etc/resolv.conf, published ports (`-p` is checked against the listener instead), the kubelet's atomic-writer
symlinks in configMap and secret volumes.

Clean-up: every mount lives in the sandbox's private mount namespace and disappears with it; `run` kills the
namespace's init (so every process in it) and removes the cgroup, also when a check fails.
`leftovers()` lists anything of ours still mounted, in a cgroup or running (the tests assert it is empty).
"""

from __future__ import annotations

import contextlib
import ctypes
import fnmatch
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import runtime_probe
from tests.support.toolbox import java_home

PREFIX = "hardgen-sbx"
_counter = itertools.count()
#: Where eclipse-temurin images keep their JRE (and so where the chosen JDK is mounted).
IMAGE_JAVA_HOME = "/opt/java/openjdk"
#: The environment eclipse-temurin images set (docker-library/eclipse-temurin Dockerfiles).
BASE_IMAGE_ENV = {
    "JAVA_HOME": IMAGE_JAVA_HOME,
    "PATH": f"{IMAGE_JAVA_HOME}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "en_US.UTF-8",
    "LANGUAGE": "en_US:en",
    "LC_ALL": "en_US.UTF-8",
}
#: Docker's default capability set (moby oci/caps/defaults.go), kept when `--cap-drop ALL` is not given.
DOCKER_DEFAULT_CAPS = ("chown", "dac_override", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
                       "net_bind_service", "net_raw", "sys_chroot", "mknod", "audit_write", "setfcap")
#: Options Docker puts before the user's on every `--tmpfs` (moby daemon/oci_linux.go setMounts:
#: `options := []string{"noexec", "nosuid", "nodev", ...}` then mount.MergeTmpfsOptions with the user's, so a
#: later `exec` wins). Docker's docs say the same (docker/docs content/manuals/engine/storage/tmpfs.md, "Options
#: for --tmpfs"; docker/docs#8138 "The tmpfs documentation says nothing about noexec").
DOCKER_TMPFS_DEFAULTS = ("rw", "noexec", "nosuid", "nodev")
_OPPOSITES = {"ro": "rw", "exec": "noexec", "suid": "nosuid", "dev": "nodev", "atime": "noatime",
              "diratime": "nodiratime", "relatime": "norelatime", "strictatime": "nostrictatime", "sync": "async"}
_OPPOSITES.update({v: k for k, v in list(_OPPOSITES.items())})
#: Commands the Dockerfile header may give to prepare the files `docker run -v` mounts (run as root, no shell;
#: `a && b` is two commands, a leading `sudo` is dropped). Copies (`cp`) are left out: the header's copy of the
#: template would undo the filling, which no command expresses.
PREPARATION_COMMANDS = ("chown", "chgrp", "chmod", "install", "setfacl")
#: kubelet SetVolumeOwnership (kubernetes/kubernetes pkg/volume/volume_linux.go): with fsGroup, every file of the
#: volume gets group fsGroup and mode |= 0440 (read-only volumes: secret, configMap, projected) or |= 0660.
KUBELET_RO_MASK, KUBELET_RW_MASK = 0o440, 0o660


class SandboxError(AssertionError):
    """The generated files ask for something this harness cannot emulate, or the sandbox itself failed."""


# ---------------------------------------------------------------------------------------------------------------
# What to run
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Copy:
    source: Path  # in the build context
    target: str
    uid: int = 0
    gid: int = 0
    mode: int | None = None  # None: the source file's own mode (what COPY keeps)


@dataclass
class Image:
    base: str = ""
    copies: list[Copy] = field(default_factory=list)
    runs: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (shell command, ENV at that point)
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=lambda: dict(BASE_IMAGE_ENV))
    user: str = "0"
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    exposed: list[int] = field(default_factory=list)
    workdirs: list[str] = field(default_factory=list)


@dataclass
class Tmpfs:
    target: str
    options: list[str]  # effective mount options


@dataclass
class Bind:
    target: str
    source: Path
    read_only: bool


@dataclass
class Spec:
    """One container: an image plus how it is run."""

    image: Image
    jdk: int
    read_only: bool = False
    tmpfs: list[Tmpfs] = field(default_factory=list)
    binds: list[Bind] = field(default_factory=list)
    uid: int = 0
    gid: int = 0
    groups: list[int] = field(default_factory=list)
    memory_limit: int | None = None
    cap_drop_all: bool = False
    no_new_privs: bool = False
    env: dict[str, str] = field(default_factory=dict)  # on top of the image's ENV
    argv: list[str] = field(default_factory=list)  # entrypoint + command
    hostname: str = "sandbox"
    ports: list[tuple[int, int]] = field(default_factory=list)  # docker -p (host, container)

    def mount(self, target: str) -> Tmpfs | Bind | None:
        return next((m for m in [*self.tmpfs, *self.binds] if m.target.rstrip("/") == target.rstrip("/")), None)


# ---------------------------------------------------------------------------------------------------------------
# The Dockerfile and its documented `docker run` line
# ---------------------------------------------------------------------------------------------------------------

def header_comment(dockerfile_text: str) -> list[str]:
    """The Dockerfile's leading comment lines, without the '#'."""
    out = []
    for line in dockerfile_text.splitlines():
        if not line.startswith("#"):
            break
        out.append(line[1:])
    return out


def _commands(lines: list[str]) -> list[str]:
    """Commands written in comment lines, '\\'-continued lines joined."""
    joined, current = [], ""
    for line in lines:
        text = line.strip()
        if current:
            current += " " + text
        else:
            current = text
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        joined.append(current)
        current = ""
    if current:
        joined.append(current)
    return joined


def documented_run_line(dockerfile_text: str) -> list[str]:
    """The `docker run ...` command the Dockerfile's header documents, as argv (quotes removed, $PWD kept)."""
    for command in _commands(header_comment(dockerfile_text)):
        at = command.find("docker run ")
        if at >= 0:
            return shlex.split(command[at:])
    raise SandboxError("the Dockerfile's header documents no `docker run` command")


def documented_preparation(dockerfile_text: str) -> list[list[str]]:
    """Commands in the header that prepare files for the run (chown/chmod/install ... of the mounted files)."""
    out = []
    for command in _commands(header_comment(dockerfile_text)):
        try:
            words = shlex.split(command)
        except ValueError:
            continue
        argv: list[str] = []
        for word in [*words, "&&"]:  # `a && b` and `a; b` are two commands
            if word in ("&&", ";"):
                if argv and argv[0] == "sudo":
                    argv = argv[1:]
                if argv and argv[0] in PREPARATION_COMMANDS:
                    out.append(argv)
                argv = []
            else:
                argv.append(word)
    return out


def _expand_pwd(text: str, pwd: Path) -> str:
    return text.replace("${PWD}", str(pwd)).replace("$PWD", str(pwd))


def merge_tmpfs_options(user: str | None) -> list[str]:
    """Docker's effective `--tmpfs` options: its defaults, then the user's; a later flag beats its opposite."""
    merged: list[str] = []
    for option in [*DOCKER_TMPFS_DEFAULTS, *((user or "").split(",") if user else [])]:
        option = option.strip()
        if not option:
            continue
        key = option.split("=", 1)[0]
        merged = [m for m in merged if m != _OPPOSITES.get(option) and m.split("=", 1)[0] != key]
        merged.append(option)
    return merged


def _dockerignore_allows(patterns: list[str], path: str) -> bool:
    """BuildKit's .dockerignore: the last pattern matching the path or one of its parent folders decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
    allowed = True
    for raw in patterns:
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip().lstrip("/")
        regex = fnmatch.translate(pattern).replace(".*", "[^/]*")  # Go's filepath.Match: '*' never crosses '/'
        if any(re.fullmatch(regex, c) for c in candidates):
            allowed = negate
    return allowed


def _instructions(text: str) -> list[tuple[str, str]]:
    out, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        current = f"{current} {stripped}" if current else stripped
        if current.endswith("\\"):
            current = current[:-1].rstrip()
            continue
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def parse_dockerfile(dockerfile: Path, context: Path) -> Image:
    """The image a Dockerfile describes, with its COPY sources checked against `<Dockerfile>.dockerignore`."""
    ignore_file = dockerfile.with_name(dockerfile.name + ".dockerignore")
    if not ignore_file.exists():
        ignore_file = context / ".dockerignore"
    patterns = ignore_file.read_text().splitlines() if ignore_file.exists() else []
    image = Image()
    for word, rest in _instructions(dockerfile.read_text()):
        if word == "FROM":
            image.base = rest
        elif word in ("LABEL", "HEALTHCHECK", "ARG"):
            continue
        elif word == "EXPOSE":
            image.exposed += [int(p.split("/")[0]) for p in rest.split()]
        elif word == "RUN":
            image.runs.append((rest, dict(image.env)))
        elif word == "COPY":
            args = shlex.split(rest)
            flags = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in args if a.startswith("--")}
            paths = [a for a in args if not a.startswith("--")]
            unknown = set(flags) - {"--chown", "--chmod"}
            if unknown or len(paths) != 2:
                raise SandboxError(f"COPY {rest}: the harness knows one source, --chown and --chmod only")
            source, target = paths
            if not _dockerignore_allows(patterns, source):
                raise SandboxError(f"COPY {source}: excluded from the build context by {ignore_file.name}")
            if not (context / source).is_file():
                raise SandboxError(f"COPY {source}: no such file in the build context {context}")
            uid, _, gid = flags.get("--chown", "0:0").partition(":")
            if not uid.isdigit() or not (gid or uid).isdigit():
                raise SandboxError(f"COPY --chown={flags['--chown']}: the harness knows numeric ids only")
            mode = int(flags["--chmod"], 8) if "--chmod" in flags else None
            if target.endswith("/"):
                target += Path(source).name
            image.copies.append(Copy(context / source, target, int(uid), int(gid or uid), mode))
        elif word == "WORKDIR":
            image.workdir = rest
            image.workdirs.append(rest)
        elif word == "ENV":
            if "=" in rest.split()[0]:
                for item in shlex.split(rest):
                    key, _, value = item.partition("=")
                    image.env[key] = value
            else:
                key, _, value = rest.partition(" ")
                image.env[key] = value.strip()
        elif word == "USER":
            image.user = rest
        elif word in ("ENTRYPOINT", "CMD"):
            try:
                argv = json.loads(rest)
            except json.JSONDecodeError:
                argv = ["/bin/sh", "-c", rest]  # shell form
            if word == "ENTRYPOINT":
                image.entrypoint = argv
            else:
                image.cmd = argv
        else:
            raise SandboxError(f"Dockerfile instruction {word} is not emulated by the harness")
    return image


def _user(text: str) -> tuple[int, int]:
    uid, _, gid = text.partition(":")
    if not uid.isdigit() or (gid and not gid.isdigit()):
        raise SandboxError(f"user {text!r}: the harness knows numeric uid[:gid] only")
    return int(uid), int(gid) if gid else 0


def docker_spec(output: Path, project: Path, jdk: int) -> Spec:
    """What the documented `docker run` line (Dockerfile header) does with the image the Dockerfile builds.

    `output` is hardgen's output folder (it holds the Dockerfile), `project` the build context and $PWD.
    """
    dockerfile = output / "Dockerfile"
    argv = documented_run_line(dockerfile.read_text())
    image = parse_dockerfile(dockerfile, project)
    spec = Spec(image=image, jdk=jdk)
    user = image.user
    args = argv[2:]
    image_ref = None
    k = 0
    with_value = {"--tmpfs", "-v", "--volume", "--cap-drop", "--cap-add", "--security-opt", "--memory", "-m",
                  "--user", "-u", "-p", "--publish", "--name", "-e", "--env", "--memory-swap", "--pids-limit"}
    while k < len(args):
        arg = args[k]
        if not arg.startswith("-"):
            image_ref = arg
            spec.argv = args[k + 1:]
            break
        name, eq, value = arg.partition("=")
        if name in with_value and not eq:
            k += 1
            value = args[k]
        k += 1
        if name == "--read-only":
            spec.read_only = True
        elif name == "--rm" or name in ("-d", "-it", "-i", "-t", "--name", "--pids-limit", "--memory-swap"):
            continue
        elif name == "--tmpfs":
            target, _, options = value.partition(":")
            spec.tmpfs.append(Tmpfs(target, merge_tmpfs_options(options or None)))
        elif name in ("-v", "--volume"):
            parts = _expand_pwd(value, project).split(":")
            if len(parts) not in (2, 3) or not parts[0].startswith("/"):
                raise SandboxError(f"-v {value}: the harness knows host-path binds SRC:DST[:ro] only")
            spec.binds.append(Bind(parts[1], Path(parts[0]), len(parts) == 3 and "ro" in parts[2].split(",")))
        elif name == "--cap-drop":
            if value.upper() != "ALL":
                raise SandboxError(f"--cap-drop {value}: the harness knows --cap-drop ALL only")
            spec.cap_drop_all = True
        elif name == "--security-opt":
            if value not in ("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"):
                raise SandboxError(f"--security-opt {value} is not emulated")
            spec.no_new_privs = True
        elif name in ("--memory", "-m"):
            spec.memory_limit = runtime_probe.size_bytes(value)
        elif name in ("--user", "-u"):
            user = value
        elif name in ("-p", "--publish"):
            host_part, _, container_part = value.rpartition(":")
            spec.ports.append((int(host_part.rpartition(":")[2] or container_part), int(container_part.split("/")[0])))
        elif name in ("-e", "--env"):
            key, _, val = value.partition("=")
            spec.env[key] = val if _ else os.environ.get(key, "")
        else:
            raise SandboxError(f"docker run option {name} is not emulated by the harness")
    if image_ref is None:
        raise SandboxError(f"the documented run line names no image: {' '.join(argv)}")
    spec.uid, spec.gid = _user(user)
    spec.hostname = image_ref.split(":")[0].split("/")[-1][:63]
    spec.argv = [*image.entrypoint, *(spec.argv or image.cmd)]
    for bind in spec.binds:
        if not bind.source.exists():
            raise SandboxError(f"-v {bind.source}:{bind.target}: the source does not exist (Docker would create an "
                               "empty directory there and the program would find a folder instead of its file)")
    return spec


# ---------------------------------------------------------------------------------------------------------------
# The Deployment
# ---------------------------------------------------------------------------------------------------------------

def kubernetes_spec(output: Path, project: Path, jdk: int, secret_files: dict[str, Path], stage: Path) -> Spec:
    """The Deployment's container, run on the image its Dockerfile builds (the Deployment runs that image).

    `secret_files` maps a Secret's key (e.g. `secrets.toml`) to the file the operator put into it;
    `stage` is a folder for the volumes' contents (as the kubelet lays them out on the node).
    """
    from tests.support.kube import load_all, of_kind

    objects = load_all(output / "kubernetes")
    deployment = of_kind(objects, "Deployment")[0]
    configmaps = {c["metadata"]["name"]: c for c in of_kind(objects, "ConfigMap")}
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    image = parse_dockerfile(output / "Dockerfile", project)
    spec = Spec(image=image, jdk=jdk, hostname=deployment["metadata"]["name"])
    built = documented_build_tag(output / "Dockerfile")
    if container["image"].split("@")[0] != built:
        raise SandboxError(f"the Deployment runs {container['image']}, the Dockerfile's documented build tags {built}")
    pod_sc, sc = pod.get("securityContext", {}), container.get("securityContext", {})
    image_uid, image_gid = _user(image.user)
    spec.uid = sc.get("runAsUser", pod_sc.get("runAsUser", image_uid))
    spec.gid = sc.get("runAsGroup", pod_sc.get("runAsGroup", image_gid))
    fs_group = pod_sc.get("fsGroup")
    spec.groups = sorted({*([fs_group] if fs_group is not None else []), *pod_sc.get("supplementalGroups", [])})
    spec.read_only = bool(sc.get("readOnlyRootFilesystem"))
    spec.cap_drop_all = "ALL" in sc.get("capabilities", {}).get("drop", [])
    spec.no_new_privs = sc.get("allowPrivilegeEscalation") is False
    limit = container.get("resources", {}).get("limits", {}).get("memory")
    spec.memory_limit = runtime_probe.size_bytes(limit) if limit else None
    for item in container.get("env", []):
        if "value" not in item:
            raise SandboxError(f"env {item['name']}: only literal values are emulated")
        spec.env[item["name"]] = str(item["value"])
    spec.argv = [*(container.get("command") or image.entrypoint), *(container.get("args") or image.cmd)]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        target = mount["mountPath"]
        read_only = bool(mount.get("readOnly"))
        if "emptyDir" in volume:
            # An emptyDir is a folder on the node: exec-able; 0777, and with fsGroup group-owned and setgid.
            options = ["rw", "nosuid", "nodev", "mode=2777" if fs_group is not None else "mode=0777"]
            if fs_group is not None:
                options.append(f"gid={fs_group}")
            size = volume["emptyDir"].get("sizeLimit")
            if size:
                options.append(f"size={runtime_probe.size_bytes(size)}")
            spec.tmpfs.append(Tmpfs(target, options))
            continue
        folder = stage / mount["name"]
        folder.mkdir(parents=True)
        if "configMap" in volume:
            data = configmaps[volume["configMap"]["name"]]["data"]
            default_mode = volume["configMap"].get("defaultMode", 0o644)
            items = volume["configMap"].get("items") or [{"key": k, "path": k} for k in data]
            for item in items:
                _volume_file(folder / item["path"], data[item["key"]].encode(), item.get("mode", default_mode), fs_group,
                             KUBELET_RO_MASK)
        elif "projected" in volume or "secret" in volume:
            projected = volume.get("projected") or {"sources": [{"secret": volume["secret"]}],
                                                    "defaultMode": volume["secret"].get("defaultMode")}
            default_mode = projected.get("defaultMode") or 0o644
            for source in projected["sources"]:
                if "secret" not in source:
                    raise SandboxError(f"volume {mount['name']}: only secret sources are emulated")
                for item in source["secret"].get("items") or [{"key": k, "path": k} for k in secret_files]:
                    if item["key"] not in secret_files:
                        raise SandboxError(f"the Secret has no key {item['key']!r}; the test gave {sorted(secret_files)}")
                    _volume_file(folder / item["path"], secret_files[item["key"]].read_bytes(),
                                 item.get("mode", default_mode), fs_group, KUBELET_RO_MASK)
        else:
            raise SandboxError(f"volume {mount['name']}: {sorted(volume)} is not emulated")
        spec.binds.append(Bind(target, folder, True if ("configMap" in volume or "projected" in volume
                                                          or "secret" in volume) else read_only))
    return spec


def _volume_file(path: Path, content: bytes, mode: int, fs_group: int | None, mask: int) -> None:
    """A file as the kubelet leaves it: owned by root, the volume's mode, then SetVolumeOwnership with fsGroup."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if fs_group is not None:
        os.chown(path, 0, fs_group)
        mode |= mask
    os.chmod(path, mode)


def documented_build_tag(dockerfile: Path) -> str:
    for command in _commands(header_comment(dockerfile.read_text())):
        at = command.find("docker build ")
        if at >= 0:
            argv = shlex.split(command[at:])
            for k, arg in enumerate(argv):
                if arg == "-t":
                    return argv[k + 1]
                if arg.startswith("--tag="):
                    return arg.split("=", 1)[1]
    raise SandboxError("the Dockerfile's header documents no `docker build -t TAG` command")


# ---------------------------------------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Result:
    spec: Spec
    exit_code: int | None  # None: still running when it was stopped (it served)
    stdout: str
    stderr: str
    setup_log: str
    report: dict | None  # printed by the probe when it started
    client: dict | None  # what the client in its network namespace got
    agent_status: str | None  # `jcmd <pid> ManagementAgent.status` (stdout + stderr)
    effective_mounts: str  # the sandbox's mountinfo, as the program saw it

    @property
    def started(self) -> bool:
        return self.report is not None

    def explain(self) -> str:
        text = f"exit code: {self.exit_code}\nstderr:\n{self.stderr}\nstdout:\n{self.stdout[-3000:]}"
        if "SANDBOX-READY" not in self.setup_log:  # the sandbox itself failed: show how far it got
            text += f"\nsandbox setup log (tail):\n{self.setup_log[-3000:]}"
        return text


def _q(value: object) -> str:
    return shlex.quote(str(value))


def _cgroup_hierarchies() -> list[tuple[str, str]]:
    """(mount folder under /sys/fs/cgroup, this process's path) of each cgroup v1 hierarchy."""
    out = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if not controllers:
            continue  # the cgroup v2 line
        folder = controllers.replace("name=", "")
        if Path("/sys/fs/cgroup", folder).is_dir():
            out.append((folder, path))
    return out


def _memory_cgroup_parent() -> Path:
    for folder, path in _cgroup_hierarchies():
        if folder == "memory":
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
    raise SandboxError("no cgroup v1 memory hierarchy at /sys/fs/cgroup/memory (this harness needs one)")


def _script(spec: Spec, work: Path, cgroup: Path, setup_log: Path) -> str:
    """The bash script that PID 1 of the sandbox's namespaces runs."""
    W, R = _q(work), _q(work / "root")
    lines = [
        "set -euo pipefail",
        "umask 022",
        f"exec 3>&1 4>&2 >{_q(setup_log)} 2>&1",
        "set -x",
        f"echo 0 > {_q(cgroup / 'cgroup.procs')}  # the sandbox joins its memory cgroup",
        f"hostname {_q(spec.hostname)}",
        "ip link set lo up",
        f"mount -t tmpfs -o mode=0755 {PREFIX} {W}",
        f"mkdir {W}/image {W}/work {W}/root {W}/init {W}/upper {W}/work2",
        # ---- the image: host / plus the Dockerfile's layer, built in a writable overlay ----
        f"mount -t overlay {PREFIX}-build -o lowerdir=/,upperdir={W}/image,workdir={W}/work {R}",
        f"mkdir -p {R}{IMAGE_JAVA_HOME}",
    ]
    for copy in spec.image.copies:
        mode = copy.mode if copy.mode is not None else copy.source.stat().st_mode & 0o7777
        target = f"{R}{_q(copy.target)}"
        lines += [f"mkdir -p \"$(dirname {target})\"", f"cp {_q(copy.source)} {target}",
                  f"chown {copy.uid}:{copy.gid} {target}", f"chmod {mode:o} {target}"]
    for command, env in spec.image.runs:
        env_args = " ".join(_q(f"{k}={v}") for k, v in env.items())
        lines.append(f"chroot {R} /usr/bin/env -i HOME=/root {env_args} /bin/sh -c {_q(command)}")
    for workdir in spec.image.workdirs:
        lines.append(f"mkdir -p {R}{_q(workdir)}")
    lines.append(f"umount {R}")
    # ---- the container's init layer: the mount points Docker (or the kubelet's runtime) creates ----
    for m in [*spec.tmpfs, *spec.binds]:
        if isinstance(m, Bind) and m.source.is_file():
            lines += [f"mkdir -p \"$(dirname {W}/init{_q(m.target)})\"", f"touch {W}/init{_q(m.target)}"]
        else:
            lines.append(f"mkdir -p {W}/init{_q(m.target)}")
    layers = f"lowerdir={W}/init:{W}/image:/"
    if spec.read_only:
        lines.append(f"mount -t overlay {PREFIX}-root -o ro,{layers} {R}")
    else:
        lines.append(f"mount -t overlay {PREFIX}-root -o {layers},upperdir={W}/upper,workdir={W}/work2 {R}")
    lines += [
        f"mount --bind {_q(java_home(spec.jdk))} {R}{IMAGE_JAVA_HOME}",
        f"mount -o remount,bind,ro {R}{IMAGE_JAVA_HOME}",
        f"mount -t proc -o nosuid,nodev,noexec proc {R}/proc",
        f"mount -t sysfs -o ro,nosuid,nodev,noexec sysfs {R}/sys",
        f"mount -t tmpfs -o nosuid,nodev,noexec,mode=0755 cgroup {R}/sys/fs/cgroup",
    ]
    for folder, path in _cgroup_hierarchies():
        source = cgroup if folder == "memory" else Path("/sys/fs/cgroup", folder) / path.lstrip("/")
        lines += [f"mkdir {R}/sys/fs/cgroup/{_q(folder)}",
                  f"mount --bind {_q(source)} {R}/sys/fs/cgroup/{_q(folder)}",
                  f"mount -o remount,bind,ro,nosuid,nodev,noexec {R}/sys/fs/cgroup/{_q(folder)}"]
    lines += [
        f"mount -o remount,ro {R}/sys/fs/cgroup",
        f"mount -t tmpfs -o nosuid,mode=0755,size=65536k dev {R}/dev",
    ]
    for device in ("null", "zero", "full", "random", "urandom", "tty"):
        lines += [f"touch {R}/dev/{device}", f"mount --bind /dev/{device} {R}/dev/{device}"]
    lines += [f"ln -s /proc/self/fd {R}/dev/fd", f"ln -s /proc/self/fd/0 {R}/dev/stdin",
              f"ln -s /proc/self/fd/1 {R}/dev/stdout", f"ln -s /proc/self/fd/2 {R}/dev/stderr",
              f"mkdir {R}/dev/shm", f"mount -t tmpfs -o nosuid,nodev,noexec,size=65536k shm {R}/dev/shm"]
    # ---- the run-time mounts, parents before children ----
    for m in sorted([*spec.tmpfs, *spec.binds], key=lambda m: m.target.count("/")):
        target = f"{R}{_q(m.target)}"
        if isinstance(m, Tmpfs):
            lines.append(f"mount -t tmpfs -o {_q(','.join(m.options))} tmpfs {target}")
        else:
            lines.append(f"mount --bind {_q(m.source)} {target}")
            if m.read_only:
                lines.append(f"mount -o remount,bind,ro {target}")
    # ---- the process: environment, working directory, user, capabilities, no_new_privs ----
    env = {**spec.image.env, "HOSTNAME": spec.hostname, "HOME": "/" if spec.uid else "/root", **spec.env}
    setpriv = ["setpriv", f"--reuid={spec.uid}", f"--regid={spec.gid}",
               f"--groups={','.join(map(str, spec.groups))}" if spec.groups else "--clear-groups",
               "--inh-caps=-all", "--ambient-caps=-all",
               "--bounding-set=-all" if spec.cap_drop_all else
               "--bounding-set=-all," + ",".join(f"+{c}" for c in DOCKER_DEFAULT_CAPS)]
    if spec.no_new_privs:
        setpriv.append("--no-new-privs")
    lines += [
        f"cat /proc/self/mountinfo > {W}/../mountinfo.txt 2>/dev/null || true",
        "set +x",
        "echo SANDBOX-READY",
        "exec 1>&3 2>&4 3>&- 4>&-",
        f"exec chroot {R} /usr/bin/env -i -C {_q(spec.image.workdir)} "
        + " ".join(_q(f"{k}={v}") for k, v in env.items()) + " "
        + " ".join(_q(a) for a in setpriv) + " -- " + " ".join(_q(a) for a in spec.argv),
    ]
    return "\n".join(lines) + "\n"


def _die_with_parent() -> None:
    """preexec: the sandbox (its unshare) gets SIGKILL if the test process dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child_of(pid: int) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def _wait_for(predicate, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def run(spec: Spec, folder: Path, *, client: bool = True, agent: bool = True, start_timeout: float = 90,
        listener_tls: bool | None = None, metrics: str | None = None) -> Result:
    """Start `spec`, wait for the probe's report (or its exit), ask the questions, stop it, clean up.

    `folder` is an empty folder for the sandbox's files (its mount points, stdout, stderr, logs).
    The client runs when the probe started; it talks to the probe's listener port from its report (TLS when the
    report says so, or `listener_tls`) and to `metrics` ("host:port") if given, else the report's metrics address.
    """
    if os.geteuid() != 0:
        raise SandboxError("the sandbox needs root (mounts, namespaces, cgroups)")
    n = next(_counter)
    name = f"{PREFIX}-{os.getpid()}-{n}"
    work = folder / name
    work.mkdir(parents=True)
    out, err, setup = folder / "stdout.txt", folder / "stderr.txt", folder / "setup.log"
    cgroup = _memory_cgroup_parent() / name
    script = folder / f"{name}.sh"
    proc: subprocess.Popen | None = None
    pid1: int | None = None
    report = client_result = agent_status = None
    try:
        cgroup.mkdir()
        if spec.memory_limit is not None:
            (cgroup / "memory.limit_in_bytes").write_text(str(spec.memory_limit))
        script.write_text(_script(spec, work, cgroup, setup))
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child=SIGKILL",
                 "--net", "--uts", "--ipc", "bash", str(script)],
                stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, preexec_fn=_die_with_parent,
                env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
            )
        pid1 = _wait_for(lambda: _child_of(proc.pid), 10)

        def started() -> bool:
            return proc.poll() is not None or runtime_probe.report_from_stdout(out.read_text(errors="replace")) is not None

        _wait_for(started, start_timeout)
        report = runtime_probe.report_from_stdout(out.read_text(errors="replace"))
        if report is not None and pid1 is not None:
            if client:
                tls = report.get("listenerTls") if listener_tls is None else listener_tls
                spec_json = runtime_probe.client_spec(report["listenerPort"], bool(tls), metrics or report.get("metrics"))
                done = subprocess.run(["nsenter", f"--net=/proc/{pid1}/ns/net", "--", sys.executable, "-c",
                                       runtime_probe.CLIENT, spec_json], capture_output=True, text=True, timeout=120)
                client_result = runtime_probe.parse_client_output(done.stdout + "\n" + done.stderr)
            if agent:
                jcmd = Path(java_home(spec.jdk)) / "bin" / "jcmd"
                done = subprocess.run([str(jcmd), str(pid1), "ManagementAgent.status"], capture_output=True, text=True,
                                      timeout=60)
                agent_status = done.stdout + done.stderr
    finally:
        exit_code = _stop(proc, pid1)
        _remove_cgroup(cgroup)
    mountinfo = folder / "mountinfo.txt"
    return Result(spec, exit_code, out.read_text(errors="replace"), err.read_text(errors="replace"),
                  setup.read_text(errors="replace") if setup.exists() else "", report, client_result, agent_status,
                  mountinfo.read_text() if mountinfo.exists() else "")


def _stop(proc: subprocess.Popen | None, pid1: int | None) -> int | None:
    """SIGTERM to the program (PID 1 of the sandbox), then SIGKILL; the namespace's end kills the rest."""
    if proc is None:
        return None
    if proc.poll() is not None:
        return _program_exit(proc.returncode)
    if pid1 is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid1, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        if pid1 is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid1, signal.SIGKILL)
        proc.kill()
        proc.wait(timeout=15)
    return None  # it was running: stopped by the harness


def _program_exit(code: int) -> int:
    """unshare exits with its child's status; a signal shows as 128+n."""
    return code if code >= 0 else 128 - code


def _remove_cgroup(cgroup: Path) -> None:
    def gone() -> bool:
        try:
            cgroup.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            return False

    if not _wait_for(gone, 15, 0.1):
        for pid in (cgroup / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        if not _wait_for(gone, 10, 0.1):
            raise SandboxError(f"could not remove the cgroup {cgroup}")


def leftovers() -> list[str]:
    """Anything of the sandbox's still around: mounts (in any namespace), cgroups, processes."""
    found = []
    for mountinfo in Path("/proc").glob("[0-9]*/mountinfo"):
        with contextlib.suppress(OSError):
            if PREFIX in mountinfo.read_text():
                found.append(f"mount of {PREFIX} in {mountinfo}")
    memory = Path("/sys/fs/cgroup/memory")
    if memory.is_dir():
        found += [f"cgroup {p}" for p in memory.rglob(f"{PREFIX}-*") if p.is_dir()]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if f"{PREFIX}-" in cmdline.read_bytes().decode(errors="replace"):
                found.append(f"process {cmdline.parent.name}: {cmdline.read_bytes()!r}")
    return found


def mount_options(result: Result, target: str) -> list[str]:
    """The options the program's mount at `target` had (from the sandbox's mountinfo), for messages."""
    for line in result.effective_mounts.splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[4].endswith(target.rstrip("/")):
            return fields[5].split(",") + line.split(" - ")[-1].split()[-1].split(",")
    return []


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
