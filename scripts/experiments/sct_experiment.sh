#!/usr/bin/env bash
# The experiment on real data: the cord masks of ../shared/data/sct_testing_data (5 volumes,
# one case each), split by volume: 3 for training, 1 for validation, 1 for test. Zoo seed 4
# holds out t2 for test and t2s for validation (seed 0 would test on t1w, the only T1 volume,
# which networks trained on the T2-like rest do not segment: see docs/EXPERIMENTS.md).
# Usage: scripts/experiments/sct_experiment.sh [OUT] [extra `weightgen experiment` options...]
set -euo pipefail
out=${1:-runs/sct-experiment}
shift $(( $# > 0 ? 1 : 0 ))
bin=${WEIGHTGEN:-.build/release/weightgen}
dataset="$out/Dataset203_SCTCord"
"$(dirname "$0")/sct_dataset.sh" "$dataset"
"$bin" experiment --out "$out" --dataset "$dataset" --tasks cord --validation-cases 1 --test-cases 1 --runs 8 --zoo-seed 4 "$@"
