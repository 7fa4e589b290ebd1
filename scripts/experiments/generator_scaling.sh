#!/usr/bin/env bash
# The generator scaling table: trains a generator on the first N runs per task of a
# zoo for each variant and evaluates each from unseen and seen initialisations (median test
# Dice, ratio to the best zoo checkpoint, prompt alignment).
# Usage: scripts/experiments/generator_scaling.sh ZOO OUT [CONFIG] [STEPS] ["16 32 64 128"] [SEEDS]
# Variants (VARIANTS, default "on off"): on = permutation augmentation, off = none, aligned =
# runs aligned to a reference with the start hidden (the earlier default, before path targets), paths =
# aligned plus path targets, metric-balanced targets and the run embedding (the default's method).
# Extra `generator train` options go in GENERATOR_OPTIONS, e.g. "--tasks cord --batch-size 32".
set -euo pipefail
zoo=${1:?usage: generator_scaling.sh ZOO OUT [CONFIG] [STEPS] [SIZES]}
out=${2:?usage: generator_scaling.sh ZOO OUT [CONFIG] [STEPS] [SIZES]}
config=${3:-small}
steps=${4:-600}
sizes=${5:-"16 32 64 128"}
seeds=${6:-8}
bin=${WEIGHTGEN:-.build/release/weightgen}
mkdir -p "$out"
for runs in $sizes; do
  for variant in ${VARIANTS:-on off}; do
    case "$variant" in
      on) flags="" ;;
      off) flags="--alignment none" ;;
      aligned) flags="--alignment canonical --start hidden" ;;
      paths) flags="--alignment canonical --start hidden --path-targets 19 --target-sampling balanced --run-embedding" ;;
      *) echo "unknown variant $variant (on, off, aligned or paths)" >&2; exit 2 ;;
    esac
    name="$out/runs$runs-$variant"
    # shellcheck disable=SC2086
    "$bin" generator train --zoo "$zoo" --out "$name" --config "$config" --steps "$steps" --runs "$runs" --run-selection first $flags \
      ${GENERATOR_OPTIONS:-} 2> "$name.train.log"
    "$bin" generator evaluate --generator "$name" --seeds "$seeds" --alignment-starts "${ALIGNMENT_STARTS:-2}" --json "$name.json" 2> "$name.eval.log"
    echo "runs=$runs $variant: $(grep -v '^evaluated' "$name.eval.log" | tr '\n' ' ')"
  done
done
