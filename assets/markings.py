"""Road markings: where paint lies on the carriageway, and the marking style a street is drawn with (numpy
only; ``assets/blender/road.py`` builds them).

Every marking is a rectangle ``(x0, x1, y0, y1)`` on the straight right-hand layout with a paint slot (0 white,
1 yellow).  The style (scene variable ``road_markings``; 1 draws one per street from the ``markings`` stream)
sets the centre line of a two-way street (double, dashed or solid; white or yellow), solid edge lines at the
driving lanes' edges, yellow no-waiting lines along kerbs without a parking strip (double or single, as in
British streets) and parking bays (the strip marked off in car lengths).  Style 0 is the street as it always
was: a double white centre line, dashed lane and parking-strip lines.

Reserved lanes (scene variable ``reserved_lanes``, drawn from the ``reserved_lanes`` stream): cycle lanes in the
outer part of each outermost lane behind a dashed (advisory) or solid (mandatory) line, or bus lanes (the kerb lane
of each direction where a direction has two lanes or more) behind a wide solid line; either on plain asphalt or a
green or red surfacing (``lane_surfaces``: slots 2 and 3, laid under the paint).  Signal-controlled crossings
(``signal_crossings``) replace the zebra stripes with two broken lines across the road and a stop line on each
approach; the grammar puts signals beside them.  Box junctions (``box_junctions``) hatch the main street's
carriageway across a junction's mouth with yellow criss-cross lines inside a yellow border (``box_hatch``: quads,
the one marking that is not a rectangle).
"""
from __future__ import annotations

from typing import Dict, List, Mapping, Tuple

import numpy as np

from scenegen import junction
from scenegen.spec import RoadSpec

VARIABLE = "road_markings"
RESERVED_VARIABLE = "reserved_lanes"
SIGNAL_VARIABLE = "signal_crossings"
BOX_VARIABLE = "box_junctions"
WHITE, YELLOW = 0, 1
#: surfacing slots of reserved lanes (``lane_surfaces``)
GREEN, RED = 2, 3
LINE_W = 0.12
#: style draws: centre line kinds and their odds, the odds of a yellow centre line, of edge lines, of kerb
#: line kinds, and of parking bays where the strip is wide enough for cars
CENTRE_LINES = {"double": 0.35, "dashed": 0.45, "solid": 0.2}
YELLOW_CENTRE_SHARE = 0.25
EDGE_LINE_SHARE = 0.5
KERB_LINES = {"none": 0.5, "double_yellow": 0.3, "single_yellow": 0.2}
PARKING_BAY_SHARE = 0.5
BAY_LENGTH_M = 5.5
MIN_BAY_STRIP_M = 1.8
#: a cycle lane's width, at most this share of its lane, and the odds of its line kinds and surfacings
CYCLE_LANE_M = 1.5
CYCLE_LANE_SHARE = 0.45
CYCLE_LINES = {"advisory": 0.5, "mandatory": 0.5}
CYCLE_SURFACES = {"none": 0.4, "green": 0.3, "red": 0.3}
BUS_SURFACES = {"none": 0.5, "red": 0.5}
BUS_LINE_W = 0.25
#: the stretch either side of a signal crossing kept clear of other paint: its stop lines lie in it
SIGNAL_CLEAR_M = 1.6
#: a box junction's border and hatch line widths and the spacing of its diagonals (m)
BOX_BORDER_W = 0.15
BOX_HATCH_W = 0.1
BOX_HATCH_STEP = 2.0


def _pick(rng: np.random.Generator, odds: Mapping[str, float]) -> str:
    """One of ``odds``' keys, drawn at their odds."""
    return list(odds)[int(rng.choice(len(odds), p=list(odds.values())))]


