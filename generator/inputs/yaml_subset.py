"""Read the plain YAML that answers files and presets are made of, without ruamel's parser.

ruamel.yaml's pure-Python parser costs about 0.1 ms per line, the largest part
of a batch run and a tenth of a cold one. Answers files use a small part of
YAML: block mappings and sequences, `key: value` lines, one-line flow lists and
mappings, plain and simply quoted scalars, comments. This module reads exactly
that part and returns None for anything else (anchors, tags, block scalars,
escapes, tabs, non-ASCII, duplicate keys, unusual numbers, odd indentation ...),
so ruamel reads those files and reports their errors as before. A property test
pins the result to ruamel's for every text this module accepts.
"""

from __future__ import annotations

import re
from typing import Any

from generator.yaml_scalars import BOOLEANS, DOTS, FLOAT, INT, JVM_OPTION, NULLS, digits_but_text

_REFUSED = re.compile(r"[\t\r&*!|>%@`\\]|^---|^\.\.\.|\?|<<", re.M)
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
#: Strings a YAML 1.2 resolver cannot read as anything else: a letter, '_' or '/' first, no ': ' or ' #'.
_WORD = re.compile(r"[A-Za-z_/](?:[A-Za-z0-9_./ -]|:(?=[^ ]))*")
_BLOCK_WORD = re.compile(r"[A-Za-z_/](?:[A-Za-z0-9_./ ,()-]|:(?=[^ ]))*")  # outside [] and {} a ',' is text
_NO_VALUE = object()


class _Unsure(Exception):
    """The text leaves the subset: ruamel decides."""


def load(text: str) -> Any | None:
    """The data ruamel's safe loader would return for `text`, or None when `text` is not in the subset."""
    if not text.isascii() or _REFUSED.search(text):
        return None
    lines = []
    for raw in text.split("\n"):
        body = _strip_comment(raw)
        if body is None:
            return None
        if body.strip():
            lines.append((len(body) - len(body.lstrip(" ")), body.strip()))
    if not lines or lines[0][0] != 0 or lines[0][1].startswith("- "):
        return None
    try:
        data, end = _block(lines, 0, 0)
    except (_Unsure, RecursionError):  # nesting deeper than Python recurses: ruamel reports it
        return None
    return data if end == len(lines) and isinstance(data, dict) else None


def _strip_comment(line: str) -> str | None:
    """The line without its comment; None when quotes make that uncertain."""
    if "#" not in line:
        return line.rstrip(" ")
    if "'" in line or '"' in line:
        return None
    if line.lstrip(" ").startswith("#"):
        return ""
    at = line.find(" #")
    if at < 0 or "#" in line[:at]:
        return None
    return line[:at].rstrip(" ")


def _block(lines: list, i: int, indent: int) -> tuple[Any, int]:
    if lines[i][1].startswith("- ") or lines[i][1] == "-":
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent, {})


def _mapping(lines: list, i: int, indent: int, out: dict, first: str | None = None) -> tuple[dict, int]:
    while i < len(lines) or first is not None:
        if first is not None:
            content, first = first, None
        else:
            at, content = lines[i]
            if at < indent:
                break
            if at > indent or content.startswith("- ") or content == "-":
                raise _Unsure
        i += 1
        key, sep, rest = content.partition(":")
        if not sep or not _KEY.fullmatch(key) or key in BOOLEANS or key in NULLS or key in out or (rest and rest[0] != " "):
            raise _Unsure
        rest = rest.strip(" ")
        if rest:
            out[key] = _value(rest)
        elif i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("- "))):
            out[key], i = _block(lines, i, lines[i][0])
        else:
            out[key] = None
    return out, i


def _sequence(lines: list, i: int, indent: int) -> tuple[list, int]:
    out = []
    while i < len(lines):
        at, content = lines[i]
        if at < indent:
            break
        if at > indent:
            raise _Unsure
        if not content.startswith("- "):
            break  # the sequence under a key ends; the caller checks what follows
        item = content[2:]
        if item.startswith(" ") or not item:
            raise _Unsure
        key, sep, rest = item.partition(":")
        if sep and _KEY.fullmatch(key) and (not rest or rest[0] == " "):
            value, i = _mapping(lines, i, indent + 2, {}, first=item)
            out.append(value)
            continue
        out.append(_value(item))
        i += 1
    return out, i


def _value(text: str) -> Any:
    if text.startswith("["):
        if not text.endswith("]"):
            raise _Unsure
        inner = text[1:-1].strip(" ")
        return [_scalar(part.strip(" "), _WORD, True) for part in inner.split(",")] if inner else []
    if text.startswith("{"):
        if not text.endswith("}"):
            raise _Unsure
        inner = text[1:-1].strip(" ")
        out: dict = {}
        for part in inner.split(",") if inner else []:
            key, sep, rest = part.strip(" ").partition(":")
            if not sep or not _KEY.fullmatch(key) or key in BOOLEANS or key in NULLS or key in out or not rest.startswith(" "):
                raise _Unsure
            out[key] = _scalar(rest.strip(" "), _WORD, True)
        return out
    return _scalar(text, _BLOCK_WORD, False)


def _scalar(text: str, word: re.Pattern, in_flow: bool) -> Any:
    if not text:
        raise _Unsure
    if text[0] == "'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
            raise _Unsure
        return inner.replace("''", "'")
    if text[0] == '"':
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != '"' or '"' in inner:
            raise _Unsure
        return inner
    if text in BOOLEANS:
        return BOOLEANS[text]
    if text in NULLS:
        return None
    if INT.fullmatch(text):
        if len(text) > 4000:  # beyond what int() converts (sys.get_int_max_str_digits): ruamel reports it
            raise _Unsure
        return int(text)
    if FLOAT.fullmatch(text):
        return float(text)
    if (word.fullmatch(text) or DOTS.fullmatch(text)) and not text.endswith(" ") and "  " not in text:
        return text
    if JVM_OPTION.fullmatch(text) and (not in_flow or "," not in text):  # jvm.extra_flags
        return text
    if digits_but_text(text):
        return text
    raise _Unsure
