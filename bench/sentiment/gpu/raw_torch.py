"""The model alone on the GPU (no Triton): fp16 forward passes over pre-tokenised batches, the
same texts and trimming as the Triton proxy; msgs/s per batch size (CUDA-synchronised timing)."""

from __future__ import annotations

import json
import sys
import time

import torch
from onnx_weights import build_model, tokenize

onnx_path, tok_path, texts_path = sys.argv[1:4]
texts = [t for t in open(texts_path, encoding="utf-8").read().splitlines() if t.strip()]
ids, am = tokenize(tok_path, texts)
model = build_model(onnx_path, "cuda", "float16")
for bs in (256, 1024, 4096):
    batches = []
    for i in range(0, len(texts) - bs + 1, bs):
        w = int(am[i : i + bs].sum(1).max())
        batches.append(
            (
                torch.from_numpy(ids[i : i + bs, :w]).cuda(),
                torch.from_numpy(am[i : i + bs, :w]).cuda(),
            )
        )
    with torch.inference_mode():
        for b in batches[:3]:
            model(*b)
        torch.cuda.synchronize()
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 5:
            for b in batches:
                model(*b)
                n += len(b[0])
        torch.cuda.synchronize()
        dt = time.perf_counter() - t0
    print(json.dumps({"raw_torch_fp16": {"batch": bs, "msgs_per_s": round(n / dt)}}), flush=True)
