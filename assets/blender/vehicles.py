"""Vehicle builders: sedan, hatchback, SUV, van, truck and bus, and the wider fleet: estate, MPV, taxi, delivery
van, pickup and double-decker.

Each family has a side profile in normalised coordinates (y in [-0.5, 0.5] from rear to
nose, z in [0, 1]) with a lower body and a glazed greenhouse.  The body mesh is built
once per family and scaled per object to (width, length, height); wheels share one
mesh scaled by the wheel radius, so a scene instances a handful of meshes.

With an interior (``VehicleParams.seats``, drawn with the vehicle details) the body is the family's *cabin* variant:
the same shell, its glazed sides opened behind the window panes (painted frames and pillars round them, the same
silhouette), the glass tinted and see-through; the interior (assets.vehicle_interiors) is one more mesh per family
(two: with and without a driver), scaled like the body.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import bpy
import numpy as np

from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets import vehicle_interiors as inside
from assets.vehicle_interiors import Cabin, Row
from assets.vehicles import MIRROR_REACH, PLATE_SIZE, VEHICLE_FAMILIES, VehicleParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import (attr_material, finish_material, flat_material, glass_material, see_through_glass_material,
                        set_colors)
from .pedestrian import humanoid_materials

# (lower body polygon, greenhouse polygon, roof half-width ratio, clearance); y, z normalised.
_Profile = Tuple[Sequence[Tuple[float, float]], Sequence[Tuple[float, float]], float]

_CAR_PROFILES: Dict[str, _Profile] = {
    "sedan": ([(-0.5, 0.2), (0.5, 0.2), (0.5, 0.52), (0.47, 0.6), (0.2, 0.66), (-0.27, 0.66),
               (-0.48, 0.64), (-0.5, 0.55)],
              [(0.2, 0.66), (0.0, 0.99), (-0.2, 0.99), (-0.32, 0.66)], 0.78),
    "hatchback": ([(-0.5, 0.2), (0.5, 0.2), (0.5, 0.5), (0.46, 0.58), (0.25, 0.64), (-0.48, 0.64),
                   (-0.5, 0.55)],
                  [(0.25, 0.64), (0.04, 0.99), (-0.42, 0.98), (-0.48, 0.64)], 0.8),
    "suv": ([(-0.5, 0.2), (0.5, 0.2), (0.5, 0.5), (0.46, 0.6), (0.28, 0.63), (-0.5, 0.63)],
            [(0.28, 0.63), (0.1, 0.99), (-0.47, 0.99), (-0.5, 0.63)], 0.86),
    "van": ([(-0.5, 0.15), (0.5, 0.15), (0.5, 0.4), (0.44, 0.5), (-0.5, 0.5)],
            [(0.44, 0.5), (0.28, 0.97), (0.24, 0.99), (-0.49, 0.99), (-0.5, 0.5)], 0.92),
    "estate": ([(-0.5, 0.2), (0.5, 0.2), (0.5, 0.52), (0.47, 0.6), (0.2, 0.66), (-0.5, 0.66)],
               [(0.2, 0.66), (0.0, 0.99), (-0.45, 0.98), (-0.5, 0.66)], 0.8),
    "mpv": ([(-0.5, 0.18), (0.5, 0.18), (0.5, 0.48), (0.44, 0.56), (0.36, 0.6), (-0.5, 0.6)],
            [(0.36, 0.6), (0.12, 0.99), (-0.47, 0.99), (-0.5, 0.6)], 0.88),
}
_CAR_PROFILES["taxi"] = _CAR_PROFILES["sedan"]
_CAR_PROFILES["delivery_van"] = _CAR_PROFILES["van"]
#: share of a taxi's height taken by its roof sign
TAXI_SIGN = 0.07
# Axle positions as fractions of the length (rear, front) and ground clearance of the body (m).
_AXLES = {"sedan": (-0.32, 0.33), "hatchback": (-0.32, 0.33), "suv": (-0.32, 0.32), "van": (-0.33, 0.34),
          "truck": (-0.28, 0.36), "bus": (-0.27, 0.33), "delivery_van": (-0.34, 0.35), "pickup": (-0.33, 0.33),
          "double_decker": (-0.3, 0.3)}
_TIRE_WIDTH = {"car": 0.2, "truck": 0.3, "bus": 0.3}

# Material slots of vehicle body meshes.
PAINT, GLASS, HEAD, TAIL, TRIM, CARGO = range(6)
#: Colour of a truck's cargo box (not sampled: every truck has it).
CARGO_COLOR = (0.8, 0.8, 0.78)
#: body paint of each finish (assets.vehicles.FINISHES): metallic, roughness, coat weight, thin-film thickness (nm);
#: "solid" is the clear coat of every body without details
_FINISH_LOOK = {"solid": (0.0, 0.25, 0.6, 0.0), "metallic": (0.55, 0.35, 1.0, 0.0), "pearl": (0.15, 0.25, 0.8, 380.0),
                "matte": (0.0, 0.7, 0.0, 0.0)}
_PAINT_SPECULAR = 0.6
_PAINT_FALLBACK = (0.5, 0.5, 0.5)


def _materials(ctx: BuildContext, cabin: bool = False) -> List:
    """The body slots; a ``cabin`` body's glass is see-through."""
    _, roughness, coat, _ = _FINISH_LOOK["solid"]
    return [
        attr_material(ctx, "paint", _PAINT_FALLBACK, roughness=roughness, specular=_PAINT_SPECULAR, coat=coat),
        see_through_glass_material(ctx, attr="glass") if cabin else glass_material(ctx, attr="glass"),
        flat_material(ctx, "headlight", (0.9, 0.9, 0.85), roughness=0.1, emission=(1.0, 0.95, 0.85),
                      emission_strength=0.5),
        flat_material(ctx, "taillight", (0.6, 0.02, 0.02), roughness=0.2, emission=(1.0, 0.0, 0.0),
                      emission_strength=0.3),
        flat_material(ctx, "trim", (0.02, 0.02, 0.02), roughness=0.6),
        attr_material(ctx, "cargo", (0.8, 0.8, 0.8), roughness=0.5, noise_scale=2.0, noise_amount=0.2),
    ]


