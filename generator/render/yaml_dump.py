"""YAML output: documents built as plain data, written byte for byte as ruamel.yaml's round-trip dumper would.

ruamel.yaml's round-trip dumper costs milliseconds per document, most of a
batch run's time, so plain documents take a direct emitter here; every scalar
whose style is not obvious (and anything that is not a plain dict, list or
one-line scalar) is left to ruamel itself. tests/test_yaml_emitter.py pins the
direct path to ruamel's output. The scalar rules are shared with the reader
(`generator.yaml_scalars`).

Both paths quote every string that a YAML 1.1 reader would take for a boolean,
null, number or date (`on`, `no`, `y`, `0777`, `12:30`): Kubernetes reads
manifests with yaml.v2, a YAML 1.1 resolver, so a namespace `no` written plain
would reach the API server as `false`. ruamel quotes them through
`_QuotingRepresenter`, the direct path writes the same `'on'`.
"""

from __future__ import annotations

import functools
import io
import re
from typing import Any

from generator.yaml_scalars import JVM_OPTION, digits_but_text, typed_in_some_yaml


@functools.cache
def _yaml():
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import RoundTripRepresenter

    class _QuotingRepresenter(RoundTripRepresenter):
        """ruamel's round-trip representer, quoting the strings a YAML 1.1 resolver would read as another type."""

    def represent_str(representer, data: str):
        style = "'" if data and typed_in_some_yaml(data) else None
        return representer.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    def represent_float(representer, data: float):
        """`1e-05` is a float to YAML 1.2 but a string to a YAML 1.1 reader, whose floats need a dot: `1.0e-05`."""
        node = RoundTripRepresenter.represent_float(representer, data)
        mantissa, e, exponent = node.value.partition("e")
        if e and "." not in mantissa:
            node.value = f"{mantissa}.0e{exponent}"
        return node

    _QuotingRepresenter.add_representer(str, represent_str)
    _QuotingRepresenter.add_representer(float, represent_float)
    yaml = YAML(typ="rt")
    yaml.Representer = _QuotingRepresenter
    yaml.Constructor = _plain_keeping_constructor()
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _plain_keeping_constructor():
    """ruamel's round-trip constructor, keeping a plain scalar that a YAML 1.1 reader types (`enabled: yes` in a
    hand-edited manifest, a boolean to Kubernetes) plain when it is dumped again: a merge must not turn it into
    the string 'yes'. Only text hardgen itself writes (always quoted, so never plain) is quoted by the representer."""
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.scalarstring import PlainScalarString

    class PlainKeepingConstructor(RoundTripConstructor):
        def construct_scalar(self, node):
            value = super().construct_scalar(node)
            if not node.style and type(value) is str and typed_in_some_yaml(value):
                return PlainScalarString(value)
            return value

    return PlainKeepingConstructor


def round_trip_yaml():
    """The YAML instance hardgen dumps with; loading with it too makes an untouched file round-trip byte for byte."""
    return _yaml()


class LiteralText(str):
    """A string dumped as a YAML literal block (`|`), e.g. a file's content in a ConfigMap.

    hardgen's own marker rather than ruamel's LiteralScalarString, so building a
    manifest does not import ruamel.yaml (a tenth of a cold run); both are
    written the same way.
    """


def literal(text: str) -> LiteralText:
    return LiteralText(text)


def _for_ruamel(doc: Any) -> Any:
    """`doc` with every LiteralText as ruamel's LiteralScalarString; other values as they are."""
    if isinstance(doc, LiteralText):
        from ruamel.yaml.scalarstring import LiteralScalarString

        return LiteralScalarString(str(doc))
    if type(doc) is dict:
        return {k: _for_ruamel(v) for k, v in doc.items()}
    if type(doc) is list or type(doc) is tuple:  # ruamel writes a tuple as a list
        return [_for_ruamel(v) for v in doc]
    return doc


