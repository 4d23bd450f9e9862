#!/usr/bin/env bash
# Serve build/model_repository_cpu with the real `tritonserver` binary bundled in the
# nvidia-pytriton wheel (CPU; Python backend only). Mirrors what pytriton itself does
# (pytriton/triton.py::_prepare_triton_inference_server and server/triton_server.py::_get_env):
#   1. copy pytriton/tritonserver/ (bin, backends, caches) to a writable dir WITHOUT the stubs,
#   2. copy python_backend_stubs/<py major.minor>/triton_python_backend_stub into
#      backends/python/ (the stub embeds libpython<ver>.so),
#   3. LD_LIBRARY_PATH += <site-packages>/nvidia_pytriton.libs (tritonserver's bundled .so's),
#   4. PATH = <venv>/bin first: the stub's embedded interpreter resolves `python3` on PATH, finds
#      the venv's pyvenv.cfg and therefore imports onnxruntime/tokenizers/numpy from the venv.
# SHM_PREFIX names the Python backend's /dev/shm regions (one prefix per instance: `make run`
# removes its own after a crash without touching another instance's).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$HERE/.venv-serve}"
REPO="${MODEL_REPOSITORY:-$HERE/build/model_repository_cpu}"
TS="${TRITON_DIR:-$HERE/build/tritonserver}"
# The venv's site-packages, read once and kept with the prepared server: a restart (after a
# crash) then starts no Python interpreter before tritonserver.
PATHS="$TS/.venv-paths"
if [ -f "$PATHS" ] && [ "$(head -n1 "$PATHS")" = "$VENV" ]; then
  SITE="$(sed -n 2p "$PATHS")"
else
  SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  PYVER="$("$VENV/bin/python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  if [ ! -x "$TS/bin/tritonserver" ] || [ ! -e "$TS/backends/python/triton_python_backend_stub" ]; then
    rm -rf "$TS"; mkdir -p "$TS"
    cp -r "$SITE/pytriton/tritonserver/bin" "$SITE/pytriton/tritonserver/backends" "$SITE/pytriton/tritonserver/caches" "$TS/"
    cp "$SITE/pytriton/tritonserver/python_backend_stubs/$PYVER/triton_python_backend_stub" "$TS/backends/python/"
  fi
  printf '%s\n%s\n' "$VENV" "$SITE" > "$PATHS.$$" && mv -f "$PATHS.$$" "$PATHS"
fi
export LD_LIBRARY_PATH="$SITE/nvidia_pytriton.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$VENV/bin:$PATH"
exec "$TS/bin/tritonserver" \
  --model-repository="$REPO" \
  --backend-directory="$TS/backends" \
  --cache-directory="$TS/caches" \
  --backend-config=python,shm-default-byte-size=33554432 \
  --backend-config=python,shm-region-prefix-name="${SHM_PREFIX:-triton_python_backend_shm_region_}" \
  --http-port="${HTTP_PORT:-8000}" --grpc-port="${GRPC_PORT:-8001}" --metrics-port="${METRICS_PORT:-8002}" \
  --http-address="${BIND_ADDRESS:-0.0.0.0}" --grpc-address="${BIND_ADDRESS:-0.0.0.0}" \
  --metrics-address="${BIND_ADDRESS:-0.0.0.0}" \
  --log-verbose="${TRITON_LOG_VERBOSE:-0}" "$@"
