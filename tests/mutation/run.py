"""Mutation testing of hardgen's security-critical modules with cosmic-ray (issue #17).

Why a script and not a pytest test: one mutant costs one fresh pytest process, so a module
costs minutes; it is run by hand before a release or after a change to a module it covers,
never by `.ci/run`. docs/mutation.md says why cosmic-ray and holds the latest result.

What it does, per module of tests/mutation/modules.toml: copies the working tree (tracked and
untracked, not ignored files) into a scratch folder, so the checkout is never mutated; runs the
module's fast test subset once unmutated (it must pass); lets cosmic-ray write each mutant to
disk and run that subset in a new process (so closures made at import time, like the
`dns_label(63)` checks, are mutated too); then lists each surviving mutant that
tests/mutation/explained.toml does not explain. Exit 0: no unexplained survivor; 1: some; 2: bad
use or a red baseline.

A mutant is keyed by module, enclosing function and the source line before and after the
mutation, never by line number, so an explanation survives edits elsewhere in the file.
"""

from __future__ import annotations

import argparse
import ast
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MODULES = HERE / "modules.toml"
EXPLAINED = HERE / "explained.toml"
PYTEST = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-m", "not container and not jvm and not reviewers"]


@dataclass(frozen=True)
class Mutant:
    module: str
    function: str
    line: str
    mutant: str
    operator: str
    lineno: int

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.module, self.function, self.line, self.mutant)


def _load_modules() -> dict[str, dict]:
    data = tomllib.loads(MODULES.read_text(encoding="utf-8"))
    return {m["path"]: m for m in data["module"]}


def _load_explained() -> dict[tuple[str, str, str, str], str]:
    if not EXPLAINED.exists():
        return {}
    data = tomllib.loads(EXPLAINED.read_text(encoding="utf-8"))
    out = {}
    for e in data.get("equivalent", []):
        out[(e["module"], e["function"], e["line"], e["mutant"])] = e["why"]
    return out


