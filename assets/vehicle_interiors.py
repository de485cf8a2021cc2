"""Vehicle interiors (``vehicle_details``): seats with headrests, a dashboard and steering wheel and, in some cars, a
driver (head, shoulders and arms), seen through tinted see-through glazing.  Numpy only: the sampler of an interior's
colours and its geometry in a body's unit box; each body's cabin (``Cabin``) and the bpy side are in
assets/blender/vehicles.py.

Everything inside a vehicle carries the vehicle's label (Cityscapes labels a car's interior and occupants as the
car), and every piece lies inside the body's closed hull: the glazing and the body's silhouette are unchanged, so
are the labels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Sequence, Tuple

import numpy as np

from . import geometry as geom
from .colors import RGB, jitter, pick, srgb_to_linear
from .pedestrians import sample_pedestrian

# ---------------------------------------------------------------- sampling
#: upholstery (sRGB): black, charcoal, grey, beige and brown cloth or leather, and their shares in cars; buses have
#: moquette (blue, red, charcoal)
_SEATS = [srgb_to_linear(c) for c in ((0.07, 0.07, 0.075), (0.17, 0.17, 0.18), (0.33, 0.33, 0.34),
                                      (0.62, 0.56, 0.45), (0.33, 0.21, 0.13))]
_SEAT_SHARES = (0.45, 0.25, 0.12, 0.12, 0.06)
_BUS_SEATS = [srgb_to_linear(c) for c in ((0.14, 0.2, 0.45), (0.45, 0.1, 0.12), (0.17, 0.17, 0.18))]
BUS_FAMILIES = ("bus", "double_decker")
#: share of vehicles with someone at the wheel (a vehicle's params do not say whether it moves or is parked); buses
#: always have their driver
DRIVER_SHARE = 0.5
Driver = Tuple[RGB, RGB, RGB]  # skin, hair (the skin when bald, the cap when capped), top


def sample_interior(rng: np.random.Generator, family: str) -> Tuple[RGB, Driver | None]:
    """An interior's upholstery colour and, at DRIVER_SHARE (buses always), its driver's skin, hair and top colours
    (a person of ``assets.pedestrians``), all from ``rng``."""
    seats = jitter(rng, pick(rng, _BUS_SEATS) if family in BUS_FAMILIES else pick(rng, _SEATS, _SEAT_SHARES), 0.06)
    if family not in BUS_FAMILIES and rng.random() >= DRIVER_SHARE:
        return seats, None
    person = sample_pedestrian(rng, pose="standing")
    hair = {"bald": person.skin, "cap": person.cap or person.bottom}.get(person.hair_style, person.hair)
    return seats, (person.skin, hair, person.top)


# ---------------------------------------------------------------- geometry
#: material slots of an interior mesh
SEAT, TRIM, SKIN, HAIR, TOP = range(5)
#: how far (m) every clipped piece stays inside its cabin's hull
MARGIN = 0.02


@dataclass(frozen=True)
class Row:
    """One row of seats: the seat backs' foot ``back`` metres behind the cabin's front, standing on unit height
    ``base``, ``height`` metres tall; seats (x centre, width) in metres; with headrests or not."""

    back: float
    base: float
    height: float
    seats: Tuple[Tuple[float, float], ...]
    headrests: bool = True


@dataclass(frozen=True)
class Cabin:
    """Where a body's interior goes, in its unit box (x, y in [-0.5, 0.5], z in [0, 1]).

    ``hull``: a convex (y, z) polygon (counter-clockwise seen from +X) inside the body's glazed shell;
    ``half_width(z)``: the shell's half width at unit height z; ``dims``: the nominal body (width, length, height) in
    metres, which turn the metric sizes below into unit lengths.  ``front``: unit y the dashboard stands against;
    ``dash``: unit heights of the dashboard's foot and top; ``floors``: unit heights of floor liners (the shell's
    inside below them is hidden); ``rows``: rows[0] is the front row, its first seat the driver's (on -x: left-hand
    drive; left-hand traffic mirrors the whole vehicle); ``wheel``: (radius m, tilt from vertical in degrees);
    ``bulkhead``: a partition behind the front row (panel vans).
    """

    hull: Tuple[Tuple[float, float], ...]
    half_width: Callable[[np.ndarray], np.ndarray]
    dims: Tuple[float, float, float]
    front: float
    dash: Tuple[float, float]
    floors: Tuple[float, ...]
    rows: Tuple[Row, ...]
    shoulders: float = 0.17  # the driver's shoulders above the front row's base (m)
    wheel: Tuple[float, float] = (0.17, 25.0)
    bulkhead: bool = False


def _ccw(poly: np.ndarray) -> np.ndarray:
    y, z = poly[:, 0], poly[:, 1]
    area = 0.5 * float(np.sum(y * np.roll(z, -1) - np.roll(y, -1) * z))
    return poly if area >= 0 else poly[::-1]


def clip_half(poly: np.ndarray, a: Sequence[float], b: Sequence[float]) -> np.ndarray:
    """Sutherland-Hodgman: the part of 2D polygon ``poly`` left of the line from ``a`` to ``b``."""
    out = np.asarray(poly, dtype=float).reshape(-1, 2)
    if len(out) == 0:
        return out
    side = (b[0] - a[0]) * (out[:, 1] - a[1]) - (b[1] - a[1]) * (out[:, 0] - a[0])
    kept = []
    for i in range(len(out)):
        j = (i + 1) % len(out)
        if side[i] >= 0:
            kept.append(out[i])
        if (side[i] >= 0) != (side[j] >= 0):
            t = side[i] / (side[i] - side[j])
            kept.append(out[i] + t * (out[j] - out[i]))
    return np.array(kept).reshape(-1, 2)


def clip_convex(poly: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """The part of 2D polygon ``poly`` inside the convex counter-clockwise polygon ``clip``."""
    out = np.asarray(poly, dtype=float)
    for k in range(len(clip)):
        out = clip_half(out, clip[k], clip[(k + 1) % len(clip)])
    return out


def inset(poly: np.ndarray, d: float) -> np.ndarray:
    """A convex counter-clockwise polygon moved ``d`` inward along every edge's normal."""
    p = _ccw(np.asarray(poly, dtype=float))
    n = len(p)
    lines = []
    for k in range(n):
        a, b = p[k], p[(k + 1) % n]
        e = (b - a) / np.linalg.norm(b - a)
        normal = np.array([-e[1], e[0]])  # inward for a counter-clockwise polygon
        lines.append((a + d * normal, e))
    out = []
    for k in range(n):
        (p0, e0), (p1, e1) = lines[k - 1], lines[k]
        det = e0[0] * -e1[1] - e0[1] * -e1[0]
        if abs(det) < 1e-9:
            out.append(p1)
            continue
        rhs = p1 - p0
        t = (rhs[0] * -e1[1] - rhs[1] * -e1[0]) / det
        out.append(p0 + t * e0)
    return np.array(out)