def sample_marking_style(rng: np.random.Generator, z: Mapping[str, float]) -> Dict[str, object]:
    """The RoadSpec fields of the marking style ``z`` asks for (none, the old street, unless ``road_markings``
    is 1)."""
    if int(z.get(VARIABLE, 0)) == 0:
        return {}
    centre, kerb = _pick(rng, CENTRE_LINES), _pick(rng, KERB_LINES)
    return {"centre_line": centre, "centre_colour": "yellow" if rng.random() < YELLOW_CENTRE_SHARE else "white",
            "edge_lines": bool(rng.random() < EDGE_LINE_SHARE), "kerb_lines": kerb,
            "parking_bays": bool(rng.random() < PARKING_BAY_SHARE)}


def sample_reserved_lanes(rng: np.random.Generator, z: Mapping[str, float]) -> Dict[str, object]:
    """The RoadSpec fields of the reserved lanes, crossings and box junctions ``z`` asks for (none unless
    ``reserved_lanes`` is 1, cycle lanes, or 2, bus lanes, or ``signal_crossings`` or ``box_junctions`` is 1)."""
    kind = int(z.get(RESERVED_VARIABLE, 0))
    fields: Dict[str, object] = {"signal_crossing": True} if int(z.get(SIGNAL_VARIABLE, 0)) else {}
    if int(z.get(BOX_VARIABLE, 0)):
        fields["box_junction"] = True
    if kind == 1:
        fields.update(cycle_lanes=_pick(rng, CYCLE_LINES), lane_surface=_pick(rng, CYCLE_SURFACES))
    elif kind == 2:
        fields.update(bus_lanes=True, lane_surface=_pick(rng, BUS_SURFACES))
    return fields


def bus_lane_sides(road: RoadSpec) -> Tuple[int, ...]:
    """The sides (of the right-hand layout) whose kerb lane is a bus lane: both directions of a two-way street of
    four lanes or more, the nearside of a one-way street of two or more."""
    if not road.bus_lanes:
        return ()
    if road.two_way:
        return (-1, 1) if road.lane_count >= 4 else ()
    return (1,) if road.lane_count >= 2 else ()


def cycle_lane_sides(road: RoadSpec) -> Tuple[int, ...]:
    """The sides with a cycle lane: both, or the nearside of a one-lane street."""
    if road.cycle_lanes == "none":
        return ()
    return (1,) if road.lane_count == 1 else (-1, 1)


def cycle_lane_width(road: RoadSpec) -> float:
    """Width of a cycle lane, line included (m)."""
    return min(CYCLE_LANE_M, CYCLE_LANE_SHARE * road.lane_width)


def reserved_bands(road: RoadSpec) -> List[Tuple[int, float, float]]:
    """(side, inner |x|, outer |x|) of each reserved lane: the band between its line and the lanes' edge."""
    lanes_half = road.lanes_half_width
    bands = [(s, lanes_half - road.lane_width + BUS_LINE_W / 2, lanes_half) for s in bus_lane_sides(road)]
    bands += [(s, lanes_half - cycle_lane_width(road) + LINE_W / 2, lanes_half) for s in cycle_lane_sides(road)]
    return bands


def lane_surfaces(road: RoadSpec) -> np.ndarray:
    """Rows (x0, x1, y0, y1, slot GREEN or RED) of the reserved lanes' coloured surfacing (none on plain asphalt),
    stopping at junction mouths and crossings."""
    if road.lane_surface == "none":
        return np.zeros((0, 5))
    slot = GREEN if road.lane_surface == "green" else RED
    rows = [[*sorted((s * inner, s * outer)), a, b, slot] for s, inner, outer in reserved_bands(road)
            for a, b in side_stretches(road, s, road.y_start, road.y_end, road.junction_band())]
    rows = np.asarray(rows, dtype=float).reshape(-1, 5)
    for yc in road.crosswalks:
        rows = _cut_at_crossing(road, rows, yc)
    return rows


def dashes(x: float, y0: float, y1: float, dash: float, gap: float, phase: float = 0.0) -> np.ndarray:
    """Rows of a dashed line along y at ``x``."""
    starts = np.arange(y0 + phase, y1, dash + gap)
    ends = np.minimum(starts + dash, y1)
    return np.column_stack([np.full(len(starts), x - LINE_W / 2), np.full(len(starts), x + LINE_W / 2), starts, ends])


