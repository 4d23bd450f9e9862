"""Contract checks on protos/: generated code is fresh, packages match directories, and every
event message names its NATS subject."""

from __future__ import annotations

import importlib.util
import re
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
PROTOS = ROOT / "protos"
COMMITTED = PROTOS / "gen"
PROTO_FILES = sorted((PROTOS / "moodline").rglob("*.proto"))
SUBJECT = re.compile(r"^(?P<service>[a-z]+)\.(?P<entity>[a-z][a-z_]*)\.(?P<verb>[a-z][a-z_]*)$")
EVENTS_PACKAGE = "moodline.events.v1"
NOT_EVENTS = {"EventEnvelope"}


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("protos_generate", PROTOS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_code_is_fresh(tmp_path: Path) -> None:
    fresh_dir = tmp_path / "gen"
    _load_generator().generate(fresh_dir)
    fresh, committed = _files(fresh_dir), _files(COMMITTED)
    hint = "protos/gen is stale: run `make protos` and commit protos/gen"
    assert sorted(fresh) == sorted(committed), f"{hint} (file sets differ)"
    stale = sorted(name for name in fresh if fresh[name] != committed[name])
    assert not stale, f"{hint} (differs: {', '.join(stale)})"


@pytest.mark.parametrize("proto", PROTO_FILES, ids=lambda p: p.relative_to(PROTOS).as_posix())
def test_package_matches_directory(proto: Path) -> None:
    directory = proto.parent.relative_to(PROTOS).parts  # ("moodline", "<dir>", "v1")
    assert len(directory) == 3 and re.fullmatch(r"v[1-9][0-9]*", directory[2]), (
        f"{proto} must live in protos/moodline/<dir>/v<N>/"
    )
    declared = re.findall(r"^package\s+([\w.]+)\s*;", proto.read_text(), flags=re.MULTILINE)
    expected = ".".join(directory)
    assert declared == [expected], f"{proto} must declare `package {expected};`"


def _event_descriptors(tmp_path: Path) -> list[descriptor_pb2.FileDescriptorProto]:
    out = tmp_path / "events.binpb"
    well_known = resources.files("grpc_tools") / "_proto"
    events = [p.relative_to(PROTOS).as_posix() for p in PROTO_FILES if "events" in p.parts]
    args = ["protoc", f"-I{PROTOS}", f"-I{well_known}", "--include_source_info"]
    assert protoc.main([*args, f"--descriptor_set_out={out}", *events]) == 0
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    return [f for f in files if f.package == EVENTS_PACKAGE]


def _leading_comments(file: descriptor_pb2.FileDescriptorProto) -> dict[int, str]:
    # Path [4, i] is the i-th top-level message (FileDescriptorProto.message_type = 4).
    return {
        loc.path[1]: loc.leading_comments
        for loc in file.source_code_info.location
        if len(loc.path) == 2 and loc.path[0] == 4
    }


def test_every_event_names_its_subject(tmp_path: Path) -> None:
    problems: list[str] = []
    subjects: dict[str, str] = {}
    for file in _event_descriptors(tmp_path):
        producer = Path(file.name).stem  # events/v1/<service>.proto holds <service>'s events
        comments = _leading_comments(file)
        for index, message in enumerate(file.message_type):
            if message.name in NOT_EVENTS:
                continue
            first_line = comments.get(index, "").strip().splitlines()[:1]
            match = SUBJECT.match(first_line[0].strip()) if first_line else None
            where = f"{file.name}: {message.name}"
            if not match:
                problems.append(f"{where} needs a leading comment `// <service>.<entity>.<verb>`")
            elif match["service"] != producer:
                problems.append(f"{where}: subject {match[0]} is not a {producer} subject")
            elif match[0] in subjects:
                problems.append(f"{where}: subject {match[0]} also used by {subjects[match[0]]}")
            else:
                subjects[match[0]] = message.name
    assert subjects, "no event messages found"
    assert not problems, "\n".join(problems)
