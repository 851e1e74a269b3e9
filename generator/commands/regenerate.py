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
    from generator.commands.results import add_format_option

    add_project_option(p)
    add_format_option(p)


def _one(job: tuple) -> object:
    from generator.regenerate.folder import regenerate_folder

    folder, sets, mode, force, full, project, inline = job
    return regenerate_folder(folder, sets, mode, force=force, full=full, project=project, inline=inline)


def run(args) -> int:
    from generator.commands.results import emit, json_requested, mode_of
    from generator.errors import ExitCode
    from generator.regenerate.folder import SEVERITY, Mode

    if args.jobs < 1:
        print("--jobs: must be at least 1", file=sys.stderr)
        if json_requested(args):
            emit("regenerate", mode_of(args), ExitCode.USAGE, [], ["--jobs: must be at least 1"])
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
            worst = _print_all(reports, args)
    else:
        worst = _print_all(map(_one, jobs), args)
    return SEVERITY[worst]


def _print_all(reports, args) -> int:
    """Print each folder's report in the order given; the index of the worst exit code in SEVERITY.

    Text: the diff alone on stdout (`--check > drift.patch` is a clean patch); notes, status lines and the
    summary on stderr unless -q; warnings, problems and conflicts on stderr always. JSON: one document on
    stdout, and on stderr what -q would still print.
    """
    from generator.commands.results import json_requested
    from generator.regenerate.folder import SEVERITY

    as_json = json_requested(args)
    quiet = args.quiet or as_json
    worst, done = 0, []
    for r in reports:
        for line in [] if quiet else [f"{r.folder}: note: {n}" for n in r.notes]:
            print(line, file=sys.stderr)
        for line in [f"{r.folder}: {w}" for w in r.warnings] + ([] if quiet else r.details) + r.problems:
            print(line, file=sys.stderr)
        if r.diff and not as_json:
            sys.stdout.write(r.diff)
            sys.stdout.flush()
        if not quiet and r.exit_code != 2:  # a folder that was refused says so in its problems, one line each
            print(r.summary, file=sys.stderr)
        worst = max(worst, SEVERITY.index(r.exit_code))
        done.append(r)
    if as_json:
        _emit_json(done, args, SEVERITY[worst])
    return worst


def _emit_json(reports, args, exit_code) -> None:
    from generator.commands.results import emit, folder_entry, mode_of

    mode = mode_of(args)
    entries = []
    for r in reports:
        leaves = ("kept-deleted", "kept-edited")
        status = ("error" if r.exit_code == 2 else "conflict" if r.exit_code == 3
                  else "in-sync" if all(action in leaves for _, action in r.files)
                  else "changed" if mode == "write" else "would-change")
        entries.append(folder_entry(r.folder, exit_code=r.exit_code, status=status, generated_by=r.generated_by, files=r.files,
                                    conflicts=r.conflicts, notes=r.notes, warnings=r.warnings, problems=r.problems, diff=r.diff))
    emit("regenerate", mode, exit_code, entries)
