"""Merging files read back from the folder cannot be made to take unbounded time or memory (issue #13).

The user's file and `.hardgen/base/` are input: a pull request can put anything there, and CI then runs
`hardgen regenerate`. Each engine is linear (or nearly) in the size of the files, asserted as a ratio: four
times the keys may take at most ten times as long: linear is 4x and quadratic 16x, and a busy machine's noise
(garbage collection, caches, other processes) must not fail it (best of five, each under a hard time limit, so the old quadratic code
fails fast instead of hanging the suite); YAML anchors, aliases and non-core tags are refused
before any tree is built, never expanded; a side over 1 MiB is not merged at all.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time

import pytest

from generator.regenerate.merge import MAX_MERGE_BYTES, three_way
from tests.support.hardgen import generate, hardgen_env

OUT = "deploy"
K8S = ("name=demo", "targets=[kubernetes]", "kubernetes.resources.memory=768Mi")


@contextlib.contextmanager
def time_limit(seconds: float):
    """A hard limit: SIGALRM interrupts the merge (pure Python) with TimeoutError."""

    def expired(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def best_of_five(run, prepare, limit: float) -> float:
    """The fastest of five timed calls of `run(*prepare())`, preparing (parsing) outside the timing."""
    best = float("inf")
    for _ in range(5):
        args = prepare()
        with time_limit(limit):
            start = time.perf_counter()
            run(*args)
            best = min(best, time.perf_counter() - start)
    return best


def assert_linear(run, prepare_for, n: int, limit: float = 30.0) -> None:
    small = best_of_five(run, lambda: prepare_for(n), limit)
    large = best_of_five(run, lambda: prepare_for(4 * n), limit)
    assert large <= 10 * max(small, 0.002), f"{n} -> {4 * n}: {small:.3f}s -> {large:.3f}s, more than linear"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("manifest")
    generate(OUT, *K8S, preset="docker", cwd=root)
    return (root / OUT / "kubernetes/deployment.yaml").read_text()


LABELS = "    app.kubernetes.io/managed-by: hardgen\nspec:\n"
ENV = "          env:\n"


def _labels(n: int, prefix: str = "k") -> str:
    return "".join(f"    {prefix}{i}: v{i}\n" for i in range(n))


def _envs(n: int, prefix: str = "E") -> str:
    return "".join(f"            - name: {prefix}{i}  # set by hand\n              value: v{i}\n" for i in range(n))


def _yaml_trees(base: str, ours: str, theirs: str):
    from generator.regenerate.merge.yaml import _load

    return _load(base), _load(ours), _load(theirs)


def _merge_trees(b, o, t) -> None:
    """The YAML engine's merge of trees parsed beforehand, without writing the result: the merge itself, timed."""
    from generator.regenerate.merge import yaml as engine

    engine.merge_trees(b, o, t)


def test_new_keys_are_placed_in_linear_time(manifest):
    """The upgrade adds a key next to each of many the base has and the user deleted: each is placed, not searched for."""
    def prepare(n: int):
        base = manifest.replace(LABELS, LABELS.replace("spec:\n", "") + _labels(n) + "spec:\n", 1)
        theirs = manifest.replace(LABELS, LABELS.replace("spec:\n", "") + "".join(f"    k{i}: v{i}\n    z{i}: new\n" for i in range(n)) + "spec:\n", 1)
        ours = manifest.replace(LABELS, LABELS.replace("spec:\n", "") + _labels(n) + _labels(n, "mine") + "spec:\n", 1)
        return _yaml_trees(base, ours, theirs)

    assert_linear(_merge_trees, prepare, 800)


def test_named_lists_merge_in_linear_time(manifest):
    """Thousands of env vars the user added (each with a comment) while the upgrade changes one and adds one."""
    def prepare(n: int):
        base = manifest
        ours = manifest.replace(ENV, ENV + _envs(n), 1)
        theirs = manifest.replace("/app/conf/Config.toml\n", "/app/conf/Config.toml:/app/conf/extra.toml\n").replace(
            ENV, ENV + "            - name: NEW\n              value: x\n", 1)
        return _yaml_trees(base, ours, theirs)

    assert_linear(_merge_trees, prepare, 800)


def test_items_a_hostile_base_lists_are_removed_in_linear_time(manifest):
    """A base (read back from .hardgen/base/) with thousands of items that the upgrade no longer has."""
    def prepare(n: int):
        big = manifest.replace(ENV, ENV + _envs(n), 1)
        theirs = manifest.replace("/app/conf/Config.toml\n", "/app/conf/Config.toml:/app/conf/extra.toml\n")
        return _yaml_trees(big, big.replace("value: v1\n", "value: mine\n", 1), theirs)

    assert_linear(_merge_trees, prepare, 800)


def test_many_documents_are_placed_in_linear_time(manifest):
    def docs(n: int, kind: str) -> str:
        return "".join(f"---\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: d{i}\n" for i in range(n))

    def prepare(n: int):
        return _yaml_trees(manifest + docs(n, "A"), manifest.replace("replicas: 2", "replicas: 3") + docs(n, "A"),
                           manifest + "".join(f"---\napiVersion: v1\nkind: A\nmetadata:\n  name: d{i}\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: d{i}\n"
                                              for i in range(n)))

    assert_linear(_merge_trees, prepare, 120)


