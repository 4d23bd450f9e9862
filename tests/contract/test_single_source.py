"""The contracts are the single source of event subjects and shared enums: code names subjects
through `moodline.events.v1.subjects`, no service redefines a shared enum, and the Helm chart's
streams and consumers are exactly what the producers and the services' code declare."""

from __future__ import annotations

import ast
import enum
import re
from pathlib import Path

import pytest
import yaml
from moodline import enums
from moodline.events.v1 import subjects
from moodline_kit.service import registered

ROOT = Path(__file__).resolve().parents[2]
VALUES = ROOT / "deploy" / "helm" / "moodline" / "values.yaml"
SOURCES = sorted(
    p for pattern in ("services/*/src/**/*.py", "gateway/src/**/*.py") for p in ROOT.glob(pattern)
)
SHARED_ENUMS = {
    name
    for name, value in vars(enums).items()
    if isinstance(value, type) and value.__module__ == enums.__name__
}


def jetstream() -> dict:
    return yaml.safe_load(VALUES.read_text())["jetstream"]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("source", SOURCES, ids=rel)
def test_subjects_come_from_the_contracts(source: Path) -> None:
    literals = {
        node.value
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    written = sorted(literals & set(subjects.PAYLOADS))
    assert not written, f"{rel(source)}: use moodline.events.v1.subjects for {written}"


@pytest.mark.parametrize("source", SOURCES, ids=rel)
def test_shared_enums_are_not_redefined(source: Path) -> None:
    classes = {
        node.name
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.ClassDef)
    }
    again = sorted(classes & SHARED_ENUMS)
    assert not again, f"{rel(source)}: import {again} from moodline.enums"


def test_shared_enums_have_the_proto_values() -> None:
    from moodline.conversation.v1 import conversation_pb2

    proto = [n.removeprefix("CHANNEL_").lower() for n in conversation_pb2.Channel.keys()[1:]]
    assert [c.value for c in enums.Channel] == proto
    assert all(issubclass(getattr(enums, n), enum.StrEnum) for n in SHARED_ENUMS)


def test_one_stream_per_producing_service() -> None:
    streams = jetstream()["streams"]
    assert {name: spec["subjects"] for name, spec in streams.items()} == {
        service.upper(): [f"{service}.>"] for service in subjects.BY_SERVICE
    }


def test_chart_consumers_filter_contract_subjects_of_their_stream() -> None:
    for consumer in jetstream()["consumers"]:
        producer = consumer["stream"].lower()
        for subject in consumer.get("filterSubjects", []):
            assert subject in subjects.BY_SERVICE[producer] or re.fullmatch(
                rf"{producer}\.[a-z_]+\.>", subject
            ), f"{consumer['name']} on {consumer['stream']}: {subject} is not a {producer} subject"


def test_chart_consumers_are_the_ones_the_services_declare() -> None:
    services = registered()
    assert services, "no service registers itself (entry points moodline.services)"
    chart = {
        (c["stream"], c["name"]): tuple(c.get("filterSubjects", ()))
        for c in jetstream()["consumers"]
    }
    declared = {
        (c.stream, c.durable): c.subjects for service in services.values() for c in service.consumes
    }
    for key, wanted in declared.items():
        assert key in chart, f"the chart lacks consumer {key[1]} on {key[0]}"
        assert chart[key] == wanted, f"{key[1]} on {key[0]}: chart {chart[key]} != code {wanted}"
    for stream, name in chart:
        owner = name.split("-")[0]
        if owner in services:
            assert (stream, name) in declared, (
                f"the chart declares {name} on {stream}, which the {owner} service does not read"
            )
