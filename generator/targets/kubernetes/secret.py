"""The Secret that carries the filled secrets file: its shape and how to create it, never its values.

Seed 001 says "use Kubernetes secrets or environment variables"; environment
variables leak into crash dumps, `/proc/<pid>/environ` and child processes, so
the secrets file reaches the pod only as a read-only Secret volume. hardgen
never sees a value: it writes instructions and a script that builds the Secret
from the file the operator filled in (refusing one with placeholders left), or
an ExternalSecret that renders the same file from a secret store.
"""

from __future__ import annotations

from typing import Any

from generator.model.integration import keystore, secret_names
from generator.model.resolved import ResolvedIntegration
from generator.render.templates import render_template
from generator.targets.kubernetes.meta import KEYSTORE_KEY, SECRET_KEY, metadata, secret_name, text_block
from generator.targets.shared.ballerina_config import KEYSTORE_SOURCE, SECRETS_FILLED, SECRETS_TEMPLATE, UNFILLED_MARKER
from generator.targets.shared.layout import CONTAINER

#: The External Secrets Operator API version (v1 since ESO 0.17; v1beta1 is deprecated).
EXTERNAL_SECRETS_API = "external-secrets.io/v1"
#: Property of the store entry that holds the base64 of the PKCS12 keystore (a binary file cannot be a
#: text property); the '.' keeps it apart from every secret name, which is an identifier.
KEYSTORE_PROPERTY = "keystore.p12"


def _context(model: ResolvedIntegration) -> dict[str, Any]:
    return dict(
        name=model.name,
        namespace=model.kubernetes.namespace,
        secret=secret_name(model),
        key=SECRET_KEY,
        secrets=list(secret_names(model)),
        keystore=keystore(model),
        keystore_key=KEYSTORE_KEY,
        keystore_source=KEYSTORE_SOURCE,
        keystore_mount=CONTAINER.keystore_file,
        keystore_property=KEYSTORE_PROPERTY,
        template=SECRETS_TEMPLATE,
        filled=SECRETS_FILLED,
        marker=UNFILLED_MARKER,
        mount=CONTAINER.secrets_file,
        external=model.kubernetes.external_secrets,
        store=model.kubernetes.external_store,
        store_kind=model.kubernetes.external_store_kind,
        external_key=model.kubernetes.external_key,
        org=model.config.org,
        module=model.config.module,
    )


def instructions(model: ResolvedIntegration) -> bytes:
    return render_template("kubernetes/SECRETS.md.j2", **_context(model))


def create_script(model: ResolvedIntegration) -> bytes:
    return render_template("kubernetes/create-secret.sh.j2", **_context(model))


def secrets_toml_template(model: ResolvedIntegration) -> str:
    """The secrets file as an ESO template: each value goes through `toJson`, whose output
    (a JSON string with \\uXXXX escapes) is always a valid TOML basic string, so a value
    with quotes or newlines cannot break out of its key. Names are validated identifiers."""
    lines = [f"[{model.config.org}.{model.config.module}]"]
    lines += [f"{name} = {{{{ .{name} | toJson }}}}" for name in secret_names(model)]
    return "\n".join(lines) + "\n"


def external_secret(model: ResolvedIntegration) -> dict[str, Any]:
    """One store entry (`external_key`) holds every value as a property named after the secret;
    `dataFrom.extract` exposes them to the template by those names."""
    k = model.kubernetes
    data = {SECRET_KEY: text_block(secrets_toml_template(model))}
    if keystore(model):
        # The keystore's bytes: the base64 text of the property, decoded by the template (sprig's b64dec).
        data[KEYSTORE_KEY] = f'{{{{ index . "{KEYSTORE_PROPERTY}" | b64dec }}}}'
    return {
        "apiVersion": EXTERNAL_SECRETS_API,
        "kind": "ExternalSecret",
        "metadata": metadata(model, secret_name(model)),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"name": k.external_store, "kind": k.external_store_kind},
            "target": {
                "name": secret_name(model),
                "creationPolicy": "Owner",
                "template": {"engineVersion": "v2", "data": data},
            },
            "dataFrom": [{"extract": {"key": k.external_key}}],
        },
    }


def create_mi_script(model: ResolvedIntegration) -> bytes:
    """MI's Secret holds files, not values: the two PKCS12 stores and the Secure Vault password file."""
    from generator.targets.shared import mi_config

    return render_template("kubernetes/create-secret-mi.sh.j2", name=model.name, namespace=model.kubernetes.namespace,
                           secret=secret_name(model), files=[
                               ("keystore.p12", mi_config.KEYSTORE_SOURCE), ("truststore.p12", mi_config.TRUSTSTORE_SOURCE),
                               ("password-persist", mi_config.PASSWORD_SOURCE)])
