"""Ballerina configuration: Config.toml for non-secret configurables and a secrets template.

Built as data with tomlkit. Secrets never get a value: each is a placeholder
*table* in `secrets.template.toml`, so a file installed unfilled makes the
Ballerina runtime stop at start (a table where a string configurable is
expected) instead of running with a dummy secret, and every install path
(systemd install.sh, the Kubernetes secret command) refuses it outright.
"""

from __future__ import annotations

from generator.model.integration import Scalar, keystore, secret_names
from generator.model.resolved import ResolvedIntegration, metrics_host
from generator.records import record
from generator.render.toml_dump import dump_toml
from generator.targets.plan import TargetPlan
from generator.targets.shared.layout import CONTAINER, RuntimeLayout, has_container, readers, systemd_layout

SECRETS_TEMPLATE = "config/secrets.template.toml"
SECRETS_FILLED = "config/secrets.toml"
#: Where the operator puts the PKCS12 keystore, beside the filled secrets file; the install paths default to it.
KEYSTORE_SOURCE = "config/keystore.p12"
#: The key inside an unfilled placeholder; install scripts search for it.
UNFILLED_MARKER = "hardgen_unfilled"


@record(frozen=True)
class ConfigEntry:
    """One key hardgen writes for the Ballerina runtime: the file, the module table, the value and its type.

    `entries()` is the one list: the Config.toml and secrets-template builders write exactly these keys, the
    header and `hardgen contract` describe them, and the contract check (`generator.render.contract`) holds
    each against the program's declarations.
    """

    file: str  # CONFIG (Config.toml) or SECRETS (the secrets template)
    org: str
    module: str
    key: str
    value: Scalar | None  # None in the secrets template: a placeholder, never a value
    type: str  # the Ballerina type the value needs: "string", "int", "boolean" or "float"
    answer: str  # the answer key path that puts it there ("" for hardgen's own settings)
    comment: str = ""  # written above the key

    @property
    def table(self) -> str:
        return f"{self.org}.{self.module}"


CONFIG, SECRETS = "config", "secrets"
#: The runtime modules hardgen writes tables for, and what must be true of the program for each (a table of a
#: module that is not in the program is a value no configurable consumes).
LOG, OBSERVE, PROMETHEUS = ("ballerina", "log"), ("ballerina", "observe"), ("ballerinax", "prometheus")
_BALLERINA_TYPES = {bool: "boolean", int: "int", float: "float", str: "string"}


def ballerina_type(value: Scalar) -> str:
    """The Ballerina type a TOML value of this Python type is read into (tomlkit writes bool, int, float, str)."""
    return _BALLERINA_TYPES[type(value)]


def entries(model: ResolvedIntegration, layout: RuntimeLayout) -> tuple[ConfigEntry, ...]:
    """Every key of Config.toml and of the secrets template, in the order they are written."""
    out = [
        ConfigEntry(CONFIG, *LOG, "format", "json", "string", "", "JSON logs: structured fields cannot be forged with injected newlines."),
        ConfigEntry(CONFIG, *LOG, "level", "INFO", "string", ""),
    ]
    if model.metrics.enabled:
        out += [
            ConfigEntry(CONFIG, *OBSERVE, "metricsEnabled", True, "boolean", "metrics.enabled"),
            ConfigEntry(CONFIG, *OBSERVE, "metricsReporter", "prometheus", "string", "metrics.enabled"),
            ConfigEntry(CONFIG, *PROMETHEUS, "host", metrics_host(model), "string", "metrics.enabled",
                        "Seed 000: restrict listening interfaces; loopback unless a scraper peer is declared."),
            ConfigEntry(CONFIG, *PROMETHEUS, "port", model.metrics.port, "int", "metrics.port"),
        ]
    org, module = model.config.org, model.config.module
    values: dict[str, tuple[Scalar, str]] = {k: (v, f"config.values.{k}") for k, v in model.config.values.items()}
    if model.config.port_key:
        values.setdefault(model.config.port_key, (model.service.port, "config.port_key"))
    path_key = model.service.keystore_path_key
    if keystore(model) and path_key:
        # Seed 000: PKCS12, not JKS. Only the path: the password is a secret (secrets template).
        values[path_key] = (layout.keystore_file, "service.keystore_path_key")
    for key in sorted(values):
        value, answer = values[key]
        out.append(ConfigEntry(CONFIG, org, module, key, value, ballerina_type(value), answer))
    passphrase = model.service.keystore_passphrase_key if keystore(model) else None
    for name in secret_names(model):
        answer = "service.keystore_passphrase_key" if name == passphrase else f"secrets[{model.secrets.index(name)}]"
        out.append(ConfigEntry(SECRETS, org, module, name, None, "string", answer))
    return tuple(out)


