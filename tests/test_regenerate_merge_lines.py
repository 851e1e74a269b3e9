"""The line diff3 (Dockerfile, unit files, java.options): real diff3 semantics, written on difflib."""

from __future__ import annotations

from generator.regenerate.merge import three_way
from generator.regenerate.merge.lines import merge_sequences, merge_text

BASE = "FROM base:1\nUSER 10001\nCOPY a /a\nCOPY b /b\nENTRYPOINT [\"java\"]\n"


def test_changes_on_different_lines_from_both_sides_combine():
    ours = BASE.replace("COPY a /a", "COPY a /a  # mine")
    theirs = BASE.replace("FROM base:1", "FROM base:2")
    merged, conflicts = merge_text(BASE, ours, theirs)
    assert conflicts == []
    assert merged == BASE.replace("COPY a /a", "COPY a /a  # mine").replace("FROM base:1", "FROM base:2")


def test_adjacent_line_changes_do_not_conflict():
    ours = BASE.replace("COPY a /a", "COPY a2 /a")
    theirs = BASE.replace("COPY b /b", "COPY b2 /b")
    merged, conflicts = merge_text(BASE, ours, theirs)
    assert conflicts == [] and "COPY a2 /a\nCOPY b2 /b\n" in merged


def test_same_line_changed_differently_conflicts_and_proposes_the_new_render():
    ours = BASE.replace("USER 10001", "USER 20002")
    theirs = BASE.replace("USER 10001", "USER 10002")
    merged, conflicts = merge_text(BASE, ours, theirs)
    assert conflicts == [("line 2", "USER 20002", "USER 10002")]
    assert merged == theirs


def test_identical_changes_on_both_sides_are_taken_once():
    both = BASE + "HEALTHCHECK NONE\n"
    merged, conflicts = merge_text(BASE, both, both)
    assert conflicts == [] and merged == both


def test_user_line_appended_after_a_block_the_upgrade_deletes_survives():
    base = "-Xa\n-Djava.security.manager\n-Djava.security.policy==/p\n"
    ours = base + "-Dfoo=bar\n"
    theirs = "-Xa\n"
    merged, conflicts = merge_text(base, ours, theirs)
    assert conflicts == [] and merged == "-Xa\n-Dfoo=bar\n"


def test_both_sides_appending_different_lines_at_the_end_conflicts():
    merged, conflicts = merge_text(BASE, BASE + "LABEL a=1\n", BASE + "LABEL b=2\n")
    assert [c[0] for c in conflicts] == ["line 6"]
    assert merged.endswith("LABEL b=2\n")


def test_user_deletes_a_line_the_upgrade_changes_conflicts():
    ours = BASE.replace("USER 10001\n", "")
    theirs = BASE.replace("USER 10001", "USER 10002")
    _, conflicts = merge_text(BASE, ours, theirs)
    assert len(conflicts) == 1 and conflicts[0][2] == "USER 10002"


def test_conflict_line_numbers_point_into_the_users_file():
    ours = "# my header\n# more\n" + BASE.replace("ENTRYPOINT [\"java\"]", "ENTRYPOINT [\"sh\"]")
    theirs = BASE.replace("ENTRYPOINT [\"java\"]", "ENTRYPOINT [\"java\", \"-jar\"]")
    _, conflicts = merge_text(BASE, ours, theirs)
    assert conflicts[0][0] == "line 7"


def test_generic_over_any_hashable_items():
    result = merge_sequences(["a", "b", "c"], ["a", "b", "c", "d"], ["z", "a", "b", "c"])
    assert result.merged == ["z", "a", "b", "c", "d"] and result.clashes == []


def test_a_unit_file_goes_through_the_line_engine():
    base = b"[Service]\nUser=demo\nProtectSystem=strict\n"
    ours = base.replace(b"User=demo\n", b"User=demo\nEnvironment=TZ=UTC\n")
    theirs = base + b"ProtectHome=yes\n"
    merged = three_way("systemd/demo.service", base, ours, theirs)
    assert merged.engine == "lines" and merged.conflicts == []
    assert merged.content == b"[Service]\nUser=demo\nEnvironment=TZ=UTC\nProtectSystem=strict\nProtectHome=yes\n"


# --- properties --------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LINES = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(LINES, LINES)
def test_a_change_on_one_side_only_is_taken_as_is(base, other):
    assert merge_sequences(base, base, other).merged == other
    assert merge_sequences(base, other, base).merged == other
    assert merge_sequences(base, other, base).clashes == [] and merge_sequences(base, base, other).clashes == []


@settings(max_examples=300, deadline=None)
@given(LINES, LINES)
def test_the_same_change_on_both_sides_never_conflicts(base, both):
    result = merge_sequences(base, both, both)
    assert result.clashes == [] and result.merged == both


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text("xyz", min_size=1, max_size=3), min_size=4, max_size=10), st.data())
def test_edits_to_distinct_lines_of_distinct_lines_both_land(base, data):
    base = [f"{i}:{t}" for i, t in enumerate(base)]  # unique lines, so the alignment is unambiguous
    i = data.draw(st.integers(0, len(base) - 1))
    j = data.draw(st.integers(0, len(base) - 1).filter(lambda j: abs(j - i) >= 1))
    ours, theirs = list(base), list(base)
    ours[i] = "mine"
    theirs[j] = "new"
    result = merge_sequences(base, ours, theirs)
    expected = list(base)
    expected[i], expected[j] = "mine", "new"
    assert result.clashes == [] and result.merged == expected


def test_a_file_the_user_saved_with_windows_line_endings_merges_and_keeps_them():
    """hardgen writes LF; a user's editor may save CRLF throughout: the merge is the one of the LF text, in CRLF."""
    base = b"FROM a:1\nUSER 10001\nEXPOSE 9443\n"
    ours = b"FROM a:1\r\nUSER 10001\r\nENV TZ=UTC\r\nEXPOSE 9443\r\n"
    merged = three_way("Dockerfile", base, ours, base.replace(b"a:1", b"a:2"))
    assert merged.conflicts == [] and merged.content == b"FROM a:2\r\nUSER 10001\r\nENV TZ=UTC\r\nEXPOSE 9443\r\n"