def _lights(front_y: float, rear_y: float, z0: float, z1: float, hw: float) -> List[geom.Geo]:
    """Head- and tail-light quads on the nose (+Y) and rear (-Y) faces, facing outward."""
    pieces = []
    for sx in (-1, 1):
        xa, xb = sx * hw * 0.62, sx * hw * 0.9
        xa, xb = min(xa, xb), max(xa, xb)
        pieces.append(geom.quad([(xa, front_y, z0), (xb, front_y, z0), (xb, front_y, z1), (xa, front_y, z1)], HEAD))
        pieces.append(geom.quad([(xb, rear_y, z0), (xa, rear_y, z0), (xa, rear_y, z1), (xb, rear_y, z1)], TAIL))
    return pieces


def _clip_y(poly: np.ndarray, y: float, keep_below: bool) -> np.ndarray:
    """Sutherland-Hodgman clip of a (y, z) polygon by the line Y = y."""
    out = []
    n = len(poly)
    for k in range(n):
        a, b = poly[k], poly[(k + 1) % n]
        ina, inb = (a[0] <= y) == keep_below, (b[0] <= y) == keep_below
        if ina:
            out.append(a)
        if ina != inb:
            t = (y - a[0]) / (b[0] - a[0])
            out.append(a + t * (b - a))
    return np.array(out)


def _side_walls(outer: Sequence, hw, holes: Sequence[np.ndarray]) -> geom.Geo:
    """The two painted sides (x = +-hw(z), hw a number or a function of z) of a shell whose (y, z) outline is
    ``outer``, opened where the (y, z) polygons ``holes`` are (behind its window panes)."""
    pieces = []
    for poly in inside.wall_pieces(outer, holes):
        x = hw(poly[:, 1]) if callable(hw) else np.full(len(poly), float(hw))
        order = list(range(len(poly)))
        pieces += [geom.geo(np.column_stack([x, poly]), [order], PAINT),
                   geom.geo(np.column_stack([-x, poly]), [order[::-1]], PAINT)]
    return geom.merge(pieces)


