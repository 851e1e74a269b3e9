"""Module-level declarations of one Ballerina source file: `configurable` variables, imports, types, enums, consts.

Reads the tokens of `generator.inputs.ballerina.lexer` at bracket depth 0, which is module level: a
`configurable` inside a function, class, service or object constructor is at depth 1 or more (the compiler
refuses it there anyway) and is never read. The grammar followed is the Ballerina Language Specification's
module-var-decl: `metadata [public] [final] configurable type-descriptor name = (expression | ?) ;`, where
`= ?` makes the variable required (ballerina-lang ConfigResolver: "value not provided for required
configurable variable") and any other initializer is its default.

Types are parsed into `BalType` trees (simple types, `T[]`, tuples, `map<T>`, records, `table<T> key(...)`,
unions, `T?`, `T & readonly`, singletons, references to `type`/`enum` definitions); a type this reader does not
model becomes kind "other", which the contract check reports instead of guessing. A default is kept as a
Python value only when it is a literal (numbers, strings, booleans, `()`, an enum member or a const, lists of
those); anything else keeps its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from decimal import Decimal

from generator.inputs.ballerina.lexer import IDENT, NUMBER, PUNCT, QIDENT, STRING, Comment, Token, tokenize
from generator.records import record

#: Qualifiers that may precede `configurable` in a module-level variable declaration.
QUALIFIERS = ("public", "final", "isolated")
SIMPLE_TYPES = ("int", "byte", "float", "decimal", "string", "boolean", "xml", "anydata", "json", "readonly", "any",
                "()", "handle", "never", "error", "typedesc", "stream", "future", "function", "object")
#: `int:Signed32` ... and their ranges (lang.int), `string:Char`, the xml subtypes.
INT_SUBTYPES = {"Signed8": (-128, 127), "Signed16": (-32768, 32767), "Signed32": (-2**31, 2**31 - 1),
                "Unsigned8": (0, 255), "Unsigned16": (0, 65535), "Unsigned32": (0, 2**32 - 1)}


@record(frozen=True)
class BalType:
    """A parsed type descriptor.

    kind: "simple" (name: int, byte, float, decimal, string, boolean, xml, anydata, json, readonly, (), int:Signed8 ...,
    string:Char, xml:Element ...), "ref" (name: `Name` or `prefix:Name`), "array" (args: element), "tuple" (args),
    "map" (args: value), "record" (closed: `{| |}`), "table" (args: row), "union" (args), "intersection" (args),
    "singleton" (value: a literal), "other" (a type this reader does not model).
    """

    kind: str
    text: str  # the type as written, normalised spacing
    name: str = ""
    args: tuple[BalType, ...] = ()
    value: object = None
    closed: bool = False


@record(frozen=True)
class Default:
    """A configurable's initializer: `?` (required), a literal (`value`), or an expression (only its text)."""

    text: str
    required: bool = False
    literal: bool = False
    value: object = None
    ref: str = ""  # a lone name (`LOGFMT`, `log:INFO`): a const or enum member, resolved with the whole module


@record(frozen=True)
class Import:
    org: str  # "" when the import names no org (a module of the same package)
    module: str  # dotted module name, e.g. "http", "orders.db", "lang.string"
    alias: str  # the prefix the source uses: `as x`, else the last part of the module name
    line: int


@record(frozen=True)
class Declaration:
    """One module-level `configurable` variable as written in one file."""

    name: str  # as Config.toml spells it: a quoted identifier without its quote
    type: BalType
    default: Default
    line: int  # of its first token (a qualifier, or `configurable`)
    public: bool = False
    comments: tuple[str, ...] = ()  # the comment lines right above it, as written (`// ...`, `# ...`)
    spelled: str = ""  # the name as written (`'type`, `a\-b`)

    @property
    def required(self) -> bool:
        return self.default.required


@record(frozen=True)
class SourceFacts:
    """What one .bal file declares at module level."""

    configurables: tuple[Declaration, ...] = ()
    imports: tuple[Import, ...] = ()
    types: dict[str, BalType] = field(default_factory=dict)  # type definitions: name -> type
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)  # enum name -> member values (strings)
    consts: dict[str, object] = field(default_factory=dict)  # const name -> literal value
    errors: tuple[tuple[int, str], ...] = ()  # (line, message): declarations this reader refuses


