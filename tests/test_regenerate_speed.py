"""`hardgen regenerate --check` over a monorepo of 500 unchanged folders stays within the 2 s CI budget.

The fast path (generator.fingerprint) skips rendering only when hardgen's code,
templates and the folder's answers are those that rendered `.hardgen/base/`;
test_regenerate_scenarios.py shows it still catches a newer hardgen and edited answers.
"""

from __future__ import annotations

import shutil
import time


def test_check_of_500_unchanged_folders_takes_at_most_two_seconds(hardgen, tmp_path):
    for i in range(5):
        done = hardgen("generate", "--preset", "docker", "--set", f"name=svc{i}", "--output", f"src{i}", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    folders = []
    for n in range(500):
        folder = f"svc{n:03d}"
        shutil.copytree(tmp_path / f"src{n % 5}", tmp_path / folder, symlinks=True)
        folders.append(folder)
    hardgen("regenerate", "--check", "src0", cwd=tmp_path)  # warm the file cache and byte-code
    start = time.perf_counter()
    done = hardgen("regenerate", "--check", *folders, cwd=tmp_path)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.count(": in sync\n") == 500
    print(f"regenerate --check over 500 folders: {elapsed:.2f} s")
    assert elapsed <= 2.0, f"{elapsed:.2f} s for 500 folders (budget 2 s)"
