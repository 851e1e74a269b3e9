"""Read a Ballerina package folder into plain records: its manifest, its resolved dependencies, its configurables.

What is read, and why:

- `Ballerina.toml` `[package]`: `org` and `name` name the root module's table in Config.toml (`[org.name]`;
  ballerina-lang TomlProvider.getRootModuleNode also accepts `[name]` and top-level keys), `name` is the jar
  `bal build` writes (`target/bin/<name>.jar`), `distribution` the Ballerina release it targets;
  `[build-options] observabilityIncluded`: without it the metrics tables are unused values.
- `Dependencies.toml` (written by `bal build`): `[ballerina] distribution-version`, the release that last
  built the package (it decides the class-file version of the jar), and every `[[package]]` of the program;
  a package with `scope = "testOnly"` is in the tests only, not in the program.
- the sources of each module: the default module is the `*.bal` files at the package root plus
  `generated/*.bal`, a module `x` is `modules/x/*.bal` plus `generated/x/*.bal` (ballerina-lang ProjectPaths:
  "Generated default module", "Generated non default module"); `tests/` folders are test sources and are
  not read.

Every problem is a `UserError` naming the file (and the line, for sources); nothing is guessed.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from generator.errors import Problem, UserError
from generator.inputs.ballerina.syntax import BalType, Declaration, Default, Import
from generator.records import record

MANIFEST = "Ballerina.toml"
LOCK_FILE = "Dependencies.toml"
MAX_FILE_BYTES = 4 << 20
MAX_SOURCES = 2000
#: A Ballerina org or package name part (ballerina-lang ProjectUtils: letters, digits, '_', and '.' between parts).
_PACKAGE_NAME = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*")
_ORG = re.compile(r"[A-Za-z0-9_]+")


@record(frozen=True)
class Configurable:
    """A module-level `configurable` variable of the package, where it is declared and what it is."""

    module: str  # "" for the default (root) module, else the module's own name ("db" for modules/db)
    name: str
    type: BalType
    default: Default
    file: str  # relative to the package root, POSIX: "main.bal", "modules/db/db.bal"
    line: int
    public: bool = False
    comments: tuple[str, ...] = ()
    spelled: str = ""  # the name as written in the source

    @property
    def required(self) -> bool:
        return self.default.required

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def declaration(self) -> str:
        """The declaration as Ballerina source, on one line."""
        return f"{'public ' if self.public else ''}configurable {self.type.text} {self.spelled or self.name} = {self.default.text};"


@record(frozen=True)
class Module:
    """One module of the package: its files and what they declare at module level."""

    name: str  # "" for the default module
    files: tuple[str, ...]
    configurables: tuple[Configurable, ...]
    imports: tuple[tuple[str, Import], ...]  # (file, import)
    types: dict[str, BalType]
    enums: dict[str, tuple[str, ...]]
    consts: dict[str, object]


@record(frozen=True)
class Package:
    """A `[[package]]` of Dependencies.toml."""

    org: str
    name: str
    version: str = ""
    scope: str = ""  # "testOnly" for packages only the tests use


@record(frozen=True)
class BallerinaProject:
    """A Ballerina package as hardgen needs it: plain data, no model."""

    root: str  # the folder as given
    org: str
    name: str
    version: str = ""
    distribution: str = ""  # Ballerina.toml [package] distribution
    observability_included: bool = False
    lock_file: bool = False  # Dependencies.toml was there
    distribution_version: str = ""  # Dependencies.toml [ballerina] distribution-version
    packages: tuple[Package, ...] = ()
    modules: tuple[Module, ...] = ()

    def path(self, rel: str) -> str:
        """A file of the package as messages name it: the folder as given, then the relative path."""
        return str(Path(self.root) / rel)

    @property
    def manifest(self) -> str:
        return self.path(MANIFEST)

    def module(self, name: str) -> Module | None:
        return next((m for m in self.modules if m.name == name), None)

    def runtime_module(self, module: str) -> str:
        """The runtime's name of a module: `org/name` for the default module, `org/name.sub` for `sub`."""
        return f"{self.org}/{self.name}" + (f".{module}" if module else "")

    def configurables(self) -> tuple[Configurable, ...]:
        return tuple(c for m in self.modules for c in m.configurables)

    def built_by(self) -> tuple[str, str]:
        """(distribution, where it is written): the release that built the jar, else the one the manifest names."""
        if self.distribution_version:
            return self.distribution_version, f"{self.path(LOCK_FILE)}: [ballerina] distribution-version = {self.distribution_version!r}"
        if self.distribution:
            return self.distribution, f"{self.manifest}: [package] distribution = {self.distribution!r}"
        return "", ""

    def includes(self, org: str, name: str) -> tuple[bool, str]:
        """Whether package org/name is part of the program, and what says so (Dependencies.toml, else the imports)."""
        if self.lock_file:
            found = any(p.org == org and p.name == name and p.scope != "testOnly" for p in self.packages)
            return found, self.path(LOCK_FILE)
        for module in self.modules:
            for file, imp in module.imports:
                if imp.org == org and (imp.module == name or imp.module.startswith(name + ".")):
                    return True, f"{self.path(file)}:{imp.line}"
        return False, "the imports of its sources (no Dependencies.toml: run `bal build` once to record the resolved packages)"


