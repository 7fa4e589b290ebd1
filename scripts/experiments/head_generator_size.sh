#!/usr/bin/env bash
# G.pt's preset at other transformer sizes on the cord head zoo (the scale study's generator-size
# axis): each size learns from the zoo's first N runs with the preset's schedule unchanged (3,000
# steps at batch 32), then is evaluated with the memorisation audit into OUT/gpt-N-wW-dD.json.
# Every stage resumes; a resumed training appends to its log. The preset's own size is 256x4 (head_scale_rows.sh's gpt-N).
# On one thread of the 2-core AMD EPYC at 10,000 runs: 128x2 trains in 4 min, 512x8 in 2 h; each evaluation 13-20 min.
# Usage: scripts/experiments/head_generator_size.sh ZOO OUT [N] ["128x2 512x8"]
set -euo pipefail
zoo=$1
out=$2
runs=${3:-10000}
sizes=${4:-"128x2 512x8"}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
mkdir -p "$out"
for size in $sizes; do
  width=${size%x*}
  depth=${size#*x}
  heads=$(( width >= 256 ? 8 : 4 ))
  name=gpt-$runs-w$width-d$depth
  "$bin" generator train --zoo "$zoo" --out "$out/$name" --config gpt --runs "$runs" --run-selection first \
    --width "$width" --depth "$depth" --heads "$heads" 2>> "$out/$name.log"
  [ -f "$out/$name.json" ] || "$bin" generator evaluate --generator "$out/$name" --zoo "$zoo" --seeds 16 \
    --alignment-starts 4 --fidelity-starts 8 --json "$out/$name.json" 2> "$out/$name-eval.log"
done
tail -n 2 "$out"/gpt-"$runs"-w*-eval.log