def _end_wall(y: float, hw: float, z0: float, z1: float, holes: Sequence[Tuple[float, float, float, float]],
              outward: int) -> geom.Geo:
    """A painted end (front or rear) of a box-shaped shell at Y = y, from z0 to z1, opened at the (x0, x1, z0, z1)
    rectangles ``holes``; ``outward`` +1 faces +Y, -1 faces -Y."""
    rects = [np.array([(a, c), (b, c), (b, d), (a, d)]) for a, b, c, d in holes]
    pieces = []
    for poly in inside.wall_pieces([(-hw, z0), (hw, z0), (hw, z1), (-hw, z1)], rects):
        order = list(range(len(poly)))
        v = np.column_stack([poly[:, 0], np.full(len(poly), y), poly[:, 1]])
        pieces.append(geom.geo(v, [order[::-1] if outward > 0 else order], PAINT))
    return geom.merge(pieces)


def _open_sides(g: geom.Geo, drop: Sequence[int] = ()) -> geom.Geo:
    """An ``extrude_yz`` solid without its two sides (and without its perimeter quads ``drop``)."""
    v, f, m = g
    keep = [k for k in range(2, len(f)) if k - 2 not in drop]
    return v, [f[k] for k in keep], np.asarray(m)[keep]


def _side_windows(green: np.ndarray, hw, pillars: Sequence[float]) -> List[geom.Geo]:
    """Glass panes on both greenhouse sides: the side shrunk inward, cut by pillars at the given y."""
    c = green.mean(axis=0)
    inner = c + (green - c) * np.array([0.9, 0.8])
    edges = [-1.0, *pillars, 1.0]
    panes = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        pane = inner
        if lo > -1:
            pane = _clip_y(pane, lo + 0.012, keep_below=False)
        if hi < 1:
            pane = _clip_y(pane, hi - 0.012, keep_below=True)
        if len(pane) < 3:
            continue
        for sx in (-1, 1):
            x = sx * (hw(pane[:, 1]) + 0.003)
            v = np.column_stack([x, pane])
            order = list(range(len(pane))) if sx > 0 else list(range(len(pane)))[::-1]
            panes.append(geom.geo(v, [order], GLASS))
    return panes


_CAR_EPS = 0.006


def _greenhouse(family: str):
    """A car family's greenhouse: its (y, z) outline in the unit box and its half width as a function of z."""
    _, green, roof = _CAR_PROFILES[family]
    body_hw = 0.5 - _CAR_EPS
    belt = green[0][1]

    def green_hw(z: np.ndarray) -> np.ndarray:
        t = np.clip((np.asarray(z) - belt) / (1.0 - belt), 0, 1)
        return body_hw * (1 - t * (1 - roof)) - 0.004

    return np.array([(y * (1 - 2 * _CAR_EPS), z) for y, z in green]), green_hw


