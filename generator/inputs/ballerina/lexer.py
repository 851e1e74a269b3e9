r"""A tokenizer for Ballerina source: the lexical grammar, just enough of it to find module-level declarations.

There is no maintained Ballerina parser for Python, and hardgen needs little of one: which `configurable`
variables a module declares (name, type, initializer), its `import`s, and the `type`, `enum` and `const`
definitions those types name. What it does need is never to be fooled, so this module tokenizes the whole
text the way the Ballerina lexer does (the Ballerina Language Specification, "Lexical structure") and
refuses what it cannot read:

- comments `// ...` and documentation lines `# ...` run to the end of the line; Ballerina has no block
  comments. They are kept apart (`Tokens.comments`), never as tokens, so `// configurable int x = 1;`
  is never code;
- string literals `"..."` with the escapes `\\` `\"` `\n` `\r` `\t` and `\u{hex}`; a string cannot span a
  line, and an unknown escape is refused;
- backtick templates (`string \`...\``, `xml \`...\``, `re \`...\``, raw templates) are one token each;
  `${ ... }` interpolations are tokenized recursively, so a template, a string or a `}` inside one cannot end
  the template early, and a backtick inside a string inside an interpolation is not its end. Templates have
  no escapes: a backslash is an ordinary character;
- identifiers, with the escapes `\<punctuation>` and `\u{hex}` (`a\-b` is `a-b`), and quoted identifiers
  `'name` (`'type`, `'string`), whose token value is the name without the quote: the name Config.toml uses;
- numbers (decimal and hex integers, floating point with `f`/`d` suffixes, hex floating point);
- punctuation, with the multi-character operators of the grammar (`{|`, `|}`, `...`, `=>`, `==` ...) but
  never `>>` (the Ballerina lexer leaves it to the parser, so `map<map<int>>` closes twice) nor `=?`
  (`configurable int x =?;` is `=` then `?`).

Brackets `(` `[` `{` `{|` must close with their partner; a mismatch or an unclosed one is a syntax error
with its line and column. Each token records its bracket depth, so "at module level" is "depth 0".
"""

from __future__ import annotations

import re
from typing import NamedTuple

IDENT = "ident"  # an identifier or keyword, unquoted: value is the name with escapes resolved
QIDENT = "qident"  # a quoted identifier 'name: value is the name without the quote; never a keyword
STRING = "string"  # value is the string's content
TEMPLATE = "template"  # a backtick template, interpolations and all (the prefix, e.g. `string`, is an IDENT before it)
NUMBER = "number"  # value is the text
PUNCT = "punct"  # value is the text


class Token(NamedTuple):
    """One token. A NamedTuple, not a record: a file has thousands, and the project reader makes them all."""

    kind: str
    text: str  # as written in the source
    value: str
    line: int  # 1-based
    col: int  # 1-based, in characters
    depth: int  # brackets open before this token (an opening bracket has the depth outside it)


class Comment(NamedTuple):
    line: int
    col: int
    text: str  # the comment, from `//` or `#` to the end of the line


