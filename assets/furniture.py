"""Street-furniture families: street lamps, signs, traffic lights, fences and walls (numpy-only samplers;
builders in assets/blender/furniture.py and assets/blender/barriers.py)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colors import RGB, hsv_linear, srgb_to_linear
from .params import AssetParams

SIGN_SHAPES = ("circle", "triangle", "rectangle", "octagon", "diamond")
_SIGN_COLORS = {
    "circle": srgb_to_linear((0.80, 0.10, 0.10)), "triangle": srgb_to_linear((0.85, 0.10, 0.10)),
    "rectangle": srgb_to_linear((0.10, 0.30, 0.70)), "octagon": srgb_to_linear((0.75, 0.05, 0.05)),
    "diamond": srgb_to_linear((0.95, 0.80, 0.10)),
}


@dataclass(frozen=True)
class StreetLampParams(AssetParams):
    """A street lamp (family ``street_lamp``, labelled pole)."""

    FAMILIES = ("street_lamp",)

    height: float
    radius: float
    arm_length: float
    color: RGB


@dataclass(frozen=True)
class SignParams(AssetParams):
    """A traffic sign on its post (family ``sign``)."""

    FAMILIES = ("sign",)

    shape: str  # one of SIGN_SHAPES
    size: float
    post_height: float
    post_radius: float
    face: RGB
    border: RGB


@dataclass(frozen=True)
class TrafficLightParams(AssetParams):
    """A traffic light (family ``traffic_light``) on a post or an overhead arm."""

    FAMILIES = ("traffic_light",)

    post_height: float
    post_radius: float
    head_height: float
    head_width: float
    overhead_arm: float  # 0 = head on the post; > 0 = arm length over the road
    housing: RGB
    side: int  # side of the street it stands on (+1 right, -1 left): an overhead arm reaches over the road
    lit: int = 0  # which lamp shines: 0 red, 1 amber, 2 green


def sample_street_lamp(rng: np.random.Generator) -> StreetLampParams:
    """Sample a street lamp (labelled pole)."""
    return StreetLampParams(round(float(rng.uniform(5.5, 9.0)), 4), round(float(rng.uniform(0.07, 0.12)), 4),
                            round(float(rng.uniform(0.0, 1.8)), 4),
                            hsv_linear(0.0, 0.0, float(rng.uniform(0.15, 0.6))))


def sample_sign(rng: np.random.Generator) -> SignParams:
    """Sample a traffic sign on its post (plate labelled traffic sign, post labelled pole)."""
    shape = SIGN_SHAPES[int(rng.integers(len(SIGN_SHAPES)))]
    return SignParams(shape, round(float(rng.uniform(0.55, 0.9)), 4), round(float(rng.uniform(2.0, 2.8)), 4),
                      round(float(rng.uniform(0.03, 0.05)), 4), _SIGN_COLORS[shape],
                      srgb_to_linear((0.9, 0.9, 0.9)))


def sample_traffic_light(rng: np.random.Generator, side: int = 1) -> TrafficLightParams:
    """Sample a traffic light (head labelled traffic light, post and arm labelled pole) standing on ``side``
    (+1 right, -1 left of the street), which draws nothing from ``rng``."""
    arm = float(rng.uniform(2.5, 5.0)) if rng.random() < 0.35 else 0.0
    post = float(rng.uniform(2.6, 3.4)) if arm == 0 else float(rng.uniform(5.0, 6.0))
    return TrafficLightParams(round(post, 4), round(float(rng.uniform(0.06, 0.1)), 4),
                              round(float(rng.uniform(0.8, 1.0)), 4), round(float(rng.uniform(0.28, 0.36)), 4),
                              round(arm, 4), hsv_linear(0.15, 0.3, float(rng.uniform(0.05, 0.25))), int(side),
                              int(rng.choice(3, p=[0.45, 0.1, 0.45])))


FENCE_STYLES = ("railing", "picket", "mesh")
WALL_MATERIALS = ("brick", "concrete", "stone")


@dataclass(frozen=True)
class FenceParams(AssetParams):
    """A fence (family ``fence``) running along local +Y."""

    FAMILIES = ("fence",)

    style: str  # one of FENCE_STYLES
    length: float  # along local +Y
    height: float
    post_spacing: float
    color: RGB


@dataclass(frozen=True)
class WallParams(AssetParams):
    """A free-standing wall (family ``wall``) running along local +Y."""

    FAMILIES = ("wall",)

    material: str  # one of WALL_MATERIALS
    length: float  # along local +Y
    height: float
    thickness: float
    color: RGB
    coping: bool  # a projecting cap along the top


def sample_fence(rng: np.random.Generator, length: float) -> FenceParams:
    """Sample a fence of ``length`` metres along its local +Y (label fence)."""
    style = FENCE_STYLES[int(rng.integers(len(FENCE_STYLES)))]
    if style == "picket":
        color = hsv_linear(float(rng.uniform(0.05, 0.1)), float(rng.uniform(0.0, 0.5)), float(rng.uniform(0.3, 0.9)))
    else:
        color = hsv_linear(float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.0, 0.4)), float(rng.uniform(0.08, 0.5)))
    return FenceParams(style, round(float(length), 4), round(float(rng.uniform(0.8, 1.8)), 4),
                       round(float(rng.uniform(1.8, 2.8)), 4), color)


def sample_wall(rng: np.random.Generator, length: float) -> WallParams:
    """Sample a free-standing garden or boundary wall of ``length`` metres along local +Y (label wall)."""
    material = WALL_MATERIALS[int(rng.integers(len(WALL_MATERIALS)))]
    if material == "brick":
        color = hsv_linear(float(rng.uniform(0.0, 0.06)), float(rng.uniform(0.4, 0.7)), float(rng.uniform(0.35, 0.6)))
    else:
        color = hsv_linear(float(rng.uniform(0.05, 0.12)), float(rng.uniform(0.0, 0.2)), float(rng.uniform(0.4, 0.8)))
    return WallParams(material, round(float(length), 4), round(float(rng.uniform(0.5, 2.2)), 4),
                      round(float(rng.uniform(0.2, 0.4)), 4), color, bool(rng.random() < 0.6))
