"""hardgen's performance budget, measured side by side with the floor and with cookiecutter.

    python benchmarks/run.py [--quick] [--gate] [--json PATH] [--scratch DIR]

Every figure is the median of whole-process runs of this checkout (each child
timed with time.perf_counter, its CPU time and peak RSS read with os.wait4),
and every budget is checked as a ratio to something measured in the same
rounds, runs of compared commands interleaved. Exit 0 when every budget is met,
1 naming each miss and why, 2 when the benchmark cannot run.
With --gate (CI): exit 1 only on a gross miss, a figure worse than twice its
budget in its fastest runs, or a budgeted figure that could not be measured;
ordinary misses are printed and exit 0.
Needs only the standard library and cookiecutter (pexpect for the `init` figure).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # keep benchmarks/__pycache__ out of the checkout
import cookie_template  # noqa: E402
from measure import Command, CommandFailed, interleaved, time_to_text  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BATCH_SIZE = 500
NAME = "orders-bench"
MB = 1024 * 1024

#: The floor plus every module `generate` imports: the difference to (2) is the work itself.
HARDGEN_IMPORTS = (
    "import jinja2, ruamel.yaml, tomlkit, importlib, generator.cli, generator.commands.generate, generator.render.pipeline, generator.targets\n"
    "for m in generator.targets.planners(generator.targets.TARGET_NAMES): importlib.import_module(m)"
)

INSTALL_HINT = "cookiecutter is needed for the comparison: pip install 'cookiecutter>=2.5,<3' (or pip install '.[test]')"


@dataclass(frozen=True)
class Budget:
    """`checked <= limit` (`>= limit` with at_least; `<` with strict), shown as `op limit*scale unit`.

    A gross miss, what `--gate` fails on, is twice the budget: above 2 x limit, or below limit / 2 for at_least.
    """

    limit: float
    at_least: bool = False
    strict: bool = False
    scale: float = 1.0
    unit: str = ""

    def _show(self, op: str, limit: float) -> str:
        return f"{op} {limit * self.scale:g}{self.unit}"

    def __str__(self) -> str:
        return self._show(">=" if self.at_least else "<" if self.strict else "<=", self.limit)

    def met(self, checked: float) -> bool:
        if self.at_least:
            return checked >= self.limit
        return checked < self.limit if self.strict else checked <= self.limit

    @property
    def gross(self) -> float:
        return self.limit / 2 if self.at_least else self.limit * 2

    def gross_text(self) -> str:
        return self._show("<" if self.at_least else ">", self.gross)

    def grossly_missed(self, checked: float) -> bool:
        return checked < self.gross if self.at_least else checked > self.gross


#: The budgets of issue #3 (README table); the figure keys of `figures_from`.
BUDGETS = {
    "generate": Budget(1.3),  # (2)/(3)
    "batch_per_integration": Budget(0.005, scale=1000, unit=" ms"),
    "regenerate_check": Budget(2.0, unit=" s"),
    "peak_rss": Budget(80 * MB, scale=1 / MB, unit=" MB"),
    "cookiecutter": Budget(3.0, at_least=True),  # (7)/(2)
    "init_first_prompt": Budget(0.4, strict=True, unit=" s"),
}


@dataclass
class Figure:
    key: str
    label: str
    value: float | None = None  # seconds, or bytes for memory
    unit: str = "s"
    ratio: float | None = None
    ratio_label: str = ""
    budget: str = ""
    ok: bool | None = None  # None: no budget, or not measured
    note: str = ""
    cpu: float | None = None
    runs: int = 0
    checked: float | None = None  # what the budget is checked on: the ratio, or the value (medians)
    best: float | None = None  # the same number from the fastest runs: what --gate judges
    gross_miss: bool | None = None  # None: no budget

    def judge(self, checked: float | None, best: float | None) -> Figure:
        """Check the figure against its budget in BUDGETS (if any); the number is the ratio or the value."""
        limit = BUDGETS.get(self.key)
        if limit is None:
            return self
        self.budget = str(limit)
        if checked is None or best is None:  # not measured: no verdict, but --gate fails on it
            return self
        self.checked, self.best = checked, best
        self.ok = limit.met(checked)
        self.gross_miss = limit.grossly_missed(best)
        return self

    def shown(self) -> str:
        if self.value is None:
            return self.note or "n/a"
        if self.unit == "B":
            return f"{self.value / MB:.1f} MB"
        return f"{self.value * 1000:.1f} ms" if self.value < 10 else f"{self.value:.2f} s"


def child_env() -> dict[str, str]:
    """This checkout first on the import path, whatever is installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["NO_COLOR"] = "1"
    return env


