"""The model repository that ml-serving/Dockerfile bakes into the Triton image
(`build_repository --variant image`): one repository serving the GPU configuration (each model's
config.pbtxt) and the CPU fallback (configs/cpu.pbtxt, what `--model-config-name=cpu` loads),
checked file by file, against the chart's --model-config-name and, with the real CPU
tritonserver from ml-serving's serve venv, by serving it with --model-config-name=cpu."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_support import PROFILES, ROOT, pod_spec, rendered

model_config_pb2 = pytest.importorskip("tritonclient.grpc.model_config_pb2")
text_format = pytest.importorskip("google.protobuf.text_format")

ML = ROOT / "ml-serving"
SERVE_PYTHON = ML / ".venv-serve" / "bin" / "python"
MODELS = ("tokenizer", "encoder", "sentiment")
needs_serve_venv = pytest.mark.skipif(
    not SERVE_PYTHON.exists(), reason="no ml-serving/.venv-serve (make -C ml-serving venv-serve)"
)


def build(out: Path, *args: str) -> Path:
    """`build_repository --variant image` in the serve venv (it needs onnx + onnxruntime)."""
    command = [str(SERVE_PYTHON), "-m", "moodline_ml.build_repository", "--variant", "image"]
    subprocess.run(
        [*command, "--out", str(out), *args],
        cwd=ML,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SERVE_PYTHON.exists():
        pytest.skip("no ml-serving/.venv-serve (make -C ml-serving venv-serve)")
    return build(tmp_path_factory.mktemp("image") / "models")


def config(path: Path):
    return text_format.Parse(path.read_text(), model_config_pb2.ModelConfig())


def io_signature(cfg) -> tuple:
    return (
        cfg.max_batch_size,
        [(t.name, t.data_type, list(t.dims)) for t in cfg.input],
        [(t.name, t.data_type, list(t.dims)) for t in cfg.output],
    )


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_both_configurations(repo: Path, model: str) -> None:
    for path in (repo / model / "config.pbtxt", repo / model / "configs" / "cpu.pbtxt"):
        assert path.is_file(), path
        assert config(path).name == model  # Triton requires the directory's name
    assert (repo / model / "1").is_dir()


def test_encoder_default_is_the_gpu_configuration(repo: Path) -> None:
    gpu = config(repo / "encoder" / "config.pbtxt")
    assert gpu.backend == "onnxruntime"
    assert [g.kind for g in gpu.instance_group] == [model_config_pb2.ModelInstanceGroup.KIND_GPU]
    assert gpu.default_model_filename == "model.onnx"
    model = repo / "encoder" / "1" / "model.onnx"
    # the committed fp16 graph as-is
    assert model.read_bytes() == (ML / "artifacts" / "moodline_minilm_fp16.onnx").read_bytes()
    assert not gpu.optimization.execution_accelerators.gpu_execution_accelerator


def test_encoder_cpu_configuration_is_the_python_backend_on_int8(repo: Path) -> None:
    cpu = config(repo / "encoder" / "configs" / "cpu.pbtxt")
    assert cpu.backend == "python"
    assert {g.kind for g in cpu.instance_group} == {model_config_pb2.ModelInstanceGroup.KIND_CPU}
    # the Python backend loads <version>/model.py (no default_model_filename), which opens
    # the file its onnx_file parameter names in the same folder
    assert not cpu.default_model_filename
    onnx_file = cpu.parameters["onnx_file"].string_value
    assert onnx_file == "model_int8.onnx"
    for name in ("model.py", onnx_file):
        assert (repo / "encoder" / "1" / name).is_file(), name
    assert (repo / "encoder" / "configs" / "cpu.pbtxt").read_bytes() == (
        ML / "model_repository" / "encoder_cpu" / "config.pbtxt"
    ).read_bytes()


def test_both_encoder_configurations_have_the_same_tensors(repo: Path) -> None:
    gpu = config(repo / "encoder" / "config.pbtxt")
    cpu = config(repo / "encoder" / "configs" / "cpu.pbtxt")
    assert io_signature(gpu) == io_signature(cpu)
    assert [t.name for t in gpu.input] == ["input_ids", "attention_mask"]
    assert [t.name for t in gpu.output] == ["sentiment_probs", "emotion_probs"]


@pytest.mark.parametrize("model", ["tokenizer", "sentiment"])
def test_tokenizer_and_ensemble_are_the_same_in_both(repo: Path, model: str) -> None:
    default = (repo / model / "config.pbtxt").read_bytes()
    assert (repo / model / "configs" / "cpu.pbtxt").read_bytes() == default


def test_tokenizer_has_its_files(repo: Path) -> None:
    version = repo / "tokenizer" / "1"
    assert (version / "tokenizer.json").read_bytes() == (
        ML / "artifacts" / "tokenizer.json"
    ).read_bytes()
    assert (version / "model.py").is_file()
    assert (version / "truncation.py").read_bytes() == (
        ML / "moodline_ml" / "truncation.py"
    ).read_bytes()


def test_cpu_encoder_has_its_files(repo: Path) -> None:
    version = repo / "encoder" / "1"
    assert (version / "model.py").is_file() and (version / "model_int8.onnx").is_file()
    assert (version / "length_groups.py").read_bytes() == (
        ML / "moodline_ml" / "length_groups.py"
    ).read_bytes()


@needs_serve_venv
def test_gpu_accelerator_reaches_the_default_configuration_only(tmp_path: Path) -> None:
    repo = build(tmp_path / "models", "--gpu-accelerator", "tensorrt")
    gpu = config(repo / "encoder" / "config.pbtxt")
    accelerators = gpu.optimization.execution_accelerators.gpu_execution_accelerator
    assert [a.name for a in accelerators] == ["tensorrt"]
    assert accelerators[0].parameters["precision_mode"] == "FP16"
    assert config(repo / "encoder" / "configs" / "cpu.pbtxt").backend == "python"


def chart_config_names() -> set[str]:
    names = set()
    for profile in PROFILES:
        for obj in rendered(profile):
            spec = pod_spec(obj)
            for container in (spec or {}).get("containers", []):
                for arg in container.get("args", []):
                    if arg.startswith("--model-config-name="):
                        names.add(arg.split("=", 1)[1])
    return names


def test_every_model_config_name_the_chart_passes_exists(repo: Path) -> None:
    names = chart_config_names()
    assert "cpu" in names  # the dev profile layers values-cpu.yaml
    for name in names:
        for model in MODELS:
            assert (repo / model / "configs" / f"{name}.pbtxt").is_file(), (model, name)


def test_dockerfile_builds_the_image_variant_with_the_serving_pins() -> None:
    text = (ML / "Dockerfile").read_text()
    assert "--variant image" in text
    assert re.search(r"^COPY --from=models /models /models$", text, re.M)
    pins = dict(
        line.split("==")
        for line in (ML / "requirements-serve.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    joined = re.sub(r"\\\n", " ", text)  # line continuations
    installs = [line for line in joined.splitlines() if "pip install" in line and line[:1] != "#"]
    assert len(installs) == 2  # the builder stage and the Triton stage
    pinned = [re.findall(r"([A-Za-z0-9_.-]+)==(\S+)", line) for line in installs]
    assert all(pinned)
    for stage in pinned:
        for name, version in stage:
            assert pins.get(name) == version, f"{name}=={version}: requirements-serve.txt differs"
    # what build_repository needs, and what the Python-backend models import
    assert {name for name, _ in pinned[0]} >= {"numpy", "onnx", "onnxruntime"}
    assert {name for name, _ in pinned[1]} >= {"tokenizers", "numpy", "onnxruntime"}


# --- served by the real tritonserver (CPU build from nvidia-pytriton) --------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def tritonserver(repo: Path, log: Path, *args: str) -> Iterator[tuple[subprocess.Popen, int]]:
    """ml-serving/scripts/run_triton_cpu.sh on free ports; extra args go to tritonserver."""
    http = free_port()
    env = {
        **os.environ,
        "VENV": str(ML / ".venv-serve"),
        "MODEL_REPOSITORY": str(repo),
        "HTTP_PORT": str(http),
        "GRPC_PORT": str(free_port()),
        "METRICS_PORT": str(free_port()),
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(ML / "scripts" / "run_triton_cpu.sh"), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc, http
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def http_json(url: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(url, data=data, timeout=10) as r:
        return json.loads(r.read())


def wait_ready(proc: subprocess.Popen, http: int, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{http}/v2/models/sentiment/ready"
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"tritonserver exited:\n{log.read_text()[-4000:]}"
        with contextlib.suppress(Exception), urllib.request.urlopen(url, timeout=1) as r:
            if r.status == 200:
                return
        time.sleep(0.3)
    raise TimeoutError(f"sentiment not ready in {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.mark.integration
def test_cpu_configuration_serves_from_the_image_repository(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "triton.log"
    with tritonserver(repo, log, "--model-config-name=cpu") as (proc, http):
        wait_ready(proc, http, log)
        base = f"http://127.0.0.1:{http}/v2/models"
        assert http_json(f"{base}/encoder/config")["backend"] == "python"
        texts = ["Thank you, that fixed it!", "Third call and the boiler is still broken."]
        result = http_json(
            f"{base}/sentiment/infer",
            {"inputs": [{"name": "TEXT", "shape": [2, 1], "datatype": "BYTES", "data": texts}]},
        )
    outputs = {o["name"]: o for o in result["outputs"]}
    probs = outputs["SENTIMENT_PROBS"]
    assert probs["shape"] == [2, 3]
    rows = [probs["data"][i : i + 3] for i in (0, 3)]
    assert all(abs(sum(row) - 1) < 1e-4 for row in rows)
    # Happy, Neutral, Frustrated
    assert rows[0].index(max(rows[0])) == 0 and rows[1].index(max(rows[1])) == 2
    assert outputs["EMOTION_PROBS"]["shape"] == [2, 4]


@pytest.mark.integration
def test_without_the_config_name_the_default_gpu_configuration_is_loaded(
    repo: Path, tmp_path: Path
) -> None:
    """The CPU tritonserver has no onnxruntime backend: the default encoder config fails."""
    log = tmp_path / "triton.log"
    with tritonserver(repo, log) as (proc, _):
        proc.wait(60)
    assert proc.returncode != 0
    assert re.search(r"failed to load 'encoder'.*backend 'onnxruntime'", log.read_text())
