"""Where a service must be registered, and a check that it is: `problems(root, name)` lists
what is missing for `services/<name>` in the repository at `root` (empty: wired everywhere).

This is the README's "How to add a service" as code. A service provides its own files under
services/<name>/ and its contracts under protos/, plus one entry in each registry:

- workspace      uv.lock (`uv lock`; the workspace takes in services/* by itself)
- local stack    LocalService("<name>", ...) in libs/devkit/src/moodline_devkit/stack.py
- gateway        Upstream("<name>", ...) in gateway/src/gateway/upstreams.py and the setting
                 `<name>_addr` in gateway/src/gateway/config.py
- chart          services.<name> (secretEnv DATABASE_URL: <NAME>_DATABASE_URL) in values.yaml,
                 the key in secrets.external.keys, and in values-dev.yaml's secrets.data
- databases      a role and a Database `<name>` in deploy/deps/cnpg-cluster.yaml
- manifests      k8s/ rendered again (`make k8s`): its Deployment in both overlays
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

import yaml

SHAPE_DIRS = ("domain", "service_layer", "adapters", "entrypoints")
SHAPE_FILES = ("bootstrap.py", "config.py")
STACK = Path("libs/devkit/src/moodline_devkit/stack.py")
UPSTREAMS = Path("gateway/src/gateway/upstreams.py")
GATEWAY_CONFIG = Path("gateway/src/gateway/config.py")
CHART = Path("deploy/helm/moodline")
CNPG = Path("deploy/deps/cnpg-cluster.yaml")


def services(root: Path) -> list[str]:
    return sorted(p.parent.name for p in (root / "services").glob("*/pyproject.toml"))


def _calls(path: Path, function: str) -> list[list[Any]]:
    """Constant positional arguments of every call of `function` in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
            found.append([a.value if isinstance(a, ast.Constant) else None for a in node.args])
    return found


def _class_fields(path: Path, cls: str) -> set[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return {
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            }
    return set()


def package_problems(root: Path, name: str) -> list[str]:
    home = root / "services" / name
    problems = []
    project = tomllib.loads((home / "pyproject.toml").read_text())
    meta = project.get("project", {})
    if meta.get("name") != f"moodline-{name}":
        problems.append(f"services/{name}/pyproject.toml: project name must be moodline-{name}")
    if meta.get("scripts", {}).get(f"moodline-{name}") != "moodline_kit.cli:run":
        problems.append(f'pyproject: script moodline-{name} = "moodline_kit.cli:run"')
    entry = meta.get("entry-points", {}).get("moodline.services", {}).get(name)
    if entry != f"{name}.bootstrap:SERVICE":
        problems.append(
            f'pyproject: [project.entry-points."moodline.services"] {name} = '
            f'"{name}.bootstrap:SERVICE"'
        )
    package = home / "src" / name
    problems += [
        f"services/{name}/src/{name}/{d}/ is missing"
        for d in SHAPE_DIRS
        if not (package / d / "__init__.py").exists()
    ]
    problems += [
        f"services/{name}/src/{name}/{f} is missing"
        for f in SHAPE_FILES
        if not (package / f).exists()
    ]
    for required in ("migrations/env.py", "tests/unit", "tests/integration", "README.md"):
        if not (home / required).exists():
            problems.append(f"services/{name}/{required} is missing")
    if not (root / "protos" / "moodline" / name / "v1" / f"{name}.proto").exists():
        problems.append(f"protos/moodline/{name}/v1/{name}.proto is missing")
    return problems


def registry_problems(root: Path, name: str) -> list[str]:
    problems = []
    lock = tomllib.loads((root / "uv.lock").read_text())
    if f"moodline-{name}" not in {p["name"] for p in lock.get("package", [])}:
        problems.append(f"uv.lock lacks moodline-{name}: run `uv lock`")
    if not any(
        args[:2] == [name, f"moodline-{name}"] for args in _calls(root / STACK, "LocalService")
    ):
        problems.append(f'{STACK}: LocalService("{name}", "moodline-{name}")')
    if not any(args[:1] == [name] for args in _calls(root / UPSTREAMS, "Upstream")):
        problems.append(f'{UPSTREAMS}: Upstream("{name}", <its stub>)')
    if f"{name}_addr" not in _class_fields(root / GATEWAY_CONFIG, "GatewaySettings"):
        problems.append(f"{GATEWAY_CONFIG}: GatewaySettings.{name}_addr")

    key = f"{name.upper()}_DATABASE_URL"
    values = yaml.safe_load((root / CHART / "values.yaml").read_text())
    entry = values.get("services", {}).get(name)
    if entry is None:
        problems.append(f"{CHART}/values.yaml: services.{name}")
    elif entry.get("secretEnv", {}).get("DATABASE_URL") != key:
        problems.append(f"{CHART}/values.yaml: services.{name}.secretEnv.DATABASE_URL: {key}")
    if key not in values["secrets"]["external"]["keys"]:
        problems.append(f"{CHART}/values.yaml: secrets.external.keys lacks {key}")
    dev = yaml.safe_load((root / CHART / "values-dev.yaml").read_text())
    if key not in dev["secrets"]["data"]:
        problems.append(f"{CHART}/values-dev.yaml: secrets.data lacks {key}")

    documents = [d for d in yaml.safe_load_all((root / CNPG).read_text()) if d]
    (cluster,) = [d for d in documents if d["kind"] == "Cluster"]
    if name not in {r["name"] for r in cluster["spec"]["managed"]["roles"]}:
        problems.append(f"{CNPG}: a managed role {name}")
    if not any(d["kind"] == "Database" and d["spec"]["name"] == name for d in documents):
        problems.append(f"{CNPG}: a Database {name} owned by {name}")

    for overlay in ("dev", "prod"):
        if not (root / "k8s" / "overlays" / overlay / f"deployment-moodline-{name}.yaml").exists():
            problems.append(f"k8s/overlays/{overlay} lacks the {name} Deployment: `make k8s`")
    return problems


def problems(root: Path, name: str) -> list[str]:
    return package_problems(root, name) + registry_problems(root, name)
