"""Building family: sampler of facade and massing parameters (numpy only; builder in assets/blender/building.py)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .colors import RGB, hsv_linear, jitter
from .params import AssetParams

MATERIALS = ("plaster", "brick", "concrete", "glass")
#: the facade materials a street with ``facade_materials`` adds (blocks of render or concrete become ashlar stone or
#: cladding panels) and the brick bonds it draws among
MORE_MATERIALS = ("stone", "panels")
BONDS = ("stretcher", "english", "stack")


@dataclass(frozen=True)
class BuildingParams(AssetParams):
    """A building (family ``building``): massing in metres, facade look, colours linear RGB."""

    FAMILIES = ("building",)

    width: float  # along the street
    depth: float
    height: float
    floor_height: float
    window_columns: int
    window_fraction: float
    material: str
    facade: RGB
    window: RGB
    frame: RGB
    shopfront: bool
    cornice: bool
    roof: str = "flat"  # flat or gable (ridge along the street)
    roof_color: RGB = (0.2, 0.07, 0.05)
    weathering: float = 0.25  # facade dirt: 0 clean .. 1 grimy (texture noise amplitude)
    #: Facade level of detail, "full" or "low"; None (never written by the sampler): chosen by distance.
    detail: str | None = None
    #: "block" (one facade grid: flats, offices, shops), "terrace" (a row of houses, each with its door,
    #: windows and chimney stack on the party wall, as in British streets) or "house" (a detached house or a
    #: pair of semi-detached ones, built like a short terrace)
    typology: str = "block"
    house_width: float = 0.0  # terrace: the frontage of one house
    bay_windows: bool = False  # terrace: a ground-floor bay window beside each door
    chimneys: bool = False  # terrace: a chimney stack on the ridge at each party wall
    #: terrace or house: a shop on each house's ground floor (a wide shop window beside the door under a fascia
    #: sign, the signs in ``fascia_colors`` house by house, an awning in the sign's colour with ``awnings``)
    shops: bool = False
    fascia_colors: Tuple[RGB, ...] = ()
    awnings: bool = False
    #: climbers (ivy, creeper) grown on the street facade, labelled vegetation: patches (centre along the
    #: facade as a share of its width, half width m, top m), their ragged outline from ``climber_seed``
    climbers: Tuple[Tuple[float, float, float], ...] = ()
    climber_seed: int = 0
    climber_color: RGB = (0.04, 0.1, 0.02)
    #: a block's roofline (``ROOFLINES``): "plain" (the facade up to the top), "setback" (the top floors stepped
    #: back ``roofline_setback`` m from the front), "mansard" (a steep slate slope with dormers, ``roofline_setback``
    #: m deep) or "rooftop" (plant rooms and stair towers ``roof_boxes`` on the flat roof); each takes the top
    #: ``roofline_height`` m of the box, above the main facade
    roofline: str = "plain"
    roofline_height: float = 0.0
    roofline_setback: float = 0.0
    #: rooftop boxes: (centre along the facade as a share of its width, width m, depth m, distance of their
    #: front behind the facade m, height m)
    roof_boxes: Tuple[Tuple[float, float, float, float, float], ...] = ()
    #: how brick is laid (BONDS): stretcher bond, English bond (a course of headers every other) or stack bond
    bond: str = "stretcher"

    @property
    def wall_height(self) -> float:
        """Height of the main street facade: the box less what the roofline takes."""
        return self.height - self.roofline_height


def sample_building(rng: np.random.Generator, width: float, height: float, brightness: float,
                    saturation: float, window_density: float, weathering: float | None = None) -> BuildingParams:
    """Sample a building of given frontage and height whose look follows the facade variables.

    ``weathering`` (0..1, e.g. a scene variable) centres the facade dirt; drawn when None.
    """
    material = MATERIALS[int(rng.choice(len(MATERIALS), p=[0.45, 0.25, 0.22, 0.08]))]
    hue = float(rng.uniform(0.02, 0.14) if rng.random() < 0.8 else rng.random())
    value = float(np.clip(brightness + rng.normal(0, 0.08), 0.05, 0.95))
    if material == "brick":
        facade = hsv_linear(float(rng.uniform(0.0, 0.06)), 0.45 + 0.3 * saturation, value * 0.8)
    elif material == "glass":
        facade = hsv_linear(float(rng.uniform(0.5, 0.62)), 0.2, 0.25 + 0.3 * value)
    else:
        facade = hsv_linear(hue, saturation * float(rng.uniform(0.5, 1.2)), value)
    floor_height = float(rng.uniform(2.9, 3.6))
    window_w = float(rng.uniform(1.0, 1.8))
    columns = max(1, int(width * window_density / window_w + 0.5))
    return BuildingParams(
        width=round(width, 4), depth=round(float(rng.uniform(10, 20)), 4), height=round(height, 4),
        floor_height=round(floor_height, 4), window_columns=columns,
        window_fraction=round(float(np.clip(window_density + rng.normal(0, 0.05), 0.05, 0.8)), 4),
        material=material, facade=facade,
        window=jitter(rng, (0.03, 0.04, 0.05), 0.2),
        frame=hsv_linear(0.0, 0.0, float(rng.choice([0.1, 0.85, 0.5]))),
        shopfront=bool(rng.random() < 0.5), cornice=bool(rng.random() < 0.6),
        roof="gable" if height < 16 and rng.random() < 0.5 else "flat",
        roof_color=hsv_linear(float(rng.choice([0.03, 0.05, 0.6])), float(rng.uniform(0.1, 0.6)),
                              float(rng.uniform(0.15, 0.45))),
        weathering=round(float(np.clip((float(rng.uniform(0.1, 0.5)) if weathering is None else weathering)
                                       + rng.normal(0, 0.08), 0, 1)), 4),
    )


#: a terraced house's frontage (m), storey height (m) and depth (m)
TERRACE_HOUSE_WIDTH = (4.5, 6.5)
TERRACE_FLOOR_HEIGHT = (2.6, 3.0)
TERRACE_DEPTH = (8.0, 11.0)
#: a terrace's window fraction: intercept and slope on ``window_density`` (so that the variable spans cottages with one
#: small window a floor to houses with two tall sashes), and its bounds
TERRACE_WINDOWS = (0.15, 0.7)
TERRACE_WINDOW_FRACTION = (0.1, 0.8)
#: height of a chimney stack above the ridge (m)
CHIMNEY_HEIGHT = 0.9


def terrace_roof_height(depth: float) -> float:
    """Height of a terrace's pitched roof, eaves to ridge, over its ``depth``."""
    return min(0.4 * depth, 4.0)


