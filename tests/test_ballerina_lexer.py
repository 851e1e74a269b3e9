"""The Ballerina tokenizer (generator/inputs/ballerina/lexer.py): what it reads, what it refuses, and properties.

The property tests render random token sequences (identifiers, quoted identifiers, numbers, strings with
escapes, templates with nested interpolations, balanced brackets, comments between them) and tokenize them
back; and they hide `configurable ...;` inside comments, documentation lines, strings, templates and bodies,
where no declaration may ever be read.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.inputs.ballerina.lexer import (
    IDENT,
    NUMBER,
    PUNCT,
    QIDENT,
    STRING,
    TEMPLATE,
    BallerinaSyntaxError,
    decode_identifier,
    tokenize,
)
from generator.inputs.ballerina.syntax import read_source


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text).tokens]


# --- what it reads -------------------------------------------------------------------------


def test_comments_and_documentation_lines_are_kept_apart_and_never_tokens():
    toks = tokenize("// configurable int a = 1;\n# configurable int b = 2;\nint c = 3; // trailing\n")
    assert [t.text for t in toks.tokens] == ["int", "c", "=", "3", ";"]
    assert [(c.line, c.text) for c in toks.comments] == [(1, "// configurable int a = 1;"), (2, "# configurable int b = 2;"),
                                                          (3, "// trailing")]


def test_a_string_is_one_token_with_its_escapes_resolved():
    (tok,) = tokenize(r'"a\"b\\c\n\t\u{1F600} // not a comment"').tokens
    assert tok.kind == STRING and tok.value == 'a"b\\c\n\t\U0001F600 // not a comment'


def test_a_template_with_nested_interpolations_backticks_and_braces_is_one_token():
    text = 'string `a ${ string `b ${"`"} ${ {x: "}"}.toString() }` } c`'
    assert kinds(text) == [(IDENT, "string"), (TEMPLATE, text[len("string "):])]


def test_a_template_has_no_escapes_a_backslash_is_a_character():
    assert kinds(r're `\p{Ll}\$` ;') == [(IDENT, "re"), (TEMPLATE, r"`\p{Ll}\$`"), (PUNCT, ";")]


def test_quoted_and_escaped_identifiers_give_the_names_config_toml_uses():
    toks = tokenize(r"'type a\-b 'string \u{41}bc último").tokens
    assert [(t.kind, t.value) for t in toks] == [(QIDENT, "type"), (IDENT, "a-b"), (QIDENT, "string"), (IDENT, "Abc"),
                                                 (IDENT, "último")]
    assert decode_identifier(r"'a\.b") == "a.b"


def test_numbers_in_every_form_and_member_access_are_told_apart():
    assert kinds("0xFF 1.5d 2e10 .5 1.0f 0x1.8p3 t.0") == [
        (NUMBER, "0xFF"), (NUMBER, "1.5d"), (NUMBER, "2e10"), (NUMBER, ".5"), (NUMBER, "1.0f"), (NUMBER, "0x1.8p3"),
        (IDENT, "t"), (PUNCT, "."), (NUMBER, "0")]


def test_double_angle_brackets_and_equals_question_stay_apart():
    """`map<map<int>>` closes twice (the Ballerina lexer leaves `>>` to the parser); `=?` is `=` then `?`."""
    assert [t.text for t in tokenize("map<map<int>> x =?;").tokens] == ["map", "<", "map", "<", "int", ">", ">", "x", "=", "?", ";"]
    assert [t.text for t in tokenize("record {| int a; |}").tokens] == ["record", "{|", "int", "a", ";", "|}"]


def test_every_token_knows_its_bracket_depth():
    toks = tokenize("a { b ( c [ d ] ) } e").tokens
    assert [(t.text, t.depth) for t in toks] == [("a", 0), ("{", 0), ("b", 1), ("(", 1), ("c", 2), ("[", 2), ("d", 3),
                                                 ("]", 2), (")", 1), ("}", 0), ("e", 0)]


def test_lines_and_columns_are_one_based_and_count_characters():
    toks = tokenize('x\n  "ñ" y').tokens
    assert [(t.text, t.line, t.col) for t in toks] == [("x", 1, 1), ('"ñ"', 2, 3), ("y", 2, 7)]


# --- what it refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line", "col", "words"), [
    ('x = "open\n";', 1, 5, "a string literal is not closed on its line"),
    ("x = `open ${y}", 1, 5, "a backtick template is not closed"),
    ("x = `a ${ b `", 1, 13, "a backtick template is not closed"),
    ("f(a];", 1, 4, "']' does not close '(' (line 1, column 2)"),
    ("{ a;\n", 1, 1, "'{' is never closed"),
    ("a }", 1, 3, "'}' closes nothing"),
    (r'"\q"', 1, 2, r"'\q' is not an escape of a string literal"),
    ("x = ' ;", 1, 5, "a quote that starts no quoted identifier"),
    ("123abc", 1, 1, "a malformed number"),
])
def test_what_it_cannot_read_is_an_error_with_line_and_column(text, line, col, words):
    with pytest.raises(BallerinaSyntaxError) as caught:
        tokenize(text)
    assert (caught.value.line, caught.value.col) == (line, col) and words in caught.value.message


# --- properties -----------------------------------------------------------------------------

KEYWORDS = ("configurable", "public", "final", "isolated", "int", "string", "record", "table", "map", "import", "type")
identifiers = st.one_of(
    st.sampled_from(KEYWORDS),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
    st.from_regex(r"[a-z]{1,3}\\[-.+][a-z]{1,3}", fullmatch=True),
)
quoted = st.from_regex(r"'[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
numbers = st.one_of(st.integers(0, 10**12).map(str), st.from_regex(r"0[xX][0-9A-Fa-f]{1,6}", fullmatch=True),
                    st.from_regex(r"[0-9]{1,4}\.[0-9]{1,4}([eE][+-]?[0-9]{1,2})?[fFdD]?", fullmatch=True))
safe_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\\n\r\u0085\u2028\u2029'), max_size=12)
strings = st.tuples(safe_text, st.sampled_from(["", r"\"", r"\\", r"\n", r"\t", r"\u{1F600}", "`", "${", "//", "#"]),
                    safe_text).map(lambda parts: '"' + "".join(parts) + '"')
punctuation = st.sampled_from([";", ",", ".", ":", "=", "?", "<", ">", "+", "-", "*", "/", "%", "!", "&", "|", "@",
                               "...", "==", "!=", "=>", "->", "&&", "||", "?:", "?."])
separators = st.sampled_from([" ", "\n", "\t", "  ", " // configurable int c = 1;\n", "\n# configurable int d = 2;\n"])


def template_text(inner: list[str]) -> str:
    body = []
    for i, part in enumerate(inner):
        body.append(f"text{i}${{ {part} }}")
    return "`" + " ".join(body) + " tail`"


def token_trees(depth: int = 0):
    leaf = st.one_of(identifiers, quoted, numbers, strings, punctuation).map(lambda text: [text])
    if depth >= 2:
        return leaf
    inner = st.lists(token_trees(depth + 1), max_size=4).map(lambda items: [t for item in items for t in item])
    group = st.tuples(st.sampled_from([("(", ")"), ("[", "]"), ("{", "}"), ("{|", "|}")]), inner).map(
        lambda g: [g[0][0], *g[1], g[0][1]])
    template = st.lists(st.one_of(identifiers, strings), max_size=3).map(lambda parts: [template_text(parts)])
    return st.one_of(leaf, group, template)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(token_trees(), max_size=12).map(lambda items: [t for item in items for t in item]), st.data())
def test_rendered_token_sequences_tokenize_back_to_the_same_tokens(texts, data):
    source = ""
    for text in texts:
        source += text + data.draw(separators)
    got = [t.text for t in tokenize(source).tokens]
    assert got == texts


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_text_either_tokenizes_or_is_a_syntax_error(text):
    with contextlib.suppress(BallerinaSyntaxError):
        tokenize(text)


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\u0085\u2028\u2029"), max_size=30))
def test_a_string_literal_of_any_text_reads_back_that_text(value):
    escaped = "".join({"\\": "\\\\", '"': '\\"', "\t": "\\t"}.get(c, c) for c in value)
    (tok,) = tokenize(f'"{escaped}"').tokens
    assert tok.kind == STRING and tok.value == value


DECOYS = [
    "// configurable int {name} = 1;\n",
    "# configurable int {name} = 1;\n",
    'final string s_{name} = "configurable int {name} = 1;";\n',
    "final string t_{name} = string `configurable int {name} = ${{\"configurable int {name} = 2;\"}}`;\n",
    "function f_{name}() {{\n    configurable int {name} = 1;\n}}\n",
    "class C_{name} {{\n    configurable string {name} = \"x\";\n}}\n",
    "service /s_{name} on ep {{\n    resource function get r() returns string {{\n        configurable int {name} = 3;\n"
    "        return \"}}\";\n    }}\n}}\n",
]
names = st.from_regex(r"[a-z][a-zA-Z0-9]{0,10}", fullmatch=True).filter(lambda n: n not in KEYWORDS)


@settings(max_examples=200)
@given(st.lists(st.tuples(names, st.booleans(), st.sampled_from(range(len(DECOYS)))), min_size=1, max_size=8, unique_by=lambda x: x[0]))
def test_configurable_text_in_comments_strings_templates_and_bodies_is_never_a_declaration(items):
    source = ""
    real = []
    for name, declare, decoy in items:
        if declare:
            source += f"configurable int {name} = 1;\n"
            real.append(name)
        source += DECOYS[decoy].format(name=name + "Decoy")
    assert [c.name for c in read_source(source).configurables] == real
