#!/usr/bin/env bash
# Runs the numeric test targets once per OpenBLAS kernel family this CPU can run, forced with
# OPENBLAS_CORETYPE, and prints the kernel OpenBLAS actually used for each: float results of
# matrix products differ between kernels, and a tolerance that only holds for one of them
# fails on another machine. weightgen's own convolution kernels are held to the same CPU
# family's instruction set (WEIGHTGEN_KERNELS: avx512, avx2, or portable below AVX2). Tests that assert bit-for-bit determinism compare runs within one
# process, so they hold for each kernel and thread count separately.
# Usage: scripts/test-kernels.sh [FAMILY ...]   (default: every family below that this CPU supports)
# Expects `swift build -c release --build-tests -Xswiftc -enable-testing` to have run (make test-kernels does it).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE

cpu_has() { grep -qw "$1" /proc/cpuinfo; }
if [ $# -gt 0 ]; then
  families=("$@")
else
  families=()
  cpu_has avx512f && families+=(SkylakeX)
  cpu_has avx2 && families+=(Haswell)
  cpu_has avx && families+=(Sandybridge)
  families+=(Nehalem)   # SSE only: the generic x86-64 kernels
fi

# The targets whose results pass through BLAS; Formats has no float arithmetic to speak of.
targets=(TensorEngineTests NeuralNetworkTests SegmentationTests GeneratorTests ZooTests ExperimentsTests)
filter=$(IFS='|'; echo "^(${targets[*]})\\.")

summary=()
status=0
level_of() { case "$1" in SkylakeX|Cooperlake|SapphireRapids) echo avx512 ;; Haswell|Zen) echo avx2 ;; *) echo portable ;; esac; }
for family in "${families[@]}"; do
  export WEIGHTGEN_KERNELS
  WEIGHTGEN_KERNELS=$(level_of "$family")
  used=$(OPENBLAS_CORETYPE="$family" .build/release/weightgen --version | sed -n 's/.*kernel //p')
  echo "=== OPENBLAS_CORETYPE=$family: OpenBLAS uses kernel '$used'; convolution kernels $WEIGHTGEN_KERNELS"
  log=$(mktemp)
  if OPENBLAS_CORETYPE="$family" swift test -c release --skip-build -Xswiftc -enable-testing --disable-swift-testing \
       --filter "$filter" >"$log" 2>&1; then :; fi
  grep -E ": error:" "$log" || true
  line=$(grep -E "Executed [0-9]+ tests" "$log" | tail -1 | sed 's/^[[:space:]]*//')
  if grep -qE " 0 failures" <<<"$line"; then verdict=passed; else verdict=FAILED; status=1; fi
  summary+=("$family (kernel $used, convolutions $WEIGHTGEN_KERNELS): $verdict: ${line:-no test summary}")
  rm -f "$log"
done
echo
echo "Kernel matrix:"
printf '  %s\n' "${summary[@]}"
exit $status
