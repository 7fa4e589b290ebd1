#!/usr/bin/env bash
# Patches per call under SOAP by modes after 4 calls, on the gray-matter heads of head_shampoo.sh
# (soap_after.sh, run first, gives the 2-patch generations): Adam's-step optimisers on 1 and on 4
# training patches per call (each task's rate chosen on validation, as for 2), evaluated with
# --direction soap:0.8:0.95:1:modes:after:4 at that chosen rate and at the 2-patch one (0.0076),
# over 16 unseen starts, two at a time, compared start by start with the 2-patch generations
# (paired_generations.py). Every stage resumes.
# Usage: scripts/experiments/soap_patches.sh [OUT] [PHANTOM_OUT]
set -euo pipefail
out=${1:-runs/head-shampoo}
phantom=${2:-runs/acceptance-shampoo}
bin=${WEIGHTGEN:-.build/release/weightgen}
here=$(dirname "$0")
source "$here/schedule.sh"
"$here/soap_after.sh" "$out" "$phantom" > /dev/null
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
study=$out/soap-patches
mkdir -p "$study"
zoo=$out/zoo100-graymatter
for patches in 1 4; do
  [ -d "$study/gm-adam-p$patches" ] || "$bin" learned-optimizer train --zoo "$zoo" --out "$study/gm-adam-p$patches" --gradient training-patches \
    --cases-per-call "$patches" --seed 0 --horizon 4 --maximum-calls 200 --schedule poly --history adam-step --steps 0 --width 8 --depth 1 \
    2> "$study/gm-adam-p$patches.log"
done
evaluate() {  # json, patches, options
  local json=$study/$1.json
  # shellcheck disable=SC2086 # the options are words
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/gm-adam-p$2" --zoo "$zoo" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 16 --answer final --direction soap:0.8:0.95:1:modes:after:4 $3 --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
in_pairs evaluate "p1|1|" "p1-rate76|1|--learning-rate 0.0076" "p4|4|" "p4-rate76|4|--learning-rate 0.0076"
for name in p1 p1-rate76 p4 p4-rate76; do
  echo "$name: $("$here/paired_generations.py" "$out/soap-after/gm-after4.json" "$study/$name.json")"
done
