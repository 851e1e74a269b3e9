"""The YAML scalar rules hardgen's reader and writer share: which plain text a resolver reads back as a string.

The answers reader (`generator.inputs.yaml_subset`) reads a plain scalar as a
string only when no YAML resolver would read it as anything else, and the
writer (`generator.render.yaml_dump`) writes a string plain only under the same
condition; everything else goes to ruamel.yaml, which quotes or refuses it.
Keeping both on one set of rules is what keeps a value written by hardgen
readable by hardgen as the same value.

Kubernetes reads manifests with a YAML 1.1 resolver (sigs.k8s.io/yaml on
gopkg.in/yaml.v2), where `on`, `no`, `y`, `0777`, `1_000` and `12:30` are
booleans and numbers; `TYPED_IN_SOME_YAML` says which plain text any of the
resolvers in use (YAML 1.2 core, YAML 1.1, yaml.v2) reads as something other than
a string, and the writer quotes exactly that text.
"""

from __future__ import annotations

import re

#: Starts with a digit yet is no number or date: no 0x/0o/0b prefix and no '_' (1_000) or ':' (sexagesimal,
#: times); with LOOKS_LIKE_WORD it covers 500m, 512Mi, 1.4.2 and 10.0.0.0/24.
DIGITS_NOT_NUMBER = re.compile(r"(?![0][xXoObB])[0-9][0-9A-Za-z./-]*")
#: ... and it must hold a letter other than the e of 1e3, a '/', or two dots.
LOOKS_LIKE_WORD = re.compile(r"[A-DF-Za-df-z/]|\..*\.")
#: '.', '..' and paths starting with them (never .5, .inf or .nan).
DOTS = re.compile(r"\.\.?(?:/[A-Za-z0-9_./-]*)?")
#: A YAML 1.2 core-schema integer and float, as the reader accepts them (no signs on floats' exponents, no 0x).
INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+")
#: Booleans and nulls of the YAML 1.2 core schema, as written.
BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
NULLS = frozenset({"null", "Null", "NULL", "~"})


#: A JVM option (`-XX:+AlwaysPreTouch`, `-Dkey=a,b`), which `jvm.extra_flags` holds: '-' and a letter start no number,
#: null, boolean or date in YAML 1.1 or 1.2, '-' before a non-space is no sequence entry, and ':' is followed by text.
#: In a flow collection (`[...]`) a ',' ends the item, so the reader takes such options there only without one.
JVM_OPTION = re.compile(r"-[A-Za-z](?:[A-Za-z0-9_./+=,-]|:(?=[A-Za-z0-9_./+=-]))*")


def digits_but_text(text: str) -> bool:
    """Text that starts with a digit and that no resolver reads as a number or a date."""
    return DIGITS_NOT_NUMBER.fullmatch(text) is not None and LOOKS_LIKE_WORD.search(text) is not None


#: Words a YAML 1.1 or 1.2 resolver reads as booleans or null (compared in lower case: 'oN' is quoted too).
YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "", "=", "<<"})
#: Starts of text a resolver may read as a number or a date: signs, a dot, digits.
_NUMERIC_START = frozenset("-+.0123456789")
#: Numbers and dates in any resolver in use, matched on the text without '_' (YAML 1.1 and yaml.v2 ignore it in
#: numbers): ints in base 2, 8, 10 and 16 (0b, 0o, 0x and a leading 0), floats with or without a dot or an exponent,
#: YAML 1.1 sexagesimals (1:20, 1:20.5), .inf and .nan, and anything that starts like a date (2001-12-14...).
#: ruamel's YAML 1.2 int, `[-+]?[0-9_]+`, also takes '_' alone ('-_'). Compiled on first use by `re`.
_NUMBER_OR_DATE = (
    r"(?i:[-+]?(?:0[xX][0-9a-fA-F]*|0[oObB][0-7]*|[0-9]+(?::[0-5]?[0-9])*(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|nan))"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt \t][\s\S]*)?)"
)
_INT_12 = r"[-+]?[0-9_]+"


def typed_in_some_yaml(text: str) -> bool:
    """Plain `text` that a YAML 1.2 core, YAML 1.1 or yaml.v2 resolver reads as no string: it must be quoted."""
    if text.lower() in YAML11_WORDS:
        return True
    if text[:1] not in _NUMERIC_START:
        return False
    return re.fullmatch(_NUMBER_OR_DATE, text.replace("_", "")) is not None or re.fullmatch(_INT_12, text) is not None
