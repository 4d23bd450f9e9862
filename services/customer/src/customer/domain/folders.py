"""Folder rules: a name, a colour and a position within bounds. No I/O."""

from __future__ import annotations

import re

from moodline_kit.errors import FieldViolation, InvalidArgument

_COLOUR = re.compile(r"^(#[0-9A-Fa-f]{6})?$")
MAX_NAME = 100


def validate_folder(name: str | None, colour: str | None, position: int | None) -> None:
    """The fields given (None: not changed) of a folder, or InvalidArgument naming each."""
    violations = []
    if name is not None and not (0 < len(name.strip()) <= MAX_NAME):
        violations.append(FieldViolation("name", f"1 to {MAX_NAME} characters"))
    if name is not None and "\x00" in name:
        violations.append(FieldViolation("name", "must not contain NUL characters"))
    if colour is not None and not _COLOUR.match(colour):
        violations.append(FieldViolation("colour", "#RRGGBB or empty"))
    if position is not None and not (0 <= position <= 1_000_000):
        violations.append(FieldViolation("position", "0 to 1000000"))
    if violations:
        raise InvalidArgument.of_all(violations)
