"""Pavement furniture: bollards, litter bins, benches, bus shelters, cycle stands, phone boxes and advertising
pillars (numpy-only sampler; builders in assets/blender/street_furniture.py).

Labels follow the Cityscapes class definitions: a bus shelter is a *building* (the definition names bus stops),
a litter bin is *dynamic* (things that might move: trash cans), the rest are *static* (stationary objects of no
other class). Dimensions are the usual ones of UK and German street furniture. Local axes: +Y along the
object's length, the front (a bench's seat, a shelter's open side) faces local -X, as a building's facade does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from .colors import RGB, hsv_linear, pick, srgb_to_linear
from .params import AssetParams

#: kind -> Cityscapes label name
FURNITURE_LABELS: Dict[str, str] = {
    "bollard": "static", "bin": "dynamic", "bench": "static", "bus_shelter": "building",
    "cycle_stands": "static", "phone_box": "static", "advert_pillar": "static",
}
FURNITURE_KINDS = tuple(FURNITURE_LABELS)
#: relative frequency of each kind along a street (bollards count as one row)
_KIND_SHARES = np.array([0.25, 0.25, 0.15, 0.08, 0.12, 0.07, 0.08])
#: (width across the street, length along it, height) ranges in metres
_SIZES: Dict[str, Tuple[Tuple[float, float], Tuple[float, float], Tuple[float, float]]] = {
    "bollard": ((0.16, 0.26), (0.16, 0.26), (0.8, 1.1)),
    "bin": ((0.45, 0.6), (0.45, 0.6), (0.85, 1.1)),  # a round bin: length = width
    "bench": ((0.55, 0.7), (1.5, 2.2), (0.75, 0.9)),
    "bus_shelter": ((1.3, 1.6), (3.0, 5.0), (2.4, 2.7)),
    "cycle_stands": ((0.6, 0.8), (2.0, 4.5), (0.75, 0.85)),
    "phone_box": ((0.9, 1.0), (0.9, 1.0), (2.4, 2.6)),
    "advert_pillar": ((1.1, 1.4), (1.1, 1.4), (2.8, 3.6)),
}
_DARK_PAINTS = [srgb_to_linear(c) for c in ((0.06, 0.06, 0.07), (0.08, 0.2, 0.12), (0.1, 0.12, 0.25),
                                             (0.45, 0.46, 0.48))]


@dataclass(frozen=True)
class StreetFurnitureParams(AssetParams):
    """One piece of pavement furniture (families: FURNITURE_KINDS, the value of ``kind``)."""

    FAMILIES = FURNITURE_KINDS

    kind: str
    width: float  # across the street (local x)
    length: float  # along it (local y)
    height: float
    color: RGB  # paint of the body or frame
    accent: RGB  # a bollard's band, a bin's lid, a pillar's posters, a bench's slats
    count: int = 1  # cycle stands in a row

    @property
    def label(self) -> str:
        return FURNITURE_LABELS[self.kind]


def sample_kind(rng: np.random.Generator) -> str:
    """A furniture kind with its street frequency."""
    return FURNITURE_KINDS[int(rng.choice(len(FURNITURE_KINDS), p=_KIND_SHARES / _KIND_SHARES.sum()))]


def sample_street_furniture(rng: np.random.Generator, kind: str) -> StreetFurnitureParams:
    """Sample one piece of furniture of ``kind`` (one of FURNITURE_KINDS)."""
    if kind not in _SIZES:
        raise ValueError(f"unknown street furniture kind {kind!r}; known: {', '.join(FURNITURE_KINDS)}")
    w, l, h = (round(float(rng.uniform(*r)), 4) for r in _SIZES[kind])
    if kind in ("bollard", "bin", "phone_box", "advert_pillar"):
        l = w  # round or square in plan
    color, accent = _colours(rng, kind)
    count = max(1, int(l // 0.9)) if kind == "cycle_stands" else 1
    return StreetFurnitureParams(kind, w, l, h, color, accent, count)


def _colours(rng: np.random.Generator, kind: str) -> Tuple[RGB, RGB]:
    if kind == "phone_box":  # the red K6 kiosk, or a grey modern booth
        red = rng.random() < 0.6
        body = srgb_to_linear((0.72, 0.06, 0.05)) if red else srgb_to_linear((0.5, 0.52, 0.55))
        return body, srgb_to_linear((0.12, 0.14, 0.16))
    if kind == "advert_pillar":
        return srgb_to_linear((0.2, 0.3, 0.22)), hsv_linear(float(rng.random()), float(rng.uniform(0.3, 0.8)),
                                                             float(rng.uniform(0.4, 0.9)))
    if kind == "bench":
        return pick(rng, _DARK_PAINTS), hsv_linear(float(rng.uniform(0.06, 0.1)), float(rng.uniform(0.3, 0.6)),
                                                   float(rng.uniform(0.25, 0.5)))
    if kind == "bus_shelter":
        return srgb_to_linear((0.35, 0.37, 0.4)), srgb_to_linear((0.85, 0.85, 0.8))
    band = srgb_to_linear((0.9, 0.9, 0.9)) if rng.random() < 0.5 else pick(rng, _DARK_PAINTS)
    return pick(rng, _DARK_PAINTS), band
