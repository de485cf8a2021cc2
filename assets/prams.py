"""Prams (family ``pram``, Cityscapes label ``dynamic``: the class definition names buggies): sampler of a pram's
parameters (numpy only; builder in assets/blender/pram.py). A pram stands in front of a person waiting with it,
its handle toward them (local -Y), its hood at the far end."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colors import RGB, hsv_linear, pick, srgb_to_linear
from .params import AssetParams

#: the share of standing adults who wait with a pram, on a street with ``prams``
PRAM_SHARE = 0.25
#: width, length (handle to hood) and height to the handle (m)
PRAM_SIZE = ((0.55, 0.62), (0.85, 1.0), (1.0, 1.1))
#: the gap between a person's box and their pram's (m): clear of the margin the person was placed with
PRAM_GAP = 0.22
_FABRICS = [srgb_to_linear(c) for c in ((0.05, 0.05, 0.06), (0.12, 0.15, 0.3), (0.35, 0.35, 0.37), (0.45, 0.1, 0.1),
                                        (0.2, 0.3, 0.25), (0.6, 0.55, 0.45))]


@dataclass(frozen=True)
class PramParams(AssetParams):
    """A pram: a carrycot with a hood on a wheeled frame and a push handle (metres, colours linear RGB)."""

    FAMILIES = ("pram",)

    width: float
    length: float
    height: float
    fabric: RGB
    frame: RGB


def sample_pram(rng: np.random.Generator) -> PramParams:
    """A pram in a dark or muted fabric on a black or silver frame."""
    w, l, h = (round(float(rng.uniform(*r)), 4) for r in PRAM_SIZE)
    frame = hsv_linear(0.0, 0.0, 0.05 if rng.random() < 0.6 else 0.6)
    return PramParams(w, l, h, pick(rng, _FABRICS), frame)