def side_stretches(road: RoadSpec, side: int, y0: float, y1: float, hole) -> List[tuple]:
    """The stretches of [y0, y1] a surface of the main street runs along on ``side``: cut at ``hole`` where the
    cross street opens to that side."""
    return junction.cut((y0, y1), hole) if junction.opens(road, side) else [(y0, y1)]


def marking_rects(road: RoadSpec, reach: float = 1000.0) -> np.ndarray:
    """Rows (x0, x1, y0, y1) of every painted marking (the cross street's run ``reach`` metres past the main
    street's building line)."""
    return markings(road, reach)[:, :4]


def markings(road: RoadSpec, reach: float = 1000.0) -> np.ndarray:
    """Rows (x0, x1, y0, y1, paint slot) of every painted marking on the carriageway."""
    rects = _lane_lines(road) + _edge_lines(road) + _kerb_lines(road) + _cycle_lane_lines(road) + \
        _cross_street_markings(road, reach)
    for yc in road.crosswalks:
        rects = _with_crossing(road, np.concatenate(rects) if rects else np.zeros((0, 5)), yc)
    rows = np.concatenate(rects) if rects else np.zeros((0, 5))
    box = box_extent(road)
    if box is None:
        return rows
    inside = (np.abs(rows[:, :2]) <= road.carriageway_half_width + 1e-9).all(axis=1)
    kept = np.concatenate([rows[~inside], _cut_band(rows[inside], box[2], box[3])])
    return np.concatenate([kept, _paint(_box_border(box), YELLOW)])


def box_extent(road: RoadSpec) -> Tuple[float, float, float, float] | None:
    """(x0, x1, y0, y1) of the box junction's outer edge: the main street's carriageway across the junction's
    mouth; None without one."""
    if not (road.box_junction and road.junction_sides):
        return None
    half = road.carriageway_half_width - 0.2
    y0, y1 = road.junction_band()
    return (-half, half, y0, y1)


def _box_border(box) -> np.ndarray:
    x0, x1, y0, y1 = box
    w = BOX_BORDER_W
    return np.array([[x0, x1, y0, y0 + w], [x0, x1, y1 - w, y1], [x0, x0 + w, y0 + w, y1 - w],
                     [x1 - w, x1, y0 + w, y1 - w]])


def box_hatch(road: RoadSpec) -> np.ndarray:
    """(N, 4, 2) corners (x, y, counter-clockwise from above) of the box junction's diagonal hatch lines, both
    ways at 45 degrees, inside its border; none without a box."""
    box = box_extent(road)
    if box is None:
        return np.zeros((0, 4, 2))
    x0, x1, y0, y1 = (box[0] + BOX_BORDER_W, box[1] - BOX_BORDER_W, box[2] + BOX_BORDER_W, box[3] - BOX_BORDER_W)
    quads = []
    for slope in (1.0, -1.0):  # lines y = slope * x + c
        lo, hi = sorted((y0 - slope * x0, y0 - slope * x1))
        lo, hi = min(lo, y1 - slope * x0, y1 - slope * x1), max(hi, y1 - slope * x0, y1 - slope * x1)
        for c in np.arange(lo + BOX_HATCH_STEP / 2, hi, BOX_HATCH_STEP):
            seg = _clip_line(slope, c, x0, x1, y0, y1)
            if seg is not None:
                quads.append(_thicken(*seg, BOX_HATCH_W))
    return np.asarray(quads).reshape(-1, 4, 2)


def _clip_line(slope: float, c: float, x0: float, x1: float, y0: float, y1: float):
    """The piece of the line y = slope * x + c inside the rectangle, as two (x, y) ends; None if under 0.3 m."""
    xa, xb = sorted(((y0 - c) / slope, (y1 - c) / slope))
    xa, xb = max(xa, x0), min(xb, x1)
    if (xb - xa) * np.sqrt(2.0) < 0.3:
        return None
    return np.array([xa, slope * xa + c]), np.array([xb, slope * xb + c])


