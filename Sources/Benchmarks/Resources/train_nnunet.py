#!/usr/bin/env python3
"""nnU-Net side of `weightgen bench train`: times nnU-Net v2's own trainer on CPU.

Plans and preprocesses the given raw dataset with nnU-Net, then overrides the 2D
configuration's architecture, patch size and batch size with the ones weightgen uses (the
shared fixture's: PlainConvUNet features 8-64, patch 72x56, batch 4), builds nnUNetTrainer
(deep supervision, nnU-Net's augmentation in background workers) and times train_step on
batches from its own data loader. Prints {"cases": {name: seconds per iteration}} or
{"skipped": reason}.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", required=True, help="nnU-Net raw dataset folder (DatasetNNN_Name)")
    parser.add_argument("--name", required=True, help="case name to report the timing under")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--features", default="8,16,32,64")
    parser.add_argument("--patch", default="72,56")
    parser.add_argument("--batch", type=int, default=4)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="weightgen-nnunet-bench-")
    for sub in ("raw", "preprocessed", "results"):
        os.makedirs(os.path.join(work, sub))
    os.environ["nnUNet_raw"] = os.path.join(work, "raw")
    os.environ["nnUNet_preprocessed"] = os.path.join(work, "preprocessed")
    os.environ["nnUNet_results"] = os.path.join(work, "results")
    os.environ.setdefault("nnUNet_n_proc_DA", str(args.threads))
    try:
        import torch
        from nnunetv2.experiment_planning.plan_and_preprocess_api import (extract_fingerprints, plan_experiments,
                                                                          preprocess)
        from nnunetv2.run.run_training import get_trainer_from_args
    except ImportError as error:
        print(json.dumps({"skipped": f"nnunetv2 is not importable by {sys.executable}: {error}"}))
        return
    torch.set_num_threads(args.threads)
    dataset_id = 987
    name = f"Dataset{dataset_id}_WeightgenBench"
    try:
        shutil.copytree(args.raw, os.path.join(work, "raw", name))
        quiet = open(os.devnull, "w")
        stdout, sys.stdout = sys.stdout, quiet
        try:
            extract_fingerprints([dataset_id], check_dataset_integrity=True, num_processes=args.threads)
            plan_experiments([dataset_id])
            plans_path = os.path.join(work, "preprocessed", name, "nnUNetPlans.json")
            with open(plans_path) as f:
                plans = json.load(f)
            features = [int(v) for v in args.features.split(",")]
            config = plans["configurations"]["2d"]
            kwargs = config["architecture"]["arch_kwargs"]
            kwargs.update(n_stages=len(features), features_per_stage=features,
                          kernel_sizes=[[3, 3]] * len(features),
                          strides=[[1, 1]] + [[2, 2]] * (len(features) - 1),
                          n_conv_per_stage=[2] * len(features), n_conv_per_stage_decoder=[2] * (len(features) - 1))
            config["patch_size"] = [int(v) for v in args.patch.split(",")]
            config["batch_size"] = args.batch
            with open(plans_path, "w") as f:
                json.dump(plans, f, indent=2)
            preprocess([dataset_id], configurations=("2d",), num_processes=(args.threads,), show_progress_bar=False)
            trainer = get_trainer_from_args(str(dataset_id), "2d", 0, "nnUNetTrainer", "nnUNetPlans",
                                            device=torch.device("cpu"))
            trainer.initialize()
            trainer.on_train_start()
        finally:
            sys.stdout = stdout
        trainer.network.train()
        for _ in range(args.warmup):
            trainer.train_step(next(trainer.dataloader_train))
        start = time.perf_counter()
        for _ in range(args.iterations):
            trainer.train_step(next(trainer.dataloader_train))
        seconds = (time.perf_counter() - start) / args.iterations
        try:
            trainer.on_train_end()
        except Exception:
            pass
        print(json.dumps({"nnunetv2": "ok", "threads": args.threads, "cases": {args.name: seconds}}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
