"""Dockerfiles: hadolint clean, and every COPY source exists in the build context (the
repository root) and survives .dockerignore. No Docker engine is needed: images are built
where one exists."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from deploy_support import ROOT, tool

SKIP_DIRS = {".git", ".venv", "node_modules", "var", "build", "dist", ".tools"}
# Every image the chart deploys has its Dockerfile here: one for every service, its Celery
# worker and beat and the gateway (ARG SERVICE), one for Triton.
EXPECTED = {
    "Dockerfile",
    "ml-serving/Dockerfile",
}


def dockerfiles() -> list[Path]:
    found = []
    for path in ROOT.rglob("Dockerfile*"):
        parts = path.relative_to(ROOT).parts
        if any(p in SKIP_DIRS or p.startswith(".venv") for p in parts[:-1]):
            continue
        if path.is_file():
            found.append(path)
    return sorted(found)


DOCKERFILES = dockerfiles()


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_image_has_its_dockerfile() -> None:
    assert {rel(p) for p in DOCKERFILES} >= EXPECTED


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=rel)
def test_hadolint(dockerfile: Path) -> None:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def copy_sources(text: str) -> list[str]:
    """Sources of COPY/ADD from the build context (not --from another stage or image)."""
    sources = []
    for word, rest in instructions(text):
        if word not in {"COPY", "ADD"}:
            continue
        args = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
        flags = [a for a in args if a.startswith("--")]
        if any(f.startswith("--from") for f in flags):
            continue
        sources.extend([a for a in args if not a.startswith("--")][:-1])
    return sources


def ignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as (negated, regex); the last matching rule decides, as in Docker."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex += "(?:.*/)?"
                i += 3
            elif pattern.startswith("**", i):
                regex += ".*"
                i += 2
            elif pattern[i] == "*":
                regex += "[^/]*"
                i += 1
            elif pattern[i] == "?":
                regex += "[^/]"
                i += 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex += pattern[i : end + 1]
                i = end + 1
            else:
                regex += re.escape(pattern[i])
                i += 1
        # A pattern matching a folder matches everything under it.
        rules.append((negated, re.compile(f"^{regex}(?:/.*)?$")))
    return rules


RULES = ignore_rules()


def excluded(path: str) -> bool:
    verdict = False
    for negated, regex in RULES:
        if regex.match(path):
            verdict = not negated
    return verdict


def test_dockerignore_semantics() -> None:
    assert excluded("README.md") and excluded("ml-serving/.venv-train/bin/python")
    assert not excluded("uv.lock") and not excluded("libs/kit/src/moodline_kit/config.py")
    assert excluded("services/customer/tests/unit/test_x.py")
    assert excluded("libs/kit/src/moodline_kit/__pycache__/config.cpython-311.pyc")


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=rel)
def test_build_context_has_every_copy_source(dockerfile: Path) -> None:
    sources = copy_sources(dockerfile.read_text())
    assert sources, "no COPY from the build context"
    for source in sources:
        path = ROOT / source
        if source.startswith("ml-serving/model_repository") and not path.exists():
            pytest.skip("ml-serving/model_repository is not written yet")
        assert path.exists(), f"{rel(dockerfile)}: COPY {source}: not in the repository"
        assert not excluded(source.strip("/")), f"{source} is excluded by .dockerignore"
        if path.is_dir():
            shipped = [
                f for f in path.rglob("*") if f.is_file() and not excluded(str(f.relative_to(ROOT)))
            ]
            assert shipped, f"{rel(dockerfile)}: COPY {source}: nothing survives .dockerignore"
