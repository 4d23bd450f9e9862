"""A hello-world service scaffolded in a temporary copy of the registries, with only its own
files plus one entry per registry (scaffold.py), passes the wiring check; and it runs: its
migrations apply and the kit serves it (health SERVING) with nothing else written."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import scaffold
import wiring

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import render_k8s  # noqa: E402

COPIED = [
    "pyproject.toml",
    "uv.lock",
    "libs/devkit/src/moodline_devkit/stack.py",
    "gateway/src/gateway/upstreams.py",
    "gateway/src/gateway/config.py",
    "deploy/deps/cnpg-cluster.yaml",
]


def uv() -> str:
    found = ROOT / ".tools" / "bin" / "uv"
    return str(found) if found.exists() else shutil.which("uv") or "uv"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registries and workspace manifests of this repository, then the hello service."""
    root = tmp_path_factory.mktemp("scaffold")
    for rel in [*COPIED, *(str(p.relative_to(ROOT)) for p in ROOT.glob("*/**/pyproject.toml"))]:
        if ".venv" in rel or rel.startswith((".tools", "ml-serving")):
            continue
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, root / rel)
    shutil.copytree(ROOT / "deploy" / "helm", root / "deploy" / "helm")
    for rel, text in scaffold.FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for rel, anchor, line in scaffold.REGISTRY_LINES:
        path = root / rel
        text = path.read_text()
        assert text.count(anchor + "\n") == 1, f"{rel}: anchor {anchor!r} is not unique"
        path.write_text(text.replace(anchor + "\n", f"{anchor}\n{line}\n"))
    member = "services/hello"
    lock = scaffold.lock_member(
        (root / "uv.lock").read_text(), scaffold.FILES[f"{member}/pyproject.toml"], member
    )
    (root / "uv.lock").write_text(lock)
    # What `make lint` checks, with an empty cache: the lock must match the workspace as it is
    # (the member's requirements included) without any package index or cached metadata.
    cache = tmp_path_factory.mktemp("uv-cache")
    env = {**os.environ, "UV_CACHE_DIR": str(cache), "UV_OFFLINE": "1"}
    subprocess.run([uv(), "lock", "--check", "--quiet"], cwd=root, env=env, check=True, timeout=120)
    return root


def test_the_scaffold_is_wired_everywhere(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "services/hello/pyproject.toml" in scaffold.FILES
    before_k8s = wiring.registry_problems(repo, "hello")
    assert any("make k8s" in p for p in before_k8s)  # the check sees what is missing
    monkeypatch.setattr(render_k8s, "CHART", repo / "deploy" / "helm" / "moodline")
    render_k8s.write_tree(render_k8s.build_tree(), repo / "k8s")
    problems = wiring.problems(repo, "hello")
    assert not problems, "\n".join(problems)


def test_the_check_names_each_missing_registry(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(repo, bare)
    for rel, anchor, line in scaffold.REGISTRY_LINES:
        path = bare / rel
        path.write_text(path.read_text().replace(f"{anchor}\n{line}\n", anchor + "\n"))
    problems = "\n".join(wiring.registry_problems(bare, "hello"))
    for needle in (
        "LocalService",
        "Upstream(",
        "hello_addr",
        "services.hello",
        "HELLO_DATABASE_URL",
        "role hello",
        "Database hello",
    ):
        assert needle in problems, needle


@pytest.mark.integration
async def test_the_scaffold_runs_on_the_kit(repo: Path, database_factory, infra_urls) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from moodline_devkit.testing.harness import migrate, running_service

    sys.path.insert(0, str(repo / "services" / "hello" / "src"))
    try:
        from hello.bootstrap import SERVICE  # type: ignore[import-not-found]
        from hello.domain.greeting import greet  # type: ignore[import-not-found]

        assert greet("Ann") == "Hello, Ann!"
        url = await database_factory("hello")
        await migrate(SERVICE, url)
        async with running_service(
            SERVICE, health_pb2_grpc.HealthStub, database_url=url, nats_url=infra_urls.nats_url
        ) as hello:
            for _ in range(50):
                reply = await hello.stub.Check(health_pb2.HealthCheckRequest(service=""))
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    break
                await asyncio.sleep(0.1)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        sys.path.remove(str(repo / "services" / "hello" / "src"))
        for name in [m for m in sys.modules if m == "hello" or m.startswith("hello.")]:
            del sys.modules[name]