def _car_body(family: str, cab_glass_only: bool = False, cabin: bool = False) -> geom.Geo:
    """Unit-box body of a car family (x, y in [-0.5, 0.5], z in [0, 1]); ``cab_glass_only``: side windows in the
    cab only (a panel van); ``cabin``: the greenhouse's sides open behind the side windows."""
    lower = _CAR_PROFILES[family][0]
    eps = _CAR_EPS
    body_hw = 0.5 - eps
    # Greenhouse: painted sides and roof; windshield and rear window (the sloped edges) glazed.
    green_pts, green_hw = _greenhouse(family)
    n = len(green_pts)
    side = [PAINT] * n
    for k in range(n):
        (y0, z0), (y1, z1) = green_pts[k], green_pts[(k + 1) % n]
        if abs(z1 - z0) > 0.15:
            side[k] = GLASS
    lower_g = geom.extrude_yz([(y * (1 - 2 * eps), z) for y, z in lower], body_hw, PAINT, PAINT)
    green_g = geom.extrude_yz(green_pts, green_hw, PAINT, PAINT, side)
    roof_y = green_pts[green_pts[:, 1] > 0.9, 0]
    span = (roof_y.min(), roof_y.max())
    pillars = [span[0] + (span[1] - span[0]) * t for t in ((0.5,) if family in ("sedan", "hatchback") else (0.4, 0.72))]
    bumper_z = lower[0][1]
    bumpers = [geom.box((1 - 2 * eps, 0.02, 0.06), (0, y, bumper_z + 0.04), TRIM) for y in (-0.49, 0.49)]
    lz = lower[2][1] - 0.05
    panes = _side_windows(green_pts, green_hw, pillars)
    if cab_glass_only:
        panes = [g for g in panes if g[0][:, 1].mean() > pillars[-1]]
    if cabin:
        green_g = geom.merge([_open_sides(green_g),
                              _side_walls(green_pts, green_hw, [g[0][:, 1:] for g in panes if g[0][0, 0] > 0])])
    return geom.merge([lower_g, green_g, *panes, *bumpers, *_lights(0.5, -0.5, lz - 0.07, lz, body_hw)])


def _taxi_body(cabin: bool = False) -> geom.Geo:
    """A sedan under a lit roof sign (the sign fills the top TAXI_SIGN of the box)."""
    v, f, m = _car_body("sedan", cabin=cabin)
    body = (v * np.array([1.0, 1.0, 1.0 - TAXI_SIGN]), f, m)
    sign = geom.box((0.34, 0.1, TAXI_SIGN), (0.0, -0.08, 1.0 - TAXI_SIGN / 2), HEAD)
    return geom.merge([body, sign])


_PICKUP_WINDOW = ((-0.05, 0.62), (0.2, 0.62), (0.12, 0.93), (-0.05, 0.93))


def _pickup_body(cabin: bool = False) -> geom.Geo:
    """A cab at the front and an open bed behind it (floor, sides and tailgate); ``cabin``: the cab's sides open
    behind its windows, its back glazed only above the belt."""
    eps = 0.006
    hw = 0.5 - eps
    outline = [(-0.1, 0.2), (0.5 - eps, 0.2), (0.5 - eps, 0.5), (0.44, 0.57), (0.3, 0.6), (0.14, 0.99), (-0.1, 0.99)]
    if cabin:
        outline.append((-0.1, 0.6))
        cab = geom.extrude_yz(outline, hw, PAINT, PAINT, [PAINT, PAINT, PAINT, PAINT, GLASS, PAINT, GLASS, PAINT])
        cab = geom.merge([_open_sides(cab), _side_walls(outline, hw, [np.array(_PICKUP_WINDOW)])])
    else:
        cab = geom.extrude_yz(outline, hw, PAINT, PAINT, [PAINT, PAINT, PAINT, PAINT, GLASS, PAINT, GLASS])
    floor = geom.box((1 - 2 * eps, 0.4 - eps, 0.08), (0.0, -0.3 + eps / 2, 0.27), PAINT)
    sides = [geom.box((0.05, 0.4 - eps, 0.33), (sx * (hw - 0.025), -0.3 + eps / 2, 0.395), PAINT) for sx in (-1, 1)]
    gate = geom.box((1 - 2 * eps, 0.04, 0.33), (0.0, -0.5 + eps + 0.02, 0.395), PAINT)
    windows = []
    for sx in (-1, 1):
        x = sx * (hw + 0.003)
        c = [(x, y, z) for y, z in _PICKUP_WINDOW]
        windows.append(geom.quad(c if sx > 0 else c[::-1], GLASS))
    return geom.merge([cab, floor, *sides, gate, *windows, *_lights(0.5, -0.5, 0.42, 0.5, hw)])


#: window bands (bottom, top) of a bus's decks, as shares of its height
_DECKS = {"bus": ((0.52, 0.88),), "double_decker": ((0.3, 0.47), (0.62, 0.88))}


_BUS_SHELL = ((-0.49, 0.1), (0.49, 0.1), (0.49, 0.93), (0.48, 1.0), (-0.48, 1.0), (-0.49, 0.93))


