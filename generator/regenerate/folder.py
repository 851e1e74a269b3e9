"""Regenerate one output folder: replay its answers with this hardgen, reconcile, and report.

Kept free of argparse so the command can run folders one by one or in a pool
of processes; a `FolderReport` is plain data that crosses process boundaries.
Per folder: read `.hardgen/` (state, answers), migrate the answers forward,
apply `--set`, validate, render, reconcile with the files on disk
(`generator.reconcile`), then write through `generator.write` or, for
`--check` / `--dry-run`, only describe.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import ExitCode, Problem, UserError
from generator.output.state import PROPOSAL_SUFFIX
from generator.regenerate.outcomes import Action, Mode

#: Folder exit codes from least to most important: the command returns the worst one.
SEVERITY = (ExitCode.OK, ExitCode.DRIFT, ExitCode.CONFLICT, ExitCode.USAGE)
#: Conflicts listed per file; a hostile file can have tens of thousands, and a CI log is read by people.
MAX_CONFLICTS_SHOWN = 20


@dataclass
class FolderReport:
    """What regenerating one folder did, as plain data: it crosses process boundaries with --jobs."""

    folder: str
    exit_code: ExitCode = ExitCode.OK
    summary: str = ""
    details: list[str] = field(default_factory=list)  # status lines (stderr), before the summary
    problems: list[str] = field(default_factory=list)  # stderr, also under -q
    diff: str = ""  # stdout
    # The same run as data, for --format json (generator/commands/results.py):
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, Action value)
    conflicts: list[dict] = field(default_factory=list)  # {"path", "at", "yours", "new"}
    notes: list[str] = field(default_factory=list)  # why an upgrade changed what it changed (silenced by -q)
    warnings: list[str] = field(default_factory=list)  # the render's warnings (never silenced)
    generated_by: str | None = None  # the version in state.json before this run


_WORDS = {
    Action.CREATED: "created", Action.UPDATED: "updated", Action.MERGED: "merged with your edits",
    Action.MODE: "restored to its generated mode", Action.REMOVED: "removed (no longer generated, untouched)",
    Action.RECREATED: "recreated (--force)",
    Action.KEPT_DELETED: "deleted by you, not recreated (use --force to get it back)",
    Action.KEPT_EDITED: "no longer generated, but edited by you: kept, and no longer managed by hardgen",
    Action.CONFLICT: "conflict", Action.FOREIGN: "exists but hardgen did not write it",
}
#: How the summary line counts each action, in this order.
_COUNTED = {
    Action.CREATED: "created", Action.UPDATED: "updated", Action.MERGED: "merged", Action.MODE: "mode restored",
    Action.REMOVED: "removed", Action.RECREATED: "recreated", Action.KEPT_DELETED: "deleted by you",
    Action.KEPT_EDITED: "edited and no longer generated", Action.CONFLICT: "conflict", Action.FOREIGN: "not hardgen's",
}


def in_sync(out_dir: Path, state, answers_raw: bytes) -> bool:
    """True when a full regeneration is known to change nothing, without rendering (see generator.fingerprint).

    `state` comes from `read_state`, which refused any of its paths that passes through a symbolic link; files are
    read without following one at the end either.
    """
    import os
    import stat

    from generator.output.fingerprint import render_fingerprint
    from generator.output.state import BASE_DIR, STATE_DIR, Walker, read_file

    if not state.fingerprint or state.fingerprint != render_fingerprint(answers_raw):
        return False
    walker = Walker(out_dir, str(out_dir))
    for rel, record in state.files.items():
        base_rel = f"{STATE_DIR}/{BASE_DIR}/{rel}"
        base_st = walker.stat(base_rel)
        if base_st is None or not stat.S_ISREG(base_st.st_mode):
            return False
        st = walker.stat(rel)
        if st is None:
            continue  # deleted by the user: not recreated without --force
        if not stat.S_ISREG(st.st_mode):
            return False
        if st.st_size == base_st.st_size and (st.st_mode & 0o7777) != record.mode \
                and read_file(os.path.join(out_dir, rel)) == read_file(os.path.join(out_dir, base_rel)):
            return False  # untouched content, changed mode: regeneration restores the mode
    return True


def _load_model(out_dir: Path, sets: list[str], label: str, project: Path | None = None):
    from generator.inputs.load import Layers, parse_set, read_yaml
    from generator.inputs.migrate import migrate
    from generator.output.state import answers_path
    from generator.regenerate.notes import fix_hints
    from generator.render.pipeline import load_project, validate

    try:
        raw = read_yaml(answers_path(out_dir), label)
    except RecursionError:  # the YAML reader recurses per level of nesting; no answers file nests that deep
        raise UserError(Problem(label, "", "is nested too deeply to be an answers file")) from None
    data, notes = migrate(raw, label)
    context = None
    if project is not None:  # the recorded answers count as given: one that contradicts the project is an error
        layers, context = load_project(project, [], [], sets, first=[(data, label)])
    else:
        layers = Layers()
        layers.apply(data, label)
        for item in sets:
            layers.apply(parse_set(item), "--set")
    try:
        return data, validate(layers, context), notes, context
    except UserError as exc:
        raise UserError([*exc.problems, *fix_hints(exc.problems, sets, label)]) from None


def regenerate_folder(folder: str, sets: list[str], mode: Mode = Mode.WRITE, *, force: bool = False, full: bool = False,
                      project: Path | None = None, inline: bool = False) -> FolderReport:
    """`project`: the Ballerina package the folder's output must fit (checked on every run: no fingerprint shortcut);
    `inline`: conflicts in files merged by lines become git-style markers in the file (`--conflict=inline`)."""
    report = FolderReport(folder)
    try:
        _regenerate(Path(folder), sets, mode, force, full, report, project, inline)
    except UserError as exc:
        report.problems.extend(str(p) for p in exc.problems)
        report.exit_code = ExitCode.USAGE
        report.summary = f"{folder}: not regenerated ({len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''})"
    return report


def _regenerate(out_dir: Path, sets: list[str], mode: Mode, force: bool, full: bool, report: FolderReport,
                project: Path | None = None, inline: bool = False) -> None:
    from generator.output.writer import locked_folder, output_folder

    out_dir = output_folder(out_dir, report.folder)
    if not out_dir.is_dir():
        raise UserError(Problem(report.folder, "", "is not a folder written by 'hardgen generate' (run that first)"))
    # One run at a time: a write holds the folder exclusively (and first completes or undoes one a killed run left);
    # --check and --dry-run hold it shared, and refuse a folder whose write was interrupted instead of judging half of it.
    with locked_folder(out_dir, report.folder, write=mode is Mode.WRITE):
        _regenerate_locked(out_dir, sets, mode, force, full, report, project, inline)


def _regenerate_locked(out_dir: Path, sets: list[str], mode: Mode, force: bool, full: bool, report: FolderReport,
                       project: Path | None, inline: bool = False) -> None:
    import os
    import stat

    from generator.output.state import ANSWERS_FILE, MAX_STATE_BYTES, STATE_DIR, Walker, answers_path, read_file, read_state

    folder = report.folder
    answers_file = answers_path(out_dir)
    label = str(answers_file)
    state = read_state(out_dir)  # validated, every path in it checked for symbolic links before anything is read
    found = Walker(out_dir, label).stat(f"{STATE_DIR}/{ANSWERS_FILE}")
    if state is None or found is None:
        raise UserError(Problem(folder, "", f"has no readable {STATE_DIR}/state.json and {STATE_DIR}/answers.yaml; "
                                "it was not written by 'hardgen generate' (run that first)"))
    if not stat.S_ISREG(found.st_mode):
        raise UserError(Problem(label, "", "is not a regular file"))
    report.generated_by = state.version or None
    answers_raw = read_file(os.fspath(answers_file), MAX_STATE_BYTES)
    if not (sets or force or full or project) and in_sync(out_dir, state, answers_raw):
        report.summary = f"{folder}: in sync"
        return
    from generator.model.fields import to_data
    from generator.output.fingerprint import render_fingerprint
    from generator.regenerate.notes import answer_changes, pin_warnings, reasons
    from generator.regenerate.reconcile import reconcile
    from generator.regenerate.releases import generated_by
    from generator.render.pipeline import render_model

    # Before the answers are validated: an upgrade that stops the run (exit 2) is what its notes explain.
    report.notes += generated_by(state.version)
    old_data, model, notes, context = _load_model(out_dir, sets, label, project)
    rendered = render_model(model, context)
    answers, _mode = rendered.desired[f"{STATE_DIR}/answers.yaml"]
    new_data = to_data(model)
    fingerprint = render_fingerprint(answers)
    rec = reconcile(out_dir, state, rendered.plan.files, answers, fingerprint, force=force, inline=inline)
    report.notes += notes + answer_changes(old_data, new_data) + reasons(old_data, new_data)
    report.warnings += rendered.plan.warnings
    report.warnings += [f"warning: {w}" for w in pin_warnings(old_data, new_data)]
    _describe(report, rec, mode)
    if rec.conflicts:
        report.exit_code = ExitCode.CONFLICT
    elif mode is Mode.CHECK and rec.artefact_changes():
        report.exit_code = ExitCode.DRIFT
    if mode is Mode.WRITE:
        from generator.output.writer import apply_changes

        apply_changes(out_dir, rec.changes, rec.remove, label=folder)


def _describe(report: FolderReport, rec, mode: Mode) -> None:
    folder = report.folder
    counts: dict[Action, int] = {}
    for o in rec.outcomes:
        counts[o.action] = counts.get(o.action, 0) + 1
        report.files.append((o.path, o.action.value))
        where = f"{folder}/{o.path}"
        if o.action.needs_the_user:
            report.conflicts.extend({"path": o.path, "at": c.where, "yours": c.ours, "new": c.theirs} for c in o.conflicts)
            if o.markers is not None:
                report.conflicts.append({"path": o.path, "at": f"line {o.markers}", "yours": "(unresolved conflict markers)",
                                         "new": "(unresolved conflict markers)"})
            _tell_conflict(report, where, o, mode)
        elif mode is Mode.DRY_RUN or o.action not in (Action.CREATED, Action.UPDATED):
            for c in o.conflicts[:MAX_CONFLICTS_SHOWN]:  # only with --force: the new render was taken
                report.details.append(f"{where}: --force took the new render at {c}")
            if len(o.conflicts) > MAX_CONFLICTS_SHOWN:
                report.details.append(f"{where}: --force took the new render at {len(o.conflicts) - MAX_CONFLICTS_SHOWN} more places")
            report.details.append(f"{where}: {'would be ' if mode is not Mode.WRITE and not o.action.leaves_the_file else ''}{_WORDS[o.action]}")
        if mode is Mode.CHECK and not (o.action.leaves_the_file or o.action.needs_the_user):
            report.diff += _unified(folder, o)
    for rel in rec.resolved:
        report.details.append(f"{folder}/{rel}: conflict resolved: your file is kept, as your edit of the new render")
    parts = [f"{counts[a]} {word}{'s' if a is Action.CONFLICT and counts[a] > 1 else ''}" for a, word in _COUNTED.items() if a in counts]
    lead = "in sync" if not rec.artefact_changes() else ("would change" if mode is not Mode.WRITE else "")
    report.summary = f"{folder}: " + ", ".join(x for x in [lead, *parts] if x)


def _tell_conflict(report: FolderReport, where: str, o, mode: Mode) -> None:
    """One line per conflicting key or line (both values, short), then what the user does about it."""
    for c in o.conflicts[:MAX_CONFLICTS_SHOWN]:
        report.problems.append(f"{where}: {c}")
    if len(o.conflicts) > MAX_CONFLICTS_SHOWN:
        report.problems.append(f"{where}: and {len(o.conflicts) - MAX_CONFLICTS_SHOWN} more conflicts "
                               f"(the {'markers mark' if o.inline else 'proposal has'} them all)")
    writes = mode is Mode.WRITE
    if o.markers is not None:
        report.problems.append(f"{where}: unresolved conflict markers from line {o.markers}: keep what you want between "
                               "'<<<<<<< yours' and '>>>>>>>', delete the marker lines, then run regenerate again")
        return
    whole = any(c.where == "(whole file)" for c in o.conflicts)
    if o.inline_refused:
        why = (f"markers would break this {o.inline_refused.upper()} file" if o.inline_refused != "lines"
               else "this file is not merged line by line")
        report.problems.append(f"{where}: --conflict=inline: {why}, so the proposal is written beside it instead")
    if o.inline:
        report.problems.append(f"{where}: " + ("conflict markers written into your file" if writes else "conflict markers would be written into your file")
                               + ": keep what you want between '<<<<<<< yours' and '>>>>>>>', delete the marker lines, then run regenerate again")
    elif writes and o.action is Action.FOREIGN:
        report.problems.append(f"{where}: your file is kept as it is; the generated one is in {where}{PROPOSAL_SUFFIX}: take it with mv, "
                               "or move yours away, then run regenerate again (--force overwrites yours)")
    elif writes:
        what = "the new render" if whole else "your other edits, the new values at the conflicts"
        report.problems.append(f"{where}: your file is kept as it is; the proposal ({what}) is in {where}{PROPOSAL_SUFFIX}: "
                               "take it with mv, or edit your file and delete the proposal, then run regenerate again")
    else:
        report.problems.append(f"{where}: your file would be kept as it is, and the proposal written to {where}{PROPOSAL_SUFFIX}")


def _unified(folder: str, o) -> str:
    if o.before == o.after:
        return f"mode of {folder}/{o.path} would be restored\n"
    a = (o.before or b"").decode("utf-8", "replace").splitlines(keepends=True)
    b = (o.after or b"").decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(a, b, f"a/{folder}/{o.path}" if o.before is not None else "/dev/null",
                                 f"b/{folder}/{o.path}" if o.after is not None else "/dev/null")
    return "".join(x if x.endswith("\n") else x + "\n\\ No newline at end of file\n" for x in lines)
