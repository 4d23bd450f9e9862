"""Load test and soak of the whole platform, Locust in a separate process.

    .venv/bin/python bench/load/run.py [--steps 2,4,8,16,32] [--step-s 40] [--soak-min 10]

1. Starts the platform as `make run` does (own embedded PostgreSQL/NATS/Redis, temporary var/,
   free ports) unless --gateway/--api-key name a running one; seeds --customers customers.
2. Steps the number of Locust users; each step reports throughput, p50/p95/p99 and errors per
   endpoint (bench/load/locustfile.py: list, search, profile, ingestion, updates, bookings).
   Saturation: the last step whose throughput grew by >= 10% with < 1% errors.
3. Soak (--soak-min > 0): that many minutes at 70% of the saturation throughput; 0 errors
   expected, and the private memory of every platform process is sampled after a warm-up and
   then every minute; growth > 10% from the warm-up to the end, and of the second half's peak
   over the first half's, is flagged.
Writes bench/results/load-<date>.md and prints the same.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = Path(sys.executable).parent
SHARED = ("DATABASE_URL", "NATS_URL", "REDIS_URL")
ALWAYS_SHOWN = ("nats-server", "redis-server", "triton")  # in the soak's memory table


def platform_ports() -> dict[str, str]:
    from moodline_devkit.infra import platform_ports as ports

    return ports()


def start_platform(var: Path, checkout: Path = REPO) -> tuple[subprocess.Popen, dict]:
    """The platform of `checkout` (its own .venv) with its data in `var`; run.json's contents
    plus the ports it was given ("ports")."""
    env = {k: v for k, v in os.environ.items() if k not in SHARED}
    ports = platform_ports()
    env |= ports
    env |= {"MOODLINE_VAR": str(var), "MOODLINE_READY_TIMEOUT": "900", "PYTHONUNBUFFERED": "1"}
    # The gateway's per-key rate limit (600/min) would otherwise be the saturation point: the
    # load test measures the platform, so the limiter is set out of reach for its one key.
    env |= {"RATE_LIMIT_PER_MINUTE": "10000000", "RATE_LIMIT_BURST": "1000000"}
    log = open(var / "launcher.log", "wb")
    python = checkout / ".venv" / "bin" / "python" if checkout != REPO else Path(sys.executable)
    proc = subprocess.Popen(
        [str(python), "-m", "moodline_devkit.run"], cwd=checkout, env=env, stdout=log, stderr=log
    )
    started = time.monotonic()
    while not (var / "run.json").exists():
        if proc.poll() is not None or time.monotonic() - started > 900:
            raise SystemExit(
                f"platform did not start: {(var / 'launcher.log').read_text()[-3000:]}"
            )
        time.sleep(1)
    time.sleep(0.5)
    return proc, {**json.loads((var / "run.json").read_text()), "ports": ports}


def seed(base: str, key: str, count: int, out: Path) -> None:
    made = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c:
        for i in range(count):
            phone = f"(628) 555-{i:04d}"
            r = c.post(
                "/api/v1/customers",
                json={"first_name": f"Load{i}", "phones": [{"number": phone, "primary": True}]},
            )
            r.raise_for_status()
            made.append({"id": r.json()["id"], "phone": phone})
    out.write_text(json.dumps(made))


def locust(
    base: str,
    key: str,
    customers: Path,
    users: int,
    seconds: int,
    prefix: Path,
    rate: float | None = None,
) -> list[dict]:
    env = {**os.environ, "LOAD_API_KEY": key, "LOAD_CUSTOMERS": str(customers)}
    if rate:
        env["LOAD_RATE"] = f"{rate:.4f}"
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--host",
            base,
            "-u",
            str(users),
            "-r",
            str(max(1, users)),
            "-t",
            f"{seconds}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv") as f:
        return list(csv.DictReader(f))


def summary(rows: list[dict]) -> dict:
    total = next(r for r in rows if r["Name"] == "Aggregated")
    count = int(total["Request Count"])
    return {
        "rps": float(total["Requests/s"]),
        "errors": int(total["Failure Count"]),
        "error_rate": int(total["Failure Count"]) / count if count else 0.0,
        "p50": float(total["50%"] or 0),
        "p95": float(total["95%"] or 0),
        "p99": float(total["99%"] or 0),
        "requests": count,
    }


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        errors = int(r["Failure Count"])
        count = int(r["Request Count"]) or 1
        name = "**all**" if r["Name"] == "Aggregated" else r["Name"]
        lines.append(
            f"| {name} | {float(r['Requests/s']):.1f} | {r['50%']} | {r['95%']} | "
            f"{r['99%']} | {errors} ({100 * errors / count:.1f}%) |"
        )
    return lines


def platform_processes(var: Path, bin_dir: Path = BIN) -> dict[str, psutil.Process]:
    pid = int((var / "supervisord.pid").read_text())
    found = {}
    for p in psutil.Process(pid).children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        name = next((part for part in p.cmdline() if part.startswith(f"{bin_dir}/moodline-")), "")
        if name:
            name = Path(name).name.removeprefix("moodline-")
            if " worker" in cmd or " beat" in cmd:
                name += "-worker" if " worker" in cmd else "-beat"
        elif "tritonserver" in cmd or "backend_stub" in cmd:
            name = "triton" if "tritonserver" in cmd else f"triton-stub-{p.pid}"
        else:
            name = Path(p.cmdline()[0]).name if p.cmdline() else str(p.pid)
            name = f"{name}-{p.pid}" if name in found else name
        found[name] = p
    return found


def peak_growth(series: list[tuple[int, dict[str, tuple[int, int]]]]) -> dict[str, float]:
    """Each process's private-memory peak over the second half of the samples against its
    peak over the first half (the middle sample in both)."""
    half = (len(series) + 1) // 2
    first, second = series[:half], series[len(series) - half :]
    out = {}
    for name in series[0][1]:
        a = max((m[name][1] for _, m in first if name in m), default=0)
        b = max((m[name][1] for _, m in second if name in m), default=0)
        if a > 0:
            out[name] = (b - a) / a
    return out


def memory(procs: dict[str, psutil.Process]) -> dict[str, tuple[int, int]]:
    """Each process's resident set and its private part (USS: pages no other process maps).
    A PostgreSQL backend's RSS grows as it touches shared buffers (shared memory, counted once
    for the server), so growth is judged on the private part."""
    out = {}
    for name, p in procs.items():
        try:
            info = p.memory_full_info()
        except psutil.Error:
            continue
        out[name] = (info.rss, info.uss)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway")
    ap.add_argument("--api-key")
    ap.add_argument("--customers", type=int, default=300)
    ap.add_argument("--steps", default="2,4,8,16,32")
    ap.add_argument("--step-s", type=int, default=40)
    ap.add_argument("--soak-min", type=float, default=0)
    ap.add_argument("--warmup-s", type=int, default=90)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="moodline-load-"))
    os.chmod(work, 0o755)
    proc = None
    try:
        if args.gateway:
            base, key, var = args.gateway, args.api_key, None
        else:
            (work / "var").mkdir()
            os.chmod(work / "var", 0o755)
            proc, info = start_platform(work / "var")
            base, key, var = info["gateway_url"], info["api_key"], work / "var"
        customers = work / "customers.json"
        seed(base, key, args.customers, customers)
        report = [
            f"# Load test — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"Machine: {os.cpu_count()} cores, load average at start "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (shared with other sessions). "
            f"{args.customers} customers seeded; Locust in its own process; steps of "
            f"{args.step_s} s.",
            "",
            "| users | req/s | p50 ms | p95 ms | p99 ms | errors |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        steps, best, per_endpoint = [], None, []
        for users in (int(u) for u in args.steps.split(",")):
            rows = locust(base, key, customers, users, args.step_s, work / f"step{users}")
            s = summary(rows)
            steps.append((users, s))
            report.append(
                f"| {users} | {s['rps']:.1f} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | "
                f"{s['errors']} ({100 * s['error_rate']:.2f}%) |"
            )
            print(report[-1], flush=True)
            if s["error_rate"] < 0.01 and (best is None or s["rps"] >= best[1]["rps"] * 1.10):
                best, per_endpoint = (users, s), rows
        assert best is not None, "every step had errors"
        report += [
            "",
            f"**Saturation**: ~{best[1]['rps']:.0f} req/s at {best[0]} users (more users add "
            "latency, not throughput). Per endpoint at that step:",
            "",
            *table(per_endpoint),
        ]
        if args.soak_min > 0:
            rate = 0.7 * best[1]["rps"] / best[0]
            seconds = int(args.soak_min * 60)
            procs = platform_processes(var) if var else {}
            env_rows: list[dict] = []

            def run() -> None:
                env_rows.extend(locust(base, key, customers, best[0], seconds, work / "soak", rate))

            t = threading.Thread(target=run)
            t.start()
            time.sleep(args.warmup_s)
            warm = memory(procs)
            series = [(args.warmup_s, warm)]  # every minute: a bound reached vs a steady climb
            while t.is_alive():
                t.join(60)
                series.append((series[-1][0] + 60, memory(procs)))
            end = series[-1][1]
            s = summary(env_rows)
            growth = {
                n: (end[n][1] - warm[n][1]) / warm[n][1]
                for n in warm
                if n in end and warm[n][1] > 0
            }
            peaks = peak_growth(series)
            worst = sorted(growth.items(), key=lambda kv: -kv[1])[:8]
            # ... and the infrastructure servers whatever their growth (nats-server's caches)
            worst += [(n, growth[n]) for n in ALWAYS_SHOWN if n in growth and n not in dict(worst)]
            report += [
                "",
                f"## Soak: {args.soak_min:g} min at 70% of saturation ({0.7 * best[1]['rps']:.1f} "
                f"req/s target, {best[0]} users)",
                "",
                f"{s['requests']} requests, {s['rps']:.1f} req/s, p50/p95/p99 {s['p50']:.0f}/"
                f"{s['p95']:.0f}/{s['p99']:.0f} ms, **{s['errors']} errors**.",
                "",
                f"Memory after a {args.warmup_s} s warm-up vs the end, largest growth of the "
                f"private part (USS) first ({len(growth)} processes; > 10% flagged). RSS also "
                "counts the shared memory a process has touched (PostgreSQL's shared buffers):",
                "",
                "| process | RSS warm-up → end MB | private warm-up → end MB | private growth "
                "| peak, 1st → 2nd half |",
                "| --- | ---: | ---: | ---: | ---: |",
                *(
                    f"| {n} | {warm[n][0] / 2**20:.0f} → {end[n][0] / 2**20:.0f} | "
                    f"{warm[n][1] / 2**20:.0f} → {end[n][1] / 2**20:.0f} | {100 * g:+.1f}%"
                    f"{' **> 10%**' if g > 0.10 else ''} | {100 * peaks.get(n, 0.0):+.1f}%"
                    f"{' **> 10%**' if peaks.get(n, 0.0) > 0.10 else ''} |"
                    for n, g in worst
                ),
                "",
                "A bound that the process swings under (a cache filling and emptying) can end a "
                "soak above its warm-up sample; a leak also raises its peaks. So the second half's "
                "peak is compared with the first half's as well.",
                "",
                "Private memory (MB) of the processes over 10%, minute by minute from the warm-up:",
                "",
                *(
                    f"- {n}: " + " → ".join(f"{m[n][1] / 2**20:.0f}" for _, m in series if n in m)
                    for n, g in worst
                    if g > 0.10 or peaks.get(n, 0.0) > 0.10
                ),
                "",
                *table(env_rows),
            ]
        text = "\n".join(report) + "\n"
        out = REPO / "bench" / "results" / f"load-{datetime.now(UTC):%Y-%m-%d-%H%M}.md"
        out.parent.mkdir(exist_ok=True)
        out.write_text(text)
        print(text)
        print(f"written to {out}")
        return 0
    finally:
        if proc is not None:
            from moodline_devkit.infra import stop_platform

            stop_platform(proc)  # Ctrl-C to the launcher; killed after 2 min


if __name__ == "__main__":
    sys.exit(main())
