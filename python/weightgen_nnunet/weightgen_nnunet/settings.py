"""What a recording run does, from `weightgen_zoo.json` beside the preprocessed dataset
(nnUNet_preprocessed/DatasetNNN_Name/weightgen_zoo.json) and `WEIGHTGEN_ZOO_*` environment
variables, which take precedence:

| JSON key                  | environment variable                | default                             |
| epochs                    | WEIGHTGEN_ZOO_EPOCHS                | every:max(1, num_epochs // 20)      |
| num_epochs                | WEIGHTGEN_ZOO_NUM_EPOCHS            | nnU-Net's (1000)                    |
| iterations_per_epoch      | WEIGHTGEN_ZOO_ITERATIONS_PER_EPOCH  | nnU-Net's (250)                     |
| val_iterations_per_epoch  | WEIGHTGEN_ZOO_VAL_ITERATIONS        | nnU-Net's (50)                      |
| initial_lr                | WEIGHTGEN_ZOO_INITIAL_LR            | nnU-Net's (1e-2)                    |
| seed                      | WEIGHTGEN_ZOO_SEED                  | 0                                   |
| parameters                | WEIGHTGEN_ZOO_PARAMETERS            | every parameter                     |

`epochs` counts completed epochs: a list ("1,2,5,10" or [1, 2, 5, 10]) or "every:N". The
initial weights and the final epoch are always recorded. `parameters` is a list of name
patterns (fnmatch, e.g. "decoder.seg_layers.*") to record a part of the network only.
"""
import json
import os
from dataclasses import dataclass, field
from typing import List, Optional

FILE_NAME = "weightgen_zoo.json"


@dataclass
class ZooSettings:
    epochs: str = ""
    num_epochs: Optional[int] = None
    iterations_per_epoch: Optional[int] = None
    val_iterations_per_epoch: Optional[int] = None
    initial_lr: Optional[float] = None
    seed: int = 0
    parameters: List[str] = field(default_factory=list)

    @staticmethod
    def load(preprocessed_dataset_folder: str, environment=os.environ) -> "ZooSettings":
        """The settings of the JSON file in `preprocessed_dataset_folder` (when present) overridden by `environment`."""
        values = {}
        path = os.path.join(preprocessed_dataset_folder, FILE_NAME)
        if os.path.isfile(path):
            with open(path) as handle:
                values = json.load(handle)
            unknown = set(values) - set(ZooSettings.__dataclass_fields__)
            if unknown:
                raise ValueError(f"{path}: unknown keys {sorted(unknown)}; known: {sorted(ZooSettings.__dataclass_fields__)}")
        names = {"epochs": "WEIGHTGEN_ZOO_EPOCHS", "num_epochs": "WEIGHTGEN_ZOO_NUM_EPOCHS",
                 "iterations_per_epoch": "WEIGHTGEN_ZOO_ITERATIONS_PER_EPOCH",
                 "val_iterations_per_epoch": "WEIGHTGEN_ZOO_VAL_ITERATIONS", "initial_lr": "WEIGHTGEN_ZOO_INITIAL_LR",
                 "seed": "WEIGHTGEN_ZOO_SEED", "parameters": "WEIGHTGEN_ZOO_PARAMETERS"}
        for key, variable in names.items():
            if environment.get(variable):
                values[key] = environment[variable]
        settings = ZooSettings()
        for key in ("num_epochs", "iterations_per_epoch", "val_iterations_per_epoch", "seed"):
            if key in values:
                setattr(settings, key, int(values[key]))
        if "initial_lr" in values:
            settings.initial_lr = float(values["initial_lr"])
        if "epochs" in values:
            epochs = values["epochs"]
            settings.epochs = ",".join(str(e) for e in epochs) if isinstance(epochs, list) else str(epochs)
        if "parameters" in values:
            patterns = values["parameters"]
            settings.parameters = [p.strip() for p in (patterns.split(",") if isinstance(patterns, str) else patterns) if p.strip()]
        return settings

    def recorded_epochs(self, num_epochs: int) -> List[int]:
        """Completed-epoch counts whose weights are recorded (0, the initial weights, and `num_epochs` included)."""
        text = self.epochs.strip() or f"every:{max(1, num_epochs // 20)}"
        if text.startswith("every:"):
            step = int(text[len("every:"):])
            if step < 1:
                raise ValueError(f"epochs {text}: the step must be positive")
            chosen = set(range(step, num_epochs + 1, step))
        else:
            chosen = {int(part) for part in text.split(",") if part.strip()}
            outside = sorted(e for e in chosen if not 0 <= e <= num_epochs)
            if outside:
                raise ValueError(f"epochs {text}: {outside} lie outside 0...{num_epochs}")
        return sorted(chosen | {0, num_epochs})
