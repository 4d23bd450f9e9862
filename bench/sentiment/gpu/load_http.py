"""Load generator and accuracy check for a Triton `sentiment` ensemble over HTTP/JSON.

    python load_http.py --texts texts.txt --seconds 15 --procs 4 --concurrency 8 --batch 256
    python load_http.py --accuracy        # customer eval + GoEmotions dev through the server

Throughput: P processes x C asyncio workers, each keeping one request of B texts in flight; after
a warm-up the messages answered in the measuring window are counted (msgs/s) and every request's
latency is kept (p50/p99). Only the standard library, aiohttp and numpy are needed (a GPU machine
of this workplace has no tritonclient).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time

import numpy as np


def body(texts: list[str]) -> tuple[bytes, int]:
    """KServe v2 request with TEXT as binary tensor data (4-byte little-endian length + UTF-8 per
    element, Triton's binary extension) after the JSON header; outputs come back as JSON."""
    raw = b"".join(len(b).to_bytes(4, "little") + b for b in (t.encode("utf-8") for t in texts))
    header = json.dumps(
        {
            "inputs": [
                {
                    "name": "TEXT",
                    "shape": [len(texts), 1],
                    "datatype": "BYTES",
                    "parameters": {"binary_data_size": len(raw)},
                }
            ],
            "outputs": [{"name": "SENTIMENT_PROBS"}, {"name": "EMOTION_PROBS"}],
        }
    ).encode()
    return header + raw, len(header)


async def infer(session, url: str, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    data, hlen = body(texts)
    headers = {"Inference-Header-Content-Length": str(hlen)}
    async with session.post(f"{url}/v2/models/sentiment/infer", data=data, headers=headers) as r:
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}: {await r.text()}")
        out = {o["name"]: o for o in (await r.json())["outputs"]}
    s = np.array(out["SENTIMENT_PROBS"]["data"], np.float32).reshape(-1, 3)
    e = np.array(out["EMOTION_PROBS"]["data"], np.float32).reshape(-1, 4)
    return s, e


def worker_proc(args, texts, q):
    import aiohttp

    async def main():
        done, lat = 0, []
        conn = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=conn) as session:
            t_start = time.perf_counter() + args.warmup
            t_end = t_start + args.seconds

            async def one(k):
                nonlocal done
                i = (k * 7919) % len(texts)
                while True:
                    batch = [texts[(i + j) % len(texts)] for j in range(args.batch)]
                    i = (i + args.batch * args.concurrency) % len(texts)
                    t0 = time.perf_counter()
                    await infer(session, args.url, batch)
                    t1 = time.perf_counter()
                    if t1 > t_end:
                        return
                    if t0 >= t_start:
                        done += args.batch
                        lat.append(t1 - t0)

            await asyncio.gather(*(one(k) for k in range(args.concurrency)))
        return done, lat

    q.put(asyncio.run(main()))


def throughput(args, texts):
    q = mp.Queue()
    procs = [mp.Process(target=worker_proc, args=(args, texts, q)) for _ in range(args.procs)]
    for p in procs:
        p.start()
    res = [q.get() for _ in procs]
    for p in procs:
        p.join()
    msgs = sum(r[0] for r in res)
    lat = np.array([x for r in res for x in r[1]]) * 1000
    return {
        "batch": args.batch,
        "procs": args.procs,
        "concurrency": args.concurrency,
        "msgs_per_s": round(msgs / args.seconds),
        "req_p50_ms": round(float(np.percentile(lat, 50)), 1) if len(lat) else None,
        "req_p99_ms": round(float(np.percentile(lat, 99)), 1) if len(lat) else None,
    }


def accuracy(url: str) -> dict:
    import aiohttp
    from moodline_ml.data import load_customer, load_goemotions
    from moodline_ml.metrics import emotion_report, sentiment_report

    sets = {
        "customer_eval": load_customer("customer_eval"),
        "goemotions_dev": load_goemotions("dev"),
    }

    async def run(rows):
        async with aiohttp.ClientSession() as session:
            parts = [
                await infer(session, url, [r.text for r in rows[i : i + 256]])
                for i in range(0, len(rows), 256)
            ]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    out = {}
    for name, rows in sets.items():
        S, E = asyncio.run(run(rows))
        rep = {"macro_f1": round(sentiment_report([r.sentiment for r in rows], S)["macro_f1"], 4)}
        if name.startswith("customer"):
            em = emotion_report(np.array([r.emotions for r in rows]), E)
            rep["emotion_f1"] = {k: round(v["f1"], 3) for k, v in em.items()}
        out[name] = rep
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--texts", default="")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--accuracy", action="store_true")
    a = ap.parse_args()
    if a.accuracy:
        print(json.dumps({"accuracy": accuracy(a.url)}), flush=True)
    else:
        texts = [t for t in open(a.texts, encoding="utf-8").read().splitlines() if t.strip()]
        print(json.dumps({"throughput": throughput(a, texts)}), flush=True)
