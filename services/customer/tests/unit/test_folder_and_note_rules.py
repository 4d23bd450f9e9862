"""Folder and note input rules (domain/folders.py, domain/records.py): pure."""

import pytest
from customer.domain.folders import validate_folder
from customer.domain.records import MAX_NOTE_LENGTH, note_text
from moodline_kit.errors import InvalidArgument


def test_a_folder_names_each_bad_field():
    validate_folder("VIP", "#aa00FF", 3)
    validate_folder(None, "", None)  # nothing given is nothing wrong; "" clears the colour
    with pytest.raises(InvalidArgument) as bad:
        validate_folder(" ", "red", -1)
    assert [v.field for v in bad.value.violations] == ["name", "colour", "position"]
    with pytest.raises(InvalidArgument, match="NUL"):
        validate_folder("a\x00b", None, None)


def test_a_note_is_stripped_and_bounded():
    assert note_text("  call back \n", "ann") == "call back"
    for text, author, field in (
        ("   ", "ann", "text"),
        ("x" * (MAX_NOTE_LENGTH + 1), "ann", "text"),
        ("ok", "a" * 101, "author"),
    ):
        with pytest.raises(InvalidArgument) as bad:
            note_text(text, author)
        assert bad.value.violations[0].field == field
