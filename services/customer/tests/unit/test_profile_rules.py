import uuid

import pytest
from customer.domain.custom_fields import Definition, FieldType, define
from customer.domain.listing import parse_list_query
from customer.domain.model import create_customer
from customer.domain.profile import ProfileChanges, apply_changes
from moodline_kit.errors import InvalidArgument

DEFS = {
    "visits": Definition("visits", "Visits", FieldType.NUMBER),
    "birthday": Definition("birthday", "Birthday", FieldType.DATE),
    "member": Definition("member", "Member", FieldType.CHECKBOX),
    "plan": Definition("plan", "Plan", FieldType.DROPDOWN, ("gold", "basic")),
}


def ann():
    return create_customer(tenant_id=uuid.uuid4(), first_name="Ann", default_region="US")


def apply(customer, **values):
    return apply_changes(customer, ProfileChanges(values), default_region="US", definitions=DEFS)


def test_valid_changes_apply_and_report_changed_fields():
    c = ann()
    changed = apply(
        c,
        custom_fields={"visits": 3.0, "birthday": "1990-02-03", "member": True, "plan": "gold"},
        tags=["A", "a", "b"],
        timezone="Europe/London",
        first_name="Ann",
    )
    assert changed == ["custom_fields", "tags", "timezone"]
    assert c.custom_fields == {
        "visits": 3,
        "birthday": "1990-02-03",
        "member": True,
        "plan": "gold",
    }
    assert c.tags == ["a", "b"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"custom_fields": {"nope": 1}}, "custom_fields.nope"),
        ({"custom_fields": {"visits": "3"}}, "custom_fields.visits"),
        ({"custom_fields": {"visits": True}}, "custom_fields.visits"),
        ({"custom_fields": {"birthday": "31/12/1990"}}, "custom_fields.birthday"),
        ({"custom_fields": {"member": "yes"}}, "custom_fields.member"),
        ({"custom_fields": {"plan": "platinum"}}, "custom_fields.plan"),
        ({"phones": [("+1 415 555 01", True)]}, "phones[0].number"),
        ({"lifecycle_stage": "vip"}, "lifecycle_stage"),
        ({"preferred_channel": "fax"}, "preferred_channel"),
    ],
)
def test_invalid_changes_name_the_field_and_change_nothing(values, field):
    c = ann()
    with pytest.raises(InvalidArgument) as exc:
        apply(c, company="Glow", **values)
    assert field in {v.field for v in exc.value.violations}
    assert c.company == "" and c.custom_fields == {}


def test_definitions_validate_type_and_options():
    with pytest.raises(InvalidArgument):
        define("Bad Key", "", "text", [])
    with pytest.raises(InvalidArgument):
        define("plan", "", "dropdown", [])
    assert define("plan", "", "dropdown", ["a", "a"]).options == ("a",)


@pytest.mark.parametrize("param", ["segment", "sort", "stage", "sentiment", "channel"])
def test_unknown_list_choices_name_the_param(param):
    kwargs = {"text": "", "segment": "", "sort": "", param: "bogus"}
    with pytest.raises(InvalidArgument) as exc:
        parse_list_query(**kwargs)
    assert [v.field for v in exc.value.violations] == [param]


@pytest.mark.parametrize("text", ["a", " ab ", "55"])
def test_search_text_needs_three_characters(text):
    with pytest.raises(InvalidArgument) as exc:
        parse_list_query(text=text, segment="", sort="")
    assert [v.field for v in exc.value.violations] == ["query"]


@pytest.mark.parametrize("text", ["", "   ", "ann", "555"])
def test_empty_or_three_character_search_is_accepted(text):
    assert parse_list_query(text=text, segment="", sort="").text == text.strip()
