"""The YAML scalar rules hardgen's reader and writer share: which plain text a resolver reads back as a string.

The answers reader (`generator.inputs.yaml_subset`) reads a plain scalar as a
string only when no YAML resolver would read it as anything else, and the
writer (`generator.render.yaml_dump`) writes a string plain only under the same
condition; everything else goes to ruamel.yaml, which quotes or refuses it.
Keeping both on one set of rules is what keeps a value written by hardgen
readable by hardgen as the same value.
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


def digits_but_text(text: str) -> bool:
    """Text that starts with a digit and that no resolver reads as a number or a date."""
    return DIGITS_NOT_NUMBER.fullmatch(text) is not None and LOOKS_LIKE_WORD.search(text) is not None
