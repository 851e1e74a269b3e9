"""The interactive part of `hardgen init`: asks the model's questions with questionary.

questionary (and prompt_toolkit under it) is imported here and only here, when
the wizard runs, so every other command starts without it. The questions, their
order and their checks come from `generator.questions`; this module only turns
them into prompts. Prompts read and write the current prompt_toolkit session,
so tests drive them through a pipe input without a terminal.

Ctrl-C and Ctrl-D abort every prompt alike (prompt_toolkit's select and
checkbox ignore Ctrl-D on their own): both raise KeyboardInterrupt, which the
CLI reports as "aborted, nothing written" with exit code 130.
"""

from __future__ import annotations

from typing import Any

import questionary
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

from generator import keypath
from generator.wizard import questions as qs
from generator.wizard.questions import CHECKBOX, CONFIRM, ENTRIES, SELECT, Question

#: Rounds of "the whole model still has a problem, ask that key again" before giving up.
MAX_FIX_ROUNDS = 5


def _abort_keys() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("c-d", eager=True)
    def _ctrl_d(event) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    return kb


def ask(question: questionary.Question) -> Any:
    """Ask one prompt; Ctrl-C or Ctrl-D raise KeyboardInterrupt instead of answering None."""
    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, _abort_keys()]) if app.key_bindings else _abort_keys()
    try:
        return question.unsafe_ask()
    except EOFError:
        raise KeyboardInterrupt from None


def tell(text: str = "") -> None:
    print(text, flush=True)


class Interview:
    """One run of questions over `data` (plain answers, edited in place)."""

    def __init__(self, data: dict, advanced: bool | None = None, skip: frozenset[str] = frozenset()):
        self.data = data
        self.advanced = advanced  # None: ask when the first advanced question comes
        self.questions = [q for q in qs.questions() if q.path not in skip]  # skip: keys the project derives
        self.section: str | None = None
        self.offered: list[str] = []  # key paths asked, in order (a warning may name only these)

    def run(self) -> dict:
        """The ordinary questions first (targets among the first), then, if wanted, the advanced ones that apply."""
        for q in self.questions:
            if not qs.is_advanced(q, self.data) and qs.applies(q, self.data):
                self.heading(q.section)
                self.ask_key(q)
        advanced = [q for q in self.questions if qs.is_advanced(q, self.data) and qs.applies(q, self.data)]
        if advanced and self.advanced is None:
            groups = ", ".join(dict.fromkeys(q.path.split(".")[0] for q in advanced))
            self.advanced = ask(questionary.confirm(
                f"Also review the advanced settings ({groups})? Their defaults are the hardened ones", default=False))
        for q in advanced if self.advanced else ():
            if qs.applies(q, self.data):  # an advanced answer may turn another off (service.tls)
                self.heading(q.section)
                self.ask_key(q)
        return self.data

    def heading(self, section: str) -> None:
        if section and section != self.section:
            tell(f"\n{section}")
        self.section = section

    def ask_key(self, q: Question, base: str = "") -> None:
        """Ask one key until the model accepts the answer; store it in `data`."""
        if q.kind == ENTRIES:
            self.offered.append(q.path)
            self.ask_entries(q)
            return
        path = keypath.join(base, q.path)
        self.offered.append(path)
        answer = self.prompt(q, base)
        keypath.put(self.data, path, answer)

    def prompt(self, q: Question, base: str) -> Any:
        """The question in words, the key path as a hint; a text prompt shows its default and Enter keeps it.

        The default is shown, never pre-filled: typing replaces it (a pre-filled `0.1.0` plus a typed `1.0.0`
        was `0.1.01.0.0`).
        """
        path = keypath.join(base, q.path)
        message = q.spec.help
        value = qs.current(q, self.data, base)
        if q.kind == CONFIRM:
            return self.confirm_key(q, base, f"{message} ({path})", bool(value))
        if q.kind in (SELECT, CHECKBOX):
            return self.choose(q, base, f"{message} ({path})", value)
        shown = qs.as_text(value)
        hint = qs.hint(q, default_shown=bool(shown))[1:-1]
        instruction = "(" + "; ".join(filter(None, [path, hint, f"Enter: {shown}" if shown else ""])) + ")"

        def raw(typed: str) -> Any:
            return qs.from_text(q, typed) if typed.strip() or not shown else value

        text = ask(questionary.text(message, instruction=instruction, validate=lambda typed: self.validation(q, raw(typed), base),
                                    validate_while_typing=False))
        return self.accepted(q, raw(text), base)

    def confirm_key(self, q: Question, base: str, message: str, default: bool) -> bool:
        """A yes/no prompt cannot validate while open: a refused answer is explained and asked again."""
        while True:
            answer, why = qs.judge(q, ask(questionary.confirm(message, default=default)), self.data, base)
            if why is None:
                return answer
            tell(f"  {why}")

    def choose(self, q: Question, base: str, message: str, value: Any) -> Any:
        """Choices the model refuses right now are shown disabled, with the model's reason."""
        refused = qs.refusals(q, self.data, base)
        if q.kind == SELECT:
            choices = [questionary.Choice(str(c), value=c, disabled=refused.get(c)) for c in q.choices]
            allowed = [c for c in q.choices if c not in refused]
            default = value if value in allowed else next(iter(allowed), None)
            return self.accepted(q, ask(questionary.select(message, choices=choices, default=default)), base)
        chosen = value if isinstance(value, list) else []
        choices = [questionary.Choice(str(c), value=c, checked=c in chosen and c not in refused, disabled=refused.get(c))
                   for c in q.choices]
        picked = ask(questionary.checkbox(message, choices=choices, validate=lambda got: self.validation(q, got, base)))
        return self.accepted(q, picked, base)

    def accepted(self, q: Question, raw: Any, base: str) -> Any:
        answer, why = qs.judge(q, raw, self.data, base)
        assert why is None, why  # the prompt validated it, or offered only allowed choices
        return answer

    def validation(self, q: Question, raw: Any, base: str) -> bool | str:
        _answer, why = qs.judge(q, raw, self.data, base)
        return True if why is None else why

    def ask_entries(self, q: Question) -> None:
        """A repeatable list of mappings (peers): review the existing entries, then add until "no"."""
        existing = list(qs.current(q, self.data) or [])
        kept: list[dict] = []
        for entry in existing:
            label = entry.get("name", "?") if isinstance(entry, dict) else "?"
            action = ask(questionary.select(f"{q.spec.help}: {label!s} ({q.path})", choices=["keep", "edit", "remove"], default="keep"))
            if action == "remove":
                continue
            kept.append(entry if action == "keep" else self.ask_entry(q, kept, dict(entry)))
        while ask(questionary.confirm(f"{q.spec.help}: add {'another' if kept else 'one'}? ({q.path})", default=False)):
            kept.append(self.ask_entry(q, kept, {}))
        keypath.put(self.data, q.path, kept)

    def ask_entry(self, q: Question, kept: list[dict], entry: dict) -> dict:
        base = f"{q.path}[{len(kept)}]"
        while True:
            keypath.put(self.data, q.path, [*kept, entry])
            for item in q.items:
                if qs.applies(item, self.data, base):
                    self.ask_key(item, base)
                else:
                    keypath.drop(self.data, keypath.join(base, item.path))
            entry = keypath.get(self.data, base)
            for key in list(entry):
                if key in q.spec.omit:
                    del entry[key]
            problems = [(p, m) for p, m in qs.model_problems(self.data) if p == base]
            if not problems:
                return entry
            for _path, message in problems:
                tell(f"  {base}: {message}; answer it again")


