"""Derive the CPU variants from the committed fp16 ONNX artifact (no torch needed).

fp16 -> fp32: every fp16 tensor (initializers, Constant values, attribute tensors) is upcast and
every Cast-to-fp16 becomes Cast-to-fp32; the graph is otherwise identical, so the fp32 model
computes with exactly the fp16-rounded weights in fp32 arithmetic.
fp32 -> int8: onnxruntime dynamic quantisation (int8 per-channel weights, per-tensor activation
scales computed per batch at run time).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

F16, F32 = TensorProto.FLOAT16, TensorProto.FLOAT


def _up(t: onnx.TensorProto) -> onnx.TensorProto:
    if t.data_type != F16:
        return t
    arr = numpy_helper.to_array(t).astype(np.float32)
    return numpy_helper.from_array(arr, t.name)


def _fix_graph(g: onnx.GraphProto):
    for i, t in enumerate(g.initializer):
        if t.data_type == F16:
            g.initializer[i].CopyFrom(_up(t))
    for vi in list(g.value_info) + list(g.input) + list(g.output):
        tt = vi.type.tensor_type
        if tt.elem_type == F16:
            tt.elem_type = F32
    for n in g.node:
        for attr in n.attribute:
            if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == F16:
                attr.t.CopyFrom(_up(attr.t))
            elif attr.type == onnx.AttributeProto.GRAPH:
                _fix_graph(attr.g)
            elif n.op_type == "Cast" and attr.name == "to" and attr.i == F16:
                attr.i = F32


def fp16_to_fp32(src: Path, dst: Path) -> Path:
    m = onnx.load(str(src))
    _fix_graph(m.graph)
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))
    return dst


# The FFN output projections of the first two layers stay fp32. Their inputs have the largest
# activation outliers (Bondarenko et al., "Understanding and Overcoming the Challenges of
# Efficient Transformer Quantization", 2021), which per-batch dynamic int8 scales clip or blur.
# Measured on the selection data only (GoEmotions dev + customer holdout), session-7 model:
# label agreement with fp32 on dev 98.03 % -> 98.53 %, dev macro-F1 gap -0.43 -> -0.20 pt,
# for 9 % fewer messages/s on the CPU (all six layers: 98.64 %, but 25 % slower).
FP32_NODES = tuple(f"/layer.{i}/output/dense/MatMul" for i in (0, 1))


def quantize_int8(src: Path, dst: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = [
        n.name
        for n in onnx.load(str(src), load_external_data=False).graph.node
        if n.op_type == "MatMul" and n.name.endswith(FP32_NODES)
    ]
    if len(keep) != len(FP32_NODES):
        raise SystemExit(f"expected the nodes {FP32_NODES} in {src}, found {keep}")
    # MatMul only (the embedding Gather stays fp32: no compute cost, +36 MB of derived file);
    # per-channel weight scales: 98.6 % label agreement with fp32 on GoEmotions dev vs 96.4 %
    # per-tensor (measured on a mid-training checkpoint; selection data only).
    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=keep,
    )
    return dst


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--fp16", default="artifacts/moodline_minilm_fp16.onnx")
    ap.add_argument("--out", default="build/derived")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    fp32 = fp16_to_fp32(Path(a.fp16), out / "model_fp32.onnx")
    int8 = quantize_int8(fp32, out / "model_int8.onnx")
    for p in (fp32, int8):
        print(f"{p}: {p.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