def terrace_height(storeys: int, floor_height: float, depth: float, chimneys: bool) -> float:
    """Total height of a terrace row: its storeys and plinth, the roof and the chimney stacks."""
    return storeys * floor_height + 0.3 + terrace_roof_height(depth) + (CHIMNEY_HEIGHT if chimneys else 0.0)


def _roof_color(rng: np.random.Generator, slate: bool) -> RGB:
    """Grey-blue slate or red-brown clay tiles."""
    if slate:
        return hsv_linear(0.6, float(rng.uniform(0.05, 0.15)), float(rng.uniform(0.15, 0.3)))
    return hsv_linear(float(rng.uniform(0.02, 0.06)), float(rng.uniform(0.4, 0.6)), float(rng.uniform(0.3, 0.45)))


def sample_terrace(rng: np.random.Generator, width: float, storeys: int, brightness: float, saturation: float,
                   window_density: float, weathering: float) -> BuildingParams:
    """A row of terraced houses ``width`` metres long and ``storeys`` high (pitched roof, brick or render)."""
    houses = max(1, int(round(width / float(rng.uniform(*TERRACE_HOUSE_WIDTH)))))
    brick = rng.random() < 0.7
    value = float(np.clip(brightness + rng.normal(0, 0.08), 0.05, 0.95))
    if brick:  # London stock yellows to Victorian reds and browns
        facade = hsv_linear(float(rng.uniform(0.0, 0.11)), 0.35 + 0.35 * saturation, value * 0.75)
    else:  # painted render, mostly pale
        facade = hsv_linear(float(rng.uniform(0.05, 0.6)), saturation * float(rng.uniform(0.1, 0.5)),
                            float(np.clip(value + 0.25, 0.3, 0.95)))
    floor_height = float(rng.uniform(*TERRACE_FLOOR_HEIGHT))
    depth = float(rng.uniform(*TERRACE_DEPTH))
    chimneys = bool(rng.random() < 0.85)
    slate = rng.random() < 0.7
    return BuildingParams(
        width=round(width, 4), depth=round(depth, 4),
        height=round(terrace_height(storeys, floor_height, depth, chimneys), 4),
        floor_height=round(floor_height, 4),
        window_columns=houses * (1 + int(rng.random() < window_density)),
        window_fraction=round(float(np.clip(TERRACE_WINDOWS[0] + TERRACE_WINDOWS[1] * window_density
                                            + rng.normal(0, 0.05), *TERRACE_WINDOW_FRACTION)), 4),
        material="brick" if brick else "plaster", facade=facade,
        window=jitter(rng, (0.03, 0.04, 0.05), 0.2),
        frame=hsv_linear(float(rng.random()), float(rng.uniform(0.0, 0.7)), float(rng.uniform(0.1, 0.9))),
        shopfront=False, cornice=False, roof="gable",
        roof_color=_roof_color(rng, slate),
        weathering=round(float(np.clip(weathering + rng.normal(0, 0.08), 0, 1)), 4),
        typology="terrace", house_width=round(width / houses, 4), bay_windows=bool(rng.random() < 0.5),
        chimneys=chimneys,
    )