def read_project(folder: Path) -> BallerinaProject:
    """The package in `folder`, or UserError naming every file that cannot be read."""
    import tomllib

    label = str(folder)
    manifest = folder / MANIFEST
    if not folder.is_dir():
        raise UserError(Problem("--project", "", f"{label!r} is not a folder (give the folder that holds Ballerina.toml)"))
    if not manifest.is_file():
        raise UserError(Problem("--project", "", f"{label!r} holds no Ballerina.toml: it is not a Ballerina package"))
    data = _toml(manifest, tomllib)
    problems: list[Problem] = []
    package = data.get("package")
    where = str(manifest)
    if not isinstance(package, dict):
        raise UserError(Problem(where, "package", "is missing: hardgen needs [package] org and name to name the module's Config.toml table"))
    org = _string(package, "org", where, "package.org", problems, required=True)
    name = _string(package, "name", where, "package.name", problems, required=True)
    version = _string(package, "version", where, "package.version", problems)
    distribution = _string(package, "distribution", where, "package.distribution", problems)
    if org and not _ORG.fullmatch(org):
        problems.append(Problem(where, "package.org", f"{org!r} is not a Ballerina org name (letters, digits and '_')"))
    if name and not _PACKAGE_NAME.fullmatch(name):
        problems.append(Problem(where, "package.name", f"{name!r} is not a Ballerina package name (letters, digits, '_' and '.' between parts)"))
    options = data.get("build-options", {})
    observability = False
    if not isinstance(options, dict):
        problems.append(Problem(where, "build-options", "is not a table"))
    else:
        raw = options.get("observabilityIncluded", False)
        if not isinstance(raw, bool):
            problems.append(Problem(where, "build-options.observabilityIncluded", f"{raw!r} is not true or false"))
        observability = raw is True
    lock = folder / LOCK_FILE
    packages: tuple[Package, ...] = ()
    built = ""
    if lock.is_file():
        packages, built = _lock_file(lock, tomllib, problems)
    modules = _modules(folder, problems)
    if problems:
        raise UserError(problems)
    return BallerinaProject(label, org, name, version, distribution, observability, lock.is_file(), built, packages, modules)