def _thicken(a: np.ndarray, b: np.ndarray, width: float) -> np.ndarray:
    """The quad of a line from ``a`` to ``b`` ``width`` wide, counter-clockwise from above."""
    d = (b - a) / np.linalg.norm(b - a)
    n = np.array([-d[1], d[0]]) * width / 2
    return np.array([a - n, b - n, b + n, a + n])


def _paint(rows, slot: int) -> np.ndarray:
    rows = np.asarray(rows, dtype=float).reshape(-1, 4)
    return np.column_stack([rows, np.full(len(rows), float(slot))])


def _lane_lines(road: RoadSpec) -> List[np.ndarray]:
    """Lines between lanes: at the centre of a two-way street its centre line, elsewhere dashes."""
    lanes_half = road.lanes_half_width
    y0, y1 = road.y_start, road.y_end
    out = []
    bus_lines = [s * (lanes_half - road.lane_width) for s in bus_lane_sides(road)]
    for k in range(1, road.lane_count):
        x = -lanes_half + k * road.lane_width
        if any(abs(x - b) < 1e-6 for b in bus_lines):
            out.append(_paint([[x - BUS_LINE_W / 2, x + BUS_LINE_W / 2, y0, y1]], WHITE))
            continue
        if not (road.two_way and abs(x) < 1e-6):
            out.append(_paint(dashes(x, y0, y1, 3.0, 6.0), WHITE))
            continue
        slot = YELLOW if road.centre_colour == "yellow" else WHITE
        if road.centre_line == "double":
            out.append(_paint([[x - 0.17, x - 0.05, y0, y1], [x + 0.05, x + 0.17, y0, y1]], slot))
        elif road.centre_line == "solid":
            out.append(_paint([[x - LINE_W / 2, x + LINE_W / 2, y0, y1]], slot))
        else:
            out.append(_paint(dashes(x, y0, y1, 3.0, 6.0), slot))
    return out


def _edge_lines(road: RoadSpec) -> List[np.ndarray]:
    """The driving lanes' edges: the parking strip's line (dashed, or solid with its bays marked), or a solid
    edge line where the style asks for one."""
    lanes_half = road.lanes_half_width
    out = []
    for s in (-1, 1):
        for a, b in side_stretches(road, s, road.y_start, road.y_end, road.junction_band()):
            x = s * (lanes_half + LINE_W / 2)
            if road.parking_width > 0.5:
                bays = road.parking_bays and road.parking_width >= MIN_BAY_STRIP_M
                out.append(_paint([[x - LINE_W / 2, x + LINE_W / 2, a, b]] if bays or road.edge_lines
                                  else dashes(x, a, b, 2.0, 2.0), WHITE))
                if bays:
                    out.append(_paint(_bay_ends(road, s, a, b), WHITE))
            elif road.edge_lines:
                x = s * (road.carriageway_half_width - 0.3)
                out.append(_paint([[x - LINE_W / 2, x + LINE_W / 2, a, b]], WHITE))
    return out


def _bay_ends(road: RoadSpec, side: int, y0: float, y1: float) -> np.ndarray:
    """Short lines across the parking strip, one car length apart."""
    inner = road.lanes_half_width + LINE_W
    xa, xb = sorted((side * inner, side * (inner + road.parking_width - 0.2)))
    ys = np.arange(y0 + BAY_LENGTH_M / 2, y1 - 0.1, BAY_LENGTH_M)
    return np.column_stack([np.full(len(ys), xa), np.full(len(ys), xb), ys - 0.05, ys + 0.05])


def _cycle_lane_lines(road: RoadSpec) -> List[np.ndarray]:
    """Each cycle lane's line: broken (advisory, 4 m marks 2 m apart) or solid (mandatory)."""
    out = []
    for s in cycle_lane_sides(road):
        x = s * (road.lanes_half_width - cycle_lane_width(road) + LINE_W / 2)
        for a, b in side_stretches(road, s, road.y_start, road.y_end, road.junction_band()):
            out.append(_paint(dashes(x, a, b, 4.0, 2.0) if road.cycle_lanes == "advisory"
                              else [[x - LINE_W / 2, x + LINE_W / 2, a, b]], WHITE))
    return out


