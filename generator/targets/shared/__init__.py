"""Artefacts several targets share, built once per output: the runtime file layout, JVM options, Ballerina config.

These are builders, not targets: a target calls them with the layout it
deploys into (the container image or a VM install), so the paths inside the
JVM options and Config.toml always match the place the target creates.
"""
