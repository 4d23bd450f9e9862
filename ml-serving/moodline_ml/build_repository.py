"""Assemble a Triton model repository (cpu, gpu or image) from templates + artifacts.

    python -m moodline_ml.build_repository --variant cpu   # -> build/model_repository_cpu
    python -m moodline_ml.build_repository --variant gpu [--gpu-accelerator tensorrt]
    python -m moodline_ml.build_repository --variant image [--gpu-accelerator tensorrt]

cpu: encoder = Python backend + ONNX Runtime on model_int8.onnx (derived from the fp16 artifact:
     fp16 -> fp32 upcast -> static int8 quantisation, see derive.py).
gpu: encoder = ONNX Runtime backend (KIND_GPU) on the committed fp16 artifact as-is.
image: both in one repository (the one ml-serving/Dockerfile bakes into the Triton image). Each
     model's config.pbtxt is its gpu configuration and configs/cpu.pbtxt its cpu configuration;
     Triton reads configs/<name>.pbtxt instead of config.pbtxt when started with
     --model-config-name=<name> (values-cpu.yaml: cpu). encoder/1/ holds the files of both:
     model.onnx (the onnxruntime backend's default file name) and model.py + model_int8.onnx
     (the Python backend's default file name and the file its `onnx_file` parameter names).
All share the tokenizer model and the `sentiment` ensemble, i.e. the same client contract.
Needs only onnx + onnxruntime (no torch).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "model_repository"
ARTIFACTS = ROOT / "artifacts"

TRT = """optimization { execution_accelerators {
  gpu_execution_accelerator : [ {
    name : "tensorrt"
    parameters { key: "precision_mode" value: "FP16" }
    parameters { key: "max_workspace_size_bytes" value: "1073741824" }
    parameters { key: "trt_engine_cache_enable" value: "1" }
  } ]
} }"""

VARIANTS = ("cpu", "gpu", "image")
# What `tritonserver --model-config-name=cpu` loads in place of config.pbtxt (image variant).
CPU_CONFIG = "configs/cpu.pbtxt"


def _encoder_gpu_config(accelerator: str) -> str:
    cfg = (TEMPLATES / "encoder_gpu" / "config.pbtxt").read_text()
    return cfg.replace("#ACCELERATOR#", TRT if accelerator == "tensorrt" else "")


def _int8(fp16: Path, derived: Path | None) -> Path:
    """model_int8.onnx derived from the fp16 artifact (cached in `derived` while it is newer
    than the artifact, the calibration inputs and the derivation code)."""
    from . import derive
    from .derive import CALIBRATION, fp16_to_fp32, quantize_int8

    derived = derived or (ROOT / "build" / "derived")
    derived.mkdir(parents=True, exist_ok=True)
    int8 = derived / "model_int8.onnx"
    inputs = (fp16, CALIBRATION, Path(derive.__file__))
    if not int8.exists() or int8.stat().st_mtime < max(p.stat().st_mtime for p in inputs):
        fp32 = fp16_to_fp32(fp16, derived / "model_fp32.onnx")
        quantize_int8(fp32, int8)
    return int8


def build(
    variant: str,
    out: Path,
    artifacts: Path = ARTIFACTS,
    accelerator: str = "cuda",
    derived: Path | None = None,
) -> Path:
    if variant not in VARIANTS:
        raise SystemExit(f"unknown variant {variant}")
    fp16 = artifacts / "moodline_minilm_fp16.onnx"
    tok = artifacts / "tokenizer.json"
    if not fp16.exists():
        raise SystemExit(
            f"missing artifact {fp16} (run `make train-model` or check out the repo with it)"
        )
    if out.exists():
        shutil.rmtree(out)
    (out / "tokenizer" / "1").mkdir(parents=True)
    shutil.copy(TEMPLATES / "tokenizer" / "config.pbtxt", out / "tokenizer" / "config.pbtxt")
    shutil.copy(TEMPLATES / "tokenizer" / "1" / "model.py", out / "tokenizer" / "1" / "model.py")
    shutil.copy(tok, out / "tokenizer" / "1" / "tokenizer.json")
    # the head + tail truncation that training and evaluation use (no copy in the templates)
    shutil.copy(
        Path(__file__).with_name("truncation.py"), out / "tokenizer" / "1" / "truncation.py"
    )
    (out / "sentiment" / "1").mkdir(parents=True)
    shutil.copy(TEMPLATES / "sentiment" / "config.pbtxt", out / "sentiment" / "config.pbtxt")
    enc = out / "encoder" / "1"
    enc.mkdir(parents=True)
    if variant in ("cpu", "image"):
        # cpu: the encoder's config.pbtxt; image: its configs/cpu.pbtxt (see the docstring)
        cpu_cfg = out / "encoder" / ("config.pbtxt" if variant == "cpu" else CPU_CONFIG)
        cpu_cfg.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(TEMPLATES / "encoder_cpu" / "config.pbtxt", cpu_cfg)
        shutil.copy(TEMPLATES / "encoder_cpu" / "1" / "model.py", enc / "model.py")
        # the length grouping the CPU encoder imports (no copy in the templates)
        shutil.copy(Path(__file__).with_name("length_groups.py"), enc / "length_groups.py")
        shutil.copy(_int8(fp16, derived), enc / "model_int8.onnx")
    if variant in ("gpu", "image"):
        (out / "encoder" / "config.pbtxt").write_text(_encoder_gpu_config(accelerator))
        shutil.copy(fp16, enc / "model.onnx")
    if variant == "image":
        # tokenizer (Python backend, KIND_CPU) and the ensemble are the same in both
        for model in ("tokenizer", "sentiment"):
            (out / model / "configs").mkdir()
            shutil.copy(out / model / "config.pbtxt", out / model / CPU_CONFIG)
    print(f"built {variant} model repository at {out}")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", choices=VARIANTS, required=True)
    ap.add_argument("--out", default="")
    ap.add_argument("--artifacts", default=str(ARTIFACTS))
    ap.add_argument("--gpu-accelerator", choices=["cuda", "tensorrt"], default="cuda")
    a = ap.parse_args(argv)
    out = Path(a.out) if a.out else ROOT / "build" / f"model_repository_{a.variant}"
    build(a.variant, out, Path(a.artifacts), a.gpu_accelerator)


if __name__ == "__main__":
    main()
