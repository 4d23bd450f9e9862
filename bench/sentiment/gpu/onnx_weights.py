"""Rebuild the torch MoodlineModel from the committed fp16 ONNX artifact (the GPU proxy's weights).

torch.onnx.export kept the state-dict names of biases, LayerNorms, embeddings and the heads'
Gemm weights, and stored every Linear weight of the encoder transposed under an anonymous
`onnx::MatMul_N` name; such a weight belongs to the Linear whose bias the MatMul's output is added
to. `build_model` runs the same function in plain PyTorch; `check()` compares it with ONNX
Runtime on real texts.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper


def state_dict_from_onnx(path: str) -> dict[str, np.ndarray]:
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    consumers: dict[str, list] = {}
    for n in m.graph.node:
        for x in n.input:
            consumers.setdefault(x, []).append(n)
    out: dict[str, np.ndarray] = {}
    for name, arr in inits.items():
        if name.startswith("model."):
            out[name[len("model.") :]] = arr
    for n in m.graph.node:
        if n.op_type != "MatMul" or n.input[1] not in inits or n.input[1].startswith("model."):
            continue
        adds = [c for c in consumers.get(n.output[0], []) if c.op_type == "Add"]
        bias = [x for a in adds for x in a.input if x.startswith("model.") and x.endswith(".bias")]
        if len(bias) != 1:
            raise ValueError(f"cannot place {n.input[1]}: biases {bias}")
        out[bias[0][len("model.") : -len(".bias")] + ".weight"] = inits[n.input[1]].T
    for n in m.graph.node:  # heads: Gemm(pooled, W, b) with transB=1 keeps W as [out, in]
        if n.op_type == "Gemm":
            w = n.input[1]
            if not w.startswith("model."):
                raise ValueError(f"unnamed Gemm weight {w}")
    return out


HEADS, LN_EPS = 12, 1e-12  # all-MiniLM-L6-v2's config (6 layers, hidden 384, 12 heads)


def build_model(onnx_path: str, device: str = "cuda", dtype: str = "float16"):
    """The exported graph's function in plain PyTorch (no transformers: the Triton stub's embedded
    interpreter then imports only torch and numpy). Returns a module: (ids, mask) -> logits."""
    import torch
    import torch.nn.functional as F

    w = {k: torch.from_numpy(np.array(v)) for k, v in state_dict_from_onnx(onnx_path).items()}
    n_layers = 1 + max(int(k.split(".")[3]) for k in w if k.startswith("encoder.encoder.layer."))

    class MiniLM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.p = torch.nn.ParameterDict(
                {
                    k.replace(".", "__"): torch.nn.Parameter(v, requires_grad=False)
                    for k, v in w.items()
                }
            )

        def g(self, name):
            return self.p[name.replace(".", "__")]

        def ln(self, x, name):
            return F.layer_norm(
                x, x.shape[-1:], self.g(name + ".weight"), self.g(name + ".bias"), LN_EPS
            )

        def lin(self, x, name):
            return F.linear(x, self.g(name + ".weight"), self.g(name + ".bias"))

        def forward(self, ids, mask):
            b, n = ids.shape
            e = "encoder.embeddings."
            x = (
                self.g(e + "word_embeddings.weight")[ids]
                + self.g(e + "position_embeddings.weight")[:n]
            )
            x = self.ln(x + self.g(e + "token_type_embeddings.weight")[0], e + "LayerNorm")
            keep = mask[:, None, None, :].bool()
            for i in range(n_layers):
                p = f"encoder.encoder.layer.{i}."
                q, k, v = (
                    self.lin(x, p + f"attention.self.{t}").view(b, n, HEADS, -1).transpose(1, 2)
                    for t in ("query", "key", "value")
                )
                a = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
                a = a.transpose(1, 2).reshape(b, n, -1)
                x = self.ln(
                    x + self.lin(a, p + "attention.output.dense"), p + "attention.output.LayerNorm"
                )
                h = F.gelu(self.lin(x, p + "intermediate.dense"))
                x = self.ln(x + self.lin(h, p + "output.dense"), p + "output.LayerNorm")
            m = mask.unsqueeze(-1).to(x.dtype)
            pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-6)
            return self.lin(pooled, "sentiment"), self.lin(pooled, "emotion"), None

    return MiniLM().to(device=device, dtype=getattr(torch, dtype)).eval()


def tokenize(tokenizer_json: str, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """input_ids, attention_mask as the Triton tokenizer model makes them: head + tail
    truncation (ml-serving/moodline_ml/truncation.py), padded to 64."""
    import sys
    from pathlib import Path

    from tokenizers import Tokenizer

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "ml-serving"))
    from moodline_ml.truncation import MAX_LEN, encode, untruncated

    return encode(untruncated(Tokenizer.from_file(tokenizer_json)), texts, pad_to=MAX_LEN)


def check(onnx_path: str, tokenizer_json: str, texts: list[str], device="cpu", dtype="float32"):
    """Max |torch - onnxruntime| over the two outputs (fp16 graph run by ORT on the CPU)."""
    import onnxruntime as ort
    import torch

    ids, am = tokenize(tokenizer_json, texts)
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    ref = sess.run(None, {"input_ids": ids, "attention_mask": am})
    model = build_model(onnx_path, device, dtype)
    with torch.inference_mode():
        s, e, _ = model(torch.from_numpy(ids).to(device), torch.from_numpy(am).to(device))
        got = [torch.softmax(s.float(), -1).cpu().numpy(), torch.sigmoid(e.float()).cpu().numpy()]
    return max(float(np.abs(a - b).max()) for a, b in zip(got, ref, strict=True))
