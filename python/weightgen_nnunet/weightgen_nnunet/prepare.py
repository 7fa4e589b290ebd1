"""Makes an nnU-Net dataset train what a weightgen zoo holds, before `nnUNetv2_train -tr nnUNetTrainerZoo`:

    python -m weightgen_nnunet.prepare --zoo ZOO --task cord --preprocessed $nnUNet_preprocessed/Dataset101_PhantomCord

- the 2D configuration of nnUNetPlans.json gets the zoo's U-Net (its preset's features, 3x3
  convolutions, stride 2 from the second stage, two convolutions per block) and patch size, so
  every recorded checkpoint fits the zoo's architecture;
- splits_final.json gets the zoo's training cases as fold 0's training set and its validation
  cases as fold 0's validation set, so nnU-Net never sees the zoo's test cases (the import
  refuses a run that did).

Run it after nnUNetv2_plan_experiment and before nnUNetv2_preprocess (the patch size changes
nothing in preprocessing, but the plans are copied into every training's output).
"""
import argparse
import json
import os
import sqlite3

PRESET_FEATURES = {"tiny": [4, 8, 16], "small": [8, 16, 32, 64], "medium": [16, 32, 64, 128, 256]}


def zoo_plan_and_split(zoo: str, task: str) -> tuple:
    """(the zoo's plan, {role: case identifiers}) read from ZOO/zoo.sqlite."""
    with sqlite3.connect(f"file:{os.path.join(zoo, 'zoo.sqlite')}?mode=ro", uri=True) as database:
        (plan_text,) = database.execute("SELECT plan FROM zoo WHERE id = 1").fetchone()
        rows = database.execute("SELECT c.identifier, c.role FROM cases c JOIN tasks t ON t.id = c.task_id WHERE t.name = ?",
                                (task,)).fetchall()
    if not rows:
        raise SystemExit(f"{zoo}: the zoo has no task {task}")
    split = {}
    for identifier, role in rows:
        split.setdefault(role, []).append(identifier)
    return json.loads(plan_text), {role: sorted(cases) for role, cases in split.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--task", required=True)
    parser.add_argument("--preprocessed", required=True, help="nnUNet_preprocessed/DatasetNNN_Name")
    parser.add_argument("--plans", default="nnUNetPlans")
    parser.add_argument("--batch-size", type=int, default=None, help="default: nnU-Net's plan")
    args = parser.parse_args()
    plan, split = zoo_plan_and_split(args.zoo, args.task)
    if plan["spatialRank"] != 2:
        raise SystemExit("only 2D zoos are supported")
    features = PRESET_FEATURES[plan["preset"]]
    plans_path = os.path.join(args.preprocessed, args.plans + ".json")
    with open(plans_path) as handle:
        plans = json.load(handle)
    configuration = plans["configurations"]["2d"]
    configuration["architecture"]["arch_kwargs"].update(
        n_stages=len(features), features_per_stage=features, kernel_sizes=[[3, 3]] * len(features),
        strides=[[1, 1]] + [[2, 2]] * (len(features) - 1), n_conv_per_stage=[2] * len(features),
        n_conv_per_stage_decoder=[2] * (len(features) - 1), conv_bias=True)
    configuration["patch_size"] = list(plan["patchSize"][-2:])
    if args.batch_size:
        configuration["batch_size"] = args.batch_size
    with open(plans_path, "w") as handle:
        json.dump(plans, handle, indent=2)
    with open(os.path.join(args.preprocessed, "splits_final.json"), "w") as handle:
        json.dump([{"train": split.get("training", []), "val": split.get("validation", [])}], handle, indent=1)
    print(f"{plans_path}: 2d = PlainConvUNet {features}, patch {configuration['patch_size']}; "
          f"splits_final.json: {len(split.get('training', []))} training, {len(split.get('validation', []))} validation cases "
          f"({len(split.get('test', []))} test cases left out)")


if __name__ == "__main__":
    main()