def _ruamel_text(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(_for_ruamel(doc), out)
    return out.getvalue()


def dump_yaml(*documents: Any) -> bytes:
    """One or more YAML documents from plain data (dicts keep their insertion order).

    Byte for byte what the ruamel.yaml configuration above writes: documents of
    plain dicts, lists and one-line scalars take the direct path below (ruamel's
    round-trip dumper costs milliseconds per document, most of a batch run's
    time); anything else, and every scalar whose style is not obvious, is left
    to ruamel itself.
    """
    parts = []
    for i, doc in enumerate(documents):
        if i:
            parts.append("---\n")
        lines: list[str] = []
        if type(doc) is dict and doc and _block_mapping(doc, 0, lines):
            parts.append("".join(lines))
        else:
            parts.append(_ruamel_text(doc))
    return "".join(parts).encode("utf-8")


#: A plain scalar in any block context (':' and ' ' only before a word character), unless a resolver reads it as
#: another type (yaml_scalars.typed_in_some_yaml).
_PLAIN = re.compile(r"(?:[A-Za-z_/](?:[A-Za-z0-9_./@-]|[: ](?=[A-Za-z0-9_./]))*|\.\.?(?:/[A-Za-z0-9_./-]*)?)")
#: Line breaks (YAML counts NEL and the Unicode separators too) and other control characters:
#: ruamel's quoting of these depends on the indentation, so they are left to it.
_CONTEXTUAL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_FLOAT = re.compile(r"-?[0-9]{1,15}\.[0-9]{1,15}")
#: Text a resolver reads as another type (a port in a command line, "15" seconds, `on`, `0777`) made only of
#: characters that need no escape in single quotes: ruamel writes it as 'text'; written here without asking ruamel
#: (tests/test_yaml_emitter.py pins it).
_QUOTED_AS_IS = re.compile(r"[A-Za-z0-9_.:+~=<-]+")


def _typed_text(text: str) -> str | None:
    """'text' for text a resolver would read as another type, when single quotes need no escape; else None."""
    return f"'{text}'" if _QUOTED_AS_IS.fullmatch(text) else None


@functools.lru_cache(maxsize=8192)
def _value_text(text: str) -> str | None:
    """A string as ruamel writes it as a block value (plain or quoted), or None if not on one line."""
    if len(text) > 1000:
        return None  # far from the 4096-column width, so no line is ever folded
    if typed_in_some_yaml(text):
        quoted = _typed_text(text)
        if quoted is not None:
            return quoted
    elif _PLAIN.fullmatch(text) or digits_but_text(text) or JVM_OPTION.fullmatch(text):
        return text
    if _CONTEXTUAL.search(text):
        return None
    dumped = _ruamel_text({"k": text})
    if dumped.startswith("k: ") and dumped.count("\n") == 1:
        return dumped[3:-1]
    return None


@functools.lru_cache(maxsize=8192)
def _key_text(text: str) -> str | None:
    if len(text) > 100:
        return None  # long keys become explicit '? ' keys
    if typed_in_some_yaml(text):
        quoted = _typed_text(text)
        if quoted is not None:
            return quoted
    elif _PLAIN.fullmatch(text):
        return text
    if _CONTEXTUAL.search(text):
        return None
    dumped = _ruamel_text({text: 0})
    if dumped.endswith(": 0\n") and dumped.count("\n") == 1 and not dumped.startswith("?"):
        return dumped[:-4]
    return None


def _literal_block(value: Any, indent: int) -> list[str] | None:
    """A ruamel LiteralScalarString (file contents in a ConfigMap) as ruamel writes it: '|' or '|-', then the lines.

    Only the plain cases: no leading space or blank first line (those need an
    indentation indicator), one final newline at most (more needs '|+' and an
    end marker), no trailing blanks, tabs or other control characters.
    """
    text = str(value)
    if not text or text[0] in " \n" or text.endswith("\n\n") or _CONTEXTUAL.search(text.replace("\n", "")):
        return None
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n")
    if any(line != line.rstrip() for line in lines):
        return None
    pad = " " * indent
    return ["|" if text.endswith("\n") else "|-"] + [pad + line if line else "" for line in lines]


def _is_literal(value: Any) -> bool:
    kind = type(value)
    return kind is LiteralText or (kind.__name__ == "LiteralScalarString" and kind.__module__ == "ruamel.yaml.scalarstring")


def _scalar_text(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return _value_text(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        text = repr(value)
        return text if _FLOAT.fullmatch(text) else None
    return None


def _block_mapping(data: dict, indent: int, lines: list[str], first: str | None = None) -> bool:
    """Append `data` as a block mapping at `indent`; `first` is the '- ' prefix of a sequence item."""
    pad = " " * indent
    for key, value in data.items():
        key_text = _key_text(key) if type(key) is str else None
        if key_text is None:
            return False
        head = (first if first is not None else pad) + key_text + ":"
        first = None
        if not _block_value(value, head, indent, lines):
            return False
    return True


def _block_value(value: Any, head: str, indent: int, lines: list[str]) -> bool:
    kind = type(value)
    if kind is dict:
        if not value:
            lines.append(head + " {}\n")
            return True
        lines.append(head + "\n")
        return _block_mapping(value, indent + 2, lines)
    if kind is list or kind is tuple:
        if not value:
            lines.append(head + " []\n")
            return True
        lines.append(head + "\n")
        return _block_sequence(value, indent + 2, lines)
    if value is None:
        lines.append(head + "\n")
        return True
    if _is_literal(value):
        block = _literal_block(value, indent + 2)
        if block is None:
            return False
        lines.append(f"{head} {block[0]}\n")
        lines.extend(line + "\n" for line in block[1:])
        return True
    text = _scalar_text(value)
    if text is None:
        return False
    lines.append(f"{head} {text}\n")
    return True


def _block_sequence(items: list | tuple, indent: int, lines: list[str]) -> bool:
    dash = " " * indent + "- "
    for item in items:
        kind = type(item)
        if kind is dict and item:
            if not _block_mapping(item, indent + 2, lines, first=dash):
                return False
            continue
        if kind is dict or kind is list or kind is tuple:
            if item:
                return False  # a sequence in a sequence: left to ruamel
            lines.append(dash + ("{}" if kind is dict else "[]") + "\n")
            continue
        if _is_literal(item):
            block = _literal_block(item, indent + 2)
            if block is None:
                return False
            lines.append(dash + block[0] + "\n")
            lines.extend(line + "\n" for line in block[1:])
            continue
        text = _scalar_text(item)
        if text is None:
            return False
        lines.append(dash + text + "\n")
    return True

