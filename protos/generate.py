"""Generate Python code (messages, gRPC stubs, type stubs) from protos/moodline/**.proto.

Usage: python protos/generate.py [--out DIR]   (default: protos/gen)
The committed output in protos/gen must equal a fresh run; tests/contract checks it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

PROTOS = Path(__file__).resolve().parent


def proto_files() -> list[Path]:
    return sorted((PROTOS / "moodline").rglob("*.proto"))


def generate(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    well_known = resources.files("grpc_tools") / "_proto"
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *(str(p.relative_to(PROTOS)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    # Packages need no __init__.py (PEP 420 namespace packages), but py.typed marks the stubs.
    (out / "moodline" / "py.typed").write_text("")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=PROTOS / "gen")
    generate(parser.parse_args().out)


if __name__ == "__main__":
    main()
