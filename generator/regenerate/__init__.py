"""`hardgen regenerate`: replay a folder's answers with this hardgen and merge the result into the user's edits.

`folder` runs one output folder end to end; `reconcile` decides per file
(replace, merge, keep, propose); `merge` holds the three-way merge engines per
format; `notes` explains in words what an upgrade changed and why.
"""
