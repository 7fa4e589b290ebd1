#!/usr/bin/env bash
# A checkpoint zoo recorded by nnU-Net's own trainer, end to end on the CPU (`make test-nnunet`):
# a Python venv with nnunetv2 + torch and the recorder package (python/weightgen_nnunet), a small
# phantom, a zoo on it, nnU-Net planning and preprocessing made to train the zoo's U-Net on the
# zoo's training cases, RUNS trainings with `-tr nnUNetTrainerZoo` (EPOCHS x ITERATIONS steps),
# `weightgen zoo import --nnunet-run`, `zoo verify`, one imported checkpoint's segmentations in
# weightgen against nnU-Net's own (Dice >= 0.99), a small generator on the zoo, and a training
# killed with SIGKILL mid-epoch whose recording must import cleanly. Prints each stage's time.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
OUT=${OUT:-runs/nnunet-zoo}
VENV=${VENV:-.venv-parity}
RUNS=${RUNS:-2}
EPOCHS=${EPOCHS:-4}
ITERATIONS=${ITERATIONS:-25}
WEIGHTGEN=${WEIGHTGEN:-.build/release/weightgen}
case $VENV in /*) ;; *) VENV=$PWD/$VENV ;; esac   # absolute: some steps run in other folders
PYTHON="$VENV/bin/python"
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE nnUNet_compile=f nnUNet_n_proc_DA=0 nnUNet_def_n_proc=1
stage() { echo "== $1 ($(( $(date +%s) - started )) s)"; }

stage "Python environment: nnunetv2, torch (CPU), weightgen-nnunet"
VENV=$VENV scripts/parity/make_venv.sh
"$VENV/bin/pip" install --quiet --no-deps --force-reinstall python/weightgen_nnunet
(cd python/weightgen_nnunet && "$PYTHON" -m unittest discover -s tests)

rm -rf "$OUT"
mkdir -p "$OUT/nnunet/raw" "$OUT/nnunet/preprocessed"
stage "phantom and zoo"
"$WEIGHTGEN" phantom --out "$OUT/data" --cases 40 --seed 1 --tasks cord
"$WEIGHTGEN" zoo create --dataset "$OUT/data" --tasks cord --preset small --runs 1 --checkpoints-per-run 2 --iterations 20 --batch-sizes 4 \
    --validation-cases 8 --test-cases 8 --patch 48,48 --workers 1 --out "$OUT/zoo"

stage "nnU-Net planning and preprocessing, made to train the zoo's U-Net on its training cases"
export nnUNet_raw="$PWD/$OUT/nnunet/raw" nnUNet_preprocessed="$PWD/$OUT/nnunet/preprocessed"
cp -r "$OUT/data/Dataset101_PhantomCord" "$nnUNet_raw/"
# Planning sizes torch's thread pool by nnUNet_n_proc_DA, which must be positive there.
nnUNet_n_proc_DA=1 "$VENV/bin/nnUNetv2_plan_and_preprocess" -d 101 -c 2d -np 1 > "$OUT/nnunet/plan_and_preprocess.log" 2>&1
"$PYTHON" -m weightgen_nnunet.prepare --zoo "$OUT/zoo" --task cord --preprocessed "$nnUNet_preprocessed/Dataset101_PhantomCord" \
    --batch-size 4

train() {  # SEED RESULTS EPOCHS: one recording training
    WEIGHTGEN_ZOO_SEED=$1 WEIGHTGEN_ZOO_NUM_EPOCHS=$3 WEIGHTGEN_ZOO_ITERATIONS_PER_EPOCH=$ITERATIONS \
    WEIGHTGEN_ZOO_VAL_ITERATIONS=2 WEIGHTGEN_ZOO_EPOCHS=every:1 nnUNet_results="$PWD/$2" \
        "$VENV/bin/nnUNetv2_train" 101 2d 0 -tr nnUNetTrainerZoo -device cpu
}
fold() { echo "$1/Dataset101_PhantomCord/nnUNetTrainerZoo__nnUNetPlans__2d/fold_0"; }
runs=()
for seed in $(seq 0 $((RUNS - 1))); do
    stage "nnUNetv2_train -tr nnUNetTrainerZoo, seed $seed ($EPOCHS epochs x $ITERATIONS iterations)"
    train "$seed" "$OUT/nnunet/results-$seed" "$EPOCHS" > "$OUT/nnunet/train-$seed.log" 2>&1
    runs+=(--nnunet-run "$(fold "$OUT/nnunet/results-$seed")")
done

stage "weightgen zoo import, verify, stats"
"$WEIGHTGEN" zoo import "$OUT/zoo" --task cord "${runs[@]}"
"$WEIGHTGEN" zoo verify "$OUT/zoo"
"$WEIGHTGEN" zoo stats "$OUT/zoo"
"$PYTHON" - "$OUT/zoo" "$OUT/nnunet" "$RUNS" <<'PY'
import json, sqlite3, sys
zoo, nnunet, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(f"{zoo}/zoo.sqlite")
imported = db.execute("SELECT r.run_index, COUNT(c.id) FROM runs r JOIN checkpoints c ON c.run_id = r.id "
                      "WHERE r.source = 'recorded' GROUP BY r.id ORDER BY r.run_index").fetchall()
for seed, (index, count) in zip(range(runs), imported):
    manifest = json.load(open(f"{nnunet}/results-{seed}/Dataset101_PhantomCord/nnUNetTrainerZoo__nnUNetPlans__2d/fold_0/weightgen_zoo/manifest.json"))
    planned, recorded = len(manifest["recorded_epochs"]), len(manifest["checkpoints"])
    print(f"seed {seed}: planned {planned}, recorded {recorded}, imported {count} checkpoints as run {index}")
    assert planned == recorded == count, "recorded checkpoints differ from the plan"
assert len(imported) == runs
PY

stage "parity: an imported checkpoint in weightgen against nnU-Net's own model"
# The recorded run whose final checkpoint has the best validation Dice (test cases select nothing).
best=$("$PYTHON" - "$OUT/zoo/zoo.sqlite" <<'PY'
import sqlite3, sys
print(*sqlite3.connect(sys.argv[1]).execute(
    "SELECT r.run_index, r.seed FROM runs r JOIN checkpoints c ON c.run_id = r.id "
    "WHERE r.source = 'recorded' AND c.iteration = r.iterations ORDER BY c.validation_dice DESC LIMIT 1").fetchone())
PY
)
read -r run seed <<< "$best"
model=$(dirname "$(fold "$OUT/nnunet/results-$seed")")
"$WEIGHTGEN" zoo export "$OUT/zoo" --task cord --run "$run" --plans-from "$model" --out "$OUT/parity/exported"
mkdir -p "$OUT/parity/images" "$OUT/parity/nnunet" "$OUT/parity/weightgen"
for case in $("$PYTHON" -c "import sqlite3,sys; print(' '.join(r[0] for r in sqlite3.connect(sys.argv[1]).execute(\"SELECT identifier FROM cases WHERE role='test'\")))" "$OUT/zoo/zoo.sqlite"); do
    cp "$nnUNet_raw/Dataset101_PhantomCord/imagesTr/${case}_0000.nii.gz" "$OUT/parity/images/"
    "$WEIGHTGEN" predict --model "$OUT/parity/exported" --input "$OUT/parity/images/${case}_0000.nii.gz" \
        --output "$OUT/parity/weightgen/${case}.nii.gz" --probabilities "$OUT/parity/weightgen/${case}_probabilities.nii.gz" > /dev/null
done
nnUNet_results="$PWD/$OUT/nnunet/results-$seed" "$VENV/bin/nnUNetv2_predict" -i "$OUT/parity/images" -o "$OUT/parity/nnunet" \
    -d 101 -c 2d -f 0 -tr nnUNetTrainerZoo -device cpu -npp 1 -nps 1 --save_probabilities > "$OUT/parity/predict.log" 2>&1
"$PYTHON" - "$OUT/parity" <<'PY'
import glob, os, sys
import nibabel as nib, numpy as np
folder = sys.argv[1]
dices, largest, voxels = [], 0.0, 0
for path in sorted(glob.glob(f"{folder}/nnunet/*.nii.gz")):
    case = os.path.basename(path)[:-len(".nii.gz")]
    theirs = np.asanyarray(nib.load(path).dataobj) > 0
    ours = np.asanyarray(nib.load(f"{folder}/weightgen/{case}.nii.gz").dataobj) > 0
    total = theirs.sum() + ours.sum()
    dices.append(1.0 if total == 0 else 2 * (theirs & ours).sum() / total)
    voxels += int(theirs.sum())
    # nnU-Net's probabilities are (class, z, y, x); weightgen's NIfTI is (x, y, z, class).
    reference = 1 - np.load(f"{folder}/nnunet/{case}.npz")["probabilities"].transpose(0, 3, 2, 1)[0]
    foreground = 1 - nib.load(f"{folder}/weightgen/{case}_probabilities.nii.gz").get_fdata()[..., 0]
    largest = max(largest, float(np.abs(foreground - reference).max()))
print(f"Dice weightgen vs nnU-Net on {len(dices)} test cases ({voxels} foreground voxels in nnU-Net's): "
      f"min {min(dices):.4f}, mean {np.mean(dices):.4f}; largest foreground probability difference {largest:.5f}")
assert len(dices) > 0 and min(dices) >= 0.99, "weightgen's segmentation differs from nnU-Net's"
assert largest < 0.01, "weightgen's probabilities differ from nnU-Net's"
PY

stage "small generator on the zoo"
"$WEIGHTGEN" generator train --zoo "$OUT/zoo" --out "$OUT/generator" --config small --steps 50 --batch-size 4 --runs 0

stage "kill -9 mid-epoch: the recording imports with only complete checkpoints"
killed="$OUT/nnunet/results-killed"
train 99 "$killed" 40 > "$OUT/nnunet/train-killed.log" 2>&1 &
trainer=$!
manifest="$(fold "$killed")/weightgen_zoo/manifest.json"
until [ -f "$manifest" ] && [ "$("$PYTHON" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['checkpoints']))" "$manifest")" -ge 3 ]; do
    kill -0 $trainer 2>/dev/null || { echo "the training ended before it could be killed"; exit 1; }
    sleep 0.5
done
sleep 1.3
pkill -KILL -P $trainer 2>/dev/null || true
kill -KILL $trainer 2>/dev/null || true
wait $trainer 2>/dev/null || true
ls -a "$(fold "$killed")/weightgen_zoo"
cp -r "$OUT/zoo" "$OUT/zoo-killed"
"$WEIGHTGEN" zoo import "$OUT/zoo-killed" --task cord --nnunet-run "$(fold "$killed")"
"$WEIGHTGEN" zoo verify "$OUT/zoo-killed"

stage "done: wall time $(( $(date +%s) - started )) s"
