"""The rows of buildings along a street and its cross street: blocks, terraces or houses behind gardens (their
garden fronts), each passed through the scene's dressings (shop rows, rooflines, materials, climbers); rows stop at a junction's
pavements and turn its corners, and keep their fronts together along a bend."""
from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence, Tuple

import numpy as np

from assets.buildings import GARDEN_DEPTH, SIDE_GAP, sample_building, sample_house, sample_terrace
from assets.furniture import sample_fence, sample_wall
from assets.params import AssetParams
from assets.vegetation import sample_hedge

from . import junction
from .placer import ROAD_Y_END, ROAD_Y_START, Placer, straight_piece
from .spec import ObjectSpec, RoadSpec

#: the share of front gardens with a hedge, fence or wall at the street, and the gate left open in it (m)
GARDEN_FRONT_SHARE, GATE_M = 0.85, 1.2


def boundary(rng: np.random.Generator, length: float) -> Tuple[str, str, Tuple[float, float, float], AssetParams]:
    """A hedge, fence or low wall ``length`` metres long: its family, label, size and params."""
    kind = ("hedge", "fence", "wall")[int(rng.integers(3))]
    if kind == "hedge":
        p = sample_hedge(rng, length)
        return p.shape, "vegetation", (p.width, p.length, p.height), p
    if kind == "fence":
        p = sample_fence(rng, length)
        return "fence", "fence", (0.1, p.length, p.height), p
    p = sample_wall(rng, length)
    return "wall", "wall", (p.thickness, p.length, p.height), p


class _Lot(NamedTuple):
    """A building of a row: its params, frontage along the street, height, setback from the street's building
    line and the gap left beside it."""

    params: AssetParams
    width: float
    height: float
    setback: float
    gap: float = 0.0


def _building_draw(z, dressing: Sequence[Callable] = ()):
    """The sampler of the scene's building typology (blocks, terraced houses, or houses behind gardens), each
    building then passed through the ``dressing`` (assets.buildings.with_shops, with_rooflines, with_facade_materials, with_climbers) in turn."""
    draw = {1: _terrace, 2: _house}.get(int(z.get("building_typology", 0)), _block)
    if not dressing:
        return draw

    def dressed(z_, rng: np.random.Generator, room: float) -> _Lot:
        lot = draw(z_, rng, room)
        params = lot.params
        for dress in dressing:
            params = dress(params)
        return lot._replace(params=params)
    return dressed


def street_rows(z, road: RoadSpec, placer: Placer, rng: np.random.Generator,
               dressing: Sequence[Callable] = ()) -> None:
    """Rows of buildings along both sides at the back of the pavement, stopping at a cross street's pavements;
    each building passed through the ``dressing`` (shop rows, rooflines, materials, climbers)."""
    draw = _building_draw(z, dressing)
    corner = road.junction_band(pavements=True)
    for side in (-1, 1):
        y = ROAD_Y_START - float(rng.uniform(0, 10))
        while y < ROAD_Y_END:
            if rng.random() < z["building_gap_probability"]:
                y += float(rng.uniform(3.0, 12.0))
            room = corner[0] - y if junction.opens(road, side) and y < corner[1] else math.inf
            if room < junction.MIN_CORNER_FRONTAGE_M:
                y = corner[1]
                continue
            lot = draw(z, rng, straight_piece(placer, room, y))
            front = side * (road.terrain_outer_x + lot.setback)  # neighbours meet at their fronts on a bend
            x = side * (road.terrain_outer_x + lot.setback + lot.params.depth / 2)
            # Local +Y of a building runs along the street; its facade (local -X side) faces the road.
            placer.add("building", "building", (x, placer.ahead(front, y, lot.width / 2), 0.0),
                       0.0 if side > 0 else math.pi, (lot.params.depth, lot.width, lot.height), lot.params, solid=False)
            if lot.params.typology == "house":
                _garden_front(road, placer, rng, side, y, lot.width + lot.gap)
            y = placer.ahead(front, y, lot.width + lot.gap)


