"""The merge benchmark's goals, on a subset of its pairs: no silent change, no lost edit, fewer false conflicts than git.

benchmarks/merge_vs_git.py runs every (hand edit, upgrade) pair over three presets; this runs the edits of the
kubernetes-restricted output against four upgrades (a new image tag, which touches every manifest; a new egress peer;
a new Config.toml value; a new hardgen release), with the real `git merge-file` on the same trios.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _benchmark():
    spec = importlib.util.spec_from_file_location("merge_vs_git", ROOT / "benchmarks" / "merge_vs_git.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_merges_change_no_byte_of_the_user_lose_no_edit_and_conflict_less_than_git(tmp_path):
    bench = _benchmark()
    upgrades = [u for u in bench.UPGRADES if u.name in ("image.tag", "egress peer", "config value", "new release")]
    pairs = bench.pairs(tmp_path, ["kubernetes-restricted"], upgrades)
    assert len(pairs) >= 60
    results = bench.run(pairs)
    assert bench.misses(results) == [], bench.table(results) + "\n" + "\n".join(
        e for kinds in results.values() for t in kinds.values() for e in t.examples)
    ours, git = results["hardgen"], results["git merge-file"]
    assert sum(t.false_conflicts for t in ours.values()) < sum(t.false_conflicts for t in git.values())


def test_the_judge_sees_a_silent_change_and_a_lost_edit():
    """The benchmark's measure itself: a requoted line of the user's is a silent change, a dropped added line a lost edit."""
    judge = _benchmark().judge
    base = 'a: 1\nb: x\n'
    ours = 'a: 1\nb: "on"\nc: mine\n'
    assert judge(base, ours, base, 'a: 1\nb: "on"\nc: mine\n', True).silent == []
    assert judge(base, 'a: 1\nb: x\n# mine\n', 'a: 2\nb: x\n', 'a: 2\nb: x\n', True).lost_edits == ['# mine\n']
    assert judge(base, 'a: 1\r\nb: x\r\n', 'a: 2\nb: x\n', 'a: 2\nb: x\n', True).silent == ['b: x\r\n']