def wall_pieces(outer: Sequence[Tuple[float, float]], holes: Sequence[np.ndarray]) -> List[np.ndarray]:
    """A wall ``outer`` (a 2D (u, v) polygon whose every horizontal line crosses it once) less the convex ``holes``
    inside it, as counter-clockwise trapezoids (triangles where one side shrinks to a point) in bands between the
    corners' heights: together they tile exactly what the wall covers outside the holes."""
    polys = [_ccw(np.asarray(p, dtype=float)) for p in (outer, *holes)]
    levels = np.unique(np.concatenate([p[:, 1] for p in polys]))
    pieces = []
    for va, vb in zip(levels[:-1], levels[1:]):
        spans = []  # per polygon crossing the band: its (u min, u max) at va and at vb
        for poly in polys:
            part = clip_half(clip_half(poly, (0.0, va), (1.0, va)), (1.0, vb), (0.0, vb))
            at = [part[np.abs(part[:, 1] - v) <= 1e-12, 0] if len(part) >= 3 else () for v in (va, vb)]
            spans.append(None if any(len(a) == 0 for a in at) else [(a.min(), a.max()) for a in at])
        if spans[0] is None:
            continue
        cuts = sorted((s for s in spans[1:] if s is not None), key=lambda s: s[0][0] + s[1][0])
        (oa, ob) = spans[0]
        lefts = [(oa[0], ob[0])] + [(ha[1], hb[1]) for ha, hb in cuts]
        rights = [(ha[0], hb[0]) for ha, hb in cuts] + [(oa[1], ob[1])]
        for (la, lb), (ra, rb) in zip(lefts, rights):
            corners = [(la, va), (ra, va), (rb, vb), (lb, vb)]
            keep = [c for i, c in enumerate(corners) if np.abs(np.subtract(c, corners[i - 1])).max() > 1e-12]
            if len(keep) >= 3 and max(ra - la, rb - lb) > 1e-12:
                pieces.append(np.array(keep))
    return pieces


def interior_geo(cabin: Cabin, driver: bool) -> geom.Geo:
    """The interior of ``cabin`` in its body's unit box: floor liners, the dashboard and steering wheel, the rows of
    seat backs with their headrests, a bulkhead where the cabin asks for one, and with ``driver`` the driver's torso,
    arms and head (slots SEAT, TRIM, SKIN, HAIR, TOP)."""
    fit = _Fitter(cabin)
    W, _, H = fit.dims
    for f in cabin.floors:
        fit.slab(fit.y_lo - 1, fit.y_hi + 1, f * H, f * H + 0.03, -W, W, TRIM)
    dash0, dash1 = (d * H for d in cabin.dash)
    fit.slab(fit.front - 0.6, fit.front + 0.2, dash0, dash1, -W, W, TRIM)
    for row in cabin.rows:
        _seat_row(fit, row)
    first = cabin.rows[0]
    (xd, _), yd, zd = first.seats[0], fit.front - first.back, first.base * H
    radius, tilt = cabin.wheel
    wheel = (xd, yd + 0.55, zd + cabin.shoulders - 0.11)
    fit.pieces.append(_steering_wheel(radius, tilt, wheel))
    if cabin.bulkhead:
        fit.slab(yd - 0.32, yd - 0.28, -1e3, 1e3, -W, W, TRIM)
    if driver:
        fit.pieces += _driver(xd, yd, zd, cabin.shoulders, (xd, wheel[1] - 0.04, wheel[2]), radius)
    v, f, m = geom.merge(fit.pieces)
    return v / fit.dims, f, m