def _copy_tree(dest: Path) -> None:
    """The working tree as git sees it (edits and new files included, ignored files not)."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if not src.is_file():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    tools = ROOT / ".tools"
    if tools.exists():
        (dest / ".tools").symlink_to(tools.resolve())


def _functions(source: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function and class, outermost first."""
    spans: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                spans.append((first, child.end_lineno or child.lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return spans


def _enclosing(spans: list[tuple[int, int, str]], lineno: int) -> str:
    inside = [s for s in spans if s[0] <= lineno <= s[1]]
    return max(inside, key=lambda s: s[0])[2] if inside else "<module>"


def _diff_lines(diff: str) -> tuple[str, str]:
    before = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---") and ln[1:].strip()]
    after = [ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++") and ln[1:].strip()]
    return " / ".join(before), " / ".join(after)


def _config(module: str, command: list[str], timeout: float, operators: list[str]) -> str:
    lines = [
        "[cosmic-ray]",
        f"module-path = {module!r}",
        f"timeout = {timeout}",
        "excluded-modules = []",
        f"test-command = {shlex.join(command)!r}",
        "",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "",
        "[cosmic-ray.filters.operators-filter]",
        "exclude-operators = [" + ", ".join(repr(o) for o in operators) + "]",
        "",
    ]
    return "\n".join(lines)


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        sys.exit(f"tests/mutation/run.py: {name} is not installed; pip install -e '.[mutation]'")
    return found


def run_module(work: Path, module: str, spec: dict, excluded_ops: list[str], limit: int | None,
               again: Path | None = None) -> tuple[list[Mutant], dict[str, int], float]:
    command = [*PYTEST, *spec["tests"]]
    started = time.monotonic()
    base = subprocess.run(command, cwd=work, capture_output=True, text=True)
    baseline = time.monotonic() - started
    if base.returncode != 0:
        sys.stderr.write(base.stdout[-3000:] + base.stderr[-2000:])
        sys.exit(f"tests/mutation/run.py: the unmutated test subset of {module} fails; fix it first")
    slug = module.replace("/", "_").removesuffix(".py")
    cfg, db = work / f"{slug}.toml", work / f"{slug}.sqlite"
    cfg.write_text(_config(module, command, max(30.0, round(baseline * 4, 1)), excluded_ops), encoding="utf-8")
    subprocess.run([_tool("cosmic-ray"), "init", str(cfg), str(db)], cwd=work, check=True)
    subprocess.run([_tool("cr-filter-operators"), str(db), str(cfg)], cwd=work, check=True)
    subprocess.run([_tool("cr-filter-pragma"), str(db)], cwd=work, check=True)
    _skip_not_code(db, (work / module).read_text(encoding="utf-8"))
    if limit is not None:
        _skip_beyond(db, limit)
    if again is not None:
        _skip_all_but_survivors(db, again / "tree" / db.name)
    subprocess.run([_tool("cosmic-ray"), "exec", str(cfg), str(db)], cwd=work, check=True)
    return _results(work, db, module)


def _not_code_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where a mutant changes no behaviour by construction: annotations (never evaluated under
    `from __future__ import annotations`) and the bare `*` that makes the parameters after it keyword-only
    (cosmic-ray's parser takes it for a multiplication)."""
    tree = ast.parse(source)
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def start(node: ast.AST) -> tuple[int, int]:
        return node.lineno, node.col_offset  # type: ignore[attr-defined]

    def end(node: ast.AST) -> tuple[int, int]:
        return node.end_lineno or node.lineno, node.end_col_offset or 0  # type: ignore[attr-defined]

    lazy = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations" for a in n.names)
               for n in tree.body)
    for node in ast.walk(tree):
        if lazy and isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            spans.append((start(node.annotation), end(node.annotation)))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if lazy and node.returns is not None:
                spans.append((start(node.returns), end(node.returns)))
            a = node.args
            if a.kwonlyargs and a.vararg is None:
                before = [end(x) for x in (*a.posonlyargs, *a.args, *a.defaults)] or [start(node)]
                spans.append((max(before), start(a.kwonlyargs[0])))
    return spans


def _skip_not_code(db: Path, source: str) -> None:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    spans = _not_code_spans(source)
    with use_db(str(db), WorkDB.Mode.open) as wdb:
        for item in wdb.pending_work_items:
            at = tuple(item.mutations[0].start_pos)
            if any(lo <= at < hi for lo, hi in spans):
                wdb.set_result(item.job_id, WorkResult(output="annotation or keyword-only marker", worker_outcome=WorkerOutcome.SKIPPED))


def _skip_all_but_survivors(db: Path, previous: Path) -> None:
    """--again: only the mutants that survived a kept earlier run (matched by operator, occurrence and position,
    so the module must be unchanged): the quick loop while writing the tests that kill them."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

    if not previous.exists():
        sys.exit(f"tests/mutation/run.py: --again: no earlier session {previous}")
    with use_db(str(previous), WorkDB.Mode.open) as old:
        survived = {(m.operator_name, m.occurrence, tuple(m.start_pos)) for item, r in old.completed_work_items
                    if r.test_outcome == TestOutcome.SURVIVED for m in item.mutations[:1]}
    with use_db(str(db), WorkDB.Mode.open) as wdb:
        for item in wdb.pending_work_items:
            m = item.mutations[0]
            if (m.operator_name, m.occurrence, tuple(m.start_pos)) not in survived:
                wdb.set_result(item.job_id, WorkResult(output="not a survivor of --again", worker_outcome=WorkerOutcome.SKIPPED))


def _skip_beyond(db: Path, limit: int) -> None:
    """--limit: a quick look at the first mutants (for trying a new subset), never a result to publish."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    with use_db(str(db), WorkDB.Mode.open) as wdb:
        pending = sorted(wdb.pending_work_items, key=lambda w: (w.mutations[0].start_pos, w.job_id))
        for item in pending[limit:]:
            wdb.set_result(item.job_id, WorkResult(output="over --limit", worker_outcome=WorkerOutcome.SKIPPED))


def _results(work: Path, db: Path, module: str) -> tuple[list[Mutant], dict[str, int], float]:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    spans = _functions((work / module).read_text(encoding="utf-8"))
    counts = {"mutants": 0, "killed": 0, "survived": 0, "skipped": 0, "incompetent": 0}
    survivors = []
    with use_db(str(db), WorkDB.Mode.open) as wdb:
        for item, result in wdb.completed_work_items:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                counts["skipped"] += 1
                continue
            counts["mutants"] += 1
            if result.test_outcome == TestOutcome.SURVIVED:
                counts["survived"] += 1
                mutation = item.mutations[0]
                before, after = _diff_lines(result.diff or "")
                lineno = mutation.start_pos[0]
                survivors.append(Mutant(module, _enclosing(spans, lineno), before, after, mutation.operator_name, lineno))
            elif result.test_outcome == TestOutcome.INCOMPETENT:
                counts["incompetent"] += 1
            else:
                counts["killed"] += 1
    survivors.sort(key=lambda m: (m.lineno, m.operator, m.mutant))
    return survivors, counts, 0.0


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv: list[str] | None = None) -> int:
    modules = _load_modules()
    parser = argparse.ArgumentParser(prog="python tests/mutation/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"modules to mutate (default: all of {MODULES.relative_to(ROOT)})")
    parser.add_argument("--limit", type=int, help="mutate only the first N mutants of each module (a quick look, not a result)")
    parser.add_argument("--again", type=Path, help="re-test only the survivors of an earlier run kept with --keep (not a result to publish)")
    parser.add_argument("--keep", type=Path, help="keep the scratch copy and the cosmic-ray sessions in this folder")
    args = parser.parse_args(argv)
    chosen = args.modules or list(modules)
    unknown = [m for m in chosen if m not in modules]
    if unknown:
        parser.error(f"not in {MODULES.relative_to(ROOT)}: {', '.join(unknown)}; known: {', '.join(modules)}")
    settings = tomllib.loads(MODULES.read_text(encoding="utf-8"))
    excluded_ops = settings.get("exclude-operators", [])
    explained = _load_explained()

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="hardgen-mutation-"))
    scratch.mkdir(parents=True, exist_ok=True)
    work = scratch / "tree"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    _copy_tree(work)
    os.environ.pop("PYTEST_ADDOPTS", None)

    rows, unexplained, used = [], [], set()
    try:
        for module in chosen:
            started = time.monotonic()
            survivors, counts, _ = run_module(work, module, modules[module], excluded_ops, args.limit, args.again)
            minutes = (time.monotonic() - started) / 60
            open_ = [m for m in survivors if m.key not in explained]
            used.update(m.key for m in survivors if m.key in explained)
            unexplained.extend(open_)
            rows.append((module, counts, len(survivors) - len(open_), len(open_), minutes))
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)

    print("\n| module | mutants | killed | survived | explained (equivalent) | unexplained | minutes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for module, c, expl, open_count, minutes in rows:
        print(f"| `{module}` | {c['mutants']} | {c['killed'] + c['incompetent']} | {c['survived']} | {expl} | {open_count} | {minutes:.1f} |")
    if args.limit is not None or args.again is not None:
        print("\n(--limit or --again: a partial run, not a result)")
    for m in unexplained:
        print(f"\nUNEXPLAINED {m.module}:{m.lineno} in {m.function} ({m.operator})\n  - {m.line}\n  + {m.mutant}")
    if unexplained:
        print("\nKill each with a behaviour test, or, if it is equivalent, explain it in tests/mutation/explained.toml:")
        for m in unexplained:
            print(f"\n[[equivalent]]\nmodule = {_toml_str(m.module)}\nfunction = {_toml_str(m.function)}\n"
                  f"line = {_toml_str(m.line)}\nmutant = {_toml_str(m.mutant)}\nwhy = \"\"")
    stale = [k for k in explained if k[0] in chosen and k not in used and args.limit is None and args.again is None]
    for k in stale:
        print(f"\nnote: explained.toml entry no longer matches a survivor (killed or source changed): {k[0]} {k[1]}: {k[2]}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
