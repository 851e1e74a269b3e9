"""The output's README.md: what each file is and what to do with the folder, derived from the plan itself.

Every planned file carries a one-line purpose from the target that plans it, and
this README lists exactly the planned files, so it can never miss one or name one
that is not there. The commands it gives are the ones the files themselves
document (the Dockerfile's header, install.sh's usage, the kustomization).
"""

from __future__ import annotations

from generator.model.integration import keystore, secret_names
from generator.model.resolved import ResolvedIntegration
from generator.render.templates import render_template
from generator.targets.plan import MODE_SCRIPT, PlannedFile
from generator.targets.shared.ballerina_config import KEYSTORE_SOURCE, SECRETS_FILLED, SECRETS_TEMPLATE

PATH = "README.md"
PURPOSE = "this file: what each file is, how to build, fill the secrets, deploy and regenerate"


def readme(model: ResolvedIntegration, files: list[PlannedFile]) -> PlannedFile:
    """README.md for these planned files (every file of the output but `.hardgen/` and the README itself)."""
    deploy_dir = model.docker.deploy_dir.rstrip("/")
    prefix = "" if deploy_dir == "." else deploy_dir + "/"
    listed = sorted([*((f.path, f.mode == MODE_SCRIPT, f.purpose) for f in files), (PATH, False, PURPOSE)])
    text = render_template(
        "readme/README.md.j2",
        name=model.name,
        runtime=model.runtime,
        targets=list(model.targets),
        files=listed,
        folder=deploy_dir,
        prefix=prefix,
        image=f"{model.image.name}:{model.image.tag}",
        artifact=model.artifact,
        secrets=list(secret_names(model)),
        keystore=keystore(model),
        secrets_template=SECRETS_TEMPLATE,
        secrets_filled=SECRETS_FILLED,
        keystore_source=KEYSTORE_SOURCE,
        external_secrets=model.kubernetes.external_secrets,
        namespace=model.kubernetes.namespace,
        unit=f"{model.name}.service",
    )
    return PlannedFile(PATH, text, purpose=PURPOSE)
