"""Pedestrian family: sampler of an articulated humanoid's parameters (numpy only; builder in
assets/blender/pedestrian.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Tuple

import numpy as np

from .colors import RGB, hsv_linear, jitter, pick, srgb_to_linear
from .humanoid import (BAGS, HAIR_STYLES, HATS, HEADGEAR_RISE, SHOULDER_RATIO, UMBRELLA_RISE, UMBRELLA_RIM,
                       pose_extent)
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
    headgear: str = "none"  # one of HEADGEAR: a woolly or a brimmed hat, or the coat's hood raised
    headgear_color: RGB | None = None  # a hat's colour (a hood is the coat's)
    #: in company (pedestrian_variety = 1; scenegen.pedestrian_groups): the group's number in the scene (1-based)
    #: and kind (talking, walking or waiting at a crossing); None: alone
    group: int | None = None
    group_kind: str | None = None

    @property
    def mesh_variant(self) -> Tuple[bool, bool, bool, str, bool, str]:
        """The humanoid mesh's clothing arguments after the pose: long hair, skirt, coat, bag, umbrella, headgear."""
        return mesh_variant(vars(self))

    @property
    def box_height(self) -> float:
        """Height of the person's box: their height, or the top of an umbrella's canopy or of their headgear."""
        top = max(UMBRELLA_BOX if self.umbrella else 1.0, HEADGEAR_BOX[self.headgear])
        return round(self.height * top, 4) if top > 1.0 else self.height


#: the box height of a person under an umbrella, in body heights (the canopy's crown and a margin)
UMBRELLA_BOX = 1.0 + UMBRELLA_RIM + UMBRELLA_RISE + 0.02
#: the box height of a person in each headgear, in body heights (its top and a margin)
HEADGEAR_BOX = {kind: 1.0 + rise + 0.01 if rise else 1.0 for kind, rise in HEADGEAR_RISE.items()}


def mesh_variant(params: Mapping) -> Tuple[bool, bool, bool, str, bool, str]:
    """The humanoid mesh's clothing arguments (long hair, skirt, coat, bag, umbrella, headgear) of stored pedestrian
    params (scene records from before coats, bags, umbrellas and headgear have none)."""
    return (params["hair_style"] == "long", bool(params["skirt"]), bool(params.get("coat", False)),
            str(params.get("bag", "none")), bool(params.get("umbrella", False)), str(params.get("headgear", "none")))


def _clothing(rng: np.random.Generator) -> RGB:
    if rng.random() < 0.45:  # dark and neutral clothes dominate street scenes
        return hsv_linear(float(rng.random()), 0.1 * float(rng.random()), 0.1 + 0.4 * float(rng.random()))
    return hsv_linear(float(rng.random()), 0.25 + 0.6 * float(rng.random()), 0.25 + 0.65 * float(rng.random()))


def sample_pedestrian(rng: np.random.Generator, pose: str | None = None,
                      wardrobe: np.random.Generator | None = None,
                      umbrellas: Tuple[np.random.Generator, float] | None = None) -> PedestrianParams:
    """Sample one pedestrian; ``pose`` is drawn from POSES unless given. With a ``wardrobe`` generator the
    person may also be a child, wear a coat, a hat or the coat's hood and carry a bag or backpack, all drawn from
    it (so ``rng`` draws the same as without); with ``umbrellas`` (a generator and a share) they hold an open
    umbrella at that share, drawn from that generator."""
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
                                 extra.get("umbrella", False), extra.get("headgear", "none"))
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
    """A child's size (1.0-1.45 m) or the adult's, a coat or not, a bag and its colour; headgear from a generator
    spawned from ``rng`` (spawning draws nothing, so the next person's wardrobe is what it was without headgear)."""
    if rng.random() < CHILD_SHARE:
        height = float(rng.uniform(1.0, 1.45))
        shoulder = height * float(rng.uniform(0.22, 0.25))
    coat = bool(rng.random() < COAT_SHARE)
    bag = BAGS[int(rng.choice(len(BAGS), p=BAG_SHARES))]
    color = _clothing(rng) if bag != "none" else None
    return {"height": height, "shoulder": shoulder, "coat": coat, "bag": bag, "bag_color": color,
            **_headgear(rng.spawn(1)[0], coat)}


#: winter-plausible headgear: the hood raised on this share of coats; everyone else bare-headed, in a woolly hat or
#: in a brimmed hat at HAT_SHARES (felt or, at _STRAW_SHARE, straw)
HOOD_SHARE = 0.3
HAT_SHARES = (0.72, 0.22, 0.06)  # none, HATS
_STRAW_SHARE = 0.3


def _headgear(rng: np.random.Generator, coat: bool) -> dict:
    """A raised hood (on a ``coat`` only), a hat and its colour, or nothing."""
    if coat and rng.random() < HOOD_SHARE:
        return {"headgear": "hood"}
    kind = (("none",) + HATS)[int(rng.choice(len(HAT_SHARES), p=HAT_SHARES))]
    if kind == "none":
        return {}
    return {"headgear": kind, "headgear_color": _clothing(rng) if kind == "beanie" else _brimmed_color(rng)}


def _brimmed_color(rng: np.random.Generator) -> RGB:
    """Straw or a dark felt."""
    if rng.random() < _STRAW_SHARE:
        return hsv_linear(0.11, float(rng.uniform(0.25, 0.45)), float(rng.uniform(0.55, 0.8)))
    return hsv_linear(float(rng.random()), 0.25 * float(rng.random()), 0.08 + 0.3 * float(rng.random()))


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
