#!/usr/bin/env bash
# Rows of the head scale study from one grown zoo (head_scale_study.sh's, grown further with
# `weightgen zoo resume ZOO --runs N --workers 2`): at each size N, G.pt's preset and the start-hidden
# preset learn from the zoo's first N runs and the learned optimiser from the Adam runs among
# them; each is then evaluated against the zoo as it stands (its best validation Dice is the
# prompt) with the memorisation audit, into OUT/METHOD-N.json. Every stage resumes. Reads the
# Adam run counts with the sqlite3 command-line tool.
# On 2 cores at 4,000 runs: `gpt` about 30 min, start-hidden about 30 min (path networks
# included), the learned optimiser about 10 min; each evaluation 7-30 min.
# Usage: scripts/experiments/head_scale_rows.sh ZOO OUT ["1000 4000"]
set -euo pipefail
zoo=$1
out=$2
sizes=${3:-"1000 4000"}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
mkdir -p "$out"
adam_runs_below() {
  sqlite3 "$zoo/zoo.sqlite" "select count(*) from runs where status = 'done' and optimizer = 'adam' and run_index < $1"
}
for size in $sizes; do
  for preset in gpt start-hidden; do
    [ -d "$out/$preset-$size" ] || "$bin" generator train --zoo "$zoo" --out "$out/$preset-$size" --config "$preset" \
      --runs "$size" --run-selection first 2> "$out/$preset-$size.log" &
  done
  [ -d "$out/lo-$size" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$out/lo-$size" \
    --runs "$(adam_runs_below "$size")" 2> "$out/lo-$size.log"
  wait
  for preset in gpt start-hidden; do
    [ -f "$out/$preset-$size.json" ] || "$bin" generator evaluate --generator "$out/$preset-$size" --zoo "$zoo" --seeds 16 \
      --alignment-starts 4 --fidelity-starts 8 --json "$out/$preset-$size.json" 2> "$out/$preset-$size-eval.log"
  done
  [ -f "$out/lo-$size.json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/lo-$size" --zoo "$zoo" --seeds 16 \
    --alignment-starts 4 --fidelity-starts 8 --json "$out/lo-$size.json" 2> "$out/lo-$size-eval.log"
done
tail -n 2 "$out"/*-eval.log