def console_script(name: str) -> Path | None:
    """The console script pip installs for this interpreter (a venv's bin/, not a shell shim), if any."""
    for candidate in (Path(sysconfig.get_path("scripts")) / name, shutil.which(name)):
        if candidate and Path(candidate).is_file():
            head = Path(candidate).read_bytes()[:200]
            if head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0]:
                return Path(candidate)
    return None


def script_imports_this_checkout(script: Path, env: dict[str, str]) -> bool:
    """The script's interpreter, with our environment, imports this checkout's `generator`."""
    interpreter = script.read_text(errors="replace").split("\n", 1)[0][2:].strip().split()
    probe = subprocess.run([*interpreter, "-c", "import generator; print(generator.__file__)"],
                           env=env, capture_output=True, text=True, cwd=tempfile.gettempdir())
    return probe.returncode == 0 and Path(probe.stdout.strip()).resolve().is_relative_to(REPO / "generator")


def built_targets(env: dict[str, str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", "from generator.model.integration import TARGET_NAMES; print(' '.join(TARGET_NAMES))"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def answers(name: str, targets: list[str], i: int = 0) -> str:
    """A rich integration: every target in `targets`, metrics, secrets, configurables, peers and the JDK 17 policy file."""
    return f"""name: {name}
targets: [{", ".join(targets)}]
jdk: 17
image:
  name: registry.example.com/platform/{name}
  tag: 1.4.{i}
  digest: sha256:{"0123456789abcdef" * 4}
service:
  port: 9443
metrics:
  enabled: true
  port: 9797
  from:
    namespace: monitoring
    labels: {{app: prometheus}}
secrets: [dbPassword, apiToken]
config:
  values:
    greeting: hello
    retries: 3
ingress:
  - name: gateway
    labels: {{app: gateway}}
  - name: load-balancer
    cidr: 10.30.0.0/24
egress:
  - name: orders-db
    cidr: 10.20.0.0/24
    except: [10.20.0.128/25]
    port: 5432
jvm:
  max_ram_percentage: 60.0
  extra_flags: [-XX:+AlwaysPreTouch]
docker:
  deploy_dir: "."
"""


def fresh(path: Path):
    def before() -> None:
        shutil.rmtree(path, ignore_errors=True)
    return before


def scratch_root(chosen: str | None) -> Path:
    """tmpfs when the system has one: the figures are about hardgen, not about the disk's journal."""
    if chosen:
        return Path(tempfile.mkdtemp(prefix="hardgen-bench-", dir=chosen))
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="hardgen-bench-", dir=base))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run; figures are noisier)")
    parser.add_argument("--gate", action="store_true",
                        help="for CI: exit 1 only when a figure is worse than twice its budget (in its fastest runs) or could not be "
                             "measured; ordinary misses are printed but exit 0")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "latest.json", help="where to write the results (default: benchmarks/results/latest.json)")
    parser.add_argument("--scratch", metavar="DIR", help="where outputs are written (default: /dev/shm when present, else the temp folder)")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("cookiecutter") is None:
        print(("--gate: " if args.gate else "") + INSTALL_HINT, file=sys.stderr)
        return 2
    rounds = 5 if args.quick else 31
    batch_rounds = 2 if args.quick else 5
    scratch = scratch_root(args.scratch)
    try:
        figures, context = measure_all(scratch, rounds, batch_rounds)
    except CommandFailed as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report(figures, context, args.json, gate=args.gate)


