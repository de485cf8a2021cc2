"""Kerbside parking as real streets show it (scene variable ``kerbside_parking`` = 1), in numpy.

Cars park nose to tail in rows with short gaps, broken now and then by a longer one (a driveway, a hydrant, a
space nobody took), so that the mean spacing is the one ``parked_car_density`` asks for; their kerb-side flank
stands a hand's breadth from the kerb, and most face the traffic of their side of the street.  With the variable
at 0 the grammar keeps its older layout (cars scattered at random in the middle of the strip).
"""
from __future__ import annotations

import math

import numpy as np

#: the gap between two cars of one row (m)
ROW_GAP_M = (0.5, 1.5)
#: the share of gaps that end a row; the longer gaps make up the density
ROW_BREAK_SHARE = 0.3
#: the shortest gap that ends a row (m)
MIN_BREAK_M = 2.5
#: a parked car's kerb-side flank from the kerb (m)
KERB_GAP_M = (0.1, 0.35)
#: the share of parked cars facing the traffic of their side of the street
WITH_TRAFFIC_SHARE = 0.85
#: a parked car's typical length (m), for the spacing the density asks for
TYPICAL_LENGTH_M = 4.4


def next_gap(rng: np.random.Generator, per_100m: float) -> float:
    """The gap (m) behind a parked car before the next one: mostly a row's short gap, sometimes a break long
    enough that the mean spacing is 100 / ``per_100m`` metres."""
    short = float(rng.uniform(*ROW_GAP_M))
    spacing = 100.0 / max(per_100m, 1e-3)
    mean_short = sum(ROW_GAP_M) / 2
    mean_break = (spacing - TYPICAL_LENGTH_M - (1 - ROW_BREAK_SHARE) * mean_short) / ROW_BREAK_SHARE
    if rng.random() >= ROW_BREAK_SHARE or mean_break <= MIN_BREAK_M:
        return short
    return MIN_BREAK_M + float(rng.exponential(mean_break - MIN_BREAK_M))


def first_start(rng: np.random.Generator, per_100m: float, y0: float) -> float:
    """Where the first car of a kerb starts: ``y0`` plus a uniform share of one spacing."""
    return y0 + float(rng.uniform(0.0, 100.0 / max(per_100m, 1e-3)))


def kerb_x(rng: np.random.Generator, kerb_x_abs: float, lanes_edge_abs: float, car_width: float) -> float:
    """Distance from the street axis of a car's centre parked with its flank a little off the kerb at
    ``kerb_x_abs``, but not into the lane whose edge is ``lanes_edge_abs``."""
    x = kerb_x_abs - float(rng.uniform(*KERB_GAP_M)) - car_width / 2
    return max(x, lanes_edge_abs + car_width / 2 - 0.2)


def parked_yaw(rng: np.random.Generator, side: int, two_way: bool) -> float:
    """Yaw of a car parked on ``side`` (+1 right, -1 left of the axis, right-hand layout): most face the traffic
    of their side (on a one-way street all traffic drives +Y), the rest the other way."""
    with_traffic = 0.0 if side > 0 or not two_way else math.pi
    turned = rng.random() >= WITH_TRAFFIC_SHARE
    return with_traffic + (math.pi if turned else 0.0) + float(rng.normal(0, 0.02))
