#!/usr/bin/env bash
# GPU proxy benchmark (see README.md here): real tritonserver (nvidia-pytriton's GPU build),
# tokenizer + torch fp16 encoder on the GPU, HTTP load from this machine. Run from the repo root.
#   TS_DIR  tritonserver dir (bin/, backends/python with the stub of PY's version, caches/)
#   LIBS    nvidia_pytriton.libs (+ libpythonX.Y.so if the machine lacks it)
#   PYBIN   bin/ of a Python with torch, tokenizers, onnx, numpy, aiohttp, scikit-learn (clients)
#   STUB_PYBIN  bin/ of the Python the backend stubs embed (found as `python3` on PATH): torch,
#           tokenizers, onnx and numpy < 2 (the nvidia-pytriton 0.7 stub mis-reads BYTES tensors
#           under NumPy 2); default PYBIN
set -uo pipefail
ROOT=$(pwd)
TS_DIR=${TS_DIR:?}; LIBS=${LIBS:?}; PYBIN=${PYBIN:?}
KIND=${KIND:-KIND_GPU}; TOK_INSTANCES=${TOK_INSTANCES:-4}; SECONDS_EACH=${SECONDS_EACH:-12}
CONFIGS=${CONFIGS:-"256:4:4 256:8:8 256:12:12 256:14:24"}   # batch:procs:concurrency
REPO=${REPO:-/tmp/moodline_gpu_repo}; WORK=${WORK:-/tmp/moodline_gpu_work}
rm -rf "$REPO" "$WORK"; mkdir -p "$REPO" "$WORK"
cp -r ml-serving/model_repository/tokenizer ml-serving/model_repository/sentiment "$REPO/"
cp ml-serving/artifacts/tokenizer.json "$REPO/tokenizer/1/"
sed -i "s/count: 1 kind: KIND_CPU/count: $TOK_INSTANCES kind: KIND_CPU/" "$REPO/tokenizer/config.pbtxt"
cp -r bench/sentiment/gpu/encoder_torch "$REPO/encoder"
sed -i "s/kind: KIND_GPU/kind: $KIND/" "$REPO/encoder/config.pbtxt"
cp ml-serving/artifacts/moodline_minilm_fp16.onnx "$REPO/encoder/1/model_fp16.onnx"
# load texts: GoEmotions dev + the customer eval set (real lengths), one per line
"$PYBIN/python3" - <<'PY' >"$WORK/texts.txt"
import sys; sys.path.insert(0, "ml-serving")
from moodline_ml.data import load_customer, load_goemotions
for r in load_goemotions("dev") + load_customer("customer_eval"):
    print(r.text.replace("\n", " "))
PY
if [ "$KIND" = KIND_GPU ]; then  # the model alone first (needs no Triton)
  timeout 90 "$PYBIN/python3" bench/sentiment/gpu/raw_torch.py "$ROOT/ml-serving/artifacts/moodline_minilm_fp16.onnx" \
    "$ROOT/ml-serving/artifacts/tokenizer.json" "$WORK/texts.txt"
fi
export PATH="${STUB_PYBIN:-$PYBIN}:$PATH" LD_LIBRARY_PATH="$LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export MOODLINE_GPU_BENCH_PATH="$ROOT/bench/sentiment/gpu"
export PYTHONPATH="$ROOT/ml-serving:$ROOT/bench/sentiment/gpu${PYTHONPATH:+:$PYTHONPATH}" TOKENIZERS_PARALLELISM=true
PYTHONPATH="$PYTHONPATH${STUB_SITE:+:$STUB_SITE}" "$TS_DIR/bin/tritonserver" --model-repository="$REPO" --backend-directory="$TS_DIR/backends" \
  --cache-directory="$TS_DIR/caches" --backend-config=python,shm-default-byte-size=67108864 \
  --http-port=18000 --grpc-port=18001 --metrics-port=18002 >"$WORK/triton.log" 2>&1 &
TRITON=$!
for _ in $(seq 1 180); do
  curl -sf localhost:18000/v2/health/ready >/dev/null && break
  kill -0 $TRITON 2>/dev/null || break
  sleep 1
done
if ! curl -sf localhost:18000/v2/health/ready >/dev/null; then
  echo "triton not ready"; tail -n 40 "$WORK/triton.log"; exit 1
fi
echo "triton ready ($(date -u +%T))"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv,noheader
cd bench/sentiment/gpu
if ! timeout 120 "$PYBIN/python3" load_http.py --url http://127.0.0.1:18000 --accuracy; then
  echo "accuracy pass failed"; grep -v '^I1' "$WORK/triton.log" | tail -n 40; kill $TRITON; exit 1
fi
for c in $CONFIGS; do
  IFS=: read -r b p k <<<"$c"
  timeout $((SECONDS_EACH + 40)) "$PYBIN/python3" load_http.py --url http://127.0.0.1:18000 --texts "$WORK/texts.txt" \
    --seconds "$SECONDS_EACH" --batch "$b" --procs "$p" --concurrency "$k" &
  LOAD=$!
  sleep $((SECONDS_EACH / 2 + 3))
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
  top -bn1 | head -n 5 | tail -n 3
  wait $LOAD
done
grep -v '^I1' "$WORK/triton.log" | tail -n 5
kill $TRITON; wait $TRITON 2>/dev/null
