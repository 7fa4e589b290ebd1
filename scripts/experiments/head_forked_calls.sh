#!/usr/bin/env bash
# The mean of K generations taken early: each start's K generations run apart for their first N
# calls only, each on its own stream of fresh draws, then their mean goes on alone
# (`--generations K --forked-calls N`), for Adam itself on fresh batches of 8 patches (200 calls
# of one iteration) and the rule distilled on 8 patches for 1-iteration calls (as
# head_iterate_average.sh makes them; run first when missing), each start on its own streams,
# answering with the last network at the recipe's rate over 16 unseen starts: K = 8 with N = 10,
# 25, 50, and K = 2, 4 with N = 25; K = 8, N = 25 also on another set of orders (streams from 256).
# Into OUT/forked-calls/NAME-gK-fN[-s256].json. One thread per job, two
# jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_forked_calls.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
[ -d "$out/mean-of-generations/fresh-p8-h1" ] || "$(dirname "$0")/head_iterate_average.sh" "$out"
study=$out/forked-calls
mkdir -p "$study"
evaluate() {  # optimiser folder, name, K, N, first stream (0 unless given)
  local json=$study/$2-g$3-f$4${5:+-s$5}.json
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$1" --zoo "$out/zoo100" --seeds 16 --alignment-starts 0 --fidelity-starts 16 \
    --learning-rate recipe --answer final --streams per-start --generations "$3" --forked-calls "$4" --first-stream "${5:-0}" \
    --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
for run in 8:25:0 8:10:0 8:50:0 4:25:0 8:25:256 2:25:0; do
  IFS=: read -r k n first <<< "$run"
  evaluate "$out/control/fresh-step-p8" step-p8 "$k" "$n" "${first#0}" &
  evaluate "$out/mean-of-generations/fresh-p8-h1" fresh-p8-h1 "$k" "$n" "${first#0}" &
  wait
done
grep -H 'unseen starts:' "$study"/*-eval.log
