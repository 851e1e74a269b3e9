"""A real systemd booted as PID 1 in a systemd-nspawn container, for end-to-end tests of generated units.

Why a container: a unit's sandbox (credentials, PrivateUsers=, SystemCallFilter=,
IPAddressDeny=) is only proven by a service manager that applies it, and the
test machines have no systemd of their own (PID 1 is not systemd) and must not
get one. The container's root is an overlay of the host's root (lowerdir=/),
with the writable layer on a tmpfs, so it boots the host's own systemd and JDKs
in about a second, and whatever the test installs vanishes with the tmpfs.

Settings that make nspawn work without a host systemd or D-Bus:
`--register=no` (no machined) and `--keep-unit` (no transient scope from the
host's manager). `--private-network` gives the container its own loopback only,
so the service port cannot clash with the host. The container boots only to
`basic.target` (passed to its systemd as `--unit=`), which skips whatever the
host image happens to enable (databases, getty, timers' work).

Commands run inside through `nsenter` into all of the leader's namespaces.
Teardown always runs: poweroff (SIGRTMIN+4 to the container's systemd), then
SIGKILL if it lingers, then the overlay and tmpfs are unmounted.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BOOT_TIMEOUT = 90
_counter = itertools.count()
#: Environment of every command run inside: no pager, no colours, a plain PATH.
INSIDE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "SYSTEMD_PAGER": "",
    "SYSTEMD_COLORS": "0",
    "TERM": "dumb",
}


class ContainerRefused(RuntimeError):
    """The kernel refuses what a container needs (overlayfs, namespaces); tests skip with this reason."""


class HostUnfit(RuntimeError):
    """This host lacks what the harness needs (root, systemd-container): like a missing tool, it fails under CI."""


#: What systemd-nspawn prints when the kernel, not the harness, stops the container.
KERNEL_REFUSALS = ("Operation not permitted", "Permission denied", "not supported", "No such device", "Invalid argument")


@dataclass
class BootedSystem:
    machine: str
    root: Path  # the container's / as seen from the host
    leader: int  # host PID of the container's systemd (PID 1 inside)
    console: Path  # the boot log

    def run(self, *argv: str, check: bool = True, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess:
        """Run `argv` inside the container (all its namespaces, its root and cwd /), as root."""
        cmd = ["nsenter", "-t", str(self.leader), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--", *argv]
        proc = subprocess.run(cmd, env=INSIDE_ENV, input=input, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"in container {self.machine}: {' '.join(argv)} exited {proc.returncode}\n"
                                 f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def path(self, inside: str) -> Path:
        """The host path of an absolute path inside the container (writes land in the tmpfs layer)."""
        return self.root / inside.lstrip("/")

    def copy_in(self, source: Path, inside: str) -> str:
        target = self.path(inside)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
        return inside


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


def _umount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _leader_of(nspawn: subprocess.Popen) -> int | None:
    """The container's PID 1: the child of the nspawn process (nspawn forks it through a short-lived helper)."""
    try:
        children = Path(f"/proc/{nspawn.pid}/task/{nspawn.pid}/children").read_text().split()
    except OSError:
        return None
    for pid in children:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "systemd":
                return int(pid)
        except OSError:
            continue
    return None


def preflight() -> None:
    """Raise ContainerRefused with the reason when this host cannot run the container at all."""
    if os.geteuid() != 0:
        raise HostUnfit("needs root to mount the overlay and start systemd-nspawn")
    for tool in ("systemd-nspawn", "nsenter", "mount"):
        if shutil.which(tool) is None:
            raise HostUnfit(f"{tool} is not installed (systemd-nspawn comes with Debian's systemd-container; run tests/tools/install.sh)")
    if not Path("/lib/systemd/systemd").exists():
        raise HostUnfit("no systemd on this host to boot in the container")