def measure_all(scratch: Path, rounds: int, batch_rounds: int) -> tuple[list[Figure], dict]:
    env = child_env()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "generator")], check=True)  # as `pip install` does
    module = [sys.executable, "-m", "generator"]
    script = console_script("hardgen")
    use_script = script is not None and script_imports_this_checkout(script, env)
    hardgen = [str(script)] if use_script else module
    targets = built_targets(env)
    context = {
        "hardgen": " ".join(hardgen) + ("  (console script, PYTHONPATH=checkout)" if use_script else "  (PYTHONPATH=checkout)"),
        "targets": targets, "python": sys.version.split()[0], "platform": platform.platform(),
        "cpus": os.cpu_count(), "load_before": os.getloadavg(), "scratch": str(scratch.parent), "rounds": rounds,
    }

    answers_file = scratch / "answers.yaml"
    answers_file.write_text(answers(NAME, targets))
    single_out = scratch / "single" / NAME
    cookie_out = scratch / "cookie"
    generate_args = ["generate", "-q", "--answers", str(answers_file), "--output", str(single_out)]
    first = Command([*hardgen, *generate_args], env, before=fresh(single_out.parent))
    interleaved({"probe": first}, rounds=1, warmup=0)

    context["files"] = sum(1 for p in single_out.rglob("*") if p.is_file())
    template = scratch / "template"
    cookie_template.build(single_out, NAME, template)
    cookie_cfg = scratch / "cookiecutter.yaml"
    cookie_cfg.write_text(f"cookiecutters_dir: {scratch / 'cc-dirs'}\nreplay_dir: {scratch / 'cc-replay'}\n")
    cookiecutter = console_script("cookiecutter")
    cookie_argv = [str(cookiecutter)] if cookiecutter else [sys.executable, "-m", "cookiecutter"]
    cookie = Command([*cookie_argv, "--no-input", "--config-file", str(cookie_cfg), "-o", str(cookie_out), str(template)],
                     dict(os.environ), before=fresh(cookie_out))
    interleaved({"probe": cookie}, rounds=1, warmup=0)
    diff = cookie_template.differences(single_out, cookie_out / NAME)
    if diff:
        raise CommandFailed(f"cookiecutter's output differs from hardgen's in {', '.join(diff[:5])}")

    cold = {
        "floor": Command([sys.executable, "-c", "import jinja2, ruamel.yaml, tomlkit"], env),
        # For the record, to say where time goes: Python alone, Jinja2 alone (hardgen cannot render without it),
        # and cookiecutter's own imports.
        "python": Command([sys.executable, "-c", "pass"], env),
        "jinja2": Command([sys.executable, "-c", "import jinja2"], env),
        "cookiecutter_import": Command([sys.executable, "-c", "import cookiecutter.main"], dict(os.environ)),
        "hardgen_imports": Command([sys.executable, "-c", HARDGEN_IMPORTS], env),
        "version": Command([*hardgen, "--version"], env),
        "generate": Command([*hardgen, *generate_args], env, before=fresh(single_out.parent)),
        "cookiecutter": cookie,
    }
    if use_script:  # what `python -m generator` costs on top (runpy), for the record
        cold["generate_module"] = Command([*module, *generate_args], env, before=fresh(single_out.parent))
    cookie.runs.clear()
    interleaved(cold, rounds)

    batch_dir = scratch / "batch-answers"
    batch_dir.mkdir()
    names = [f"svc-{i:03d}" for i in range(BATCH_SIZE)]
    for i, name in enumerate(names):
        (batch_dir / f"{name}.yaml").write_text(answers(name, targets, i))
    batch_out = scratch / "batch"
    batched = {"batch": Command([*hardgen, "generate", "-q", "--batch", str(batch_dir), "--output", str(batch_out)], env, before=fresh(batch_out))}
    has_regenerate = (REPO / "generator" / "commands" / "regenerate.py").is_file()
    if has_regenerate:
        batched["regenerate"] = Command([*hardgen, "regenerate", "--check", *(str(batch_out / n) for n in names)], env)
    interleaved(batched, batch_rounds)

    init_times: list[float] | None = None
    init_note = "n/a (init not available)"
    if (REPO / "generator" / "commands" / "init.py").is_file():
        if importlib.util.find_spec("pexpect") is None:
            init_note = "n/a (pexpect not installed: pip install pexpect)"
        else:
            init_dir = scratch / "init"
            init_dir.mkdir()
            # questionary's prompt: "?" then the question; "[?25l" and the like are terminal controls, not prompts.
            init_times = time_to_text([*hardgen, "init", "--output", str(init_dir / "deploy")], env, str(init_dir),
                                      r"(?<!\[)\?(?:\x1b\[[0-9;]*m|\s)*[A-Za-z]", max(3, rounds // 2))
    context["load_after"] = os.getloadavg()
    return figures_from(cold, batched, init_times, init_note), context


def figures_from(cold: dict[str, Command], batched: dict[str, Command], init_times, init_note: str) -> list[Figure]:
    """The figures, each judged on its medians (the budget) and on its fastest runs (the --gate)."""
    import statistics

    floor, gen, cookie = cold["floor"], cold["generate"], cold["cookiecutter"]
    figs = [
        Figure("version", "(1) hardgen --version", cold["version"].median, cpu=cold["version"].cpu, runs=len(cold["version"].runs)),
        Figure("generate", "(2) generate, one integration, cold", gen.median, cpu=gen.cpu, runs=len(gen.runs),
               ratio=gen.median / floor.median, ratio_label="(2)/(3)").judge(gen.median / floor.median, gen.best / floor.best),
        Figure("floor", "(3) floor: import jinja2, ruamel.yaml, tomlkit", floor.median, cpu=floor.cpu, runs=len(floor.runs)),
    ]
    batch = batched["batch"]
    per = batch.median / BATCH_SIZE
    figs.append(Figure("batch_per_integration", f"(4) batch generate, {BATCH_SIZE} integrations, per integration", per,
                       cpu=batch.cpu / BATCH_SIZE, runs=len(batch.runs)).judge(per, batch.best / BATCH_SIZE))
    if "regenerate" in batched:
        regen = batched["regenerate"]
        figs.append(Figure("regenerate_check", f"(5) regenerate --check, {BATCH_SIZE} folders, nothing changed", regen.median,
                           cpu=regen.cpu, runs=len(regen.runs)).judge(regen.median, regen.best))
    else:
        figs.append(Figure("regenerate_check", f"(5) regenerate --check, {BATCH_SIZE} folders", note="n/a (regenerate not available)").judge(None, None))
    hardgen_runs = [c for k, c in {**cold, **batched}.items() if k not in ("floor", "cookiecutter")]
    peak = max(c.peak_rss_kb for c in hardgen_runs) * 1024
    figs.append(Figure("peak_rss", "(6) peak RSS of any hardgen run", peak, unit="B").judge(peak, peak))
    figs.append(Figure("cookiecutter", "(7) cookiecutter --no-input, same files", cookie.median, cpu=cookie.cpu, runs=len(cookie.runs),
                       ratio=cookie.median / gen.median, ratio_label="(7)/(2)").judge(cookie.median / gen.median, cookie.best / gen.best))
    if init_times:
        first = statistics.median(init_times)
        figs.append(Figure("init_first_prompt", "(8) hardgen init: start to first prompt", first, runs=len(init_times)).judge(first, min(init_times)))
    else:
        figs.append(Figure("init_first_prompt", "(8) hardgen init: start to first prompt", note=init_note).judge(None, None))
    for key, label in (("python", "    python -c pass, for the record"), ("jinja2", "    python -c 'import jinja2', for the record"),
                       ("hardgen_imports", "    the floor + importing hardgen's modules, for the record"),
                       ("cookiecutter_import", "    python -c 'import cookiecutter.main', for the record")):
        c = cold[key]
        figs.append(Figure(key, label, c.median, cpu=c.cpu, runs=len(c.runs), ratio=c.median / floor.median, ratio_label="vs (3)"))
    if "generate_module" in cold:
        m = cold["generate_module"]
        figs.append(Figure("generate_module", "    (2) as python -m generator, for the record", m.median, cpu=m.cpu, runs=len(m.runs),
                           ratio=m.median / floor.median, ratio_label="vs (3)"))
    return figs


def why(f: Figure, figs: dict[str, Figure], context: dict) -> str:
    busy = f" (CPU {f.cpu * 1000:.1f} ms against {f.value * 1000:.1f} ms wall: the machine was busy, load {context['load_after'][0]:.1f} on {context['cpus']} CPUs)" \
        if f.cpu and f.value and f.cpu < 0.8 * f.value else ""
    if f.key == "generate":
        floor, imports = figs["floor"].value, figs["hardgen_imports"].value
        return (f"generate took {f.ratio:.2f}x the floor ({f.value * 1000:.0f} ms vs {floor * 1000:.0f} ms): of the "
                f"{(f.value - floor) * 1000:.0f} ms above it, {(imports - floor) * 1000:.0f} ms is importing hardgen's own modules "
                f"(the model's dataclasses, argparse and gettext, regular expressions compiled at import; `python -X importtime -m generator generate ...` lists them) and {(f.value - imports) * 1000:.0f} ms is loading, "
                f"validating, rendering and writing its {context['files']} files" + busy)
    if f.key == "batch_per_integration":
        return f"{f.value * 1000:.2f} ms per integration, budget {BUDGETS[f.key]}" + busy
    if f.key == "regenerate_check":
        return f"{f.value:.2f} s for {BATCH_SIZE} folders, budget {BUDGETS[f.key]}" + busy
    if f.key == "peak_rss":
        return f"{f.value / MB:.1f} MB, budget {BUDGETS[f.key]}"
    if f.key == "cookiecutter":
        gen, floor, py, j2, cc = (figs[k].value for k in ("generate", "floor", "python", "jinja2", "cookiecutter_import"))
        return (f"cookiecutter took {f.value * 1000:.0f} ms, {f.ratio:.2f}x hardgen's {gen * 1000:.0f} ms (needs >= 3): "
                f"3x needs hardgen in {f.value / 3 * 1000:.0f} ms, i.e. (2)/(3) <= {f.value / 3 / floor:.2f}, tighter than the "
                f"1.3 of (2)/(3); starting Python and importing Jinja2, without which no template renders, take "
                f"{j2 * 1000:.0f} ms of it ({py * 1000:.0f} ms Python alone), and {cc * 1000:.0f} ms of cookiecutter's time "
                f"is starting Python and importing cookiecutter")
    if f.key == "init_first_prompt":
        return f"first prompt after {f.value:.3f} s, budget {BUDGETS[f.key]}" + busy
    return ""


def number(f: Figure, x: float) -> str:
    """`x` as the figure's budget counts it: a ratio, or a time or size in the figure's unit."""
    if f.ratio is not None:
        return f"{f.ratio_label} = {x:.2f}"
    if f.unit == "B":
        return f"{x / MB:.1f} MB"
    return f"{x * 1000:.1f} ms" if x < 10 else f"{x:.2f} s"


def gate_failures(figs: list[Figure]) -> list[tuple[Figure, str]]:
    """(figure, why) of every gross miss, judged on the fastest runs, and of every budgeted figure not measured."""
    out = []
    for f in figs:
        if f.key not in BUDGETS:
            continue
        limit = BUDGETS[f.key]
        if f.best is None:
            reason = f.note.removeprefix("n/a").strip(" ()") or "n/a"
            out.append((f, f"not measured ({reason}); --gate needs every budgeted figure"))
        elif f.gross_miss:
            out.append((f, f"even the fastest runs give {number(f, f.best)}, worse than twice the budget {limit} "
                           f"(the gate fails at {limit.gross_text()}); medians: {number(f, f.checked)}"))
    return out


def report(figs: list[Figure], context: dict, json_path: Path, gate: bool = False) -> int:
    by_key = {f.key: f for f in figs}
    rows = [("figure", "median", "ratio", "budget", "", *(("fastest runs", "gate fails at") if gate else ()))]
    for f in figs:
        ratio = f"{f.ratio_label} = {f.ratio:.2f}" if f.ratio is not None else ""
        row = (f.label, f.shown(), ratio, f.budget, "" if f.ok is None else "ok" if f.ok else "MISS")
        if gate:
            fastest = number(f, f.best) if f.best is not None else ("not measured" if f.key in BUDGETS else "")
            row = (*row, fastest, BUDGETS[f.key].gross_text() if f.key in BUDGETS else "")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"hardgen benchmarks: {context['hardgen']}; targets {', '.join(context['targets'])} ({context['files']} files); Python {context['python']}; "
          f"{context['cpus']} CPUs; outputs in {context['scratch']}; {context['rounds']} rounds")
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    misses = [(f, why(f, by_key, context)) for f in figs if f.ok is False]
    failures = gate_failures(figs) if gate else []
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps({
        "context": context,
        "figures": [{k: v for k, v in vars(f).items()} for f in figs],
        "misses": [{"figure": f.key, "why": text} for f, text in misses],
        **({"gate_failures": [{"figure": f.key, "why": text} for f, text in failures]} if gate else {}),
    }, indent=2) + "\n")
    print(f"results: {json_path}", flush=True)  # before stderr's lines, in a log that merges the two
    for f, text in misses:
        print(f"MISS {f.label.strip()}: {text}", file=sys.stderr)
    if not gate:
        return 1 if misses else 0
    for f, text in failures:
        print(f"GATE FAILED {f.label.strip()}: {text}", file=sys.stderr)
    if not failures:
        print(f"gate passed: no figure is worse than twice its budget in its fastest runs"
              f"{f' ({len(misses)} ordinary miss(es) above do not fail it)' if misses else ''}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
