"""Pedestrian family: sampler of an articulated humanoid's parameters (numpy only; builder in
assets/blender/pedestrian.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Tuple

import numpy as np

from .colors import RGB, hsv_linear, jitter, pick, srgb_to_linear
from .humanoid import BAGS, HAIR_STYLES, SHOULDER_RATIO, UMBRELLA_RISE, UMBRELLA_RIM, pose_extent
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
    coat: bool = False  # a knee-length coat in the top's colour
    bag: str = "none"  # one of BAGS
    bag_color: RGB | None = None
    umbrella: bool = False  # an open umbrella held up in the right hand, its canopy over the head
    umbrella_color: RGB | None = None

    @property
    def mesh_variant(self) -> Tuple[bool, bool, bool, str, bool]:
        """The humanoid mesh's clothing arguments after the pose: long hair, skirt, coat, bag, umbrella."""
        return mesh_variant(vars(self))

    @property
    def box_height(self) -> float:
        """Height of the person's box: their height, or under an umbrella its canopy's top."""
        return round(self.height * UMBRELLA_BOX, 4) if self.umbrella else self.height


#: the box height of a person under an umbrella, in body heights (the canopy's crown and a margin)
UMBRELLA_BOX = 1.0 + UMBRELLA_RIM + UMBRELLA_RISE + 0.02


def mesh_variant(params: Mapping) -> Tuple[bool, bool, bool, str, bool]:
    """The humanoid mesh's clothing arguments (long hair, skirt, coat, bag, umbrella) of stored pedestrian params
    (scene records from before coats, bags and umbrellas have none)."""
    return (params["hair_style"] == "long", bool(params["skirt"]), bool(params.get("coat", False)),
            str(params.get("bag", "none")), bool(params.get("umbrella", False)))


def _clothing(rng: np.random.Generator) -> RGB:
    if rng.random() < 0.45:  # dark and neutral clothes dominate street scenes
        return hsv_linear(float(rng.random()), 0.1 * float(rng.random()), 0.1 + 0.4 * float(rng.random()))
    return hsv_linear(float(rng.random()), 0.25 + 0.6 * float(rng.random()), 0.25 + 0.65 * float(rng.random()))


def sample_pedestrian(rng: np.random.Generator, pose: str | None = None,
                      wardrobe: np.random.Generator | None = None,
                      umbrellas: Tuple[np.random.Generator, float] | None = None) -> PedestrianParams:
    """Sample one pedestrian; ``pose`` is drawn from POSES unless given. With a ``wardrobe`` generator the
    person may also be a child, wear a coat and carry a bag or backpack, all drawn from it (so ``rng`` draws
    the same as without); with ``umbrellas`` (a generator and a share) they hold an open umbrella at that
    share, drawn from that generator."""
    height = float(np.clip(rng.normal(1.71, 0.09), 1.45, 2.0))
    shoulder = height * float(rng.uniform(0.23, 0.27))
    pose = pose or POSES[int(rng.integers(len(POSES)))]
    skin = jitter(rng, pick(rng, _SKIN), 0.05)
    hair, top, bottom = pick(rng, _HAIR), _clothing(rng), _clothing(rng)
    shoes = hsv_linear(0.0, 0.0, 0.05 + 0.3 * float(rng.random()))
    long_sleeves = bool(rng.random() < 0.6)
    hair_style = HAIR_STYLES[int(rng.choice(len(HAIR_STYLES), p=[0.5, 0.25, 0.1, 0.15]))]
    skirt = bool(rng.random() < 0.12)
    extra = _wardrobe(wardrobe, height, shoulder) if wardrobe is not None else {}
    if umbrellas is not None:
        extra.update(_umbrella(*umbrellas))
    height, shoulder = extra.pop("height", height), extra.pop("shoulder", shoulder)
    w_unit, l_unit = pose_extent(pose, extra.get("coat", False), extra.get("bag", "none"),
                                 extra.get("umbrella", False))
    width = w_unit * height * (shoulder / height) / SHOULDER_RATIO
    return PedestrianParams(
        height=round(height, 4), shoulder_width=round(shoulder, 4), pose=pose, skin=skin, hair=hair, top=top,
        bottom=bottom, shoes=shoes, long_sleeves=long_sleeves, hair_style=hair_style, skirt=skirt,
        width=round(width + 0.02, 4), length=round(l_unit * height + 0.02, 4), **extra,
    )


CHILD_SHARE = 0.12
COAT_SHARE = 0.4
BAG_SHARES = (0.55, 0.25, 0.2)  # none, shoulder bag, backpack


def _wardrobe(rng: np.random.Generator, height: float, shoulder: float) -> dict:
    """A child's size (1.0-1.45 m) or the adult's, a coat or not, a bag and its colour."""
    if rng.random() < CHILD_SHARE:
        height = float(rng.uniform(1.0, 1.45))
        shoulder = height * float(rng.uniform(0.22, 0.25))
    coat = bool(rng.random() < COAT_SHARE)
    bag = BAGS[int(rng.choice(len(BAGS), p=BAG_SHARES))]
    color = _clothing(rng) if bag != "none" else None
    return {"height": height, "shoulder": shoulder, "coat": coat, "bag": bag, "bag_color": color}


#: on a street with ``umbrellas``, the share of people under one on a soaked street (scaled by ``road_wetness``);
#: half the canopies black, the rest any colour
UMBRELLA_SHARE = 0.8
_UMBRELLA_BLACK_SHARE = 0.5


def _umbrella(rng: np.random.Generator, share: float) -> dict:
    """An open umbrella with probability ``share`` (one draw), and its colour."""
    if rng.random() >= share:
        return {}
    black = rng.random() < _UMBRELLA_BLACK_SHARE
    color = hsv_linear(0.0, 0.0, 0.03) if black else hsv_linear(float(rng.random()), float(rng.uniform(0.3, 0.9)),
                                                                float(rng.uniform(0.3, 0.9)))
    return {"umbrella": True, "umbrella_color": color}
