"""`hardgen presets`: the shipped presets and what each is for."""

from __future__ import annotations


def add_arguments(p) -> None:
    pass


def run(args) -> int:
    from generator.inputs.load import read_yaml
    from generator.shipped import preset_dir

    for path in sorted(preset_dir().glob("*.yaml")):
        data = read_yaml(path, f"preset {path.stem}")
        print(f"{path.stem:24} {data.get('description', '')}")
    return 0
