#!/usr/bin/env bash
# The time goal on cord heads: calls that read 1 or 2 patches and stand for 4 to 16 iterations.
# On the 100-run head zoo of head_fidelity_starts.sh (run first when missing): Adam's own step
# (adam-step, untrained) and a rule (adam-moments, 3,000 steps), each over 16 unseen starts at its
# calibrated rate, answering with the last network:
#  - checked: 4-iteration calls on 1 and 2 patches, at most 20 under poly decay, and 8- or
#    16-iteration calls on 2 patches, at most 8 at a constant rate, each checked;
#  - unchecked: 2 and 4 calls of 4, 8 or 16 iterations on 2 patches at a constant rate, none
#    checked (`--answer unchecked`);
#  - one call from a rule distilled from the runs' initialisations alone (`--moves
#    from-initialisation`), 8 or 16 iterations on 2 or 4 patches, unchecked.
# Into OUT/cheap-calls/NAME-ANSWER[-CALLS].json. One thread per job, two jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_cheap_calls.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_fidelity_starts.sh" "$out"
study=$out/cheap-calls
mkdir -p "$study"
distil() {  # name, history, steps, patches per call, horizon, calls, schedule, then any other options
  local rule=$study/$1
  [ -d "$rule" ] || "$bin" learned-optimizer train --zoo "$out/zoo100" --out "$rule" --gradient training-patches --cases-per-call "$4" \
    --seed 0 --horizon "$5" --maximum-calls "$6" --schedule "$7" --history "$2" --steps "$3" "${@:8}" 2> "$rule.log"
}
evaluate() {  # name, answer (final or unchecked), file name suffix, then any other options
  local json=$study/$1-$2$3.json
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$study/$1" --zoo "$out/zoo100" --seeds 16 --alignment-starts 0 \
    --fidelity-starts 16 --answer "$2" "${@:4}" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
step() { distil "step-p$1-h$2$4" adam-step 0 "$1" "$2" "$3" "${5:-poly}"; }
rule() { distil "rule-p$1-h$2$4" adam-moments 3000 "$1" "$2" "$3" "${5:-poly}"; }
jump() { distil "jump-p$1-h$2" adam-moments 3000 "$1" "$2" 1 poly --moves from-initialisation; evaluate "jump-p$1-h$2" unchecked ""; }
checked() { evaluate "$1" final ""; }
unchecked() { for calls in 2 4; do evaluate "$1" unchecked "-$calls" --maximum-calls "$calls" --schedule constant; done; }
{ step 2 4 20; step 1 4 20; step 2 8 8 c constant; step 2 16 8 c constant
  checked step-p2-h4; checked step-p1-h4; checked step-p2-h8c; checked step-p2-h16c
  unchecked step-p2-h4; unchecked step-p2-h8c; unchecked step-p2-h16c
  jump 2 8; jump 4 8; } &
{ rule 2 4 20; rule 1 4 20; rule 2 8 8 c constant; rule 2 16 8 c constant
  checked rule-p2-h4; checked rule-p1-h4; checked rule-p2-h8c
  unchecked rule-p2-h4; unchecked rule-p2-h8c; unchecked rule-p2-h16c
  jump 2 16; jump 4 16; } &
wait
grep -H 'unseen starts:' "$study"/*-eval.log
