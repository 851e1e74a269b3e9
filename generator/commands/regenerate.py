"""`hardgen regenerate`: re-render folders after an upgrade, keeping hand edits; `--check` for CI drift gates."""

from __future__ import annotations

import sys


def add_arguments(p) -> None:
    p.add_argument("folders", nargs="*", default=["."], metavar="DIR", help="output folders written by 'hardgen generate' (default: .)")
    p.add_argument("--set", action="append", default=[], dest="sets", metavar="KEY=VALUE", help="change one answer for this regeneration, e.g. --set jdk=25 (repeatable)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 with a unified diff when regenerating would change a file, 0 when in sync")
    mode.add_argument("--dry-run", action="store_true", help="print what would change in each file; write nothing")
    p.add_argument("--force", action="store_true", help="recreate files you deleted, overwrite files hardgen did not write, take the new render on conflicts")
    p.add_argument("--full", action="store_true", help="render every folder even when its fingerprint shows nothing changed since the last render")
    p.add_argument("--conflict", choices=("proposal", "inline"), default="proposal",
                   help="on a conflict: write the proposal beside your file as FILE.hardgen-new (default), or 'inline': git-style "
                   "conflict markers in your file where its format allows them (Dockerfile, java.options, unit files, scripts, Markdown)")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="regenerate N folders at a time (processes; default 1)")
    from generator.commands import add_project_option

    add_project_option(p)


def _one(job: tuple) -> object:
    from generator.regenerate.folder import regenerate_folder

    folder, sets, mode, force, full, project, inline = job
    return regenerate_folder(folder, sets, mode, force=force, full=full, project=project, inline=inline)


def run(args) -> int:
    from generator.errors import ExitCode
    from generator.regenerate.folder import SEVERITY, Mode

    if args.jobs < 1:
        print("--jobs: must be at least 1", file=sys.stderr)
        return ExitCode.USAGE
    mode = Mode.CHECK if args.check else Mode.DRY_RUN if args.dry_run else Mode.WRITE
    from pathlib import Path

    folders, seen = [], set()
    for folder in args.folders:  # a folder named twice (even spelled differently) is regenerated once
        if Path(folder).resolve() not in seen:
            seen.add(Path(folder).resolve())
            folders.append(folder)
    from generator.commands import project_folder

    project = project_folder(args)  # one package for every folder: e.g. deploy-staging and deploy-prod of one service
    jobs = [(f, args.sets, mode, args.force, args.full, project, args.conflict == "inline") for f in folders]
    if args.jobs > 1 and len(jobs) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(args.jobs, len(jobs))) as pool:
            reports = pool.map(_one, jobs, chunksize=max(1, len(jobs) // (args.jobs * 4)))
            worst = _print_all(reports)
    else:
        worst = _print_all(map(_one, jobs))
    return SEVERITY[worst]


def _print_all(reports) -> int:
    """Print each folder's report in the order given; the index of the worst exit code in SEVERITY."""
    from generator.regenerate.folder import SEVERITY

    worst = 0
    for r in reports:
        for line in r.details:
            print(line)
        for line in r.problems:
            print(line, file=sys.stderr)
        if r.diff:
            sys.stdout.write(r.diff)
        print(r.summary)
        worst = max(worst, SEVERITY.index(r.exit_code))
    return worst