def _bus_glass(family: str, z0: float, z1: float) -> Tuple[float, float]:
    """Bottom and top of a bus's front and rear windows on the deck whose side windows span z0..z1."""
    front_z0 = z0 - 0.07 if z0 > 0.5 else 0.2 if family == "double_decker" else 0.45
    rear_z0 = max(z0, 0.6) if family == "bus" else z0 + 0.03
    return (front_z0, z1 + 0.02), (rear_z0, z1)


def _bus_body(family: str = "bus", cabin: bool = False) -> geom.Geo:
    """Unit-box bus: a rounded box with a window band per deck along both sides and glazed ends; ``cabin``: the
    shell open behind every window."""
    eps = 0.01
    hw = 0.5 - eps
    shell = geom.extrude_yz(_BUS_SHELL, hw, PAINT, PAINT)
    if cabin:
        decks = _DECKS[family]
        bands = [np.array([(-0.46, z0), (0.4, z0), (0.4, z1), (-0.46, z1)]) for z0, z1 in decks]
        ends = [_bus_glass(family, z0, z1) for z0, z1 in decks]
        shell = geom.merge([_open_sides(shell, drop=(1, 5)), _side_walls(_BUS_SHELL, hw, bands),
                            _end_wall(0.5 - eps, hw, 0.1, 0.93, [(-0.46, 0.46, *f) for f, _ in ends], 1),
                            _end_wall(-0.5 + eps, hw, 0.1, 0.93, [(-0.4, 0.4, *r) for _, r in ends], -1)])
    pieces = [shell]
    for z0, z1 in _DECKS[family]:
        for sx in (-1, 1):  # side window band, slightly proud of the shell
            x = sx * 0.5
            c = [(x, -0.46, z0), (x, 0.4, z0), (x, 0.4, z1), (x, -0.46, z1)]
            pieces.append(geom.quad(c if sx > 0 else c[::-1], GLASS))
        (front_z0, front_z1), (rear_z0, _) = _bus_glass(family, z0, z1)
        pieces.append(geom.quad([(-0.46, 0.5, front_z0), (0.46, 0.5, front_z0), (0.46, 0.5, front_z1),
                                 (-0.46, 0.5, front_z1)], GLASS))
        pieces.append(geom.quad([(0.4, -0.5, rear_z0), (-0.4, -0.5, rear_z0), (-0.4, -0.5, z1), (0.4, -0.5, z1)],
                                GLASS))
    pieces += _lights(0.5, -0.5, 0.17, 0.24, hw)
    return geom.merge(pieces)


_TRUCK_CAB = ((0.22, 0.18), (0.494, 0.18), (0.494, 0.62), (0.47, 0.8), (0.22, 0.82))
_TRUCK_WINDOW = ((0.3, 0.52), (0.46, 0.52), (0.455, 0.74), (0.3, 0.76))


def _truck_body(cabin: bool = False) -> geom.Geo:
    """Unit-box truck: cab at the front (paint), cargo box behind (cargo colour); ``cabin``: the cab's sides open
    behind its windows."""
    eps = 0.006
    hw = 0.5 - eps
    cab = geom.extrude_yz(_TRUCK_CAB, hw * 0.98, PAINT, PAINT, [PAINT, PAINT, GLASS, PAINT, PAINT])
    if cabin:
        cab = geom.merge([_open_sides(cab), _side_walls(_TRUCK_CAB, hw * 0.98, [np.array(_TRUCK_WINDOW)])])
    box = geom.box((1 - 2 * eps, 0.72 - 0.02, 0.84), (0, -0.5 + eps + 0.35, 0.58), CARGO)
    chassis = geom.box((0.8, 0.99, 0.06), (0, 0, 0.15), TRIM)
    side_windows = []
    for sx in (-1, 1):
        x = sx * hw * 0.985
        c = [(x, y, z) for y, z in _TRUCK_WINDOW]
        side_windows.append(geom.quad(c if sx > 0 else c[::-1], GLASS))
    return geom.merge([cab, box, chassis, *side_windows, *_lights(0.5, -0.5, 0.2, 0.26, hw)])


