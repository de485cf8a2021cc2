#!/usr/bin/env bash
# The label-efficiency curve at CamVid's native resolution on one CUDA GPU (sized for an H100-class GPU
# with 16 CPU cores: under 10 minutes in all).  Renders the untuned and tuned sets at 480x360, then a
# 3-seed curve (real only; each set fine-tuned on k real images with synthetic replay) on CamVid val,
# with several training runs side by side on the GPU.  Prints the curve, labels saved, and wall times.
#
#   bench/label_efficiency_gpu.sh [CAMVID_DIR]          # default: ../shared/data/camvid
#
# Sizes come from the environment (defaults in brackets): FRAMES [200] frames per set, SAMPLES [16],
# RES [480x360] render and training size, CROP [320x240] training crop, STEPS [600], SEEDS ["0 1 2"],
# COUNTS ["4 9 18 37 92 367"], JOBS [8] training runs side by side, LOADERS [1] data-loader processes
# per run, RENDER_WORKERS [8], DEVICE [auto], OUT [runs/label_efficiency_gpu].  Rerunning resumes:
# finished frames and runs are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
CAMVID=${1:-../shared/data/camvid}
FRAMES=${FRAMES:-200}; SAMPLES=${SAMPLES:-16}; RES=${RES:-480x360}; CROP=${CROP:-320x240}
STEPS=${STEPS:-600}; SEEDS=${SEEDS:-0 1 2}; COUNTS=${COUNTS:-4 9 18 37 92 367}
JOBS=${JOBS:-8}; LOADERS=${LOADERS:-1}; RENDER_WORKERS=${RENDER_WORKERS:-8}; DEVICE=${DEVICE:-auto}
OUT=${OUT:-runs/label_efficiency_gpu}
export OMP_WAIT_POLICY=PASSIVE

[ -x .venv/bin/scenegen ] || make setup
.venv/bin/python -c "import torch; print('torch', torch.__version__, '| CUDA:', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none (runs on the CPU)')"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || true

t0=$(date +%s)
render_device=$([ "$DEVICE" = cpu ] && echo cpu || echo auto)
.venv/bin/scenegen render --params configs/untuned_2026-12-05.yaml --frames "$FRAMES" --resolution "$RES" \
    --samples "$SAMPLES" --seed 0 \
    --device "$render_device" --workers "$RENDER_WORKERS" --no-sheet --out "$OUT/untuned"
.venv/bin/scenegen render --params configs/tuned/camvid_segmentation.yaml --frames "$FRAMES" \
    --resolution "$RES" --samples "$SAMPLES" --seed 0 --device "$render_device" --workers "$RENDER_WORKERS" \
    --no-sheet --out "$OUT/tuned"
t1=$(date +%s)

# shellcheck disable=SC2086  # SEEDS and COUNTS are lists
.venv/bin/python bench/label_efficiency.py --camvid "$CAMVID" --untuned "$OUT/untuned" --tuned "$OUT/tuned" \
    --size "$RES" --crop "$CROP" --steps "$STEPS" --batch-size 8 --seeds $SEEDS --counts $COUNTS \
    --jobs "$JOBS" --threads 1 --workers "$LOADERS" --device "$DEVICE" --out "$OUT/curve"
t2=$(date +%s)
echo "wall: render $((t1 - t0)) s, curve $((t2 - t1)) s, total $((t2 - t0)) s"
