"""Record a checkpoint zoo from nnU-Net v2's own training, for `weightgen zoo import --nnunet-run`.

`nnUNetv2_train DATASET 2d 0 -tr nnUNetTrainerZoo` trains as nnU-Net always does and also
writes the initial weights and the weights after scheduled epochs, each with its training loss
and validation pseudo-Dice, into `fold_N/weightgen_zoo/` (see `recorder.py` for the layout).
"""
