#!/usr/bin/env bash
# `make test-slurm`: weightgen's Slurm jobs on a one-node cluster started here.
#  1. A small zoo built by one `zoo create`, and the same plan as a 4-shard array whose shard 1
#     is cancelled mid-run and resubmitted: the merged zoo must equal the single build,
#     checkpoint by checkpoint (CRC-32) and run by run.
#  2. A generator training job requeued twice mid-run (SIGTERM, save, requeue, resume) must end
#     with the tensors of an uninterrupted run of the same seed, bit for bit.
# Prints the wall times; exits non-zero on the first failed check.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bin=$root/.build/release/weightgen
work=${SLURM_TEST_DIR:-$root/.slurm-test}
[ -x "$bin" ] || swift build -c release
rm -rf "$work" && mkdir -p "$work"
export WEIGHTGEN=$bin WEIGHTGEN_THREADS=1 OMP_WAIT_POLICY=PASSIVE

fail() { echo "test-slurm: FAILED: $*" >&2; exit 1; }
step() { echo "test-slurm: $*"; }
# Waits up to $3 seconds (default 600) until `$1` succeeds, naming `$2` when it does not.
wait_until() {
  local deadline=$((SECONDS + ${3:-600}))
  until eval "$1"; do [ $SECONDS -lt $deadline ] || fail "timed out waiting for $2"; sleep 1; done
}
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
jobs_gone() { [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]; }

scripts/slurm/local_cluster.sh up
trap 'scripts/slurm/local_cluster.sh down' EXIT
eval "$(scripts/slurm/local_cluster.sh env)"

# --- 1. zoo: one machine against a 4-shard array with a cancelled, resubmitted shard ----------
"$bin" phantom --out "$work/data" --cases 24 --seed 5 >/dev/null
plan=(--dataset "$work/data" --tasks cord,canal --runs 8 --checkpoints-per-run 5 --iterations 150,300
      --batch-sizes 4 --validation-cases 4 --test-cases 4 --seed 3)
start=$SECONDS
"$bin" zoo create "${plan[@]}" --workers 2 --out "$work/zoo-one" 2> "$work/zoo-one.log"
one_seconds=$((SECONDS - start))
step "one zoo create (2 workers): ${one_seconds} s"

start=$SECONDS
submitted=$(scripts/slurm/submit_zoo.sh 4 "$work/shards" "$work/zoo-slurm" -- "${plan[@]}")
echo "$submitted"
array=$(sed -n 's/^array \([0-9]*\):.*/\1/p' <<<"$submitted")
merge=$(sed -n 's/^merge \([0-9]*\) .*/\1/p' <<<"$submitted")
shard1_log=$work/shards/zoo-${array}_1.log
# Cancel shard 1 once it has recorded a run and is training the next one.
wait_until "grep -q 'runs 1/' '$shard1_log' 2>/dev/null" "shard 1's first run"
scancel "${array}_1"
step "cancelled array task ${array}_1 after its first run"
wait_until "jobs_gone $array && jobs_gone $merge" "the array and the merge to end"
[ "$(job_state "${array}_1")" = CANCELLED ] || fail "array task ${array}_1 is $(job_state "${array}_1"), expected CANCELLED"
[ "$(job_state "$merge")" = CANCELLED ] || fail "merge job $merge is $(job_state "$merge"), expected CANCELLED (a shard was cancelled)"
if "$bin" zoo verify --complete "$work/shards/shard-1" >/dev/null 2>&1; then fail "shard 1 is complete although it was cancelled"; fi
recorded=$("$bin" zoo verify "$work/shards/shard-1" | sed -n 's/.*; \([0-9]*\) runs,.*/\1/p')
step "shard 1 holds $recorded of its 4 runs; resubmitting"

resubmitted=$(scripts/slurm/submit_zoo.sh 4 "$work/shards" "$work/zoo-slurm" -- "${plan[@]}")
echo "$resubmitted"
grep -q "shards 1 of 4" <<<"$resubmitted" || fail "resubmission should submit shard 1 alone"
array2=$(sed -n 's/^array \([0-9]*\):.*/\1/p' <<<"$resubmitted")
merge2=$(sed -n 's/^merge \([0-9]*\) .*/\1/p' <<<"$resubmitted")
wait_until "jobs_gone $array2 && jobs_gone $merge2" "the resubmitted shard and the merge"
[ "$(job_state "$merge2")" = COMPLETED ] || fail "merge job $merge2 is $(job_state "$merge2"); see $work/shards/zoo-merge-$merge2.log"
slurm_seconds=$((SECONDS - start))
"$bin" zoo verify --complete "$work/zoo-slurm"
"$bin" zoo compare "$work/zoo-one" "$work/zoo-slurm" || fail "the Slurm zoo differs from the single build"
step "4-shard array with shard 1 cancelled and resubmitted, merged: ${slurm_seconds} s (one zoo create: ${one_seconds} s)"

# --- 2. generator training requeued twice against an uninterrupted run ------------------------
generator=(--zoo "$work/zoo-one" --config small --steps 300 --seed 1)
start=$SECONDS
WEIGHTGEN_THREADS=2 "$bin" generator train "${generator[@]}" --out "$work/generator-one" 2> "$work/generator-one.log"
step "uninterrupted generator training: $((SECONDS - start)) s"

start=$SECONDS
# Two threads on both sides: results are bit for bit for one kernel and thread count.
job=$(sbatch --parsable --chdir "$work" --cpus-per-task=2 --export=ALL,WEIGHTGEN_THREADS=2 \
  scripts/slurm/generator_train.sh "${generator[@]}" --out "$work/generator-slurm")
log=$work/generator-$job.log
for restart in 0 1; do
  # Requeue between two saves (every 250 steps), so the resumed state is the one written on SIGTERM.
  threshold=$((restart == 0 ? 50 : 150))
  wait_until "awk '/restart /{r=\$NF} /step [0-9]+\\//{split(\$0,a,\"step \"); split(a[2],b,\"/\"); if (r==$restart && b[1]+0>=$threshold) f=1} END{exit !f}' '$log' 2>/dev/null" \
    "step $threshold of the job's run $restart"
  scontrol requeue "$job"
  step "requeued generator job $job at step ≥ $threshold"
  # Slurm holds a requeued job for a while before it may start again; the test need not wait.
  wait_until "[ \"\$(job_state $job)\" = PENDING ]" "the job to be pending again" 120
  scontrol update JobId="$job" StartTime=now
  wait_until "grep -q 'restart $((restart + 1))' '$log' 2>/dev/null" "the job to restart"
done
wait_until "jobs_gone $job" "the generator job to finish" 900
[ "$(job_state "$job")" = COMPLETED ] || fail "generator job $job is $(job_state "$job"); see $log"
[ "$(grep -c 'stopped at step' "$log")" -eq 2 ] || fail "expected two saves on SIGTERM in $log"
grep 'stopped at step' "$log"
step "generator job requeued twice: $((SECONDS - start)) s"
tensors() { "$bin" inspect "$1/generator.safetensors" | grep crc32; }
[ "$(tensors "$work/generator-one" | wc -l)" -gt 0 ] || fail "no tensors listed"
diff <(tensors "$work/generator-one") <(tensors "$work/generator-slurm") >/dev/null ||
  fail "the requeued generator's tensors differ from the uninterrupted run's"
step "generator tensors (model, EMA, Adam moments) equal bit for bit: $(tensors "$work/generator-one" | wc -l) tensors"
step "passed"