#: the bodies not drawn from a car profile alone: family -> function of ``cabin``
_BODIES = {"bus": lambda cabin: _bus_body("bus", cabin),
           "double_decker": lambda cabin: _bus_body("double_decker", cabin), "truck": _truck_body,
           "taxi": _taxi_body, "pickup": _pickup_body,
           "delivery_van": lambda cabin: _car_body("delivery_van", True, cabin)}


def body_geo(family: str, cabin: bool = False) -> geom.Geo:
    """Unit-box body of ``family`` (any key of assets.vehicles.VEHICLE_FAMILIES); ``cabin``: its variant open behind
    the side windows, for an interior."""
    return _BODIES[family](cabin) if family in _BODIES else _car_body(family, cabin=cabin)


def _body_mesh(ctx: BuildContext, family: str, cabin: bool = False):
    if cabin:
        return ctx.mesh(("vehicle_body", family, "cabin"),
                        lambda: to_mesh(f"vehicle_{family}_cabin", body_geo(family, True), _materials(ctx, True)))
    return ctx.mesh(("vehicle_body", family), lambda: to_mesh(f"vehicle_{family}", body_geo(family),
                                                              _materials(ctx)))


# ---------------------------------------------------------------- interiors
def _dims(family: str) -> Tuple[float, float, float]:
    """A family's nominal body (width, length, height) in metres, with details (mirrors and plates) on."""
    fam = VEHICLE_FAMILIES[family]
    w, l, h = (sum(r) / 2 for r in (fam.width, fam.length, fam.height))
    return w - 2 * MIRROR_REACH, l - 2 * _PLATE_DEPTH, h


_FRONT_SEATS = ((-0.37, 0.5), (0.37, 0.5))
_REAR_BENCH = ((-0.36, 0.7), (0.36, 0.7))
#: seat rows of the car families: how far (m) behind the windscreen's foot each row's backs stand
_CAR_ROWS = {"van": (1.05, 1.9, 2.75), "delivery_van": (1.05,)}


def cabin(family: str) -> Cabin:
    """Where ``family``'s interior goes (assets.vehicle_interiors.Cabin)."""
    dims = _dims(family)
    h = dims[2]
    if family in _CAR_PROFILES or family == "taxi":
        green, green_hw = _greenhouse("sedan" if family == "taxi" else family)
        squash = 1.0 - TAXI_SIGN if family == "taxi" else 1.0
        belt = green[0][1] * squash
        rows = tuple(Row(back, belt, 0.2, _FRONT_SEATS if k == 0 else _REAR_BENCH)
                     for k, back in enumerate(_CAR_ROWS.get(family, (1.05, 1.9))))
        return Cabin(tuple(map(tuple, green * (1.0, squash))), lambda z: green_hw(np.asarray(z) / squash), dims,
                     green[0][0], (belt, belt + 0.16 / h), (belt,), rows, bulkhead=family == "delivery_van")
    if family == "pickup":
        return Cabin(((-0.1, 0.6), (0.3, 0.6), (0.14, 0.99), (-0.1, 0.99)), lambda z: np.full(np.shape(z), 0.494),
                     dims, 0.3, (0.6, 0.6 + 0.16 / h), (0.6,), (Row(1.0, 0.6, 0.2, ((-0.4, 0.5), (0.4, 0.5))),))
    if family == "truck":
        return Cabin(((0.22, 0.52), (0.494, 0.52), *_TRUCK_CAB[2:]), lambda z: np.full(np.shape(z), 0.494 * 0.98),
                     dims, 0.494, (0.52, 0.62), (0.52,), (Row(1.1, 0.52, 0.45, ((-0.5, 0.55), (0.5, 0.55))),),
                     shoulders=0.45, wheel=(0.22, 40.0))
    # buses: the driver raised at the front, double seats either side of the aisle on every deck
    floors = (0.1, 0.5) if family == "double_decker" else (0.1,)
    length = dims[1]
    rows = [Row(1.1, 0.1 + 0.75 / h, 0.6, ((-0.7, 0.5),))]
    for k, floor in enumerate(floors):
        for back in np.arange(2.3 if k == 0 else 0.9, length - 0.6, 0.8):
            rows.append(Row(float(back), floor + 0.45 / h, 0.6, ((-0.72, 0.85), (0.72, 0.85)), headrests=False))
    dash = _bus_glass(family, *_DECKS[family][0])[0][0]
    return Cabin(_BUS_SHELL, lambda z: np.full(np.shape(z), 0.49), dims, 0.49, (0.1, dash), floors, tuple(rows),
                 shoulders=0.55, wheel=(0.25, 60.0))


