#!/usr/bin/env bash
# The GPU path in one script (sized for one H100-class GPU with 16 CPU cores: under 8 minutes).
#
#   1. renders FRAMES frames at each of SIZES on the GPU (--device gpu) with WORKERS render workers and
#      prints frames/min;
#   2. renders the first CPU_FRAMES of the same seeds on the CPU and checks that labels and scene records
#      are byte-identical (bench/compare_renders.py: labels must not depend on the device);
#   3. runs a short tune (the quick recipe, Blender backend) with the discriminator on CUDA;
#   4. trains DeepLab (Lite0) for STEPS steps on the first size's frames with AMP on CUDA; prints steps/s.
#
#   bench/gpu_check.sh                     # on a GPU machine
#   CPU_FALLBACK=1 bench/gpu_check.sh      # no GPU: the same steps on the CPU at tiny sizes (a smoke test)
#
# Sizes come from the environment (defaults in brackets): FRAMES [200], CPU_FRAMES [8], SIZES
# ["512x256 1024x512"], SAMPLES [1, the render default], WORKERS [4] render workers, THREADS [4] threads per CPU render worker,
# STEPS [300] training steps, OUT [runs/gpu_check]. Prints a summary table at the end; exit 1 when labels differ.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${CPU_FALLBACK:-0}" = 1 ]; then
    FRAMES=${FRAMES:-2}; CPU_FRAMES=${CPU_FRAMES:-2}; SIZES=${SIZES:-64x32}; SAMPLES=${SAMPLES:-1}
    WORKERS=${WORKERS:-1}; THREADS=${THREADS:-1}; STEPS=${STEPS:-2}; DEVICE=cpu; TUNE_ITERS=1; AMP=""
else
    FRAMES=${FRAMES:-200}; CPU_FRAMES=${CPU_FRAMES:-8}; SIZES=${SIZES:-512x256 1024x512}; SAMPLES=${SAMPLES:-1}
    WORKERS=${WORKERS:-4}; THREADS=${THREADS:-4}; STEPS=${STEPS:-300}; DEVICE=gpu; TUNE_ITERS=3; AMP=--amp
fi
OUT=${OUT:-runs/gpu_check}
BIN=.venv/bin
export OMP_WAIT_POLICY=PASSIVE

[ -x $BIN/scenegen ] || make setup
$BIN/python -c "import torch; print('torch', torch.__version__, '| CUDA:', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none')"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none"
mkdir -p "$OUT"
summary="$OUT/summary.txt"
: > "$summary"

frames_per_minute() {  # the manifest's figure of a render folder
    $BIN/python -c "import json,sys; print(json.load(open(sys.argv[1] + '/manifest.json'))['frames_per_minute'])" "$1"
}

status=0
for size in $SIZES; do
    $BIN/scenegen render --frames "$FRAMES" --resolution "$size" --samples "$SAMPLES" --seed 0 --device "$DEVICE" \
        --workers "$WORKERS" --no-sheet --out "$OUT/gpu_$size"
    $BIN/scenegen render --frames "$CPU_FRAMES" --resolution "$size" --samples "$SAMPLES" --seed 0 --device cpu \
        --workers "$WORKERS" --threads "$THREADS" --no-sheet --out "$OUT/cpu_$size"
    same=identical
    $BIN/python bench/compare_renders.py "$OUT/gpu_$size" "$OUT/cpu_$size" || { same=DIFFER; status=1; }
    echo "render $size, $SAMPLES spp, $WORKERS workers on $DEVICE: $(frames_per_minute "$OUT/gpu_$size") frames/min" \
         "(CPU: $(frames_per_minute "$OUT/cpu_$size")); labels and scene records vs CPU: $same" >> "$summary"
done

first=${SIZES%% *}
rm -rf "$OUT/tune"
SECONDS=0
$BIN/scenegen tune --recipe quick --real params:configs/demo_target.yaml --params configs/demo_start.yaml \
    --iterations "$TUNE_ITERS" --device auto --workers "$WORKERS" --quiet --out "$OUT/tune"
tune_seconds=$SECONDS
echo "tune (quick recipe, $TUNE_ITERS iterations, discriminator on $($BIN/python -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')):" \
     "$tune_seconds s" >> "$summary"

rm -rf "$OUT/seg"
$BIN/scenegen train-seg --train "scenegen:$OUT/gpu_$first" --steps "$STEPS" --batch-size 8 --size "$first" \
    --device auto $AMP --workers 4 --quiet --out "$OUT/seg"
$BIN/python - "$OUT/seg/train.json" "$STEPS" >> "$summary" <<'PY'
import json, sys
rec = json.load(open(sys.argv[1]))
print(f"train-seg (Lite0 DeepLabV3, batch 8, AMP {rec.get('amp')}): {int(sys.argv[2]) / rec['train_seconds']:.2f} steps/s"
      f" on {rec.get('device', '?')}")
PY

echo
echo "== summary ($(date -u +%F), $(hostname))"
cat "$summary"
exit $status
