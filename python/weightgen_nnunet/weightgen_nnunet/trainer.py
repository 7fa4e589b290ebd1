"""nnUNetTrainerZoo: nnU-Net's own trainer that also records a checkpoint zoo run.

    nnUNetv2_train DATASET 2d 0 -tr nnUNetTrainerZoo

Training is nnU-Net's, unchanged, apart from what `settings.py` lets a lab set (run length,
learning rate, seed). The recording lives in `fold_N/weightgen_zoo/` (`recorder.py`).
"""
import os
import random

import numpy as np
import torch
from torch._dynamo import OptimizedModule

from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer

from .recorder import FOLDER_NAME, ZooRecorder
from .settings import ZooSettings


class nnUNetTrainerZoo(nnUNetTrainer):
    def __init__(self, plans: dict, configuration: str, fold: int, dataset_json: dict,
                 device: torch.device = torch.device("cuda")):
        super().__init__(plans, configuration, fold, dataset_json, device)
        self.zoo_settings = ZooSettings.load(self.preprocessed_dataset_folder_base)
        s = self.zoo_settings
        self.num_epochs = s.num_epochs or self.num_epochs
        self.num_iterations_per_epoch = s.iterations_per_epoch or self.num_iterations_per_epoch
        self.num_val_iterations_per_epoch = s.val_iterations_per_epoch or self.num_val_iterations_per_epoch
        self.initial_lr = s.initial_lr or self.initial_lr
        self.zoo_epochs = set(s.recorded_epochs(self.num_epochs))
        self.zoo_recorder = None

    def initialize(self):
        # Seeded before the network is built: the seed fixes the initialisation a zoo run starts from.
        seed = self.zoo_settings.seed
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        super().initialize()

    def on_train_start(self):
        super().on_train_start()
        if self.local_rank != 0:
            return
        training_cases, validation_cases = self.do_split()
        self.zoo_recorder = ZooRecorder(os.path.join(self.output_folder, FOLDER_NAME), {
            "trainer": self.__class__.__name__,
            "dataset": self.plans_manager.dataset_name,
            "plans": self.plans_manager.plans_name,
            "configuration": self.configuration_name,
            "fold": self.fold,
            "seed": self.zoo_settings.seed,
            "hyperparameters": self._zoo_hyperparameters(),
            "recorded_epochs": sorted(self.zoo_epochs),
            "training_cases": sorted(str(c) for c in training_cases),
            "validation_cases": sorted(str(c) for c in validation_cases),
        }, self.zoo_settings.parameters)
        self.zoo_recorder.resume(self.current_epoch)
        if self.current_epoch == 0:
            self.zoo_recorder.record(self._zoo_module(), 0, 0, {"learning_rate": self.initial_lr})

    def on_epoch_end(self):
        completed = self.current_epoch + 1
        if self.zoo_recorder is not None and completed in self.zoo_epochs:
            value = lambda key: self.logger.get_value(key, step=-1)
            self.zoo_recorder.record(self._zoo_module(), completed, completed * self.num_iterations_per_epoch, {
                "train_loss": value("train_losses"), "validation_loss": value("val_losses"),
                "pseudo_dice": value("mean_fg_dice"), "ema_pseudo_dice": value("ema_fg_dice"),
                "learning_rate": value("lrs")})
        super().on_epoch_end()

    def on_train_end(self):
        super().on_train_end()
        if self.zoo_recorder is not None and all(self.zoo_recorder.recorded(e) for e in self.zoo_epochs):
            self.zoo_recorder.finish()

    def _zoo_module(self):
        """The network itself, unwrapped from DDP and torch.compile (whose parameter names differ)."""
        module = self.network.module if self.is_ddp else self.network
        return module._orig_mod if isinstance(module, OptimizedModule) else module

    def _zoo_hyperparameters(self) -> dict:
        configuration = self.configuration_manager
        return {
            "optimizer": "sgd-nesterov", "momentum": 0.99, "initial_lr": self.initial_lr, "weight_decay": self.weight_decay,
            "lr_schedule": "poly-0.9", "batch_size": self.batch_size, "patch_size": list(configuration.patch_size),
            "num_epochs": self.num_epochs, "iterations_per_epoch": self.num_iterations_per_epoch,
            "val_iterations_per_epoch": self.num_val_iterations_per_epoch,
            "oversample_foreground_percent": self.oversample_foreground_percent,
            "deep_supervision": self.enable_deep_supervision,
            "architecture": configuration.network_arch_class_name,
            "arch_kwargs": {k: v for k, v in configuration.network_arch_init_kwargs.items()
                            if isinstance(v, (int, float, str, bool, list, type(None)))},
        }