def _blank_heavy(n: int, tag: str) -> list[str]:
    return [("\n" if i % 2 else f"-D{tag}{i}=x\n") for i in range(n)]


def test_the_line_merge_is_bounded_on_the_inputs_that_make_difflib_cubic():
    """Many blank lines between lines that all differ: difflib alone took 32 s for 2,000 lines and 8x per doubling."""
    from generator.regenerate.merge.lines import merge_sequences

    def prepare(n: int):
        return _blank_heavy(n, "base"), _blank_heavy(n, "ours"), _blank_heavy(n, "theirs")

    assert_linear(merge_sequences, prepare, 1500)


def test_many_small_hunks_are_grouped_in_linear_time():
    """Changes on every other line from both sides, interleaved: one group of thousands of hunks."""
    from generator.regenerate.merge.lines import merge_sequences

    def prepare(n: int):
        base = [f"{i}\n" for i in range(n)]
        ours = [f"{i}{'o' if i % 2 else ''}\n" for i in range(n)]
        theirs = [f"{i}{'t' if i % 2 == 0 else ''}\n" for i in range(n)]
        return base, ours, theirs

    assert_linear(merge_sequences, prepare, 3000)


def test_a_ninety_thousand_key_file_merges_within_a_hard_limit(manifest):
    """The 1 MiB cap allows ~90,000 short keys; such a file merges (keys kept, the upgrade's change taken) in bounded time.

    (Most of the time is ruamel.yaml reading and writing a megabyte; the merge itself is checked for linearity above.)
    """
    keys = []
    size = len(manifest) + 64
    while size < MAX_MERGE_BYTES - 16:
        keys.append(f"k{len(keys):x}: 1\n")
        size += len(keys[-1])
    assert len(keys) > 85_000
    ours = manifest + "".join(keys)  # the user's own keys at the top of the Deployment
    assert len(ours.encode()) <= MAX_MERGE_BYTES
    base = manifest.replace("app.kubernetes.io/version: 0.1.0", "app.kubernetes.io/version: 0.0.9")
    with time_limit(120):
        merged = three_way("kubernetes/deployment.yaml", base.encode(), ours.encode(), manifest.encode())
    assert merged.engine == "yaml" and merged.conflicts == []
    assert merged.content.count(b": 1\n") >= len(keys) and b"app.kubernetes.io/version: 0.1.0" in merged.content


def test_a_proposal_spliced_from_the_users_lines_is_written_in_linear_time(manifest):
    """Thousands of values the user requoted and commented, and a conflict: the proposal is spliced from the user's
    lines (merge/splice.py: line diffs and re-reading the candidates), each step linear."""
    def prepare(n: int):
        base = manifest.replace(LABELS, LABELS.replace("spec:\n", "") + _labels(n) + "spec:\n", 1)
        ours = base.replace("replicas: 2", "replicas: 5").replace(_labels(n), "".join(f'    k{i}: "v{i}"  # checked\n' for i in range(n)))
        theirs = base.replace("replicas: 2", "replicas: 3")
        return "kubernetes/deployment.yaml", base.encode(), ours.encode(), theirs.encode()

    def run(path, base, ours, theirs):
        merged = three_way(path, base, ours, theirs)
        assert len(merged.conflicts) == 1 and merged.content == ours.replace(b"replicas: 5", b"replicas: 3")

    assert_linear(run, prepare, 500)


