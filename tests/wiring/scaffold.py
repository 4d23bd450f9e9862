"""A hello-world service, written the way README's "How to add a service" says: its own files
(`FILES`) plus one entry per registry (`REGISTRY_LINES`)."""

from __future__ import annotations

import tomllib

FILES = {
    "services/hello/pyproject.toml": """\
[project]
name = "moodline-hello"
version = "0.1.0"
description = "Hello: the smallest Moodline service"
requires-python = ">=3.11"
dependencies = ["moodline-kit", "moodline-contracts"]

[project.scripts]
moodline-hello = "moodline_kit.cli:run"

[project.entry-points."moodline.services"]
hello = "hello.bootstrap:SERVICE"

[build-system]
requires = ["hatchling>=1.27"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/hello"]
""",
    "services/hello/README.md": "# hello\n\nGreets. Owns nothing; no RPC but health; no events.\n",
    "services/hello/src/hello/__init__.py": "",
    "services/hello/src/hello/config.py": """\
from moodline_kit.config import GrpcServiceSettings


class HelloSettings(GrpcServiceSettings, service="hello"):
    pass  # named hello, database moodline_hello by default; no settings of its own
""",
    "services/hello/src/hello/domain/__init__.py": "",
    "services/hello/src/hello/domain/greeting.py": """\
def greet(name: str) -> str:
    return f"Hello, {name.strip() or 'world'}!"
""",
    "services/hello/src/hello/service_layer/__init__.py": "",
    "services/hello/src/hello/service_layer/unit_of_work.py": """\
from moodline_kit.uow import UnitOfWork


class HelloUnitOfWork(UnitOfWork):
    pass
""",
    "services/hello/src/hello/adapters/__init__.py": "",
    "services/hello/src/hello/adapters/tables.py": """\
from moodline_kit.db import kit_tables, new_metadata

metadata = new_metadata()
kit = kit_tables(metadata)
""",
    "services/hello/src/hello/entrypoints/__init__.py": "",
    "services/hello/src/hello/bootstrap.py": """\
from dataclasses import dataclass

from moodline_kit import bootstrap
from moodline_kit.service import Service, migrations_of

from hello.adapters.tables import kit
from hello.config import HelloSettings
from hello.service_layer.unit_of_work import HelloUnitOfWork


@dataclass
class Container(bootstrap.Runtime):
    pass


async def build(settings: HelloSettings) -> Container:
    runtime = await bootstrap.start(settings, "hello", kit, HelloUnitOfWork)
    return runtime.into(Container)


def grpc_app(container: Container):
    return bootstrap.grpc_app(container, [])


SERVICE = Service("hello", HelloSettings, build, grpc_app, migrations_of(__file__))
""",
    "services/hello/migrations/env.py": """\
from hello.adapters.tables import metadata
from moodline_kit.migrations import run_env

run_env(metadata)
""",
    "services/hello/migrations/versions/2026_12_07_0001_kit_tables.py": '''\
"""The outbox and processed events."""

from moodline_kit.migrations import create_kit_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kit_tables()
''',
    "services/hello/tests/unit/test_greeting.py": """\
from hello.domain.greeting import greet


def test_greets_the_world_by_default():
    assert greet(" ") == "Hello, world!"
""",
    "services/hello/tests/integration/__init__.py": "",
    "protos/moodline/hello/v1/hello.proto": (
        'syntax = "proto3";\n\npackage moodline.hello.v1;\n\nservice HelloService {}\n'
    ),
}

# (file, the line after which the entry goes, the entry): one line per registry.
REGISTRY_LINES = [
    (
        "libs/devkit/src/moodline_devkit/stack.py",
        "SERVICES: tuple[LocalService, ...] = (",
        '    LocalService("hello", "moodline-hello"),',
    ),
    (
        "gateway/src/gateway/upstreams.py",
        "UPSTREAMS: tuple[Upstream, ...] = (",
        '    Upstream("hello", health_pb2_grpc.HealthStub),',
    ),
    (
        "gateway/src/gateway/config.py",
        'class GatewaySettings(KitSettings, service="gateway"):',
        '    hello_addr: str = ""',
    ),
    (
        "deploy/helm/moodline/values.yaml",
        "services:",
        "  hello: {enabled: true, secretEnv: {DATABASE_URL: HELLO_DATABASE_URL}}",
    ),
    ("deploy/helm/moodline/values.yaml", "    keys:", "      - HELLO_DATABASE_URL"),
    (
        "deploy/helm/moodline/values-dev.yaml",
        "  data:",
        "    HELLO_DATABASE_URL: postgresql+asyncpg://hello:dev-only@moodline-pg-rw/hello",
    ),
    (
        "deploy/deps/cnpg-cluster.yaml",
        "    roles:",
        "      - {name: hello, ensure: present, login: true, passwordSecret: {name: pg-hello}}",
    ),
    (
        "deploy/deps/cnpg-cluster.yaml",
        "# moodline Secret and point networkPolicy.peers.postgres at its address (ipBlock).",
        "{apiVersion: postgresql.cnpg.io/v1, kind: Database, metadata: {name: moodline-hello}, "
        "spec: {cluster: {name: moodline-pg}, name: hello, owner: hello}}\n---",
    ),
]


def lock_member(lock: str, pyproject: str, path: str) -> str:
    """`lock` (uv.lock's text) with the workspace member `path` added, as `uv lock` writes it
    for a member that depends on workspace packages only: the lock is then checked by
    `uv lock --check`, which needs no package index and no cache (a fresh `uv lock` needs
    one of them to re-resolve every registry package)."""
    project = tomllib.loads(pyproject)["project"]
    name, deps = project["name"], sorted(project.get("dependencies", []))
    sources = {p["name"]: p["source"] for p in tomllib.loads(lock)["package"]}
    assert all("editable" in sources.get(d, {}) for d in deps), "workspace dependencies only"
    members_start = lock.index("members = [\n") + len("members = [\n")
    members_end = lock.index("]\n", members_start)
    members = sorted([*lock[members_start:members_end].split("\n")[:-1], f'    "{name}",'])
    lock = lock[:members_start] + "\n".join(members) + "\n" + lock[members_end:]
    entry = (
        f'[[package]]\nname = "{name}"\nversion = "{project["version"]}"\n'
        f'source = {{ editable = "{path}" }}\ndependencies = [\n'
        + "".join(f'    {{ name = "{d}" }},\n' for d in deps)
        + "]\n\n[package.metadata]\nrequires-dist = [\n"
        + "".join(f'    {{ name = "{d}", editable = "{sources[d]["editable"]}" }},\n' for d in deps)
        + "]\n\n"
    )
    blocks = lock.split("[[package]]\n")
    after = next(
        (i for i, b in enumerate(blocks[1:], 1) if tomllib.loads(b)["name"] > name), len(blocks)
    )
    blocks.insert(after, entry.removeprefix("[[package]]\n"))
    return "[[package]]\n".join(blocks)
