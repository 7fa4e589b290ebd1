#!/usr/bin/env python3
"""nnU-Net v2's own trainer on a weightgen phantom task, for the collapse comparison.

Plans and preprocesses the raw dataset with nnU-Net, overrides the 2D configuration's
architecture, patch and batch with weightgen's `tiny` preset and defaults (features 4-8-16,
patch 64x64, batch 16), uses weightgen's train/validation split (its split.json), trains
nnUNetTrainer (SGD 1e-2 Nesterov, poly, Dice + CE, deep supervision, its augmentation) for
EPOCHS x ITERATIONS_PER_EPOCH steps with torch, numpy and random seeded, and prints one JSON
line with nnU-Net's own validation Dice (summary.json, foreground mean). nnU-Net lowers the
learning rate once per epoch, so the schedule is poly in steps of ITERATIONS_PER_EPOCH.
Run with the interpreter of scripts/experiments/nnunet_venv.sh.
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", required=True, help="nnU-Net raw dataset folder (DatasetNNN_Name)")
    parser.add_argument("--split", required=True, help="weightgen split.json (training and validation identifiers)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--iterations-per-epoch", type=int, default=25)
    parser.add_argument("--features", default="4,8,16")
    parser.add_argument("--patch", default="64,64")
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="weightgen-nnunet-seeds-")
    for sub in ("raw", "preprocessed", "results"):
        os.makedirs(os.path.join(work, sub))
    os.environ["nnUNet_raw"] = os.path.join(work, "raw")
    os.environ["nnUNet_preprocessed"] = os.path.join(work, "preprocessed")
    os.environ["nnUNet_results"] = os.path.join(work, "results")
    os.environ.setdefault("nnUNet_n_proc_DA", "1")
    os.environ.setdefault("nnUNet_def_n_proc", "1")
    import numpy as np
    import torch
    from nnunetv2.experiment_planning.plan_and_preprocess_api import extract_fingerprints, plan_experiments, preprocess
    from nnunetv2.run.run_training import get_trainer_from_args

    torch.set_num_threads(1)
    dataset_id = 988
    name = f"Dataset{dataset_id}_WeightgenCollapse"
    try:
        shutil.copytree(args.raw, os.path.join(work, "raw", name))
        log = open(os.path.join(work, "nnunet.log"), "w")
        stdout, sys.stdout = sys.stdout, log
        try:
            extract_fingerprints([dataset_id], check_dataset_integrity=True, num_processes=1)
            plan_experiments([dataset_id])
            plans_path = os.path.join(work, "preprocessed", name, "nnUNetPlans.json")
            with open(plans_path) as f:
                plans = json.load(f)
            features = [int(v) for v in args.features.split(",")]
            config = plans["configurations"]["2d"]
            config["architecture"]["arch_kwargs"].update(
                n_stages=len(features), features_per_stage=features, kernel_sizes=[[3, 3]] * len(features),
                strides=[[1, 1]] + [[2, 2]] * (len(features) - 1), n_conv_per_stage=[2] * len(features),
                n_conv_per_stage_decoder=[2] * (len(features) - 1))
            config["patch_size"] = [int(v) for v in args.patch.split(",")]
            config["batch_size"] = args.batch
            with open(plans_path, "w") as f:
                json.dump(plans, f, indent=2)
            preprocess([dataset_id], configurations=("2d",), num_processes=(1,), show_progress_bar=False)
            with open(args.split) as f:
                split = json.load(f)
            with open(os.path.join(work, "preprocessed", name, "splits_final.json"), "w") as f:
                json.dump([{"train": split["training"], "val": split["validation"]}], f)
            random.seed(args.seed)
            np.random.seed(args.seed)
            torch.manual_seed(args.seed)
            trainer = get_trainer_from_args(str(dataset_id), "2d", 0, "nnUNetTrainer", "nnUNetPlans",
                                            device=torch.device("cpu"))
            trainer.num_epochs = args.epochs
            trainer.num_iterations_per_epoch = args.iterations_per_epoch
            trainer.num_val_iterations_per_epoch = 1
            trainer.run_training()
            trainer.perform_actual_validation(False)
        finally:
            sys.stdout = stdout
        summary_path = os.path.join(trainer.output_folder, "validation", "summary.json")
        with open(summary_path) as f:
            summary = json.load(f)
        print(json.dumps({"seed": args.seed, "iterations": args.epochs * args.iterations_per_epoch,
                          "validation_dice": summary["foreground_mean"]["Dice"]}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