def test_a_file_over_the_cap_is_a_conflict_not_a_merge(manifest):
    huge = (manifest + "# padding\n" * (MAX_MERGE_BYTES // 10 + 1)).encode()
    with time_limit(5):
        merged = three_way("kubernetes/deployment.yaml", manifest.encode(), huge, manifest.replace("replicas: 2", "replicas: 3").encode())
    assert [c.where for c in merged.conflicts] == ["(whole file)"] and "larger than 1 MiB" in merged.conflicts[0].ours
    assert merged.content == manifest.replace("replicas: 2", "replicas: 3").encode()


def bomb(levels: int, indent: str = "") -> str:
    """A "billion laughs": each level nine aliases of the one before; 9**levels strings once expanded, a few hundred bytes."""
    lines = [f"{indent}l0: &l0 [x, x, x, x, x, x, x, x, x]\n"]
    for i in range(1, levels):
        lines.append(f"{indent}l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n")
    return "".join(lines)


def inside_spec(manifest: str, hostile: str) -> str:
    """`hostile` as a mapping under the Deployment's spec, which every merge of a changed spec walks."""
    return manifest.replace("spec:\n  replicas:", "spec:\n  hostile:\n" + hostile + "  replicas:", 1)


@pytest.mark.parametrize("side", ["ours", "base"])
@pytest.mark.parametrize("hostile", [
    bomb(7, "    "),
    "    data: &d {a: b}\n    more: *d\n",
    "    <<: {a: b}\n    c: &c 1\n",
    "    exploit: !!python/object/apply:os.system ['echo pwned']\n",
    "    ref: !Ref other\n",
    "    blob: !!binary aGVsbG8=\n",
], ids=["alias bomb", "anchor", "anchor and merge key", "python tag", "local tag", "binary tag"])
def test_anchors_aliases_and_foreign_tags_are_refused_never_expanded(manifest, side, hostile):
    theirs = manifest.replace("replicas: 2", "replicas: 3").encode()
    texts = {"base": manifest, "ours": manifest.replace("replicas: 2", "replicas: 4")}
    texts[side] = inside_spec(texts[side], hostile)
    with time_limit(10):
        merged = three_way("kubernetes/deployment.yaml", texts["base"].encode(), texts["ours"].encode(), theirs)
    assert [c.where for c in merged.conflicts] == ["(whole file)"]
    assert "which hardgen does not merge" in merged.conflicts[0].ours
    assert merged.content == theirs, "the proposal is the new render; the user's file is not merged by lines instead"


def test_a_deeply_nested_file_is_merged_by_lines_in_bounded_time(manifest):
    deep = manifest.replace("replicas: 2", "replicas: 4") + "---\nx: " + "[" * 50_000 + "]" * 50_000 + "\n"
    with time_limit(30):
        merged = three_way("kubernetes/deployment.yaml", manifest.encode(), deep.encode(), manifest.replace("replicas: 2", "replicas: 3").encode())
    assert merged.engine == "lines" and merged.conflicts


def test_a_long_toml_array_falls_back_to_lines_in_bounded_time():
    base = b"[integrations.demo]\nport = 9443\n"
    items = ", ".join(f'{{name = "n{i}", v = {i}}}' for i in range(5000))
    ours = base + f"peers = [{items}]\n".encode()
    theirs_items = ", ".join(f'{{name = "n{i}", v = {i}}}' for i in range(1, 5000))
    base_with = base + f"peers = [{items}]\n".encode()
    with time_limit(60):
        merged = three_way("config/Config.toml", base_with, ours.replace(b"port = 9443", b"port = 8443"),
                           base + f"peers = [{theirs_items}]\n".encode())
    assert merged.conflicts == [] and b"port = 8443" in merged.content and b'{name = "n0"' not in merged.content


ALIAS_BOMB_RUN = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # the old engine took 1.2 GB on this file
from generator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_regenerate_refuses_an_alias_bomb_in_the_users_manifest_quickly(tmp_path):
    """End to end, in a process of its own with 1 GiB of address space and a minute: a conflict that says why."""
    out = tmp_path / OUT
    generate(OUT, *K8S, preset="docker", cwd=tmp_path)
    deployment = out / "kubernetes/deployment.yaml"
    mine = inside_spec(deployment.read_text(), bomb(9, "    "))  # 4.8 KB; the old engine expanded it: 46 s, 1.2 GB
    deployment.write_text(mine)
    r = subprocess.run([sys.executable, "-c", ALIAS_BOMB_RUN, "regenerate", OUT, "--set", "kubernetes.replicas=3"], cwd=tmp_path,
                       env=hardgen_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 3, r.stderr
    assert "kubernetes/deployment.yaml: (whole file): yours YAML anchors or aliases (line" in r.stderr
    assert deployment.read_text() == mine
    assert b"replicas: 3" in (out / "kubernetes/deployment.yaml.hardgen-new").read_bytes()


def test_thousands_of_conflicts_are_summarised_not_listed(tmp_path, hardgen):
    """A base with thousands of labels the user edited and the upgrade dropped: one conflict each, twenty shown."""
    out = tmp_path / OUT
    generate(OUT, *K8S, preset="docker", cwd=tmp_path)
    rel = "kubernetes/deployment.yaml"
    text = (out / rel).read_text()
    (out / ".hardgen/base" / rel).write_text(text.replace(LABELS, LABELS.replace("spec:\n", "") + _labels(3000) + "spec:\n", 1))
    (out / rel).write_text(text.replace(LABELS, LABELS.replace("spec:\n", "") + _labels(3000).replace(": v", ": mine") + "spec:\n", 1))
    r = hardgen("regenerate", OUT, "--set", "kubernetes.replicas=3", cwd=tmp_path)
    assert r.returncode == 3
    shown = [line for line in r.stderr.splitlines() if ": yours " in line]
    assert len(shown) == 20 and f"{OUT}/{rel}: and 2980 more conflicts (the proposal has them all)" in r.stderr


def test_a_line_conflict_is_shown_on_one_short_line():
    """A clash of the line engine can span a whole file: it is shown like a value of the structured engines (60 characters)."""
    base = b"FROM a\nEXPOSE 1\n"
    ours = b"FROM a\n" + b"RUN " + b"x" * 10_000 + b"\n" * 50
    theirs = b"FROM a\nEXPOSE 2\n"
    merged = three_way("Dockerfile", base, ours, theirs)
    assert merged.conflicts and all(len(str(c)) < 200 and "\n" not in str(c) for c in merged.conflicts)
