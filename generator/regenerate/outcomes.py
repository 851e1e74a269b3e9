"""The vocabulary of a regeneration: what it may do with a file, and with its decisions.

Enums rather than strings, so a misspelt action is an AttributeError at once,
not a file silently reported under no heading. Kept apart from `reconcile` so
the fast `regenerate --check` path can name them without importing the model.
"""

from __future__ import annotations

import enum


class Mode(enum.Enum):
    """What a regeneration does with its decisions."""

    WRITE = "write"  # apply them
    CHECK = "check"  # write nothing; a diff and exit 1 when anything would change
    DRY_RUN = "dry-run"  # write nothing; say what would change


class Action(enum.StrEnum):
    """What a regeneration does (or would do) with one file."""

    CREATED = "created"  # new in this render
    UPDATED = "updated"  # untouched by the user: replaced by the new render
    MERGED = "merged"  # edited by the user: three-way merged, cleanly
    MODE = "mode"  # content as generated, mode restored
    REMOVED = "removed"  # no longer generated and untouched: deleted
    RECREATED = "recreated"  # deleted by the user, brought back by --force
    KEPT_DELETED = "kept-deleted"  # deleted by the user: stays deleted
    KEPT_EDITED = "kept-edited"  # no longer generated but edited: kept, no longer managed
    CONFLICT = "conflict"  # both sides changed the same thing: the user's file stays, a proposal goes beside it
    FOREIGN = "foreign"  # a file hardgen did not write is in the way: a proposal goes beside it

    @property
    def needs_the_user(self) -> bool:
        return self in (Action.CONFLICT, Action.FOREIGN)

    @property
    def leaves_the_file(self) -> bool:
        """The user's file is not touched and stays out of hardgen's diff (deleted or disowned by the user)."""
        return self in (Action.KEPT_DELETED, Action.KEPT_EDITED)
