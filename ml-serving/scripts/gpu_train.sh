#!/usr/bin/env bash
# The distillation recipe on one GPU, every run of a stage in parallel (MiniLM-L6 is far too
# small to fill an H100 alone):
#   stage A  FOLDS fold models (train --fold K/FOLDS) + the plain recipe (2 ep, 1e-4) and a
#            slower one (3 ep, 5e-5) as baselines
#   stage B  moodline_ml.ensemble merges the folds' out-of-fold probabilities into the teacher;
#            students train on all the data against it (one per distill alpha in ALPHAS)
#   stage C  finalize (prior offsets) every candidate, print one table
# Environment: PY (python with torch+CUDA, transformers, tokenizers, scikit-learn), OUTD (runs),
# GOEMOTIONS_DIR and MOODLINE_BASE_MODEL_DIR where the machine lacks the defaults.
# Usage (from ml-serving/): scripts/gpu_train.sh
set -uo pipefail
PY=${PY:-python3}
OUTD=${OUTD:-build/gpu}
FOLDS=${FOLDS:-4}
ALPHAS=${ALPHAS:-"0.5 0.8"}
EPOCHS=${EPOCHS:-2}
LR=${LR:-1e-4}
REPEAT=${REPEAT:-6}
STAGE_TIMEOUT=${STAGE_TIMEOUT:-330}
COMMON=(--device "${DEVICE:-cuda}" --threads 1 --epochs "$EPOCHS" --lr "$LR" --customer-repeat "$REPEAT" --keep-ckpts ${TRAIN_EXTRA:-})
mkdir -p "$OUTD"
export TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1

run() {  # name, args...: one training run in the background, its log in OUTD/name.log
  local name=$1
  shift
  timeout "$STAGE_TIMEOUT" "$PY" -m moodline_ml.train --out "$OUTD/$name" "$@" >"$OUTD/$name.log" 2>&1 &
}

t0=$(date +%s)
echo "stage A: $FOLDS folds + baseline ($(date -u +%T))"
for k in $(seq 0 $((FOLDS - 1))); do run "fold$k" "${COMMON[@]}" --fold "$k/$FOLDS"; done
run baseline "${COMMON[@]}"
run baseline_lr5e-5_3ep "${COMMON[@]}" --lr 5e-5 --epochs 3
wait
grep -h "done;" "$OUTD"/fold*.log "$OUTD"/baseline*.log
echo "stage A took $(($(date +%s) - t0)) s"

folds=$(ls -d "$OUTD"/fold*/ | sed 's#/$##')
"$PY" -m moodline_ml.ensemble --out "$OUTD/teacher.npz" --score $folds || exit 1
echo "stage B: students alpha in $ALPHAS ($(date -u +%T))"
for a in $ALPHAS; do run "student_a$a" "${COMMON[@]}" --teacher "$OUTD/teacher.npz" --distill-alpha "$a"; done
wait
grep -h "done;" "$OUTD"/student_*.log
echo "stage B done at $(($(date +%s) - t0)) s"

echo "stage C: finalize each candidate's last checkpoint"
for r in $(cd "$OUTD" && ls -d baseline* student_* | grep -v '\.log$'); do
  last=$(ls "$OUTD/$r"/ckpt_step*.pt 2>/dev/null | tail -n 1)
  [ -n "$last" ] || continue
  "$PY" -m moodline_ml.finalize --threads 2 --out "$OUTD/final_$r" "$last" >"$OUTD/final_$r.log" 2>&1 &
done
wait
for r in "$OUTD"/final_*.log; do echo "== $r"; tail -n 4 "$r"; done
echo "all done in $(($(date +%s) - t0)) s"
