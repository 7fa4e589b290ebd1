"""Makes weightgen's recording trainers visible to `nnUNetv2_train -tr` (installed by weightgen-nnunet)."""
from weightgen_nnunet.trainer import nnUNetTrainerZoo  # noqa: F401
