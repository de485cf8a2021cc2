"""Colour helpers for asset samplers: all colours in specs are linear-RGB albedo in [0, 1]."""
from __future__ import annotations

import colorsys
from typing import Sequence, Tuple

import numpy as np

RGB = Tuple[float, float, float]


def srgb_to_linear(c: Sequence[float]) -> RGB:
    """Convert an sRGB colour (0..1) to linear RGB."""
    a = np.asarray(c, dtype=float)
    lin = np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)
    return tuple(float(round(x, 6)) for x in lin)


def hsv_linear(h: float, s: float, v: float) -> RGB:
    """A linear-RGB albedo from hue, saturation and sRGB value."""
    return srgb_to_linear(colorsys.hsv_to_rgb(h % 1.0, float(np.clip(s, 0, 1)), float(np.clip(v, 0, 1))))


def jitter(rng: np.random.Generator, rgb: Sequence[float], amount: float) -> RGB:
    """Multiplicative per-channel jitter of a colour, clipped to [0, 1]."""
    out = np.clip(np.asarray(rgb, dtype=float) * (1 + rng.normal(0, amount, 3)), 0, 1)
    return tuple(float(round(x, 6)) for x in out)


def pick(rng: np.random.Generator, palette: Sequence[RGB], weights: Sequence[float] | None = None) -> RGB:
    """One colour from a palette (optionally weighted)."""
    p = None if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    return tuple(palette[int(rng.choice(len(palette), p=p))])