def _kerb_lines(road: RoadSpec) -> List[np.ndarray]:
    """Yellow no-waiting lines 0.25 m (and 0.45 m) from the kerb, where the street has no parking strip."""
    if road.kerb_lines == "none" or road.parking_width > 0.5:
        return []
    offsets = (0.25, 0.45) if road.kerb_lines == "double_yellow" else (0.25,)
    out = []
    for s in (-1, 1):
        for a, b in side_stretches(road, s, road.y_start, road.y_end, road.junction_band()):
            for off in offsets:
                x = s * (road.carriageway_half_width - off)
                out.append(_paint([[x - 0.05, x + 0.05, a, b]], YELLOW))
    return out


def _cross_street_markings(road: RoadSpec, reach: float) -> List[np.ndarray]:
    """The cross street's dashed centre line and, across each lane toward the main street, a stop line."""
    out = []
    for side in road.junction_sides:
        start = road.carriageway_half_width + junction.STOP_LINE_GAP_M + junction.STOP_LINE_DEPTH_M + 1.0
        along = dashes(road.junction_y, start, road.terrain_outer_x + reach, 3.0, 6.0)  # (y0, y1, from, to)
        x = side * along[:, 2:4]
        out += [_paint(np.column_stack([x.min(axis=1), x.max(axis=1), along[:, 0], along[:, 1]]), WHITE),
                _paint([junction.stop_line(road, side)], WHITE)]
    return out


def _cut_at_crossing(road: RoadSpec, rects: np.ndarray, yc: float) -> np.ndarray:
    """``rects`` with the stretch the crossing at ``yc`` keeps clear cut out of them."""
    d, extra = road.crosswalk_depth, (SIGNAL_CLEAR_M if road.signal_crossing else 0.3)
    return _cut_band(rects, yc - d / 2 - extra, yc + d / 2 + extra)


def _cut_band(rects: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``rects`` with the stretch of y from ``lo`` to ``hi`` cut out of them."""
    out = []
    for r in rects:
        if r[3] <= lo or r[2] >= hi:
            out.append(r)
        else:
            if r[2] < lo:
                out.append([r[0], r[1], r[2], lo, r[4]])
            if r[3] > hi:
                out.append([r[0], r[1], hi, r[3], r[4]])
    return np.asarray(out, dtype=float).reshape(-1, 5)


def _with_crossing(road: RoadSpec, rects: np.ndarray, yc: float) -> List[np.ndarray]:
    """``rects`` cut where the crossing at ``yc`` lies, and the crossing's own paint: a zebra's stripes (along +Y,
    0.5 m wide, 0.5 m apart) and the stop line before it, or a signal crossing's two broken lines across the road
    and a stop line on each approach."""
    d, half = road.crosswalk_depth, road.carriageway_half_width
    lanes_half = road.lanes_half_width
    kept = _cut_at_crossing(road, rects, yc)
    near_stop = [0.0 if road.two_way else -lanes_half, lanes_half, yc - d / 2 - 1.5, yc - d / 2 - 1.1]
    if road.signal_crossing:
        xs = np.arange(-half + 0.2, half - 0.5, 1.0)
        edges = [np.column_stack([xs, xs + 0.5, np.full(len(xs), y - LINE_W / 2), np.full(len(xs), y + LINE_W / 2)])
                 for y in (yc - d / 2, yc + d / 2)]
        stops = [near_stop] + ([[-lanes_half, 0.0, yc + d / 2 + 1.1, yc + d / 2 + 1.5]] if road.two_way else [])
        return [kept, _paint(np.concatenate(edges), WHITE), _paint(stops, WHITE)]
    xs = np.arange(-half + 0.4, half - 0.4, 1.0)
    stripes = np.column_stack([xs, xs + 0.5, np.full(len(xs), yc - d / 2), np.full(len(xs), yc + d / 2)])
    return [kept, _paint(stripes, WHITE), _paint([near_stop], WHITE)]