def interior_geo(family: str, driver: bool) -> geom.Geo:
    """``family``'s interior in its unit box (slots of assets.vehicle_interiors), with or without a driver."""
    return inside.interior_geo(cabin(family), driver)


def _interior_materials(ctx: BuildContext) -> List:
    skin, hair, top = humanoid_materials(ctx)[:3]
    return [attr_material(ctx, "seats", (0.05, 0.05, 0.05), roughness=0.8),
            flat_material(ctx, "interior_trim", (0.02, 0.02, 0.02), roughness=0.7), skin, hair, top]


def _interior_mesh(ctx: BuildContext, family: str, driver: bool):
    return ctx.mesh(("vehicle_interior", family, driver),
                    lambda: to_mesh(f"interior_{family}", interior_geo(family, driver), _interior_materials(ctx)))


def _wheel_mesh(ctx: BuildContext):
    """Unit wheel: radius 1, width 1 along X, centred at the origin; tyre plus a grey rim disc."""
    def make():
        tyre = geom.transform(geom.lathe([(0.58, -0.5), (0.95, -0.5), (1.0, -0.35), (1.0, 0.35), (0.95, 0.5),
                                          (0.58, 0.5)], 16, 0, cap_bottom=False, cap_top=False),
                              geom.rot_y(np.pi / 2))
        rims = [geom.transform(geom.cylinder(0.58, -0.44, 0.44, 12, 1), geom.rot_y(np.pi / 2))]
        mats = [flat_material(ctx, "tyre", (0.015, 0.015, 0.015), roughness=0.8),
                flat_material(ctx, "rim", (0.18, 0.18, 0.19), roughness=0.45, metallic=0.6)]
        return to_mesh("wheel", geom.merge([tyre, *rims]), mats, smooth=False)
    return ctx.mesh("wheel", make)


#: where a wing mirror sits on each body, as shares of its length (from the middle) and height: at the foot of the
#: windscreen on cars, beside the cab's or bus's front window on the large bodies
_MIRROR_AT = {**{f: (green[0][0] - 0.03, green[0][1] + 0.04) for f, (_, green, _) in _CAR_PROFILES.items()},
              "pickup": (0.27, 0.64), "truck": (0.45, 0.62), "bus": (0.46, 0.7), "double_decker": (0.46, 0.62)}
#: a mirror's (length, height) in metres on cars and on the large bodies
_MIRROR_SIZE = {"car": (0.1, 0.13), "large": (0.14, 0.32)}
_PLATE_DEPTH = 0.012
#: plate colours (linear) by kind
_PLATES = {"white": (0.78, 0.78, 0.76), "yellow": (0.85, 0.6, 0.04)}


def _unit_box_mesh(ctx: BuildContext, name: str, material):
    """A unit box (centred, size 1) in one material, shared by every object using it."""
    return ctx.mesh(("unit_box", name), lambda: to_mesh(name, geom.box((1.0, 1.0, 1.0)), [material]))


