#!/usr/bin/env bash
# Start fidelity over 16 unseen starts instead of 8, answering with the last network: the rules
# of head_first_batch.sh (run first when missing; it runs the studies before it) that land
# nearest the recipe's final network. On the 40-checkpoint zoo the horizon-5 rules reading the
# first 1, 2 and 3 of each call's batches and all five (head_unrolled_calls.sh's batches5-u8-w1);
# on the 100-run zoo the horizon-2 rules distilled on their runs' batches (seeds 0-2,
# head_learned_parameters.sh) and Adam's own step on the same batches (head_adam_control.sh),
# these also answering with their best validation network, and so over 32 starts; seed 0's with
# the mean of 2, 4, 8 and 16 more recipe trainings per start (--rerun-mean); Adam itself on
# fresh batches of 8 and 64 patches, answering with its last network. Evaluated at
# the recipe's rate into OUT/fidelity-starts/NAME-ANSWER[-32].json. One thread per job, two
# jobs at a time; every stage resumes.
# Usage: scripts/experiments/head_fidelity_starts.sh [OUT]
set -euo pipefail
out=${1:-runs/head-short-calls}
bin=${WEIGHTGEN:-.build/release/weightgen}
export OMP_WAIT_POLICY=PASSIVE WEIGHTGEN_THREADS=1
"$(dirname "$0")/head_first_batch.sh" "$out"
study=$out/fidelity-starts
mkdir -p "$study"
evaluate() {  # name, optimiser folder, zoo, answer (final or best), starts (16 unless given)
  local starts=${5:-16} json=$study/$1-$4${5:+-$5}.json
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$2" --zoo "$3" --seeds "$starts" --alignment-starts 0 \
    --fidelity-starts "$starts" --learning-rate recipe --answer "$4" --json "$json" > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
evaluate_rerun_mean() {  # K: seed 0's 2-iteration rule, last answer, 16 starts, each also rerun K times
  local json=$study/h2-moments-s0-final-rerun-mean-$1.json
  [ -f "$json" ] || "$bin" learned-optimizer evaluate --optimizer "$out/held/moments-s0" --zoo "$out/zoo100" --seeds 16 \
    --alignment-starts 0 --fidelity-starts 16 --learning-rate recipe --answer final --rerun-mean "$1" --json "$json" \
    > "${json%.json}.txt" 2> "${json%.json}-eval.log"
}
{ for name in first-h5 first2-h5 first2-h5-s1; do evaluate "$name" "$out/first-batch/$name" "$out/zoo40" final; done; } &
{ for name in first3-h5 first3-h5-s1; do evaluate "$name" "$out/first-batch/$name" "$out/zoo40" final; done
  evaluate all-h5 "$out/unrolled/batches5-u8-w1" "$out/zoo40" final; } &
wait
for answer in final best; do
  { for name in moments-s0 moments-s1; do evaluate "h2-$name" "$out/held/$name" "$out/zoo100" "$answer"; done; } &
  { evaluate h2-step "$out/control/step-h2" "$out/zoo100" "$answer"
    evaluate h2-moments-s2 "$out/held/moments-s2" "$out/zoo100" "$answer"; } &
  wait
done
{ evaluate h2-moments-s0 "$out/held/moments-s0" "$out/zoo100" best 32
  evaluate h2-moments-s1 "$out/held/moments-s1" "$out/zoo100" best 32; } &
{ evaluate h2-step "$out/control/step-h2" "$out/zoo100" best 32
  evaluate h2-moments-s2 "$out/held/moments-s2" "$out/zoo100" best 32; } &
wait
# The mean of K more recipe trainings per start on other data orders: the network a start leads
# to whatever the data (the generations are seed 0's last answers again; the audit adds the mean).
{ for k in 2 8; do evaluate_rerun_mean "$k"; done; } &
{ for k in 4 16; do evaluate_rerun_mean "$k"; done; } &
wait
# Adam itself on fresh batches of 8 and of 64 patches (Adam's step, one iteration per call), last answer.
for patches in 8 64; do
  { step=$out/control/fresh-step-p$patches
    [ -d "$step" ] || "$bin" learned-optimizer train --zoo "$out/zoo100" --out "$step" --gradient training-patches \
      --cases-per-call "$patches" --horizon 1 --maximum-calls 200 --history adam-step --steps 0 2> "$step.log"
    evaluate "fresh-step-p$patches" "$step" "$out/zoo100" final; } &
done
wait
grep -H 'unseen starts:' "$study"/*-eval.log