#: a detached or semi-detached house's frontage (m); its front garden's depth (m); the gap beside its plot (m)
HOUSE_WIDTH = (7.0, 10.0)
GARDEN_DEPTH = (3.0, 8.0)
SIDE_GAP = (1.5, 5.0)
#: the share of semi-detached pairs among houses, and of bungalows (one storey)
SEMI_SHARE, BUNGALOW_SHARE = 0.5, 0.15


def sample_house(rng: np.random.Generator, room: float, brightness: float, saturation: float, window_density: float,
                 weathering: float) -> BuildingParams:
    """A detached house or a pair of semi-detached houses at most ``room`` wide: one or two storeys under a
    pitched roof, a door and two windows a floor per house (the pair's doors side by side, mirrored)."""
    houses = 2 if rng.random() < SEMI_SHARE else 1
    storeys = 1 if rng.random() < BUNGALOW_SHARE else 2
    width = min(houses * float(rng.uniform(*HOUSE_WIDTH)), room)
    houses = min(houses, max(1, int(width // HOUSE_WIDTH[0])))
    p = sample_terrace(rng, width, storeys, brightness, saturation, window_density, weathering)
    return dataclasses.replace(p, typology="house", house_width=round(width / houses, 4), window_columns=2 * houses)


#: the share of terrace rows that are shops below (on a street with ``shopfronts``), and of those with awnings
SHOP_ROW_SHARE, AWNING_SHARE = 0.6, 0.4


def with_shops(rng: np.random.Generator, p: BuildingParams) -> BuildingParams:
    """``p`` (a terrace row), or with probability SHOP_ROW_SHARE the same row with a shop on every ground floor:
    three fascia colours (bold signwriting hues, some dark, some pale), awnings on some rows, no bay windows."""
    if p.typology != "terrace" or rng.random() >= SHOP_ROW_SHARE:
        return p
    colors = tuple(hsv_linear(float(rng.random()), float(rng.uniform(0.3, 0.9)), float(rng.choice([0.12, 0.45, 0.8])))
                   for _ in range(3))
    return dataclasses.replace(p, shops=True, fascia_colors=colors, awnings=bool(rng.random() < AWNING_SHARE),
                               bay_windows=False)


#: on a street with ``facade_climbers``: the share of buildings with climbers, their patches per building, a
#: patch's half width (m) and its top (m)
CLIMBER_SHARE, CLIMBER_PATCHES, CLIMBER_HALF_WIDTH, CLIMBER_TOP = 0.35, (1, 3), (0.8, 3.0), (2.5, 10.0)


def with_climbers(rng: np.random.Generator, p: BuildingParams) -> BuildingParams:
    """``p``, or with probability CLIMBER_SHARE the same building with one to three patches of climbers on its
    street facade (not on fronts with bay windows or awnings, which stand proud of the wall)."""
    if p.bay_windows or p.awnings or rng.random() >= CLIMBER_SHARE:
        return p
    patches = tuple((round(float(rng.uniform(-0.4, 0.4)), 4), round(float(rng.uniform(*CLIMBER_HALF_WIDTH)), 4),
                     round(float(min(rng.uniform(*CLIMBER_TOP), 0.9 * p.wall_height)), 4))
                    for _ in range(int(rng.integers(CLIMBER_PATCHES[0], CLIMBER_PATCHES[1] + 1))))
    green = hsv_linear(float(rng.uniform(0.2, 0.33)), float(rng.uniform(0.45, 0.8)), float(rng.uniform(0.3, 0.55)))
    return dataclasses.replace(p, climbers=patches, climber_seed=int(rng.integers(2**31)), climber_color=green)


ROOFLINES = ("plain", "setback", "mansard", "rooftop")
#: on a street with ``rooflines``: the odds of each roofline for a flat-roofed block at least ROOFLINE_MIN_HEIGHT
#: tall, a setback's depth (m), a mansard slope's depth (m), rooftop boxes per block and their height (m)
ROOFLINE_ODDS = (0.25, 0.25, 0.25, 0.25)
ROOFLINE_MIN_HEIGHT = 9.0
SETBACK_DEPTH, MANSARD_DEPTH = (1.5, 3.5), (0.9, 1.5)
ROOF_BOXES, ROOF_BOX_HEIGHT = (1, 3), (2.2, 3.6)


def with_rooflines(rng: np.random.Generator, p: BuildingParams) -> BuildingParams:
    """``p``, or (a flat-roofed block at least ROOFLINE_MIN_HEIGHT tall) the same block with an irregular roofline:
    top floors set back, a mansard with dormers, or plant rooms and stair towers on the roof, inside its box."""
    if p.typology != "block" or p.roof != "flat" or p.height < ROOFLINE_MIN_HEIGHT:
        return p
    kind = ROOFLINES[int(rng.choice(len(ROOFLINES), p=ROOFLINE_ODDS))]
    if kind == "setback":
        floors = 1 if p.height < 4 * p.floor_height or rng.random() < 0.6 else 2
        return dataclasses.replace(p, roofline=kind, roofline_height=round(floors * p.floor_height, 4),
                                   roofline_setback=round(float(min(rng.uniform(*SETBACK_DEPTH), 0.3 * p.depth)), 4))
    if kind == "mansard":
        return dataclasses.replace(p, roofline=kind, roofline_height=round(p.floor_height + 0.3, 4),
                                   roofline_setback=round(float(rng.uniform(*MANSARD_DEPTH)), 4))
    if kind == "rooftop":
        boxes = []
        for _ in range(int(rng.integers(ROOF_BOXES[0], ROOF_BOXES[1] + 1))):
            width = float(min(rng.uniform(2.0, 6.0), 0.4 * p.width))
            depth = float(min(rng.uniform(2.0, 5.0), 0.4 * p.depth))
            front = float(rng.uniform(1.5, max(1.6, p.depth - depth - 1.0)))
            boxes.append(tuple(round(v, 4) for v in (float(rng.uniform(-0.35, 0.35)), width, depth, front,
                                                     float(rng.uniform(*ROOF_BOX_HEIGHT)))))
        return dataclasses.replace(p, roofline=kind, roofline_height=max(b[4] for b in boxes), roof_boxes=tuple(boxes))
    return p


#: on a street with ``facade_materials``: the share of render and concrete blocks that become stone or panels (and
#: of those, stone), and the odds of each brick bond
NEW_MATERIAL_SHARE, STONE_SHARE = 0.45, 0.6
BOND_ODDS = (0.45, 0.4, 0.15)


def with_facade_materials(rng: np.random.Generator, p: BuildingParams) -> BuildingParams:
    """``p`` in more materials: a render or concrete block may become ashlar stone (sandstone to grey limestone, as
    light as its facade) or cladding panels (greys and muted colours); brick walls take a bond (BONDS)."""
    if p.material == "brick":
        return dataclasses.replace(p, bond=BONDS[int(rng.choice(len(BONDS), p=BOND_ODDS))])
    if p.typology != "block" or p.material not in ("plaster", "concrete") or rng.random() >= NEW_MATERIAL_SHARE:
        return p
    value = float(np.clip(max(p.facade) ** (1 / 2.2), 0.2, 0.9))  # the facade's lightness, as sRGB
    if rng.random() < STONE_SHARE:
        facade = hsv_linear(float(rng.uniform(0.07, 0.13)), float(rng.uniform(0.08, 0.3)), value)
        return dataclasses.replace(p, material="stone", facade=facade)
    facade = hsv_linear(float(rng.random()), float(rng.uniform(0.0, 0.35)), float(rng.uniform(0.25, 0.8)))
    return dataclasses.replace(p, material="panels", facade=facade)
