"""Vehicle builders: sedan, hatchback, SUV, van, truck and bus, and the wider fleet: estate, MPV, taxi, delivery
van, pickup and double-decker.

Each family has a side profile in normalised coordinates (y in [-0.5, 0.5] from rear to
nose, z in [0, 1]) with a lower body and a glazed greenhouse.  The body mesh is built
once per family and scaled per object to (width, length, height); wheels share one
mesh scaled by the wheel radius, so a scene instances a handful of meshes.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import bpy
import numpy as np

from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets.vehicles import MIRROR_REACH, PLATE_SIZE, VehicleParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, finish_material, flat_material, glass_material, set_colors

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


def _materials(ctx: BuildContext) -> List:
    _, roughness, coat, _ = _FINISH_LOOK["solid"]
    return [
        attr_material(ctx, "paint", _PAINT_FALLBACK, roughness=roughness, specular=_PAINT_SPECULAR, coat=coat),
        glass_material(ctx, attr="glass"),
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


def _car_body(family: str, cab_glass_only: bool = False) -> geom.Geo:
    """Unit-box body of a car family (x, y in [-0.5, 0.5], z in [0, 1]); ``cab_glass_only``: side windows in the
    cab only (a panel van)."""
    lower, green, roof = _CAR_PROFILES[family]
    eps = 0.006
    body_hw = 0.5 - eps
    belt = green[0][1]

    def green_hw(z: np.ndarray) -> np.ndarray:
        t = np.clip((np.asarray(z) - belt) / (1.0 - belt), 0, 1)
        return body_hw * (1 - t * (1 - roof)) - 0.004

    # Greenhouse: painted sides and roof; windshield and rear window (the sloped edges) glazed.
    green_pts = np.array([(y * (1 - 2 * eps), z) for y, z in green])
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
    return geom.merge([lower_g, green_g, *panes, *bumpers, *_lights(0.5, -0.5, lz - 0.07, lz, body_hw)])


def _taxi_body() -> geom.Geo:
    """A sedan under a lit roof sign (the sign fills the top TAXI_SIGN of the box)."""
    v, f, m = _car_body("sedan")
    body = (v * np.array([1.0, 1.0, 1.0 - TAXI_SIGN]), f, m)
    sign = geom.box((0.34, 0.1, TAXI_SIGN), (0.0, -0.08, 1.0 - TAXI_SIGN / 2), HEAD)
    return geom.merge([body, sign])


def _pickup_body() -> geom.Geo:
    """A cab at the front and an open bed behind it (floor, sides and tailgate)."""
    eps = 0.006
    hw = 0.5 - eps
    cab = geom.extrude_yz([(-0.1, 0.2), (0.5 - eps, 0.2), (0.5 - eps, 0.5), (0.44, 0.57), (0.3, 0.6), (0.14, 0.99),
                           (-0.1, 0.99)], hw, PAINT, PAINT, [PAINT, PAINT, PAINT, PAINT, GLASS, PAINT, GLASS])
    floor = geom.box((1 - 2 * eps, 0.4 - eps, 0.08), (0.0, -0.3 + eps / 2, 0.27), PAINT)
    sides = [geom.box((0.05, 0.4 - eps, 0.33), (sx * (hw - 0.025), -0.3 + eps / 2, 0.395), PAINT) for sx in (-1, 1)]
    gate = geom.box((1 - 2 * eps, 0.04, 0.33), (0.0, -0.5 + eps + 0.02, 0.395), PAINT)
    windows = []
    for sx in (-1, 1):
        x = sx * (hw + 0.003)
        c = [(x, -0.05, 0.62), (x, 0.2, 0.62), (x, 0.12, 0.93), (x, -0.05, 0.93)]
        windows.append(geom.quad(c if sx > 0 else c[::-1], GLASS))
    return geom.merge([cab, floor, *sides, gate, *windows, *_lights(0.5, -0.5, 0.42, 0.5, hw)])


#: window bands (bottom, top) of a bus's decks, as shares of its height
_DECKS = {"bus": ((0.52, 0.88),), "double_decker": ((0.3, 0.47), (0.62, 0.88))}


def _bus_body(family: str = "bus") -> geom.Geo:
    """Unit-box bus: a rounded box with a window band per deck along both sides and glazed ends."""
    eps = 0.01
    hw = 0.5 - eps
    shell = geom.extrude_yz([(-0.5 + eps, 0.1), (0.5 - eps, 0.1), (0.5 - eps, 0.93), (0.48, 1.0),
                             (-0.48, 1.0), (-0.5 + eps, 0.93)], hw, PAINT, PAINT)
    pieces = [shell]
    for z0, z1 in _DECKS[family]:
        for sx in (-1, 1):  # side window band, slightly proud of the shell
            x = sx * 0.5
            c = [(x, -0.46, z0), (x, 0.4, z0), (x, 0.4, z1), (x, -0.46, z1)]
            pieces.append(geom.quad(c if sx > 0 else c[::-1], GLASS))
        front_z0 = z0 - 0.07 if z0 > 0.5 else 0.2 if family == "double_decker" else 0.45
        pieces.append(geom.quad([(-0.46, 0.5, front_z0), (0.46, 0.5, front_z0), (0.46, 0.5, z1 + 0.02),
                                 (-0.46, 0.5, z1 + 0.02)], GLASS))
        rear_z0 = max(z0, 0.6) if family == "bus" else z0 + 0.03
        pieces.append(geom.quad([(0.4, -0.5, rear_z0), (-0.4, -0.5, rear_z0), (-0.4, -0.5, z1), (0.4, -0.5, z1)],
                                GLASS))
    pieces += _lights(0.5, -0.5, 0.17, 0.24, hw)
    return geom.merge(pieces)


def _truck_body() -> geom.Geo:
    """Unit-box truck: cab at the front (paint), cargo box behind (cargo colour)."""
    eps = 0.006
    hw = 0.5 - eps
    cab_y0 = 0.22
    cab = geom.extrude_yz([(cab_y0, 0.18), (0.5 - eps, 0.18), (0.5 - eps, 0.62), (0.47, 0.8), (cab_y0, 0.82)],
                          hw * 0.98, PAINT, PAINT, [PAINT, PAINT, GLASS, PAINT, PAINT])
    box = geom.box((1 - 2 * eps, 0.72 - 0.02, 0.84), (0, -0.5 + eps + 0.35, 0.58), CARGO)
    chassis = geom.box((0.8, 0.99, 0.06), (0, 0, 0.15), TRIM)
    side_windows = []
    for sx in (-1, 1):
        x = sx * hw * 0.985
        c = [(x, 0.3, 0.52), (x, 0.46, 0.52), (x, 0.455, 0.74), (x, 0.3, 0.76)]
        side_windows.append(geom.quad(c if sx > 0 else c[::-1], GLASS))
    return geom.merge([cab, box, chassis, *side_windows, *_lights(0.5, -0.5, 0.2, 0.26, hw)])


_BODIES = {"bus": _bus_body, "double_decker": lambda: _bus_body("double_decker"), "truck": _truck_body,
           "taxi": _taxi_body, "pickup": _pickup_body, "delivery_van": lambda: _car_body("delivery_van", True)}


def body_geo(family: str) -> geom.Geo:
    """Unit-box body of ``family`` (any key of assets.vehicles.VEHICLE_FAMILIES)."""
    return _BODIES[family]() if family in _BODIES else _car_body(family)


def _body_mesh(ctx: BuildContext, family: str):
    return ctx.mesh(("vehicle_body", family), lambda: to_mesh(f"vehicle_{family}", body_geo(family),
                                                              _materials(ctx)))


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
    body = ctx.object(f"{family}_body", _body_mesh(ctx, family), scale=(body_w, body_l, h))
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
    return parts + (_details(spec, p, ctx, body_w) if p.details else [])