class BallerinaSyntaxError(Exception):
    """Source the tokenizer cannot read; `line` and `col` are 1-based."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(f"line {line}, column {col}: {message}")
        self.line = line
        self.col = col
        self.message = message


class Tokens(NamedTuple):
    tokens: list[Token]
    comments: list[Comment]


_SPACE = re.compile(r"[ \t\r\n\f\v\u0085\u200e\u200f\u2028\u2029]+")
_LINE_REST = re.compile(r"[^\n]*")
_STRING = re.compile(r'"((?:[^"\\\n]|\\[^\n])*)"')
_STRING_ESCAPE = re.compile(r"\\(?:([\\\"nrt])|u\{([0-9A-Fa-f]{1,6})\}|(.))")
# An identifier character: an ASCII letter, digit or '_', any non-ASCII character that is not white space,
# or an escape. The spec excludes a few non-ASCII "non-identifier" characters too; accepting them here is safe
# (such a program does not compile), and every name hardgen writes is checked against a plain identifier rule.
_ID_CHAR = r"(?:[A-Za-z0-9_]|[^\x00-\x7f\s\u0085\u200e\u200f\u2028\u2029]|\\u\{[0-9A-Fa-f]{1,6}\}|\\[^A-Za-z0-9\s])"
_ID_START = r"(?:[A-Za-z_]|[^\x00-\x7f\s\u0085\u200e\u200f\u2028\u2029]|\\u\{[0-9A-Fa-f]{1,6}\}|\\[^A-Za-z0-9\s])"
_IDENT = re.compile(f"{_ID_START}{_ID_CHAR}*")
_QIDENT = re.compile(f"'{_ID_CHAR}+")
_ID_ESCAPE = re.compile(r"\\(?:u\{([0-9A-Fa-f]{1,6})\}|(.))")
_HEX_NUMBER = re.compile(r"0[xX](?:[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?|\.[0-9A-Fa-f]+)(?:[pP][+-]?[0-9]+)?")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?(?![A-Za-z0-9_])")
# Longest first. `>>` and `>>>` are deliberately absent (see the module docstring), so are `=?` and `<<`.
_PUNCTUATION = (
    "...", "..<", "===", "!==", "{|", "|}", "==", "!=", "<=", ">=", "=>", "->", "<-", "&&", "||", "?:", "?.",
    "+=", "-=", "*=", "/=", "&=", "|=", "^=", "@", "{", "}", "(", ")", "[", "]", ";", ",", ".", ":", "=", "?",
    "<", ">", "+", "-", "*", "/", "%", "!", "~", "^", "&", "|", "$",
)
_PUNCT = re.compile("|".join(re.escape(p) for p in _PUNCTUATION))
_OPEN = {"(": ")", "[": "]", "{": "}", "{|": "|}"}
_CLOSE = {v: k for k, v in _OPEN.items()}
#: Right after one of these a '.' starts a member access, not a number (`t.0`, `x.5`).
_VALUE_END = (IDENT, QIDENT, STRING, TEMPLATE, NUMBER)


def decode_identifier(text: str) -> str:
    """`a\\-b` is `a-b`, `\\u{41}` is `A`; a leading quote is not part of the name."""
    body = text[1:] if text.startswith("'") else text
    if "\\" not in body:
        return body
    return _ID_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), body)


def _decode_string(content: str, line: int, col: int) -> str:
    if "\\" not in content:
        return content

    def one(match: re.Match) -> str:
        simple, code, other = match.groups()
        if simple is not None:
            return {"n": "\n", "r": "\r", "t": "\t"}.get(simple, simple)
        if code is not None:
            point = int(code, 16)
            if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
                raise BallerinaSyntaxError(line, col + match.start() + 1, f"\\u{{{code}}} is not a Unicode code point")
            return chr(point)
        raise BallerinaSyntaxError(line, col + match.start() + 1, f"'\\{other}' is not an escape of a string literal")

    return _STRING_ESCAPE.sub(one, content)


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[Token] = []
        self.comments: list[Comment] = []
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, pos: int) -> tuple[int, int]:
        import bisect

        index = bisect.bisect_right(self.line_starts, pos) - 1
        return index + 1, pos - self.line_starts[index] + 1

    def fail(self, pos: int, message: str) -> BallerinaSyntaxError:
        line, col = self.where(pos)
        return BallerinaSyntaxError(line, col, message)

    def scan(self, pos: int, interpolation: bool) -> int:
        """Tokens from `pos`; in an interpolation, up to and including the `}` that closes it (its position + 1)."""
        text = self.text
        end = len(text)
        stack: list[tuple[str, int]] = []  # open brackets: (token, position)
        emit = not interpolation
        previous, previous_end = "", -1
        while pos < end:
            char = text[pos]
            space = _SPACE.match(text, pos)
            if space:
                pos = space.end()
                continue
            start = pos
            if (char == "/" and text.startswith("//", pos)) or char == "#":
                pos = _LINE_REST.match(text, pos).end()  # type: ignore[union-attr]
                if emit:
                    line, col = self.where(start)
                    self.comments.append(Comment(line, col, text[start:pos]))
                continue
            if char == '"':
                match = _STRING.match(text, pos)
                if not match:
                    raise self.fail(pos, "a string literal is not closed on its line")
                line, col = self.where(pos)
                kind, value, pos = STRING, _decode_string(match.group(1), line, col), match.end()
            elif char == "`":
                pos = self.template(pos)
                kind, value = TEMPLATE, ""
            elif char == "'":
                match = _QIDENT.match(text, pos)
                if not match:
                    raise self.fail(pos, "a quote that starts no quoted identifier ('name)")
                kind, value, pos = QIDENT, decode_identifier(match.group()), match.end()
            elif "0" <= char <= "9" or (char == "." and "0" <= text[pos + 1:pos + 2] <= "9"
                                        and not (previous in _VALUE_END and previous_end == pos)):
                match = _HEX_NUMBER.match(text, pos) or _NUMBER.match(text, pos)
                if not match:
                    raise self.fail(pos, "a malformed number")
                kind, value, pos = NUMBER, match.group(), match.end()
            else:
                match = _IDENT.match(text, pos)
                if match:
                    kind, value, pos = IDENT, decode_identifier(match.group()), match.end()
                else:
                    match = _PUNCT.match(text, pos)
                    if not match:
                        if char == "\\":
                            raise self.fail(pos, "a backslash that escapes nothing an identifier may hold")
                        raise self.fail(pos, f"unexpected character {char!r}")
                    kind, value, pos = PUNCT, match.group(), match.end()
                    if value in _CLOSE:
                        if not stack:
                            if interpolation and value == "}":
                                return pos
                            raise self.fail(start, f"{value!r} closes nothing")
                        opened, at = stack.pop()
                        if _OPEN[opened] != value:
                            line, col = self.where(at)
                            raise self.fail(start, f"{value!r} does not close {opened!r} (line {line}, column {col})")
            if emit:
                line, col = self.where(start)
                self.tokens.append(Token(kind, text[start:pos], value, line, col, len(stack)))
            if kind == PUNCT and value in _OPEN:
                stack.append((value, start))
            previous, previous_end = kind, pos
        if interpolation:
            raise self.fail(end, "an interpolation ${...} is not closed")
        if stack:
            opened, at = stack[-1]
            raise self.fail(at, f"{opened!r} is never closed")
        return pos

    def template(self, pos: int) -> int:
        """A backtick template from its opening backtick; the position after its closing one."""
        text = self.text
        end = len(text)
        i = pos + 1
        while i < end:
            char = text[i]
            if char == "`":
                return i + 1
            if char == "$" and text.startswith("${", i):
                i = self.scan(i + 2, interpolation=True)
                continue
            i += 1
        raise self.fail(pos, "a backtick template is not closed")


def tokenize(text: str) -> Tokens:
    """Every token of a Ballerina source text, with its bracket depth, and its comments; or BallerinaSyntaxError."""
    scanner = _Scanner(text)
    scanner.scan(0, interpolation=False)
    return Tokens(scanner.tokens, scanner.comments)
