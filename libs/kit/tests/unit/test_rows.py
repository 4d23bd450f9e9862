import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from moodline_kit.rows import from_row, values_of


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass
class Thing:
    id: uuid.UUID
    colour: Colour
    tags: list[str] = field(default_factory=list)
    note: str = "none"
    seen_at: datetime | None = None


def test_from_row_maps_same_named_columns_converts_and_keeps_defaults():
    ident = uuid.uuid4()
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                sa.literal(str(ident)).label("id"),
                sa.literal("blue").label("colour"),
                sa.literal(None).label("seen_at"),
                sa.literal("ignored").label("extra"),
            )
        ).one()
    thing = from_row(Thing, row, id=uuid.UUID, colour=Colour)
    assert thing == Thing(ident, Colour.BLUE)
    at = datetime(2026, 12, 7, tzinfo=UTC)
    mapped = from_row(Thing, {"id": ident, "colour": "red", "note": "x", "seen_at": at})
    assert (mapped.colour, mapped.note, mapped.seen_at) == ("red", "x", at)


def test_values_of_gives_columns_with_enum_values():
    thing = Thing(uuid.uuid4(), Colour.RED, note="n")
    assert values_of(thing, ("colour", "note", "seen_at")) == {
        "colour": "red",
        "note": "n",
        "seen_at": None,
    }
    assert values_of(thing, tags="[]") == {
        "id": thing.id,
        "colour": "red",
        "tags": "[]",
        "note": "n",
        "seen_at": None,
    }
