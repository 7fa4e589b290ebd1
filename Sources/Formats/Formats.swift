/// File formats weightgen reads and writes (NIfTI, nnU-Net folders, PyTorch .pth, safetensors).
public enum Formats {}
