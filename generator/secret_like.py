"""What looks like a secret: a name whose value is one, and a value that is one by its shape.

hardgen never writes a secret value. Validators refuse these (a configurable named
`dbPass` in Config.toml, a GitHub token as a label, `-Djavax.net.ssl.keyStorePassword=...`)
and every message hides them (`generator.errors.show`). The rules follow the secret
scanners reviewers run on the outputs (detect-secrets): its keyword list for names, the
well-known token formats, and its Shannon-entropy test with its limits;
tests/test_safety_properties.py runs detect-secrets on a corpus to prove they agree.
Regexes are compiled on first use: `generate` pays only when there is text to check.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter

#: Parts of a configurable's name that mean its value is a secret (matched anywhere, any case): detect-secrets'
#: keyword list (api_?key ... secret), then the words it misses (passphrase, token, credential, bearer, ...).
_NAME_PARTS = (
    r"api_?key|auth_?key|service_?key|account_?key|db_?key|database_?key|priv_?key|private_?key|client_?key"
    r"|db_?pass|database_?pass|key_?pass|password|passwd|pwd|secret|contrase(?:ñ|n)a"
    r"|passphrase|passcode|token|credential|creds|bearer|authorization|cookie"
    r"|(?:access|signing|encryption|decryption|master|hmac|shared|session|license|licence|consumer|app|sas|subscription"
    r"|storage|aes|crypto|cipher|jwt)_?key"
)
#: Words that mean a secret only as the last word of a name (`dbPass`, `adminPw`, but not `passThrough`).
_LAST_WORDS = frozenset({"pass", "pw", "pin"})

#: The token formats secret scanners report by their shape (detect-secrets' plugins, plus a few it lacks).
_VALUE_PATTERNS = (
    r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}",  # AWS access key id
    r"(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}|github_pat_[A-Za-z0-9_]{22,}",  # GitHub
    r"(?:glpat|gldt|glft|glsoat|glrt|glcbt|glimt|glptt|glagent|gloas)-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,}",  # GitLab
    r"(?i:xox[abposr]-(?:[0-9]+-)+[a-z0-9]+)|hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+",  # Slack
    r"BEGIN[A-Z0-9 ]* PRIVATE KEY|BEGIN SSH2 ENCRYPTED PRIVATE KEY|PuTTY-User-Key-File-",  # private keys
    r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+",  # JWT (a JSON header, base64url)
    r"://[^\s:/?#@]*:[^\s/?#@]+@",  # a URL with a password (redis://:password@host too)
    r"[rs]k_(?:live|test)_[0-9A-Za-z]{24,}|sk-(?:proj-)?[A-Za-z0-9_-]{20,}T3BlbkFJ|sk-proj-[A-Za-z0-9_-]{40,}",  # Stripe, OpenAI
    r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|[0-9a-z]{32}-us[0-9]{1,2}|AC[a-z0-9]{32}|SK[a-z0-9]{32}",  # SendGrid, Mailchimp, Twilio
    r"npm_[A-Za-z0-9]{36}|:_authToken=|pypi-AgE[A-Za-z0-9_-]{50,}|AIza[0-9A-Za-z_-]{35}|sq0(?:csp|atp)-[0-9A-Za-z_\\-]{22,}",
    r"[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27}|[0-9]{8,10}:[0-9A-Za-z_-]{35}",  # Discord, Telegram
    r"AccountKey=[A-Za-z0-9+/=]{88}|(?:^|[\s=:\"])(?:AKC[A-Za-z0-9]{10,}|AP[0-9A-F][A-Za-z0-9]{8,})(?:[\s\"]|$)",  # Azure, Artifactory
)

#: detect-secrets' high-entropy tests: a quoted string made only of one charset, above its entropy limit.
BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\\-_=")  # its charset has the backslash too
HEX_CHARS = frozenset("0123456789abcdefABCDEF")
BASE64_LIMIT = 4.5
HEX_LIMIT = 3.0


@functools.cache
def _name_parts() -> re.Pattern[str]:
    return re.compile(_NAME_PARTS, re.IGNORECASE)


@functools.cache
def _value_patterns() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in _VALUE_PATTERNS))


#: An assignment as detect-secrets' keyword detector reads one (`password=x`, `apiKey: "x"`, `secret := x`): the
#: word before the operator (then at most two quotes or brackets and blanks) is checked with secret_name, and a
#: value must follow. Looked up from each ':' or '=', so a long run of word characters costs one pass.
_WORD_BEFORE = r"(\w+)['\"\]]{0,2}\s*\Z"
_VALUE_AFTER = r"\A(?::=|[:=]{1,3})\s*['\"]?[^\s'\"]"


def _assigns_secret(text: str) -> bool:
    """`password=...` or `apiKey: ...` inside a value (a JDBC URL, a connection string)."""
    at = -1
    while True:
        at = min((i for i in (text.find("=", at + 1), text.find(":", at + 1)) if i >= 0), default=-1)
        if at < 0:
            return False
        if at and text[at - 1] in ":=":
            continue  # the second character of '==' or ':='
        word = re.search(_WORD_BEFORE, text[max(0, at - 80):at])
        if word and _name_parts().search(word.group(1)) and re.search(_VALUE_AFTER, text[at:at + 8]):
            return True


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", name)]


def secret_name(name: str) -> bool:
    """A configurable or property name whose value is a secret (`dbPassword`, `private_key`, `jwtSigningKey`, `dbPass`)."""
    if _name_parts().search(name):
        return True
    words = _words(name)
    return bool(words) and words[-1] in _LAST_WORDS


def entropy(text: str) -> float:
    """Shannon entropy in bits per character (detect-secrets' calculation)."""
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def high_entropy(text: str) -> bool:
    """What detect-secrets' Base64HighEntropyString and HexHighEntropyString report for a quoted `text`."""
    if len(text) < 9:  # above 3.0 bits needs at least 9 different characters
        return False
    chars = set(text)
    if chars <= HEX_CHARS:
        bits = entropy(text)
        if text.isdigit():
            bits -= 1.2 / math.log2(len(text))
        if bits > HEX_LIMIT:
            return True
    return chars <= BASE64_CHARS and len(text) > 22 and entropy(text) > BASE64_LIMIT


def secret_value(text: str) -> bool:
    """Text that is a secret by its shape: a known token format, a private key, a URL or string that carries a
    password, or a high-entropy string."""
    if len(text) < 9:
        return False
    return _secret_value(text)


@functools.lru_cache(maxsize=4096)  # a batch run checks the same base images, CIDRs and flags in every integration
def _secret_value(text: str) -> bool:
    return bool(_value_patterns().search(text) or _assigns_secret(text) or high_entropy(text))


def pasted_secret(text: str) -> bool:
    """A secret pasted where a *name* belongs: any secret value, or long mixed-class text (stricter than a value)."""
    if secret_value(text):
        return True
    if len(text) < 16:
        return False
    classes = sum(any(test(c) for c in text) for test in (str.islower, str.isupper, str.isdigit))
    return (classes >= 3 and "_" not in text) or entropy(text) > 4.2
