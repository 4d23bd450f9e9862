"""CPU per request of the list path, per process: what the gateway and the customer service spend
on one `GET /api/v1/customers` (and on `/stats`), read from /proc around N sequential requests.

CPU time is less sensitive than wall time to other work on a shared machine, so this is the
number to compare before/after a change to the fixed or per-row cost (`run.py` gives latencies
at 1M customers). Still, on a busy 2-core VM the same code varies by ±20% from one minute to
the next; `--baseline DIR` therefore runs a second stack from another checkout (e.g.
`git worktree add /tmp/base HEAD~3`) side by side with this one, and alternates between the two
for every case and round, so both see the same load. Works on any database `seed.py` made, e.g. a
small one:

    python bench/customers/seed.py --customers 5000 --others 1000
    python bench/customers/cpu.py [--n 100] [--rounds 6] [--only "list 50"] [--baseline DIR]

Per case and stack: the median over the rounds of CPU ms per request in the gateway and in the
customer service, and the median wall time of every request. `--spy DIR` also samples this
checkout's two servers with py-spy (if installed in .venv; collapsed stacks, one file each).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from moodline_kit.auth import ensure_local_keys

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HERE, VENV_BIN, Stack

TICK = os.sysconf("SC_CLK_TCK")
CASES = {
    "list 50": ("/api/v1/customers", {"limit": 50}),
    "list 50 vip sort=ltv": ("/api/v1/customers", {"limit": 50, "segment": "vip", "sort": "ltv"}),
    "list 1": ("/api/v1/customers", {"limit": 1}),
    "stats": ("/api/v1/customers/stats", {}),
}
SOURCES = ("services/customer/src", "gateway/src", "libs/kit/src")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def spy(pid: int, out: Path) -> subprocess.Popen:
    argv = [str(VENV_BIN / "py-spy"), "record", "-p", str(pid), "-r", "200", "--nonblocking"]
    return subprocess.Popen(
        [*argv, "--format", "raw", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


class CheckoutStack(Stack):
    """The stack run from another checkout's sources (ahead of the editable installs)."""

    def __init__(self, state: dict, checkout: Path) -> None:
        super().__init__(state)
        self.pythonpath = os.pathsep.join(str(checkout / s) for s in SOURCES)

    def _start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        super()._start(name, argv, {**env, "PYTHONPATH": self.pythonpath})


class Target:
    def __init__(self, label: str, stack: Stack, base: str, key: str) -> None:
        self.label = label
        self.customer, self.gateway = stack.procs[1].pid, stack.procs[2].pid
        self.client = httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        self.cpu: dict[str, list[tuple[float, float]]] = {}
        self.walls: dict[str, list[float]] = {}
        self.sizes: dict[str, int] = {}

    async def ready(self) -> None:
        for _ in range(100):
            if (await self.client.get("/api/v1/customers/stats")).status_code == 200:
                return
            await asyncio.sleep(0.2)

    async def run(self, name: str, n: int, warmup: int) -> None:
        url, params = CASES[name]
        for _ in range(warmup):
            (await self.client.get(url, params=params)).raise_for_status()
        g0, s0 = cpu_seconds(self.gateway), cpu_seconds(self.customer)
        walls = self.walls.setdefault(name, [])
        for _ in range(n):
            started = time.perf_counter()
            response = await self.client.get(url, params=params)
            walls.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            self.sizes[name] = len(response.content)
        g1, s1 = cpu_seconds(self.gateway), cpu_seconds(self.customer)
        self.cpu.setdefault(name, []).append(((g1 - g0) * 1000 / n, (s1 - s0) * 1000 / n))


async def measure(targets: list[Target], args: argparse.Namespace) -> None:
    for t in targets:
        await t.ready()
    names = [name for name in CASES if not args.only or args.only in name]
    for i in range(args.rounds):
        for name in names:
            for t in targets if i % 2 == 0 else reversed(targets):
                await t.run(name, args.n, args.warmup)
    print(f"{'case':<24} {'stack':<9} {'gw CPU ms':>10} {'svc CPU ms':>10} {'wall p50':>9} bytes")
    for name in names:
        for t in targets:
            gw = statistics.median(g for g, _ in t.cpu[name])
            svc = statistics.median(s for _, s in t.cpu[name])
            wall = statistics.median(t.walls[name])
            print(f"{name:<24} {t.label:<9} {gw:10.2f} {svc:10.2f} {wall:9.2f} {t.sizes[name]}")
    for t in targets:
        await t.client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--only", default="")
    parser.add_argument("--baseline", default=None, help="another checkout to run side by side")
    parser.add_argument("--spy", default=None, help="directory for py-spy samples")
    args = parser.parse_args()
    ensure_local_keys()  # the services started here verify what the gateway signs
    state = json.loads((HERE / ".state.json").read_text())
    stacks: list[tuple[str, Stack]] = [("this", Stack(state))]
    if args.baseline:
        stacks.append(("baseline", CheckoutStack(state, Path(args.baseline).resolve())))
    spies: list[subprocess.Popen] = []
    try:
        targets = []
        for label, stack in stacks:
            targets.append(Target(label, stack, stack.start(), state["api_key"]))
        if args.spy:
            Path(args.spy).mkdir(parents=True, exist_ok=True)
            for name, proc in (
                ("customer", stacks[0][1].procs[1]),
                ("gateway", stacks[0][1].procs[2]),
            ):
                spies.append(spy(proc.pid, Path(args.spy) / f"{name}.txt"))
        asyncio.run(measure(targets, args))
    finally:
        for proc in spies:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        for _, stack in stacks:
            stack.stop()


if __name__ == "__main__":
    main()
