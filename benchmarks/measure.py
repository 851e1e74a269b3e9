"""Whole-process measurements: wall time, CPU time and peak RSS of one child, medians over interleaved rounds.

These machines are noisy (shared cores, other jobs' disk traffic), so a figure
is the median of several runs, and the commands that are compared are run in
turns within each round: a slow patch of time then hits all of them alike
instead of one. CPU time is kept next to wall time: when wall time is far above
it, the machine was busy, not the program slow.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Run:
    wall: float  # seconds, time.perf_counter around spawn .. reap
    cpu: float  # seconds, user + system of the child
    rss_kb: int  # peak resident set of the child (ru_maxrss, KiB on Linux)


@dataclass
class Command:
    """A command to time; `before` runs untimed before every run (e.g. removing the last run's output)."""

    argv: list[str]
    env: dict[str, str] | None = None
    cwd: str | None = None
    before: Callable[[], None] | None = None
    ok_codes: tuple[int, ...] = (0,)
    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def best(self) -> float:
        """The fastest run: a busy machine only ever adds time, a slower hardgen slows every run."""
        return min(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak_rss_kb(self) -> int:
        return max(r.rss_kb for r in self.runs)


class CommandFailed(RuntimeError):
    pass


def run_once(cmd: Command) -> Run:
    if cmd.before:
        cmd.before()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd.argv, env=cmd.env, cwd=cmd.cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Reap the child ourselves: wait4 hands back its own rusage (CPU time, ru_maxrss).
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode not in cmd.ok_codes:
        tail = stderr.decode(errors="replace").strip().splitlines()[-5:]
        raise CommandFailed(f"{' '.join(cmd.argv[:6])}{' ...' if len(cmd.argv) > 6 else ''} exited {proc.returncode}: " + " | ".join(tail))
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def interleaved(commands: dict[str, Command], rounds: int, warmup: int = 1) -> None:
    """Run every command once per round, in turn; warm-up rounds (page cache, .pyc) are not kept."""
    for i in range(warmup + rounds):
        for cmd in commands.values():
            run = run_once(cmd)
            if i >= warmup:
                cmd.runs.append(run)


def time_to_text(argv: list[str], env: dict[str, str], cwd: str, pattern: str, rounds: int, timeout: float = 20.0) -> list[float]:
    """Seconds from spawning `argv` in a pseudo-terminal until its output first matches `pattern`."""
    import pexpect

    out = []
    for i in range(rounds + 1):
        start = time.perf_counter()
        child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=cwd, dimensions=(40, 120), timeout=timeout)
        try:
            child.expect(pattern)
            elapsed = time.perf_counter() - start
        finally:
            child.terminate(force=True)
            child.close(force=True)
        if i:  # the first run warms caches
            out.append(elapsed)
    return out
