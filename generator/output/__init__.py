"""Stage 4, output: writing a planned folder safely, and the `.hardgen/` state that makes it regenerable.

The writer knows no format: it receives paths, bytes and modes. `state`
describes `.hardgen/` (what was generated, from which answers, by which
version); `fingerprint` is the digest that lets `regenerate --check` skip a render.
"""
