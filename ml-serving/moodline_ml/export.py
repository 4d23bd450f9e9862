"""Export a trained checkpoint to ONNX (fp32 + fp16) and copy tokenizer files.

    python -m moodline_ml.export --ckpt build/train/best.pt --tokenizer build/train/tokenizer \
        --out build/onnx [--commit-artifact artifacts/]

The fp16 graph is the one committed artifact (<= 50 MB); fp32 and int8 are derived from it at
build time by `moodline_ml.derive` (no torch needed there).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import onnx
import torch

from .model import ExportWrapper, MoodlineModel

INPUTS = ["input_ids", "attention_mask"]
OUTPUTS = ["sentiment_probs", "emotion_probs"]


def export_fp32(ckpt: str, out_path: Path, opset: int = 17) -> Path:
    model = MoodlineModel.from_config_only()
    model.load_state_dict(torch.load(ckpt, map_location="cpu"))
    model.eval()
    wrap = ExportWrapper(model).eval()
    ids = torch.ones(2, 16, dtype=torch.long)
    am = torch.ones(2, 16, dtype=torch.long)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        wrap,
        (ids, am),
        str(out_path),
        input_names=INPUTS,
        output_names=OUTPUTS,
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "sentiment_probs": {0: "batch"},
            "emotion_probs": {0: "batch"},
        },
        opset_version=opset,
        dynamo=False,
        do_constant_folding=True,
    )
    onnx.checker.check_model(str(out_path))
    return out_path


def to_fp16(src: Path, dst: Path) -> Path:
    # onnxruntime's maintained converter (onnxconverter_common mis-types Cast outputs here)
    from onnxruntime.transformers.float16 import convert_float_to_float16

    m = onnx.load(str(src))
    # keep_io_types: int64 inputs, float32 outputs
    m16 = convert_float_to_float16(m, keep_io_types=True)
    onnx.save(m16, str(dst))
    onnx.checker.check_model(str(dst))
    return dst


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="build/train/best.pt")
    ap.add_argument("--tokenizer", default="build/train/tokenizer")
    ap.add_argument("--out", default="build/onnx")
    ap.add_argument("--commit-artifact", default="", help="copy fp16 onnx + tokenizer.json here")
    a = ap.parse_args(argv)
    out = Path(a.out)
    fp32 = export_fp32(a.ckpt, out / "model_fp32.onnx")
    fp16 = to_fp16(fp32, out / "model_fp16.onnx")
    shutil.copy(Path(a.tokenizer) / "tokenizer.json", out / "tokenizer.json")
    for p in (fp32, fp16):
        print(f"{p}: {p.stat().st_size / 1e6:.1f} MB")
    if a.commit_artifact:
        dst = Path(a.commit_artifact)
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copy(fp16, dst / "moodline_minilm_fp16.onnx")
        shutil.copy(out / "tokenizer.json", dst / "tokenizer.json")
        print(f"artifact copied to {dst}")


if __name__ == "__main__":
    main()
