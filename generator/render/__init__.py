"""Stage 3, render: the pipeline (load -> validate -> plan) and the serialisers targets build files with.

Structured formats are built as data and serialised here (YAML with the
emitter in `yaml_dump`, TOML with tomlkit in `toml_dump`); line formats go
through one Jinja2 environment (`templates`) with StrictUndefined.
"""