def cross_street_rows(z, road: RoadSpec, placer: Placer, rng: np.random.Generator,
                     dressing: Sequence[Callable] = ()) -> None:
    """Rows of buildings along the cross street, facing it from behind its pavements, each row starting behind
    the main street's buildings at the corner."""
    draw = _building_draw(z, dressing)
    main = [o for o in placer.objects if o.family == "building"]
    end = road.terrain_outer_x + junction.CROSS_STREET_REACH_M
    for side, bank, facade_y in junction.banks(road):
        x = _corner_reach(road, main, side, facade_y, bank)
        while x < end:
            if rng.random() < z["building_gap_probability"]:
                x += float(rng.uniform(3.0, 12.0))
            lot = draw(z, rng, math.inf)
            y = facade_y + bank * (lot.setback + lot.params.depth / 2)
            # The facade (local -X) faces the cross street: local +X points away from it, along bank * world +Y.
            placer.add("building", "building", (side * (x + lot.width / 2), y, 0.0), bank * math.pi / 2,
                       (lot.params.depth, lot.width, lot.height), lot.params, solid=False)
            x += lot.width + lot.gap


def _corner_reach(road: RoadSpec, main: Sequence[ObjectSpec], side: int, facade_y: float, bank: int) -> float:
    """How far from the street axis the main street's buildings on ``side`` reach where a cross-street row on
    ``bank`` could stand (the building line when none does)."""
    lo, hi = sorted((facade_y, facade_y + bank * junction.DEEPEST_BUILDING_M))
    reach = [abs(o.location[0]) + o.size[0] / 2 for o in main
             if o.location[0] * side > 0 and o.location[1] - o.size[1] / 2 < hi and o.location[1] + o.size[1] / 2 > lo]
    return max([road.terrain_outer_x, *reach])


def _block(z, rng: np.random.Generator, room: float) -> _Lot:
    """A block of flats, offices or shops at most ``room`` wide."""
    width = min(float(np.clip(z["building_frontage_m"] * rng.uniform(0.6, 1.4), 6.0, 60.0)), room)
    height = float(np.clip(z["building_height_m"] * rng.lognormal(0, 0.25), 4.0, 80.0))
    b = sample_building(rng, width, height, z["facade_brightness"], z["facade_saturation"],
                        z["window_density"], weathering=z["facade_weathering"])
    return _Lot(b, width, height, float(rng.uniform(0.0, 0.8)))


def _terrace(z, rng: np.random.Generator, room: float) -> _Lot:
    """A row of terraced houses at most ``room`` long, two storeys or three (the share of three-storey rows grows
    with ``building_height_m``: none at 8 m, all from 18 m)."""
    three = float(np.clip((float(z["building_height_m"]) - 8.0) / 10.0, 0.0, 1.0))
    width = min(float(np.clip(z["building_frontage_m"] * rng.uniform(1.0, 3.0), 10.0, 80.0)), room)
    b = sample_terrace(rng, width, 3 if rng.random() < three else 2, z["facade_brightness"],
                       z["facade_saturation"], z["window_density"], z["facade_weathering"])
    return _Lot(b, width, b.height, float(rng.uniform(0.0, 0.3)))


def _house(z, rng: np.random.Generator, room: float) -> _Lot:
    """A detached house or a pair of semis at most ``room`` wide, behind a front garden, a gap beside its plot."""
    b = sample_house(rng, room, z["facade_brightness"], z["facade_saturation"], z["window_density"],
                     z["facade_weathering"])
    return _Lot(b, b.width, b.height, float(rng.uniform(*GARDEN_DEPTH)), float(rng.uniform(*SIDE_GAP)))


def _garden_front(road: RoadSpec, placer: Placer, rng: np.random.Generator, side: int, y: float,
                  plot: float) -> None:
    """Most front gardens end at the street's building line in a hedge, fence or low wall, a gate's width short
    of the plot."""
    if rng.random() >= GARDEN_FRONT_SHARE:
        return
    length = straight_piece(placer, plot - GATE_M, y)
    family, label, size, p = boundary(rng, length)
    x = side * (road.terrain_outer_x + size[0] / 2 + 0.05)
    placer.add(family, label, (x, placer.ahead(x, y, length / 2), 0.0), 0.0, size, p, solid=False)
