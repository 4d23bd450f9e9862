"""k8s/ (kustomize base + overlays) is exactly what `make k8s` renders from the chart now, and
`kubectl kustomize` of each overlay yields that profile's objects."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from deploy_support import ROOT, render_k8s, tool

K8S = ROOT / "k8s"


def on_disk() -> dict[str, str]:
    return {
        str(p.relative_to(K8S)): p.read_text()
        for sub in ("base", "overlays")
        for p in sorted((K8S / sub).rglob("*"))
        if p.is_file()
    }


def test_k8s_equals_a_fresh_render() -> None:
    fresh = render_k8s.build_tree()
    current = on_disk()
    stale = sorted(k for k in fresh.keys() & current.keys() if fresh[k] != current[k])
    assert not stale, f"k8s/ is stale, run `make k8s`: {stale}"
    assert not fresh.keys() - current.keys(), "k8s/ misses files, run `make k8s`"
    assert not current.keys() - fresh.keys(), "k8s/ has files the chart no longer renders"


def test_write_tree_replaces_the_folder(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "leftover.yaml").write_text("kind: Old\n")
    render_k8s.main(["--out", str(tmp_path)])
    assert not (tmp_path / "base" / "leftover.yaml").exists()
    assert (tmp_path / "overlays" / "prod" / "kustomization.yaml").exists()


def identity(obj: dict) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


@pytest.mark.parametrize("profile", render_k8s.OVERLAYS)
def test_kustomize_overlay_builds_the_profile(profile: str) -> None:
    out = subprocess.run(
        [tool("kubectl"), "kustomize", str(K8S / "overlays" / profile)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    built = {identity(o): o for o in yaml.safe_load_all(out) if o}
    expected = {
        identity(o): o for o in render_k8s.render_profile(profile) if not render_k8s.is_helm_test(o)
    }
    assert built.keys() == expected.keys()
    for key, obj in expected.items():
        assert built[key] == obj, key
