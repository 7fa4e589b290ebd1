#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of the Formats parsers.
#
#   scripts/fuzz.sh                      # every target, 1,000,000 runs each, one after another
#   scripts/fuzz.sh pickle -runs=100000  # one target; further arguments go to libFuzzer
#
# Targets: nifti, pickle, pth, safetensors (harnesses in Fuzz/harness, seeds in Fuzz/corpus/<target>).
# Each target is compiled with `swiftc -sanitize=fuzzer,address` from the Formats sources (the
# TensorBridge folder excluded, so TensorEngine is not needed) plus ZIPFoundation. New inputs go to
# .build-fuzz/corpus/<target>; crashes to .build-fuzz/crash-*. Runs at nice 10.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFTC=${SWIFTC:-swiftc}
BUILD=.build-fuzz
ALL_TARGETS=(nifti pickle pth safetensors)

targets=()
while [[ $# -gt 0 && $1 != -* ]]; do targets+=("$1"); shift; done
[[ ${#targets[@]} -eq 0 ]] && targets=("${ALL_TARGETS[@]}")
fuzzer_args=("$@")
[[ ${#fuzzer_args[@]} -eq 0 ]] && fuzzer_args=(-runs=1000000 -max_len=4096)

mkdir -p "$BUILD"
swift package --scratch-path "$BUILD/spm" resolve >/dev/null
ZIP="$BUILD/spm/checkouts/ZIPFoundation/Sources"
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 5)

if [[ ! -f "$BUILD/libZIPFoundation.a" ]]; then
    echo "building ZIPFoundation with sanitizers"
    "$SWIFTC" "${FLAGS[@]}" -emit-library -static -emit-module -module-name ZIPFoundation \
        -emit-module-path "$BUILD/ZIPFoundation.swiftmodule" -I "$ZIP/CZLib" -Xcc -D_GNU_SOURCE=1 \
        "$ZIP"/ZIPFoundation/*.swift -o "$BUILD/libZIPFoundation.a"
fi

mapfile -t SOURCES < <(find Sources/Formats -name '*.swift' -not -path '*/TensorBridge/*' | sort)
for target in "${targets[@]}"; do
    echo "building fuzz-$target"
    "$SWIFTC" "${FLAGS[@]}" -module-name FuzzFormats -I "$BUILD" -I Sources/CZlib -I "$ZIP/CZLib" \
        "${SOURCES[@]}" "Fuzz/harness/$target.swift" -L "$BUILD" -lZIPFoundation -lz -o "$BUILD/fuzz-$target" 2>&1 \
        | grep -v "Cannot export local symbol" || true
    mkdir -p "$BUILD/corpus/$target"
    leaks=1
    # ZIPFoundation's Archive(url:) leaks the 56-byte path buffer of FileManager.fileSystemRepresentation
    # on every open (third-party code), which LeakSanitizer would report as the first "crash".
    [[ $target == pth ]] && leaks=0
    echo "running fuzz-$target ${fuzzer_args[*]}"
    (cd "$BUILD" && ASAN_OPTIONS="detect_leaks=$leaks" nice -n 10 "./fuzz-$target" "corpus/$target" \
        "../Fuzz/corpus/$target" "${fuzzer_args[@]}" -detect_leaks=$leaks)
done