def _toml(path: Path, tomllib) -> dict:
    raw = _bytes(path)
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(Problem(str(path), "", "is not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(Problem(str(path), "", f"is not valid TOML: {exc}")) from None


def _bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UserError(Problem(str(path), "", f"cannot be read: {exc.strerror}")) from None
    if len(raw) > MAX_FILE_BYTES:
        raise UserError(Problem(str(path), "", f"is larger than {MAX_FILE_BYTES >> 20} MiB"))
    return raw


def _string(table: dict, key: str, where: str, path: str, problems: list[Problem], required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            problems.append(Problem(where, path, "is missing: hardgen needs it to name the module's Config.toml table "
                                    "(without it the runtime's name for the package is not written down anywhere)"))
        return ""
    if not isinstance(value, str):
        problems.append(Problem(where, path, f"{value!r} is not a string"))
        return ""
    return value


def _lock_file(path: Path, tomllib, problems: list[Problem]) -> tuple[tuple[Package, ...], str]:
    data = _toml(path, tomllib)
    where = str(path)
    ballerina = data.get("ballerina", {})
    built = ballerina.get("distribution-version", "") if isinstance(ballerina, dict) else ""
    if not isinstance(built, str):
        problems.append(Problem(where, "ballerina.distribution-version", f"{built!r} is not a string"))
        built = ""
    out = []
    entries = data.get("package", [])
    if not isinstance(entries, list):
        problems.append(Problem(where, "package", "is not an array of tables ([[package]])"))
        return (), built
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("org"), str) or not isinstance(entry.get("name"), str):
            problems.append(Problem(where, f"package[{i}]", "has no org and name strings"))
            continue
        out.append(Package(entry["org"], entry["name"], str(entry.get("version", "")), str(entry.get("scope", ""))))
    return tuple(out), built


def _modules(folder: Path, problems: list[Problem]) -> tuple[Module, ...]:
    """The default module, then each module under modules/ in name order."""
    groups: dict[str, list[Path]] = {"": _sources(folder) + _sources(folder / "generated")}
    for parent in (folder / "modules", folder / "generated"):
        if parent.is_dir():
            for sub in sorted(p for p in parent.iterdir() if p.is_dir() and p.name != "tests"):
                if parent.name == "generated" and sub.name in ("tests", "resources"):
                    continue
                groups.setdefault(sub.name, []).extend(_sources(sub))
    total = sum(len(files) for files in groups.values())
    if total > MAX_SOURCES:
        problems.append(Problem(str(folder), "", f"holds {total} .bal files; hardgen reads at most {MAX_SOURCES}"))
        return ()
    return tuple(_module(folder, name, sorted(files), problems) for name, files in sorted(groups.items()) if files or not name)


def _sources(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".bal" and p.is_file())


def _module(root: Path, name: str, files: list[Path], problems: list[Problem]) -> Module:
    from generator.inputs.ballerina.lexer import BallerinaSyntaxError
    from generator.inputs.ballerina.syntax import read_source

    found: list[tuple[str, Declaration]] = []
    imports: list[tuple[str, Import]] = []
    types: dict[str, BalType] = {}
    enums: dict[str, tuple[str, ...]] = {}
    consts: dict[str, object] = {}
    rels = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        rels.append(rel)
        where = str(path)
        try:
            text = _bytes(path).decode("utf-8").removeprefix("\ufeff")  # a byte order mark is not an identifier
        except UnicodeDecodeError:
            problems.append(Problem(where, "", "is not UTF-8 text"))
            continue
        except UserError as exc:
            problems.extend(exc.problems)
            continue
        try:
            facts = read_source(text)
        except BallerinaSyntaxError as exc:
            problems.append(Problem(where, "", f"line {exc.line}, column {exc.col}: {exc.message} (hardgen reads the "
                                    "module-level configurables of every source; fix the source or report the construct)"))
            continue
        for line, message in facts.errors:
            problems.append(Problem(where, "", f"line {line}: {message}"))
        found += [(rel, d) for d in facts.configurables]
        imports += [(rel, i) for i in facts.imports]
        types.update(facts.types)
        enums.update(facts.enums)
        consts.update(facts.consts)
    configurables = []
    seen: dict[str, str] = {}
    for rel, d in found:
        default = d.default
        if default.ref and default.ref in consts:  # an enum member or const, possibly declared in another file
            default = dataclasses.replace(default, literal=True, value=consts[default.ref])
        if d.name in seen:
            problems.append(Problem(str(root / rel), "", f"line {d.line}: configurable {d.name!r} is also declared at {seen[d.name]}"))
        seen[d.name] = f"{rel}:{d.line}"
        configurables.append(Configurable(name, d.name, d.type, default, rel, d.line, d.public, d.comments, d.spelled))
    return Module(name, tuple(rels), tuple(configurables), tuple(imports), types, enums, consts)