def _details(spec: ObjectSpec, p: VehicleParams, ctx: BuildContext, body_w: float) -> List[Part]:
    """Wing mirrors in the body's paint, reaching from the body to the box's sides, and the number plates."""
    family = spec.family
    w, l, h = spec.size
    yn, zn = _MIRROR_AT[family]
    ml, mh = _MIRROR_SIZE["car" if family in _CAR_PROFILES else "large"]
    mirror = _unit_box_mesh(ctx, "mirror", _materials(ctx)[PAINT])
    parts = []
    for sx in (-1, 1):
        obj = ctx.object(f"{family}_mirror", mirror, location=(sx * (body_w + w) / 4, yn * l, zn * h),
                         scale=((w - body_w) / 2, ml, mh))
        set_colors(obj, {"paint": p.paint})
        _finish(obj, p, ctx)
        parts.append(Part(obj, spec.label))
    plate_z = min(0.3 * h, 0.6)
    for sy, kind in ((1, "white"), (-1, p.rear_plate)):
        plate = _unit_box_mesh(ctx, f"plate_{kind}", flat_material(ctx, f"plate_{kind}", _PLATES[kind], roughness=0.4))
        obj = ctx.object(f"{family}_plate", plate, location=(0.0, sy * (l - _PLATE_DEPTH) / 2, plate_z),
                         scale=(PLATE_SIZE[0], _PLATE_DEPTH, PLATE_SIZE[1]))
        parts.append(Part(obj, spec.label))
    return parts


def _finish(obj: "bpy.types.Object", p: VehicleParams, ctx: BuildContext) -> None:
    """With a finish in ``p``, ``obj``'s paint slot (slot PAINT of bodies and mirrors alike) takes the shared finish
    material, for this object only, and ``obj`` the attributes of that finish and of ``p.dirt``."""
    if p.finish is None:
        return
    slot = obj.material_slots[PAINT]
    slot.link = "OBJECT"
    slot.material = finish_material(ctx, _PAINT_FALLBACK, _PAINT_SPECULAR)
    metallic, roughness, coat, film = _FINISH_LOOK[p.finish]
    for name, value in (("paint_metallic", metallic), ("paint_roughness", roughness), ("paint_coat", coat),
                        ("paint_film", film), ("dirt", p.dirt)):
        obj[name] = float(value)


@builds(VehicleParams)
def build_vehicle(spec: ObjectSpec, p: VehicleParams, ctx: BuildContext) -> List[Part]:
    """A vehicle filling ``spec.size``: one scaled body plus four (six for trucks/buses) wheels; with ``details``
    the body narrower by the wing mirrors and a little shorter than the box, for the plates on its ends."""
    family = spec.family
    w, l, h = spec.size
    body_w, body_l = (w - 2 * MIRROR_REACH, l - 2 * _PLATE_DEPTH) if p.details else (w, l)
    body = ctx.object(f"{family}_body", _body_mesh(ctx, family, p.seats is not None), scale=(body_w, body_l, h))
    set_colors(body, {"paint": p.paint, "glass": p.glass, "cargo": CARGO_COLOR})
    _finish(body, p, ctx)
    parts = [Part(body, spec.label)]
    r = float(min(p.wheel_radius, h * 0.3, l * 0.12))
    tyre = min(_TIRE_WIDTH.get(spec.label, 0.2), w * 0.15)
    rear, front = _AXLES.get(family, (-0.32, 0.33))
    axles = [rear * l, front * l]
    if family == "truck" and l > 7.5:
        axles.insert(0, rear * l + 2.1 * r + 0.05)
    wheel = _wheel_mesh(ctx)
    for y in axles:
        for sx in (-1, 1):
            obj = ctx.object(f"{family}_wheel", wheel, location=(sx * (body_w / 2 - tyre / 2), y, r),
                             scale=(tyre, r, r))
            parts.append(Part(obj, spec.label))
    parts += _details(spec, p, ctx, body_w) if p.details else []
    if p.seats is not None:  # the interior, scaled like the body
        obj = ctx.object(f"{family}_interior", _interior_mesh(ctx, family, p.driver is not None),
                         scale=(body_w, body_l, h))
        colors = {"seats": p.seats}
        if p.driver is not None:
            colors.update(zip(("skin", "hair", "top"), p.driver))
        set_colors(obj, colors)
        parts.append(Part(obj, spec.label))
    return parts
