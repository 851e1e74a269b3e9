"""hardgen's three-way merge against `git merge-file` (what copier and cruft merge with), on the same trios.

Each pair is an edit an operator makes to a generated file (an env var, a sidecar, a label, a quoted annotation, a
renamed Service, a Config.toml key, JVM flags, unit lines, a leading `---`, Windows line endings, ...) and an
upgrade (an answer changed: `jdk`, `image.tag`, `replicas`, `service.port`, a new egress peer, ...; or a new
hardgen release, simulated by a change of the generated text). The trio is (base: the first render, ours: the
base with the edit, theirs: the render after the upgrade); only pairs where both sides changed the file count.

For each pair and each tool it records:

- clean: merged without a conflict;
- false conflict: a conflict although the edit and the upgrade are independent (they touch different things);
- silent change: a line of the user's that neither side changed is not in the result byte for byte (its quoting,
  its line ending, a `---`), in the merge or in the proposal;
- lost edit: a clean result without a line the user added, or with a line the user deleted back;
- lost upgrade: a clean result without a line the upgrade added, or with a line it deleted.

    python benchmarks/merge_vs_git.py            # every pair, a table per file type; exit 1 if a goal is missed
    python benchmarks/merge_vs_git.py --json F   # the figures as JSON too

Goals (issue #18): no silent change, no lost edit, no lost upgrade, and fewer false conflicts than git in every
file type (none where git has none). tests/test_regenerate_merge_benchmark.py runs a subset of the pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "orders"


# --- edits ---------------------------------------------------------------------------------------------------------


def sub(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    """Replace `old` (which must be there) by `new`, the first `count` times."""
    def edit(text: str) -> str:
        if old not in text:
            raise LookupError(f"{old!r} is not in the file")
        return text.replace(old, new, count)
    return edit


def after(anchor: str, added: str) -> Callable[[str], str]:
    return sub(anchor, anchor + added)


def before(anchor: str, added: str) -> Callable[[str], str]:
    return sub(anchor, added + anchor)


def append(added: str) -> Callable[[str], str]:
    return lambda text: text + added


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def drop_block(first: str, upto: str) -> Callable[[str], str]:
    """Delete from the line `first` up to (not including) the line `upto`."""
    def edit(text: str) -> str:
        start = text.index(first)
        return text[:start] + text[text.index(upto, start):]
    return edit


@dataclass(frozen=True)
class Edit:
    path: str
    name: str
    apply: Callable[[str], str]
    touches: frozenset = frozenset()  # what it changes, to tell an overlapping upgrade from an independent one


def E(path: str, name: str, apply: Callable[[str], str], *touches: str) -> Edit:
    return Edit(path, name, apply, frozenset(touches))


D, S, NP, K = "kubernetes/deployment.yaml", "kubernetes/service.yaml", "kubernetes/networkpolicy.yaml", "kustomization.yaml"
C, J, DF, U, SH = "config/Config.toml", "jvm/java.options", "Dockerfile", f"systemd/{NAME}.service", "systemd/install.sh"
ENV = "              value: /run/hardgen/credentials/secrets.toml:/app/conf/Config.toml\n"

EDITS = [
    E(D, "env var", after(ENV, "            - name: LOG_FORMAT\n              value: json\n")),
    E(D, 'env var "on"', after(ENV, '            - name: FEATURE_X\n              value: "on"\n')),
    E(D, 'annotation "yes"', after(f"  namespace: {NAME}\n", '  annotations:\n    co.elastic.logs/enabled: "yes"\n')),
    E(D, 'annotation "true" and a comment', after(f"  namespace: {NAME}\n",
                                                  '  annotations:  # read by the platform\n    sidecar.istio.io/inject: "true"\n')),
    E(D, "label", after("    app.kubernetes.io/managed-by: hardgen\n", "    team: payments\n")),
    E(D, "sidecar", before("      volumes:\n", "        - name: log-shipper\n          image: fluent/fluent-bit:3.0.4\n"
                                                "          resources:\n            limits:\n              memory: 64Mi\n")),
    E(D, "volume and mount", lambda t: after("              mountPath: /tmp\n", "            - name: cache\n              mountPath: /cache\n")(
        before("      topologySpreadConstraints:\n", "        - name: cache\n          emptyDir:\n            sizeLimit: 32Mi\n")(t))),
    E(D, "memory limit", sub("            limits:\n              cpu: 500m\n              memory: 768Mi\n",
                             "            limits:\n              cpu: 500m\n              memory: 1536Mi\n"), "memory"),
    E(D, "comment", before("  revisionHistoryLimit:", "  # scaled by the HPA in production\n")),
    E(D, "leading ---", lambda t: "---\n" + t),
    E(D, "CRLF", crlf),
    E(D, "replicas", sub("  replicas: 2\n", "  replicas: 4\n"), "replicas"),
    E(D, "image registry", lambda t: t.replace(f"image: {NAME}:", f"image: registry.example.com/{NAME}:", 1), "image"),
    E(D, "nodeSelector", after(f"      serviceAccountName: {NAME}\n", "      nodeSelector:\n        kubernetes.io/os: linux\n")),
    E(D, "tolerations", append("      tolerations:\n        - key: dedicated\n          operator: Equal\n          value: integrations\n"
                               "          effect: NoSchedule\n")),
    E(D, "no liveness probe", drop_block("          livenessProbe:\n", "          lifecycle:\n")),
    E(D, "grace period", after("      hostIPC: false\n", "      terminationGracePeriodSeconds: 45\n")),
    E(D, "priorityClassName yes-quoted", after("      hostIPC: false\n", '      priorityClassName: "yes"\n')),
    E(S, "renamed", sub(f"  name: {NAME}\n", f"  name: {NAME}-api\n")),
    E(S, "annotation", after(f"  namespace: {NAME}\n", '  annotations:\n    service.beta.kubernetes.io/internal: "true"\n')),
    E(S, "second port", append("    - name: admin\n      port: 9090\n      targetPort: 9090\n      protocol: TCP\n")),
    E(S, "comment", lambda t: "# exposed through the mesh gateway\n" + t),
    E(S, "type", sub("  type: ClusterIP\n", "  type: LoadBalancer\n"), "svctype"),
    E(S, "CRLF", crlf),
    E(NP, "egress rule", append("    - to:\n        - ipBlock:\n            cidr: 10.20.0.0/16\n      ports:\n        - protocol: TCP\n"
                                "          port: 5432\n")),
    E(NP, "ingress rule", sub("  ingress: []\n", "  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n"
                                                 "              app: gateway\n      ports:\n        - protocol: TCP\n          port: 9443\n")),
    E(NP, "comment", lambda t: "# reviewed by secops\n" + t),
    E(NP, "label on both", sub("    app.kubernetes.io/managed-by: hardgen\n", "    app.kubernetes.io/managed-by: hardgen\n    team: payments\n", 2)),
    E(K, "resource", after("  - kubernetes/poddisruptionbudget.yaml\n", "  - kubernetes/hpa.yaml\n")),
    E(K, "commonAnnotations", append('commonAnnotations:\n  owner: "payments"\n  oncall: "yes"\n')),
    E(K, "images", append("images:\n  - name: orders\n    newName: registry.example.com/orders\n")),
    E(K, "comment", lambda t: "# applied by Argo CD\n" + t),
    E(K, "leading ---", lambda t: "---\n" + t),
    E(C, "key", append("timeoutSeconds = 30\n")),
    E(C, "log level", sub('level = "INFO"\n', 'level = "DEBUG"\n'), "loglevel"),
    E(C, "table", append('\n[integrations.orders.db]\nhost = "db.internal"\nport = 5432\n')),
    E(C, "comment", before("[integrations.", "# tuned for staging\n")),
    E(C, "CRLF", crlf),
    E(J, "two flags", append("-XX:+UseStringDeduplication\n-Xss512k\n")),
    E(J, "heap percentage", lambda t: t.replace("-XX:MaxRAMPercentage=75.0\n", "-XX:MaxRAMPercentage=80.0\n"), "maxram"),
    E(J, "comment", before("-XX:+UseContainerSupport\n", "# tuned after the load test of March\n")),
    E(J, "no G1", sub("-XX:+UseG1GC\n", "")),
    E(J, "flag in the middle", after("-Djava.io.tmpdir=/tmp\n", "-Dfile.encoding=UTF-8\n")),
    E(DF, "label", after('      org.opencontainers.image.description="WSO2 Integrator (Ballerina) integration orders, hardened by hardgen"\n',
                         'LABEL com.example.team="payments"\n')),
    E(DF, "env", before("USER 10001:10001\n", "ENV TZ=UTC\n")),
    E(DF, "healthcheck interval", sub("--interval=30s", "--interval=15s"), "healthcheck"),
    E(DF, "comment", lambda t: "# syntax=docker/dockerfile:1.7\n" + t),
    E(DF, "CRLF", crlf),
    E(U, "environment", after("Environment=BAL_CONFIG_FILES", "")),  # replaced below: needs the whole line
    E(U, "MemoryMax", lambda t: t.replace("MemoryMax=1G\n", "MemoryMax=3G\n"), "memory_max"),
    E(U, "After= a database", after("After=network-online.target\n", "After=postgresql.service\n")),
    E(U, "comment", before("[Service]\n", "# reviewed by ops\n")),
    E(U, "CPUQuota", after("TasksMax=1024\n", "CPUQuota=200%\n")),
    E(SH, "a last step", append('echo "done: check the journal with journalctl -u orders"\n')),
]
# The unit's Environment= line ends with the Config.toml path: add a line after it.
EDITS[[e.name for e in EDITS].index("environment")] = E(U, "environment", lambda t: t.replace(
    f"Environment=BAL_CONFIG_FILES=%d/secrets.toml:/etc/{NAME}/Config.toml\n",
    f"Environment=BAL_CONFIG_FILES=%d/secrets.toml:/etc/{NAME}/Config.toml\nEnvironment=TZ=UTC\n"))


# --- upgrades ------------------------------------------------------------------------------------------------------


def _new_release(path: str, text: str) -> str:
    """A new hardgen release, as templates change between releases."""
    changes = {
        D: [("  revisionHistoryLimit: 5\n", "  revisionHistoryLimit: 3\n  progressDeadlineSeconds: 600\n")],
        S: [("  type: ClusterIP\n", "  type: ClusterIP\n  sessionAffinity: None\n")],
        NP: [("  policyTypes:\n    - Ingress\n", "  policyTypes:\n    - Ingress\n")],
        K: [("configMapGenerator:\n", "generatorOptions:\n  disableNameSuffixHash: false\nconfigMapGenerator:\n")],
        C: [("[ballerina.log]\n", "[ballerina.log]\n# Dropped records are counted in the metrics.\n")],
        J: [("-XX:+ExitOnOutOfMemoryError\n", "-XX:+ExitOnOutOfMemoryError\n-XX:+PerfDisableSharedMem\n")],
        DF: [("--start-period=60s", "--start-period=90s")],
        U: [("RestartSec=5s\n", "RestartSec=10s\n")],
        SH: [("set -eu\n", "set -eu\n# hardgen 0.2: umask first.\numask 077\n")],
    }
    for old, new in changes.get(path, ()):
        if old in text:
            text = text.replace(old, new, 1)
    return text


@dataclass(frozen=True)
class Upgrade:
    name: str
    sets: tuple = ()
    answers: dict = field(default_factory=dict)
    touches: frozenset = frozenset()
    post: Callable[[str, str], str] | None = None


UPGRADES = [
    Upgrade("jdk 17", ("jdk=17",), touches=frozenset({"jdk"})),
    Upgrade("image.tag", ("image.tag=0.2.0",), touches=frozenset({"image"})),
    Upgrade("replicas", ("kubernetes.replicas=3",), touches=frozenset({"replicas"})),
    Upgrade("service.port", ("service.port=8443",), touches=frozenset({"port"})),
    Upgrade("egress peer", answers={"egress": [{"name": "billing", "labels": {"app": "billing"}, "port": 8080}]}),
    Upgrade("memory", ("kubernetes.resources.memory=1Gi",), touches=frozenset({"memory"})),
    Upgrade("heap percentage", ("jvm.max_ram_percentage=60.0",), touches=frozenset({"maxram"})),
    Upgrade("JVM flag", answers={"jvm": {"extra_flags": ["-XX:+UseStringDeduplication"]}}),
    Upgrade("config value", answers={"config": {"values": {"retries": 3}}}),
    Upgrade("systemd memory", ("systemd.memory_max=2Gi",), touches=frozenset({"memory_max"})),
    Upgrade("new release", touches=frozenset({"healthcheck"}), post=_new_release),
]
PRESETS = ("kubernetes-restricted", "docker", "vm-systemd")


def file_type(path: str) -> str:
    if path == K:
        return "kustomization"
    if path.endswith((".yaml", ".yml")):
        return "manifest YAML"
    if path.endswith(".toml"):
        return "Config.toml"
    if path.endswith(".options"):
        return "java.options"
    if path.endswith("Dockerfile"):
        return "Dockerfile"
    if path.endswith(".service"):
        return "systemd unit"
    return "shell"


# --- renders -------------------------------------------------------------------------------------------------------


def render(preset: str, upgrade: Upgrade | None, scratch: Path) -> dict[str, str]:
    """The files `hardgen generate` writes for the preset (with the upgrade's answers), as text."""
    out = scratch / f"{preset}-{upgrade.name if upgrade else 'base'}".replace(" ", "_")
    args = [sys.executable, "-m", "generator", "generate", "--preset", preset, "--set", f"name={NAME}", "--output", str(out), "--no-input"]
    if upgrade is not None:
        for s in upgrade.sets:
            args += ["--set", s]
        if upgrade.answers:
            answers = out.with_suffix(".answers.json")  # JSON is YAML
            answers.write_text(json.dumps(upgrade.answers))
            args += ["--answers", str(answers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[2:])}: {done.stderr.strip()}")
    files = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*") if p.is_file() and ".hardgen" not in p.parts}
    if upgrade is not None and upgrade.post is not None:
        files = {path: upgrade.post(path, text) for path, text in files.items()}
    return files


@dataclass(frozen=True)
class Pair:
    preset: str
    edit: Edit
    upgrade: Upgrade
    base: str
    ours: str
    theirs: str

    @property
    def independent(self) -> bool:
        return not (self.edit.touches & self.upgrade.touches)

    @property
    def label(self) -> str:
        return f"{self.preset}: {self.edit.path} {self.edit.name} x {self.upgrade.name}"


def pairs(scratch: Path, presets: Iterable[str] = PRESETS, upgrades: Iterable[Upgrade] = UPGRADES) -> list[Pair]:
    """Every (edit, upgrade) of a file both change; a file is counted once per preset where it differs."""
    out: list[Pair] = []
    seen: set[tuple[str, str, str]] = set()
    upgrades = list(upgrades)
    for preset in presets:
        base = render(preset, None, scratch)
        news = [(u, render(preset, u, scratch)) for u in upgrades]
        for edit in EDITS:
            if edit.path not in base:
                continue
            ours = edit.apply(base[edit.path])
            for upgrade, new in news:
                theirs = new.get(edit.path)
                if theirs is None or theirs == base[edit.path] or ours == base[edit.path]:
                    continue
                if (base[edit.path], ours, theirs) in seen:  # the same trio from another preset
                    continue
                seen.add((base[edit.path], ours, theirs))
                out.append(Pair(preset, edit, upgrade, base[edit.path], ours, theirs))
    return out


# --- judging -------------------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    clean: bool
    silent: list[str]
    lost_edits: list[str]
    lost_upgrades: list[str]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _bare(line: str) -> str:
    return line.rstrip("\r\n")


def judge(base: str, ours: str, theirs: str, result: str, clean: bool) -> Verdict:
    """Line multisets: what must be in `result` given what each side did to the base (see the module docstring)."""
    b, o, t, r = (Counter(_lines(x)) for x in (base, ours, theirs, result))
    bb, ob, tb, rb = (Counter(_bare(x) for x in _lines(s)) for s in (base, ours, theirs, result))
    silent, lost_edits, lost_upgrades = [], [], []
    for line, n in o.items():
        bare = _bare(line)
        if bb[bare]:  # a line of the base (perhaps with other line endings): unless the upgrade removed it, it stays
            if r[line] < n + min(0, tb[bare] - bb[bare]):
                silent.append(line)
        elif clean and r[line] < n + min(0, t[line] - b[line]):
            lost_edits.append(line)  # a line the user wrote
    if clean:
        for line, n in bb.items():
            if ob[line] < n and rb[line] > ob[line] + max(0, tb[line] - n):
                lost_edits.append(f"(deleted) {line}")
        for line, n in t.items():
            bare = _bare(line)
            if r[line] < n + min(0, o[line] - b[line]) and rb[bare] < tb[bare] + min(0, ob[bare] - bb[bare]):
                lost_upgrades.append(line)  # not there, not even with the user's line endings
        for line, n in bb.items():
            if tb[line] < n and rb[line] > tb[line] + max(0, ob[line] - n):
                lost_upgrades.append(f"(deleted) {line}")
    return Verdict(clean, silent, lost_edits, lost_upgrades)


def hardgen_merge(path: str, base: str, ours: str, theirs: str) -> tuple[str, bool]:
    sys.path.insert(0, str(ROOT))
    from generator.regenerate.merge import three_way

    merged = three_way(path, base.encode(), ours.encode(), theirs.encode())
    return merged.content.decode(), not merged.conflicts


def git_merge(path: str, base: str, ours: str, theirs: str) -> tuple[str, bool]:
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for side, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            p = Path(tmp, side)
            p.write_bytes(text.encode())
            names.append(str(p))
        done = subprocess.run(["git", "merge-file", "-p", *names], capture_output=True)
        if done.returncode < 0:
            raise RuntimeError(f"git merge-file failed on {path}: {done.stderr.decode()}")
        return done.stdout.decode(), done.returncode == 0


TOOLS = {"hardgen": hardgen_merge, "git merge-file": git_merge}


@dataclass
class Tally:
    pairs: int = 0
    independent: int = 0
    clean: int = 0
    false_conflicts: int = 0
    silent: int = 0
    lost_edits: int = 0
    lost_upgrades: int = 0
    examples: list[str] = field(default_factory=list)


def run(all_pairs: list[Pair]) -> dict[str, dict[str, Tally]]:
    """{tool: {file type: tally}}"""
    out: dict[str, dict[str, Tally]] = {tool: {} for tool in TOOLS}
    for pair in all_pairs:
        for tool, merge in TOOLS.items():
            result, clean = merge(pair.edit.path, pair.base, pair.ours, pair.theirs)
            v = judge(pair.base, pair.ours, pair.theirs, result, clean)
            tally = out[tool].setdefault(file_type(pair.edit.path), Tally())
            tally.pairs += 1
            tally.independent += pair.independent
            tally.clean += clean
            tally.false_conflicts += (not clean) and pair.independent
            for attr, found in (("silent", v.silent), ("lost_edits", v.lost_edits), ("lost_upgrades", v.lost_upgrades)):
                if found:
                    setattr(tally, attr, getattr(tally, attr) + 1)
                    tally.examples.append(f"{attr}: {pair.label}: {found[0]!r}")
    return out


def misses(results: dict[str, dict[str, Tally]]) -> list[str]:
    """The goals of issue #18 that these results miss."""
    out = []
    git = results["git merge-file"]
    for kind, ours in sorted(results["hardgen"].items()):
        for attr in ("silent", "lost_edits", "lost_upgrades"):
            if getattr(ours, attr):
                out.append(f"{kind}: {getattr(ours, attr)} pairs with {attr.replace('_', ' ')}")
        theirs = git[kind].false_conflicts
        if ours.false_conflicts and ours.false_conflicts >= theirs:
            out.append(f"{kind}: {ours.false_conflicts} false conflicts, git merge-file {theirs}")
    return out


def table(results: dict[str, dict[str, Tally]]) -> str:
    rows = ["| file type | pairs (independent) | clean: hardgen / git | false conflicts | silent changes | lost edits | lost upgrades |",
            "|---|---|---|---|---|---|---|"]
    hg, git = results["hardgen"], results["git merge-file"]
    total = {tool: Tally() for tool in results}
    for kind in sorted(hg):
        a, g = hg[kind], git[kind]
        rows.append(f"| {kind} | {a.pairs} ({a.independent}) | {a.clean} / {g.clean} | {a.false_conflicts} / {g.false_conflicts} | "
                    f"{a.silent} / {g.silent} | {a.lost_edits} / {g.lost_edits} | {a.lost_upgrades} / {g.lost_upgrades} |")
        for tool, t in (("hardgen", a), ("git merge-file", g)):
            for attr in ("pairs", "independent", "clean", "false_conflicts", "silent", "lost_edits", "lost_upgrades"):
                setattr(total[tool], attr, getattr(total[tool], attr) + getattr(t, attr))
    a, g = total["hardgen"], total["git merge-file"]
    rows.append(f"| **all** | {a.pairs} ({a.independent}) | {a.clean} / {g.clean} | {a.false_conflicts} / {g.false_conflicts} | "
                f"{a.silent} / {g.silent} | {a.lost_edits} / {g.lost_edits} | {a.lost_upgrades} / {g.lost_upgrades} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures here as JSON too")
    parser.add_argument("--examples", action="store_true", help="print every pair that missed a goal")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hardgen-merge-bench-") as tmp:
        all_pairs = pairs(Path(tmp))
        results = run(all_pairs)
    print(f"{len(all_pairs)} (hand edit, upgrade) pairs; each cell: hardgen / git merge-file\n")
    print(table(results))
    missed = misses(results)
    if args.examples or missed:
        for tool, kinds in results.items():
            for tally in kinds.values():
                for example in tally.examples:
                    print(f"  {tool}: {example}")
    if args.json:
        args.json.write_text(json.dumps({tool: {k: {a: v for a, v in vars(t).items()} for k, t in kinds.items()}
                                         for tool, kinds in results.items()}, indent=2))
    for miss in missed:
        print(f"missed: {miss}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
