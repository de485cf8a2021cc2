"""Trams (family ``tram``, Cityscapes label ``train``): sampler of a low-floor articulated tram's parameters (numpy
only; builder in assets/blender/tram.py), and where tram tracks lie on a street."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .colors import RGB, hsv_linear, pick, srgb_to_linear
from .params import AssetParams

#: the share of streets with tracks that have a tram on them
TRAM_SHARE = 0.6
#: standard gauge (m) between the rails' running edges, a grooved rail's head width (m)
GAUGE_M, RAIL_HEAD_M = 1.435, 0.07
#: a tram's sections and their length (m), its width and height (m, to the roof; the pantograph above)
SECTIONS, SECTION_LENGTH = (3, 5), (6.5, 8.0)
TRAM_WIDTH, TRAM_HEIGHT = (2.3, 2.65), (3.3, 3.5)
PANTOGRAPH_M = 0.6
#: liveries: city colours over a pale or white body (sRGB)
_LIVERIES = [srgb_to_linear(c) for c in ((0.85, 0.1, 0.1), (0.95, 0.8, 0.1), (0.1, 0.35, 0.7), (0.1, 0.5, 0.25),
                                         (0.9, 0.9, 0.88), (0.55, 0.1, 0.3))]


@dataclass(frozen=True)
class TramParams(AssetParams):
    """An articulated tram: ``sections`` cars, metres, colours linear RGB (label train)."""

    FAMILIES = ("tram",)

    length: float
    width: float
    height: float  # to the roof; the pantograph rises PANTOGRAPH_M above it inside the box
    sections: int
    body: RGB
    stripe: RGB
    glass: RGB

    @property
    def box_height(self) -> float:
        return round(self.height + PANTOGRAPH_M, 4)


def sample_tram(rng: np.random.Generator) -> TramParams:
    """A low-floor tram of three to five sections in a city livery."""
    sections = int(rng.integers(SECTIONS[0], SECTIONS[1] + 1))
    length = sections * float(rng.uniform(*SECTION_LENGTH))
    livery = pick(rng, _LIVERIES)
    pale = rng.random() < 0.5
    body = hsv_linear(0.0, 0.0, 0.9) if pale else livery
    stripe = livery if pale else hsv_linear(0.0, 0.0, 0.88)
    return TramParams(round(length, 4), round(float(rng.uniform(*TRAM_WIDTH)), 4),
                      round(float(rng.uniform(*TRAM_HEIGHT)), 4), sections, body, stripe,
                      srgb_to_linear((0.06, 0.08, 0.09)))


def track_centres(lanes_half: float, lane_width: float) -> Tuple[float, ...]:
    """x (right-hand layout) of the two tracks: the middle of the lane either side of the centre line."""
    return (-lane_width / 2, lane_width / 2) if lanes_half >= lane_width else ()


#: the groove beside each rail head, on the inside of the track (m)
GROOVE_M = 0.04


def rail_rects(x_track: float, y0: float, y1: float) -> np.ndarray:
    """Rows (x0, x1, y0, y1, slot) of the track centred at ``x_track``: two rail heads (slot 0) and the groove
    inside each (slot 1), the heads' inner edges ``GAUGE_M`` apart."""
    rows = []
    for s in (-1.0, 1.0):
        inner = x_track + s * GAUGE_M / 2
        head = sorted((inner, inner + s * RAIL_HEAD_M))
        groove = sorted((inner, inner - s * GROOVE_M))
        rows += [[*head, y0, y1, 0.0], [*groove, y0, y1, 1.0]]
    return np.array(rows)


def tram_rails(road) -> np.ndarray:
    """Rows (x0, x1, y0, y1, slot) of a street's tram rails (``RoadSpec.tram_tracks``): one track in the lane either
    side of the centre line, the length of the street (through junctions and crossings, as tracks run)."""
    centres = track_centres(road.lanes_half_width, road.lane_width) if road.tram_tracks else ()
    if not centres:
        return np.zeros((0, 5))
    return np.concatenate([rail_rects(x, road.y_start, road.y_end) for x in centres])
