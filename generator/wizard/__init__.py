"""The interactive wizard of `hardgen init`: questions derived from the model, asked with questionary.

`questions` is plain functions over the model (no prompt toolkit, testable
without a terminal); `prompts` turns them into questionary prompts and is the
only module that imports questionary.
"""
