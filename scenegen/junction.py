"""Junctions: a cross street meeting the main street at right angles (scene variable ``junction``).

``junction`` 0 draws no cross street, 1 a T-junction (the cross street opens to the left or the right, even odds),
2 a crossroads.  The cross street is a two-way carriageway of two of the main street's lanes, with pavements as
wide as the main street's and rows of buildings along it that turn the corner; where it meets the main street
its traffic waits at a stop line.  Like every street it is laid out for right-hand traffic (a left-hand street is
the mirror image, scenegen.driving_side), and its fields live on the RoadSpec.  This module is the pure geometry
the grammar and the road builder share; the grammar places the objects.
"""
from __future__ import annotations

import math
from typing import Dict, Iterator, List, Mapping, Tuple

import numpy as np

from .spec import RoadSpec

VARIABLE = "junction"
#: the scene variable's values
NONE, T_JUNCTION, CROSSROADS = 0, 1, 2
#: where the cross street's centre line may cross the main street (metres ahead of the camera)
JUNCTION_Y_M = (12.0, 50.0)
#: the least distance between a zebra crossing's stripes and the cross street's pavements (m)
CROSSING_CLEARANCE_M = 3.0
#: from the main street's kerb line to the cross street's stop line (m), and the line's depth
STOP_LINE_GAP_M, STOP_LINE_DEPTH_M = 1.0, 0.3
#: how far from the main street's building line the cross street's buildings and traffic reach (m)
CROSS_STREET_REACH_M = 120.0
#: a building cut short at the corner narrower than this leaves a gap instead (m)
MIN_CORNER_FRONTAGE_M = 4.0
#: the deepest a building of any typology stands behind its street's building line: setback (or garden) plus depth (m)
DEEPEST_BUILDING_M = 21.0

Interval = Tuple[float, float]


def junction_fields(z: Mapping[str, float], road: RoadSpec, rng: np.random.Generator) -> Dict[str, object]:
    """The RoadSpec fields of the cross street that ``z`` asks for (none without a junction), its centre drawn
    clear of the zebra crossing."""
    kind = int(z.get(VARIABLE, NONE))
    if kind == NONE:
        return {}
    sides = (-1, 1) if kind == CROSSROADS else ((-1,) if rng.random() < 0.5 else (1,))
    half = road.lane_width  # two lanes, one each way
    clearance = half + road.sidewalk_width + road.crosswalk_depth / 2 + CROSSING_CLEARANCE_M
    y = float(rng.uniform(*JUNCTION_Y_M))
    for crossing in road.crosswalks:
        if abs(y - crossing) < clearance:
            y = crossing + clearance
    return {"junction_y": round(y, 3), "junction_sides": sides, "junction_half_width": round(half, 4)}


def opens(road: RoadSpec, side: int) -> bool:
    """Whether the cross street opens to ``side`` (-1 left, 1 right of the right-hand layout)."""
    return side in road.junction_sides


def keep_out_boxes(road: RoadSpec) -> List[Tuple[float, float, float, float]]:
    """Footprints (x0, y0, x1, y1) nothing of the main street may stand on: per open side the cross street's
    carriageway from the main street's lanes outward (parking strip and pavement across its mouth included), and
    its pavements behind the main street's pavement."""
    out = []
    far = road.terrain_outer_x + CROSS_STREET_REACH_M
    carriageway, pavements = road.junction_band(), road.junction_band(pavements=True)
    for side in road.junction_sides:
        for (y0, y1), near in ((carriageway, road.lanes_half_width), (pavements, road.sidewalk_outer_x)):
            x0, x1 = sorted((side * near, side * far))
            out.append((x0, y0 - 0.3, x1, y1 + 0.3))
    return out


def cut(interval: Interval, hole: Interval) -> List[Interval]:
    """``interval`` less ``hole``: zero, one or two intervals."""
    a, b = interval
    pieces = [(a, min(b, hole[0])), (max(a, hole[1]), b)]
    return [(lo, hi) for lo, hi in pieces if hi - lo > 1e-9]


def stop_line(road: RoadSpec, side: int) -> Tuple[float, float, float, float]:
    """The (x0, x1, y0, y1) of the stop line across the lane that drives toward the main street on ``side``."""
    x = side * (road.carriageway_half_width + STOP_LINE_GAP_M)
    x0, x1 = sorted((x, x + side * STOP_LINE_DEPTH_M))
    y0, y1 = sorted((road.junction_y, road.junction_y + side * road.junction_half_width))
    return x0, x1, y0, y1


def lanes(road: RoadSpec, side: int) -> Iterator[Tuple[float, float, bool]]:
    """(centre y, yaw, toward the main street) of the cross street's two lanes on ``side``: right-hand traffic
    keeps to the right of its heading, so on the right (side 1) the lane beyond the centre line drives in."""
    offset = road.junction_half_width / 2
    yield road.junction_y + side * offset, side * math.pi / 2, True
    yield road.junction_y - side * offset, -side * math.pi / 2, False


def banks(road: RoadSpec) -> Iterator[Tuple[int, int, float]]:
    """(side, bank, facade y) of each row of buildings along the cross street: ``bank`` -1 before it (nearer the
    camera), 1 beyond it; the facade line is the back of its pavement."""
    y0, y1 = road.junction_band(pavements=True)
    for side in road.junction_sides:
        yield side, -1, y0
        yield side, 1, y1
