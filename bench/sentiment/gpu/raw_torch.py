"""The model alone on the GPU (no Triton): fp16 forward passes over pre-tokenised batches, the
same texts and trimming as the Triton proxy; msgs/s per batch size (CUDA-synchronised timing)."""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch
from onnx_weights import build_model
from tokenizers import Tokenizer

onnx_path, tok_path, texts_path = sys.argv[1:4]
texts = [t for t in open(texts_path, encoding="utf-8").read().splitlines() if t.strip()]
tok = Tokenizer.from_file(tok_path)
tok.enable_truncation(max_length=64)
tok.enable_padding(pad_id=0, pad_token="[PAD]", length=64)
enc = tok.encode_batch(texts)
ids = np.array([e.ids for e in enc], np.int64)
am = np.array([e.attention_mask for e in enc], np.int64)
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
