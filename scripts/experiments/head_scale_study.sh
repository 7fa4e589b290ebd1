#!/usr/bin/env bash
# The scale study on the cord head zoo: the shared nnU-Net model as the frozen base, its last
# decoder stage and segmentation head trained per run on cached head inputs, the five sct cord
# volumes split by volume (zoo seed 0: test t1w, validation t2s). One zoo grows through the
# sizes (`zoo resume --runs`: the first runs never change); at each size G.pt's preset, the
# start-hidden preset and the learned optimiser learn from all of its runs; then every one of them is
# evaluated against the largest zoo (one prompt, one named checkpoint, the same unseen starts),
# with the memorisation audit, into OUT/METHOD-SIZE.json. Every stage resumes.
# On 2 cores beside each other: 13-23 head runs per minute, `gpt` about 30 min,
# start-hidden about 25 min, the learned optimiser 10-20 min, each evaluation 10-25 min.
# Usage: scripts/experiments/head_scale_study.sh [OUT] ["200 1000"]
set -euo pipefail
out=${1:-runs/head-scale}
sizes=${2:-"200 1000"}
bin=${WEIGHTGEN:-.build/release/weightgen}
[ -d ../shared/fixtures/nnunet_model ] || { echo "needs ../shared/fixtures/nnunet_model beside the repository" >&2; exit 1; }
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
mkdir -p "$out"
zoo="$out/zoo"
for size in $sizes; do
  if [ -f "$zoo/zoo.sqlite" ]; then
    "$bin" zoo resume "$zoo" --runs "$size" --workers 2 2> "$out/zoo-$size.log"
  else
    "$(dirname "$0")/cord_head_zoo.sh" "$out" "$zoo" "$size" 10 2> "$out/zoo-$size.log"
  fi
  for preset in gpt start-hidden; do
    [ -d "$out/$preset-$size" ] || "$bin" generator train --zoo "$zoo" --out "$out/$preset-$size" --config "$preset" --runs 0 \
      2> "$out/$preset-$size.log" &
  done
  [ -d "$out/lo-$size" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$out/lo-$size" --steps 3000 2> "$out/lo-$size.log"
  wait
done
for size in $sizes; do
  for preset in gpt start-hidden; do
    [ -f "$out/$preset-$size.json" ] || "$bin" generator evaluate --generator "$out/$preset-$size" --zoo "$zoo" --seeds 16 \
      --alignment-starts 4 --fidelity-starts 4 --json "$out/$preset-$size.json" > "$out/$preset-$size.txt" 2> "$out/$preset-$size-eval.log"
  done
  [ -f "$out/lo-$size.json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/lo-$size" --zoo "$zoo" --seeds 16 \
    --alignment-starts 4 --fidelity-starts 4 --json "$out/lo-$size.json" > "$out/lo-$size.txt" 2> "$out/lo-$size-eval.log"
done
tail -n 3 "$out"/*-*.txt
