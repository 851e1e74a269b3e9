"""Stage 1, inputs: presets, answers files and `--set`, read defensively and merged with their origins.

Nothing here knows what a valid integration is (that is `generator.model`);
it turns files and flags into plain data plus, for every key path, the file or
flag that set it, so a problem can name the place the user has to edit.
"""