class _Fitter:
    """Collects interior pieces in metres, each clipped to the cabin's hull (less MARGIN) and to its half width."""

    def __init__(self, cabin: Cabin) -> None:
        self.cabin, self.dims = cabin, np.asarray(cabin.dims, dtype=float)
        _, L, H = self.dims
        self.room = inset(_ccw(np.asarray(cabin.hull, dtype=float)) * (L, H), MARGIN)
        self.y_lo, self.y_hi = self.room[:, 0].min(), self.room[:, 0].max()
        self.front = cabin.front * L
        self.pieces: List[geom.Geo] = []

    def half_width(self, z_m: float) -> float:
        """The cabin's half width (m) at height ``z_m``, less MARGIN."""
        W, _, H = self.dims
        return float(self.cabin.half_width(np.asarray([z_m / H]))[0]) * W - MARGIN

    def piece(self, poly, x0: float, x1: float, mat: int) -> None:
        """The (y, z) polygon ``poly`` (metres) clipped to the cabin, extruded across x0..x1 (clipped too)."""
        p = clip_convex(np.asarray(poly, dtype=float), self.room)
        if len(p) < 3:
            return
        lim = self.half_width(p[:, 1].max())
        x0, x1 = max(x0, -lim), min(x1, lim)
        if x1 - x0 > 1e-3:
            self.pieces.append(geom.transform(geom.extrude_yz(p, (x1 - x0) / 2, mat, mat),
                                              offset=((x0 + x1) / 2, 0, 0)))

    def slab(self, y0: float, y1: float, z0: float, z1: float, x0: float, x1: float, mat: int) -> None:
        """A box y0..y1 by z0..z1 by x0..x1 (metres), clipped as ``piece``."""
        self.piece([(y0, z0), (y1, z0), (y1, z1), (y0, z1)], x0, x1, mat)


def _seat_row(fit: _Fitter, row: Row) -> None:
    """One row's seat backs, leaning back 0.35 m per metre, with their headrests."""
    y, z0 = fit.front - row.back, row.base * fit.dims[2]
    z1 = z0 + row.height
    lean = 0.35 * row.height
    for x, width in row.seats:
        fit.piece([(y - 0.05, z0), (y + 0.05, z0), (y + 0.05 - lean, z1), (y - 0.05 - lean, z1)],
                  x - width / 2, x + width / 2, SEAT)
        if row.headrests:
            fit.slab(y - lean - 0.1, y - lean, z1 + 0.03, z1 + 0.17, x - 0.13, x + 0.13, SEAT)


def _steering_wheel(radius: float, tilt: float, at: Sequence[float]) -> geom.Geo:
    """A steering-wheel ring of ``radius`` tilted ``tilt`` degrees from vertical, centred ``at`` (metres)."""
    ring = geom.lathe([(radius - 0.035, -0.015), (radius, -0.015), (radius, 0.015), (radius - 0.035, 0.015),
                       (radius - 0.035, -0.015)], 16, TRIM, cap_bottom=False, cap_top=False)
    return geom.transform(ring, geom.rot_x(np.radians(90.0 - tilt)), tuple(at))


def _driver(x: float, y: float, z: float, shoulders: float, wheel: Sequence[float], radius: float) -> List[geom.Geo]:
    """A seated driver (metres): torso from ``z`` up to the shoulders, its back against the seat back whose foot is
    at (x, y, z); arms reaching to the wheel's rim at ``wheel``; neck and head, the hair a cap on its crown."""
    top, z = z + shoulders, z + MARGIN
    torso = geom.extrude_xz([(-0.19, z), (0.19, z), (0.2, top - 0.06), (0.14, top), (-0.14, top), (-0.2, top - 0.06)],
                            y + 0.02, y + 0.25, TOP, TOP, TOP)
    pieces = [geom.transform(torso, offset=(x, 0.0, 0.0))]
    for sx in (-1, 1):
        shoulder = (x + sx * 0.17, y + 0.14, top - 0.05)
        hand = (x + sx * radius * 0.85, wheel[1], wheel[2] + 0.05)
        pieces.append(geom.segment(shoulder, hand, 0.05, 0.04, 8, TOP))
    head = (x, y + 0.15, top + 0.14)
    pieces.append(geom.segment((x, y + 0.14, top - 0.02), (x, y + 0.15, top + 0.06), 0.05, 0.045, 8, SKIN))
    pieces.append(geom.transform(geom.icosphere(1, SKIN), scale=(0.075, 0.095, 0.11), offset=head))
    pieces.append(geom.transform(geom.icosphere(1, HAIR), scale=(0.08, 0.095, 0.08),
                                 offset=(x, head[1] - 0.015, head[2] + 0.04)))
    return pieces