@contextlib.contextmanager
def booted_system(boot_timeout: float = BOOT_TIMEOUT) -> Iterator[BootedSystem]:
    preflight()
    machine = f"hardgen-{os.getpid()}-{next(_counter)}"
    work = Path(tempfile.mkdtemp(prefix="hardgen-nspawn-"))
    layers, root = work / "layers", work / "root"
    layers.mkdir()
    root.mkdir()
    mounted: list[Path] = []
    nspawn: subprocess.Popen | None = None
    console = work / "console.log"
    try:
        proc = _mount("-t", "tmpfs", "-o", "mode=0755", "hardgen-layers", str(layers))
        if proc.returncode:
            raise ContainerRefused(f"mounting a tmpfs failed: {proc.stderr.strip()}")
        mounted.append(layers)
        (layers / "upper").mkdir()
        (layers / "work").mkdir()
        proc = _mount("-t", "overlay", "overlay", "-o", f"lowerdir=/,upperdir={layers}/upper,workdir={layers}/work", str(root))
        if proc.returncode:
            raise ContainerRefused(f"the kernel refused an overlay of / : {proc.stderr.strip()}")
        mounted.append(root)
        with console.open("wb") as log:
            nspawn = subprocess.Popen(
                ["systemd-nspawn", "--quiet", "--boot", "--directory", str(root), "--machine", machine,
                 "--register=no", "--keep-unit", "--private-network", "--console=passive",
                 "--", "--unit=basic.target"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        system = _wait_for_boot(nspawn, machine, root, console, boot_timeout)
        yield system
    finally:
        if nspawn is not None:
            _power_off(nspawn)
        for path in reversed(mounted):
            _umount(path)
        shutil.rmtree(f"/run/systemd/nspawn/propagate/{machine}", ignore_errors=True)
        if not any(p.is_mount() for p in mounted):
            shutil.rmtree(work, ignore_errors=True)


def _wait_for_boot(nspawn: subprocess.Popen, machine: str, root: Path, console: Path, timeout: float) -> BootedSystem:
    deadline = time.monotonic() + timeout
    leader = None
    while time.monotonic() < deadline:
        if nspawn.poll() is not None:
            tail = console.read_text(errors="replace")[-2000:]
            why = f"systemd-nspawn exited with {nspawn.returncode} before the container booted:\n{tail}"
            raise (ContainerRefused if any(r in tail for r in KERNEL_REFUSALS) else AssertionError)(why)
        leader = leader or _leader_of(nspawn)
        if leader:
            system = BootedSystem(machine, root, leader, console)
            state = system.run("systemctl", "is-system-running", "--wait", check=False, timeout=max(1, deadline - time.monotonic()))
            if state.stdout.strip() in ("running", "degraded"):
                return system
        time.sleep(0.2)
    raise AssertionError(f"container {machine} did not boot in {timeout}s:\n{console.read_text(errors='replace')[-3000:]}")


def _power_off(nspawn: subprocess.Popen) -> None:
    if nspawn.poll() is None:
        leader = _leader_of(nspawn)
        if leader:
            with contextlib.suppress(ProcessLookupError):
                os.kill(leader, signal.SIGRTMIN + 4)  # systemd: poweroff
        try:
            nspawn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            nspawn.kill()
            nspawn.wait(timeout=20)


#: The `systemd.java` tests generate with: `systemd.java` refuses a JDK under /tmp (others could replace it), which is
#: where a checkout's .tools may be, so the script under test is pointed at the checkout's JVM afterwards.
JDK_UNDER_TEST = "/opt/jdk-under-test/bin/java"


def run_install_sh_with(script: Path, java: str | Path) -> None:
    """Point a generated install.sh, made with `systemd.java=JDK_UNDER_TEST`, at the real JVM `java`."""
    text = script.read_text()
    assert f"JAVA='{JDK_UNDER_TEST}'\n" in text, "generate with systemd.java=JDK_UNDER_TEST"
    script.write_text(text.replace(f"JAVA='{JDK_UNDER_TEST}'\n", f"JAVA='{java}'\n"))


def fake_root_install(tmp_path: Path) -> dict[str, str]:
    """Without a container: an environment in which an install script believes it runs as root and every tool
    that would change the host fails loudly (`CHANGED <tool>` on stderr, exit 99). A script's checks can then be
    run as a normal process: a refusal must come before the first `CHANGED`, an acceptance reaches it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "id").write_text("#!/bin/sh\necho 0\n")
    for tool in ("systemd-sysusers", "systemd-tmpfiles", "install", "systemctl"):
        (bin_dir / tool).write_text(f"#!/bin/sh\necho CHANGED {tool} >&2\nexit 99\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def mi_install_inputs(tmp_path: Path, out: Path) -> tuple[Path, dict[str, str]]:
    """What an MI install.sh needs beside the output (a CAR folder, stand-ins for the stores and the vault password)
    and a `fake_root_install` environment whose `unzip` fails loudly too: MI's zip is the first thing unpacked."""
    cars = tmp_path / "carbonapps"
    cars.mkdir()
    (cars / "orders_1.0.0.car").write_bytes(b"car")
    for name in ("keystore.p12", "truststore.p12", "password-persist"):
        (out / "config" / name).write_bytes(b"not-a-real-" + name.encode())
    env = fake_root_install(tmp_path)
    (tmp_path / "bin" / "unzip").write_text("#!/bin/sh\necho CHANGED unzip >&2\nexit 99\n")
    (tmp_path / "bin" / "unzip").chmod(0o755)
    return cars, env