class _Refused(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def read_source(text: str) -> SourceFacts:
    """The module-level facts of one source text; lexical errors raise lexer.BallerinaSyntaxError."""
    toks = tokenize(text)
    tokens, comments = toks.tokens, toks.comments
    facts = _Facts()
    code_cols: dict[int, int] = {}
    for t in tokens:
        code_cols.setdefault(t.line, t.col)
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.depth != 0 or tok.kind != IDENT:
            i += 1
            continue
        word = tok.value
        try:
            if word == "configurable":
                i = _configurable(tokens, i, comments, code_cols, facts)
                continue
            if word == "import" and _statement_start(tokens, i):
                i = _import(tokens, i, facts)
                continue
            if word == "type" and _statement_start(tokens, _after_public(tokens, i)):
                i = _type_definition(tokens, i, facts)
                continue
            if word == "enum" and _statement_start(tokens, _after_public(tokens, i)):
                i = _enum(tokens, i, facts)
                continue
            if word == "const" and _statement_start(tokens, _after_public(tokens, i)):
                i = _const(tokens, i, facts)
                continue
        except _Refused as exc:
            facts.errors.append((exc.line, exc.message))
            i = _statement_end(tokens, i) + 1
            continue
        i += 1
    return SourceFacts(tuple(facts.configurables), tuple(facts.imports), facts.types, facts.enums, facts.consts,
                       tuple(facts.errors))


class _Facts:
    def __init__(self) -> None:
        self.configurables: list[Declaration] = []
        self.imports: list[Import] = []
        self.types: dict[str, BalType] = {}
        self.enums: dict[str, tuple[str, ...]] = {}
        self.consts: dict[str, object] = {}
        self.errors: list[tuple[int, str]] = []


def _after_public(tokens: list[Token], i: int) -> int:
    """The index of the first token of a definition at `i`: its `public`, if any."""
    return i - 1 if i > 0 and tokens[i - 1].kind == IDENT and tokens[i - 1].value == "public" else i


def _statement_start(tokens: list[Token], i: int) -> bool:
    """Whether tokens[i] starts a module-level item: after `;`, after a `}` back at depth 0, or first."""
    if i == 0:
        return True
    prev = tokens[i - 1]
    return prev.depth == 0 and prev.kind == PUNCT and prev.value in (";", "}", "|}")


def _statement_end(tokens: list[Token], i: int) -> int:
    """The index of the `;` that ends the module-level statement holding tokens[i] (or the last token)."""
    for j in range(i, len(tokens)):
        if tokens[j].depth == 0 and tokens[j].kind == PUNCT and tokens[j].value == ";":
            return j
    return len(tokens) - 1


def _is(tok: Token, *values: str) -> bool:
    return tok.kind in (PUNCT, IDENT) and tok.value in values


# --- configurable ----------------------------------------------------------------------------


def _configurable(tokens: list[Token], i: int, comments: list[Comment], code_cols: dict[int, int], facts: _Facts) -> int:
    first = i
    while first > 0 and tokens[first - 1].kind == IDENT and tokens[first - 1].value in QUALIFIERS and tokens[first - 1].depth == 0:
        first -= 1
    public = any(tokens[k].value == "public" for k in range(first, i))
    line = tokens[first].line
    end = _statement_end(tokens, i)
    if end <= i or not _is(tokens[end], ";"):
        raise _Refused(line, "a configurable declaration that does not end with ';'")
    body = tokens[i + 1:end]
    while body and body[0].kind == IDENT and body[0].value in QUALIFIERS:
        body = body[1:]
    eq = next((k for k, t in enumerate(body) if t.depth == 0 and _is(t, "=")), None)
    if eq is None:
        raise _Refused(line, "a configurable without an initializer (Ballerina requires `= ?` or a default)")
    if eq < 2 or body[eq - 1].kind not in (IDENT, QIDENT):
        raise _Refused(line, "a configurable whose name this reader cannot find (expected `configurable TYPE NAME = ...;`)")
    name = body[eq - 1].value
    type_tokens = body[:eq - 1]
    init = body[eq + 1:]
    if not init:
        raise _Refused(line, f"configurable {name!r} has an empty initializer")
    try:
        bal_type = parse_type(type_tokens)
    except _Refused:
        bal_type = BalType("other", spell(type_tokens))
    facts.configurables.append(Declaration(name, bal_type, _default(init, facts), line, public,
                                           _comments_above(comments, code_cols, line), body[eq - 1].text))
    return end + 1


def _comments_above(comments: list[Comment], code_cols: dict[int, int], line: int) -> tuple[str, ...]:
    """The whole-line comments right above `line`, in order: a block with no blank or code line in between."""
    whole = {c.line: c.text for c in comments if code_cols.get(c.line, c.col + 1) > c.col}
    out: list[str] = []
    at = line - 1
    while at in whole:
        out.append(whole[at])
        at -= 1
    return tuple(reversed(out))


def _default(init: Sequence[Token], facts: _Facts) -> Default:
    text = spell(init)
    if len(init) == 1 and _is(init[0], "?"):
        return Default("?", required=True)
    value = _literal(init, facts)
    if value is not _NOT_LITERAL:
        return Default(text, literal=True, value=value)
    if len(init) == 1 and init[0].kind in (IDENT, QIDENT):
        return Default(text, ref=init[0].value)
    if len(init) == 3 and init[0].kind == IDENT and _is(init[1], ":") and init[2].kind in (IDENT, QIDENT):
        return Default(text, ref=f"{init[0].value}:{init[2].value}")
    return Default(text)


_NOT_LITERAL = object()


def _literal(toks: Sequence[Token], facts: _Facts) -> object:
    """A literal's Python value (int, float, Decimal, str, bool, None for `()`, list), or _NOT_LITERAL."""
    if not toks:
        return _NOT_LITERAL
    sign = 1
    if len(toks) == 2 and _is(toks[0], "-", "+") and toks[1].kind == NUMBER:
        sign = -1 if toks[0].value == "-" else 1
        toks = toks[1:]
    if len(toks) == 1:
        tok = toks[0]
        if tok.kind == NUMBER:
            number = _number(tok.value)
            return _NOT_LITERAL if number is None else (-number if sign < 0 else number)
        if sign != 1:
            return _NOT_LITERAL
        if tok.kind == STRING:
            return tok.value
        if tok.kind == IDENT and tok.value in ("true", "false"):
            return tok.value == "true"
        if tok.kind == IDENT and tok.value == "null":
            return None
        if tok.kind in (IDENT, QIDENT) and tok.value in facts.consts:
            return facts.consts[tok.value]
    if len(toks) == 2 and _is(toks[0], "(") and _is(toks[1], ")"):
        return None
    if len(toks) >= 2 and _is(toks[0], "[") and _is(toks[-1], "]") and toks[0].depth == toks[-1].depth:
        items: list[object] = []
        inner = list(toks[1:-1])
        for part in _split(inner, ","):
            value = _literal(part, facts)
            if value is _NOT_LITERAL:
                return _NOT_LITERAL
            items.append(value)
        return items
    return _NOT_LITERAL


def _split(toks: list[Token], sep: str) -> list[list[Token]]:
    """Split at `sep` on the outermost level of `toks`; an empty list gives no parts."""
    if not toks:
        return []
    base = toks[0].depth
    parts: list[list[Token]] = [[]]
    for t in toks:
        if t.depth == base and _is(t, sep):
            parts.append([])
        else:
            parts[-1].append(t)
    return parts


def _number(text: str) -> int | float | Decimal | None:
    lowered = text.lower()
    try:
        if lowered.startswith("0x"):
            if "." in lowered or "p" in lowered:
                return float.fromhex(text)
            return int(text, 16)
        if lowered.endswith("d"):
            return Decimal(text[:-1])
        if lowered.endswith("f"):
            return float(text[:-1])
        if any(c in lowered for c in ".e"):
            return float(text)
        return int(text, 10)
    except (ValueError, ArithmeticError):
        return None


# --- import, type, enum, const ---------------------------------------------------------------


def _import(tokens: list[Token], i: int, facts: _Facts) -> int:
    end = _statement_end(tokens, i)
    body = tokens[i + 1:end]
    line = tokens[i].line
    org = ""
    if len(body) >= 2 and _is(body[1], "/"):
        org = body[0].value
        body = body[2:]
    alias = ""
    if len(body) >= 2 and _is(body[-2], "as"):
        alias = body[-1].value
        body = body[:-2]
    names = [t.value for t in body if t.kind in (IDENT, QIDENT)]
    if not names or len(body) != 2 * len(names) - 1 or any(not _is(t, ".") for t in body[1::2]):
        raise _Refused(line, "an import this reader cannot read (expected `import org/module.name as alias;`)")
    facts.imports.append(Import(org, ".".join(names), alias or names[-1], line))
    return end + 1


def _type_definition(tokens: list[Token], i: int, facts: _Facts) -> int:
    end = _statement_end(tokens, i)
    body = tokens[i + 1:end]
    if len(body) < 2 or body[0].kind not in (IDENT, QIDENT):
        raise _Refused(tokens[i].line, "a type definition this reader cannot read")
    try:
        facts.types[body[0].value] = parse_type(body[1:])
    except _Refused:
        facts.types[body[0].value] = BalType("other", spell(body[1:]))
    return end + 1


def _enum(tokens: list[Token], i: int, facts: _Facts) -> int:
    line = tokens[i].line
    if i + 2 >= len(tokens) or tokens[i + 1].kind not in (IDENT, QIDENT) or not _is(tokens[i + 2], "{"):
        raise _Refused(line, "an enum this reader cannot read")
    close = next(k for k in range(i + 3, len(tokens)) if tokens[k].depth == tokens[i + 2].depth and _is(tokens[k], "}"))
    members: list[str] = []
    for part in _split(tokens[i + 3:close], ","):
        if not part:
            continue
        if part[0].kind not in (IDENT, QIDENT):
            raise _Refused(line, "an enum member this reader cannot read")
        value = _literal(part[2:], facts) if len(part) > 2 and _is(part[1], "=") else part[0].value
        if not isinstance(value, str):
            raise _Refused(line, "an enum member whose value is not a string literal")
        facts.consts[part[0].value] = value  # an enum member is a constant of the module
        members.append(value)
    facts.enums[tokens[i + 1].value] = tuple(members)
    after = close + 1
    return after + 1 if after < len(tokens) and _is(tokens[after], ";") else after


def _const(tokens: list[Token], i: int, facts: _Facts) -> int:
    end = _statement_end(tokens, i)
    body = tokens[i + 1:end]
    eq = next((k for k, t in enumerate(body) if t.depth == 0 and _is(t, "=")), None)
    if eq is not None and eq >= 1 and body[eq - 1].kind in (IDENT, QIDENT):
        value = _literal(body[eq + 1:], facts)
        if value is not _NOT_LITERAL:
            facts.consts[body[eq - 1].value] = value
    return end + 1


# --- type descriptors ------------------------------------------------------------------------


def spell(toks: Sequence[Token]) -> str:
    """Tokens as one line of text: as written, with each run of white space and line breaks made one space."""
    out: list[str] = []
    prev: Token | None = None
    for t in toks:
        if prev is not None and not _adjacent(prev, t):
            out.append(" ")
        out.append(t.text)
        prev = t
    return "".join(out)


def _adjacent(prev: Token, t: Token) -> bool:
    """Whether t starts right where prev ends in the source."""
    breaks = prev.text.count("\n")
    if breaks:
        return t.line == prev.line + breaks and t.col == len(prev.text) - prev.text.rfind("\n")
    return t.line == prev.line and t.col == prev.col + len(prev.text)


def parse_type(toks: Sequence[Token]) -> BalType:
    """A type descriptor from its tokens, or _Refused."""
    if not toks:
        raise _Refused(0, "an empty type")
    parser = _TypeParser(list(toks))
    result = parser.union()
    if parser.pos != len(parser.toks):
        raise _Refused(toks[0].line, "a type this reader cannot parse")
    return result


class _TypeParser:
    def __init__(self, toks: list[Token]):
        self.toks = toks
        self.pos = 0

    def peek(self, offset: int = 0) -> Token | None:
        at = self.pos + offset
        return self.toks[at] if at < len(self.toks) else None

    def take(self, *values: str) -> bool:
        tok = self.peek()
        if tok is not None and _is(tok, *values):
            self.pos += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.take(value):
            tok = self.peek()
            raise _Refused(tok.line if tok else 0, f"expected {value!r} in a type")

    def text(self, start: int) -> str:
        return spell(self.toks[start:self.pos])

    def union(self) -> BalType:
        start = self.pos
        members = [self.intersection()]
        while self.take("|"):
            members.append(self.intersection())
        return members[0] if len(members) == 1 else BalType("union", self.text(start), args=tuple(members))

    def intersection(self) -> BalType:
        start = self.pos
        members = [self.postfix()]
        while self.take("&"):
            members.append(self.postfix())
        return members[0] if len(members) == 1 else BalType("intersection", self.text(start), args=tuple(members))

    def postfix(self) -> BalType:
        start = self.pos
        result = self.primary()
        while True:
            if self.take("?"):
                result = BalType("union", self.text(start), args=(result, BalType("simple", "()", name="()")))
            elif self.take("["):
                while not self.take("]"):  # [], [3], [*], [N]
                    if self.peek() is None:
                        raise _Refused(0, "an array type that is not closed")
                    self.pos += 1
                result = BalType("array", self.text(start), args=(result,))
            else:
                return result

    def primary(self) -> BalType:
        start = self.pos
        tok = self.peek()
        if tok is None:
            raise _Refused(0, "a type ends early")
        if _is(tok, "("):
            self.pos += 1
            if self.take(")"):
                return BalType("simple", "()", name="()")
            inner = self.union()
            self.expect(")")
            return inner
        if _is(tok, "["):
            self.pos += 1
            members: list[BalType] = []
            while not self.take("]"):
                members.append(self.union())
                if self.take("..."):
                    pass
                if not self.take(","):
                    self.expect("]")
                    break
            return BalType("tuple", self.text(start), args=tuple(members))
        if tok.kind in (STRING, NUMBER) or _is(tok, "-", "true", "false", "null"):
            self.pos += 1
            if _is(tok, "-"):
                self.pos += 1
            value = _literal(self.toks[start:self.pos], _Facts())
            if value is _NOT_LITERAL:
                raise _Refused(tok.line, "a singleton type this reader cannot read")
            return BalType("singleton", self.text(start), value=value)
        if tok.kind not in (IDENT, QIDENT):
            raise _Refused(tok.line, "a type this reader cannot parse")
        word = tok.value if tok.kind == IDENT else ""
        self.pos += 1
        if word in ("map", "table", "stream", "future", "typedesc", "xml", "error") and self.take("<"):
            args = [self.union()]
            while self.take(","):
                args.append(self.union())
            self.expect(">")
            if word == "map":
                return BalType("map", self.text(start), args=(args[0],))
            if word == "table":
                if self.take("key"):
                    if self.take("("):
                        while not self.take(")"):
                            if self.peek() is None:
                                raise _Refused(tok.line, "a table key that is not closed")
                            self.pos += 1
                    else:
                        self.expect("<")
                        self.union()
                        self.expect(">")
                return BalType("table", self.text(start), args=(args[0],))
            kind = "simple" if word == "xml" else "other"
            return BalType(kind, self.text(start), name=word)
        if word == "table":
            return BalType("table", self.text(start), args=(BalType("simple", "anydata", name="anydata"),))
        if word == "map":
            return BalType("map", self.text(start), args=(BalType("simple", "anydata", name="anydata"),))
        if word == "record":
            return self.record_body(start)
        if word in ("function", "object", "service", "client", "distinct", "isolated"):
            raise _Refused(tok.line, f"{word} types are not configurable")
        if word in SIMPLE_TYPES:
            if self.take(":"):  # int:Signed32, string:Char, xml:Element
                sub = self.peek()
                if sub is None or sub.kind not in (IDENT, QIDENT):
                    raise _Refused(tok.line, "a qualified type this reader cannot read")
                self.pos += 1
                return BalType("simple", self.text(start), name=f"{word}:{sub.value}")
            return BalType("simple", self.text(start), name=word)
        name = tok.value
        if self.take(":"):
            sub = self.peek()
            if sub is None or sub.kind not in (IDENT, QIDENT):
                raise _Refused(tok.line, "a qualified type this reader cannot read")
            self.pos += 1
            name = f"{name}:{sub.value}"
        return BalType("ref", self.text(start), name=name)

    def record_body(self, start: int) -> BalType:
        tok = self.peek()
        if tok is None or not _is(tok, "{", "{|"):
            raise _Refused(tok.line if tok else 0, "a record type without a body")
        closed = tok.value == "{|"
        close = "|}" if closed else "}"
        depth = tok.depth
        self.pos += 1
        while True:
            t = self.peek()
            if t is None:
                raise _Refused(tok.line, "a record type that is not closed")
            self.pos += 1
            if t.depth == depth and _is(t, close):
                return BalType("record", self.text(start), closed=closed)