def interview(data: dict, advanced: bool | None = None, origin=lambda _path: "input", project=None):
    """Ask every question that applies, then again any key the whole model still refuses; the valid model.

    Input no question can fix (an unknown key in a preset or answers file) is
    refused before the first question, not after the last. With a project
    (`generator.model.project.ProjectContext`), the keys it derives are not asked
    (their values are already in `data`), and the model must fit the program.
    """
    from generator.errors import UserError
    from generator.inputs.load import Layers
    from generator.model.fields import Builder
    from generator.model.integration import Integration
    from generator.render.pipeline import validate

    run = Interview(data, advanced, frozenset(project.derived.reasons) if project is not None else frozenset())
    builder = Builder(origin)
    builder.build(Integration, data)
    unfixable = [p for p in builder.problems if p.source != "missing" and qs.question_for(p.path, run.questions) is None]
    if unfixable:
        raise UserError(unfixable)
    run.run()
    for _round in range(MAX_FIX_ROUNDS):
        try:
            return validate(Layers(data=data), project)
        except UserError as exc:
            fixes = [qs.question_for(problem.path, run.questions) for problem in exc.problems]
            askable = [q for q in fixes if q is not None]
            if len(askable) < len(fixes) or _round == MAX_FIX_ROUNDS - 1:
                raise
            for problem in exc.problems:
                tell(f"  {problem.path}: {problem.message}")
            for q in dict.fromkeys(askable):
                run.ask_key(q)
    raise AssertionError("unreachable")


def confirm(message: str) -> bool:
    return bool(ask(questionary.confirm(message, default=True)))
