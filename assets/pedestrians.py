"""Pedestrian family: sampler of an articulated humanoid's parameters (numpy only; builder in
assets/blender/pedestrian.py)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colors import RGB, hsv_linear, jitter, pick, srgb_to_linear
from .humanoid import HAIR_STYLES, SHOULDER_RATIO, pose_extent
from .params import AssetParams

POSES = ("standing", "walk_a", "walk_b", "walk_c")
_SKIN = [srgb_to_linear(c) for c in (
    (0.96, 0.80, 0.69), (0.89, 0.68, 0.55), (0.78, 0.57, 0.42), (0.60, 0.42, 0.30), (0.38, 0.26, 0.18),
)]
_HAIR = [srgb_to_linear(c) for c in ((0.08, 0.06, 0.05), (0.25, 0.16, 0.09), (0.55, 0.42, 0.25), (0.6, 0.6, 0.6))]


@dataclass(frozen=True)
class PedestrianParams(AssetParams):
    """A person (family ``pedestrian``; also the rider of a two-wheeler): body, pose, clothing colours."""

    FAMILIES = ("pedestrian",)

    height: float
    shoulder_width: float
    pose: str
    skin: RGB
    hair: RGB
    top: RGB
    bottom: RGB
    shoes: RGB
    long_sleeves: bool = True
    hair_style: str = "short"
    skirt: bool = False
    width: float = 0.5  # bounding box across the body (x), metres
    length: float = 0.4  # bounding box front to back (y): walking poses need more
    #: Colour of the "cap" hair style (a motorcyclist's helmet); None: the colour of the bottom clothes.
    cap: RGB | None = None


def _clothing(rng: np.random.Generator) -> RGB:
    if rng.random() < 0.45:  # dark and neutral clothes dominate street scenes
        return hsv_linear(float(rng.random()), 0.1 * float(rng.random()), 0.1 + 0.4 * float(rng.random()))
    return hsv_linear(float(rng.random()), 0.25 + 0.6 * float(rng.random()), 0.25 + 0.65 * float(rng.random()))


def sample_pedestrian(rng: np.random.Generator, pose: str | None = None) -> PedestrianParams:
    """Sample one pedestrian; ``pose`` is drawn from POSES unless given."""
    height = float(np.clip(rng.normal(1.71, 0.09), 1.45, 2.0))
    shoulder = height * float(rng.uniform(0.23, 0.27))
    pose = pose or POSES[int(rng.integers(len(POSES)))]
    skin = jitter(rng, pick(rng, _SKIN), 0.05)
    hair, top, bottom = pick(rng, _HAIR), _clothing(rng), _clothing(rng)
    shoes = hsv_linear(0.0, 0.0, 0.05 + 0.3 * float(rng.random()))
    long_sleeves = bool(rng.random() < 0.6)
    hair_style = HAIR_STYLES[int(rng.choice(len(HAIR_STYLES), p=[0.5, 0.25, 0.1, 0.15]))]
    skirt = bool(rng.random() < 0.12)
    w_unit, l_unit = pose_extent(pose)
    width = w_unit * height * (shoulder / height) / SHOULDER_RATIO
    return PedestrianParams(
        height=round(height, 4), shoulder_width=round(shoulder, 4), pose=pose, skin=skin, hair=hair, top=top,
        bottom=bottom, shoes=shoes, long_sleeves=long_sleeves, hair_style=hair_style, skirt=skirt,
        width=round(width + 0.02, 4), length=round(l_unit * height + 0.02, 4),
    )
