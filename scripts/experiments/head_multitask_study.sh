#!/usr/bin/env bash
# One learned optimiser for three heads against one per task, on real MRI: the shared nnU-Net
# model as the frozen base, its last decoder stage and segmentation head trained per run on
# cached head inputs, for cord, gray matter and lesion (scripts/experiments/sct_head_datasets.sh
# says how each task's cases are split). One zoo holds RUNS runs of every task; a learned
# optimiser is distilled from each task alone and one from all three; each is evaluated from the
# same 16 unseen starts per task with the memorisation audit, into OUT/lo-TASK.json and
# OUT/lo-all.json (one entry per task). Every stage resumes.
# On 2 cores: the zoo 20-28 head runs per minute; each optimiser 10-25 min and each task's
# evaluation 10-20 min on one thread, two side by side.
# Usage: scripts/experiments/head_multitask_study.sh [OUT] [RUNS]
set -euo pipefail
out=${1:-runs/head-multitask}
runs=${2:-300}
bin=${WEIGHTGEN:-.build/release/weightgen}
base=../shared/fixtures/nnunet_model
[ -d "$base" ] || { echo "needs $base beside the repository" >&2; exit 1; }
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$out"
"$(dirname "$0")/sct_head_datasets.sh" "$out/data"
zoo="$out/zoo"
if [ -f "$zoo/zoo.sqlite" ]; then
  "$bin" zoo resume "$zoo" --runs "$runs" --workers 2 2> "$out/zoo.log"
else
  "$bin" zoo create --dataset "$out/data" --tasks cord,graymatter,lesion --base "$base" \
    --trainable 'decoder.stages.2.*,decoder.seg_layers.2.*' --head-input-pool 256 --iterations 200 --batch-sizes 8 \
    --checkpoints-per-run 10 --validation-cases 1 --test-cases 1 --runs "$runs" --workers 2 --out "$zoo" 2> "$out/zoo.log"
fi
export WEIGHTGEN_THREADS=1
study() {  # NAME TASKS
  [ -d "$out/lo-$1" ] || "$bin" learned-optimizer train --zoo "$zoo" --tasks "$2" --out "$out/lo-$1" --steps 3000 2> "$out/lo-$1.log"
  [ -f "$out/lo-$1.json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/lo-$1" --zoo "$zoo" --seeds 16 \
    --alignment-starts 4 --fidelity-starts 4 --json "$out/lo-$1.json" > "$out/lo-$1.txt" 2> "$out/lo-$1-eval.log"
}
study all cord,graymatter,lesion &
for task in cord graymatter lesion; do study "$task" "$task"; done
wait
tail -n 3 "$out"/lo-*.txt
