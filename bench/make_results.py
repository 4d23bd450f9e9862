"""`make bench`: run every benchmark, then write bench/RESULTS.md (machine, date, commit, each
benchmark's figures as it printed them, its exit status and duration) and a dated copy in
bench/results/. A benchmark that fails is reported, never dropped.

    .venv/bin/python bench/make_results.py [--only load,outbox] [--skip web]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PY = sys.executable

# name -> (argv, how many trailing lines of its output hold the figures)
BENCHMARKS: dict[str, tuple[list[list[str]], int]] = {
    "outbox": ([[PY, "bench/outbox/bench_publish.py"]], 20),
    "nats-memory": ([[PY, "bench/nats/memory.py", "--minutes", "10"]], 16),
    "loyalty": ([[PY, "bench/loyalty/bench_loyalty.py"]], 30),
    "sentiment": ([[PY, "bench/sentiment/bench_sentiment.py"]], 40),
    "ingest": ([[PY, "bench/ingest/bench_ingest.py"]], 40),
    "ingest-gateway": ([[PY, "bench/ingest/gateway.py"]], 8),
    "ingest-consumers": ([[PY, "bench/ingest/bench_consumers.py"]], 40),
    "customers": (
        [[PY, "bench/customers/seed.py"], [PY, "bench/customers/run.py"]],
        40,
    ),
    "web": ([[PY, "bench/web/bench_first_page.py"]], 20),
    "automation": ([[PY, "bench/automation/bench_automation.py"]], 30),
    "import": ([[PY, "bench/import/bench_import.py", "--sizes", "100000", "1000000"]], 30),
    "load": (
        [[PY, "bench/load/run.py", "--steps", "2,4,8,16", "--step-s", "30", "--soak-min", "10"]],
        80,
    ),
}


def machine() -> str:
    mem = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {int(mem) / 2**20:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
        f"load average at start {load} (a shared machine: other sessions' work runs beside)"
    )


def commit() -> str:
    out = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=REPO, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return out.stdout.strip() + (" (+ uncommitted changes)" if dirty else "")


def run(name: str, commands: list[list[str]], tail: int) -> tuple[int, float, str]:
    started = time.monotonic()
    output, code = [], 0
    for argv in commands:
        proc = subprocess.run(["nice", "-n", "5", *argv], cwd=REPO, capture_output=True, text=True)
        output += (proc.stdout + proc.stderr).splitlines()
        code = proc.returncode
        if code:
            break
    return code, time.monotonic() - started, "\n".join(output[-tail:])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--skip", default="")
    args = ap.parse_args()
    only = {n for n in args.only.split(",") if n}
    skip = {n for n in args.skip.split(",") if n}
    chosen = [n for n in BENCHMARKS if (not only or n in only) and n not in skip]
    started = datetime.now(UTC)
    lines = [
        "# Benchmark results",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- commit: {commit()}",
        f"- machine: {machine()}",
        "- written by `make bench` (bench/make_results.py); what each measures: bench/README.md",
        "",
    ]
    failed = []
    for name in chosen:
        commands, tail = BENCHMARKS[name]
        print(f"== {name}", flush=True)
        code, seconds, figures = run(name, commands, tail)
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        if code:
            failed.append(name)
        lines += [f"## {name} — {status}, {seconds / 60:.1f} min", "", "```", figures, "```", ""]
        print(figures, flush=True)
    left = [n for n in BENCHMARKS if n not in chosen]
    if left:
        lines += [
            f"Not run this time: {', '.join(left)} — their last figures are in bench/README.md "
            "and bench/results/.",
            "",
        ]
    text = "\n".join(lines)
    (BENCH / "RESULTS.md").write_text(text)
    dated = BENCH / "results" / f"{started:%Y-%m-%d-%H%M}.md"
    dated.parent.mkdir(exist_ok=True)
    dated.write_text(text)
    print(f"written: bench/RESULTS.md and {dated.relative_to(REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
