"""Stage 2, model: the one typed definition of an integration, its validators, and its resolved form.

`integration` declares the answered model (what presets, answers files, `--set`
and the wizard fill in); `fields` builds, validates and describes it from the
field declarations; `rules` holds the checks that span fields; `resolved`
fills every derived default into the type that targets receive, which has no
`None` where a default exists.
"""