def declarations_header(model: ResolvedIntegration, found: tuple[ConfigEntry, ...]) -> list[str]:
    """Config.toml's account of what the program must declare, one comment line each (no project needed)."""
    own = [e for e in found if (e.org, e.module) == (model.config.org, model.config.module)]
    lines = ["Ballerina stops at start on a value no configurable consumes and on a required (= ?) configurable",
             f"without a value, so module {model.config.org}/{model.config.module} must declare these configurables, and every",
             "other one it declares needs a default (`hardgen contract` prints them as Ballerina source):"]
    lines += [f"  {e.type} {e.key}" for e in own if e.file == CONFIG]
    if any(e.file == SECRETS for e in own):
        lines.append(f"  and, as string, each name of {SECRETS_TEMPLATE.split('/')[-1]} (the secrets)")
    if not own:
        lines.append("  (none: hardgen writes no value for the integration's own module)")
    lines.append("The program must include ballerina/log ([ballerina.log])" + (
        ", and ballerinax/prometheus built with" if model.metrics.enabled else "."))
    if model.metrics.enabled:
        lines.append("observabilityIncluded = true in Ballerina.toml ([ballerina.observe], [ballerinax.prometheus]).")
    return lines


def _tables(doc, found: list[ConfigEntry], value_of) -> None:
    """Add the entries' tables to a tomlkit document: `[org.module]`, orgs as super tables, in entry order."""
    import tomlkit

    orgs: dict[str, object] = {}
    modules: dict[tuple[str, str], object] = {}
    for e in found:
        table = modules.get((e.org, e.module))
        if table is None:
            table = modules[e.org, e.module] = tomlkit.table()
            outer = orgs.get(e.org)
            if outer is None:
                outer = orgs[e.org] = tomlkit.table(is_super_table=True)
            outer.add(e.module, table)  # type: ignore[attr-defined]
        if e.comment:
            table.add(tomlkit.comment(e.comment))  # type: ignore[attr-defined]
        table.add(e.key, value_of(e))  # type: ignore[attr-defined]
    for org, outer in orgs.items():
        doc.add(org, outer)


#: config_toml per (model object, layout): the image, the ConfigMap and its checksum all embed the same file,
#: and tomlkit takes a millisecond to build it. Models and layouts are frozen, so they give the same bytes.
_CONFIG_TOML: dict[tuple[int, RuntimeLayout], tuple[ResolvedIntegration, bytes]] = {}


def config_toml(model: ResolvedIntegration, layout: RuntimeLayout) -> bytes:
    """Config.toml for one runtime layout: the keystore's path differs between the image and a VM."""
    known = _CONFIG_TOML.get((id(model), layout))
    if known is not None and known[0] is model:
        return known[1]
    if len(_CONFIG_TOML) > 16:
        _CONFIG_TOML.clear()
    out = _config_toml(model, layout)
    _CONFIG_TOML[(id(model), layout)] = (model, out)
    return out


def _config_toml(model: ResolvedIntegration, layout: RuntimeLayout) -> bytes:
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Non-secret configuration of {model.name}, generated by hardgen."))
    doc.add(tomlkit.comment("Secrets are not here: they come from the secrets file named in BAL_CONFIG_FILES."))
    found = entries(model, layout)
    for line in declarations_header(model, found):
        doc.add(tomlkit.comment(line))
    _tables(doc, [e for e in found if e.file == CONFIG], lambda e: e.value)
    return dump_toml(doc)


def secrets_template(model: ResolvedIntegration) -> bytes:
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment(f"Secrets of {model.name}: a template, generated by hardgen. Never commit a filled copy."))
    doc.add(tomlkit.comment(f"Copy it to {SECRETS_FILLED.split('/')[-1]}, replace every placeholder table with the value"))
    doc.add(tomlkit.comment('(e.g. name = "value"), and install it as README.md of this folder says.'))
    doc.add(tomlkit.comment("An unfilled placeholder stops the service at start; the install scripts refuse it."))

    def placeholder(e: ConfigEntry):
        table = tomlkit.inline_table()
        table.add(UNFILLED_MARKER, f"replace this table with the value of {e.key}")
        return table

    _tables(doc, [e for e in entries(model, CONTAINER) if e.file == SECRETS], placeholder)
    return dump_toml(doc)


def plan(model: ResolvedIntegration) -> TargetPlan:
    # The image's paths when a container target reads this file; a systemd-only output gets the VM's.
    layout = CONTAINER if has_container(model.targets) else systemd_layout(model.systemd.install_dir, model.name)
    ignored = f"/{SECRETS_FILLED}\n" + (f"/{KEYSTORE_SOURCE}\n" if keystore(model) else "")
    out = TargetPlan()
    out.add("config/Config.toml", config_toml(model, layout),
            purpose=f"the Ballerina configuration (no secrets) {readers(model.targets, 'is generated from')}: edit configuration values here")
    # 0644 like every file: it holds placeholders, never a value, and git stores no other mode;
    # the filled copy is git-ignored and installed with a private mode.
    out.add(SECRETS_TEMPLATE, secrets_template(model),
            purpose=f"the secrets as placeholders; copy it to `{SECRETS_FILLED}` (git-ignored) and fill in the values")
    out.add(".gitignore", f"# A filled secrets file never belongs in version control.\n{ignored}".encode(),
            purpose="keeps the filled secrets file" + (" and the keystore" if keystore(model) else "") + " out of git")
    return out
