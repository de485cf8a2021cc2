"""Curved streets (scene variable ``road_curve``): the street ahead bends left or right, gently or sharply.

The grammar lays every street out straight, in a frame where y is the distance along the street's centre line and
x the offset from it; a bend then maps that frame onto the curved street.  From ``start`` on, the centre line
follows a circular arc of ``radius`` (signed: positive bends right, toward +x) through ``angle`` radians and goes
on straight along the arc's last tangent.  A point at offset x keeps its offset, measured along the radius
(``radius - x`` from the bend's centre), and its distance along the centre line sets its angle, so every cross
section stays a straight radial line: crossings, stop lines and building fronts stay square to the street.  An
object is carried whole: its footprint centre is mapped and it turns with the street.  Nearer the bend's
centre the street is shorter than along the centre line (by ``(radius - x) / radius``), so the grammar spaces
objects along each line by :meth:`Bend.ahead` to keep them apart.  Like every street this is the right-hand layout; a
left-hand street mirrors it (scenegen.driving_side).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Dict, Mapping

import numpy as np

from .driving_side import mirror_scene
from .spec import ObjectSpec, RoadSpec, SceneSpec

VARIABLE = "road_curve"
#: the bend's radius (m) per value of the variable: 0 straight, 1 gentle, 2 sharp
RADIUS_M = {1: (150.0, 400.0), 2: (60.0, 150.0)}
#: where the bend starts on a street without a junction (m ahead of the camera), and how far beyond a junction's
#: cross street (its pavements and the deepest building along it) it starts when there is one
START_Y_M = (5.0, 35.0)
AFTER_JUNCTION_M = 26.0
#: how far the street turns before it goes on straight (degrees)
ANGLE_DEG = (25.0, 90.0)
#: the bend's centre stays at least this far beyond the street's building line (m): room for building depths
CENTRE_CLEARANCE_M = 30.0
#: the longest sag a building front, hedge or wall may show against the curve (m): sets their longest frontage
MAX_SAG_M = 0.25


@dataclass(frozen=True)
class Bend:
    """The bend of a street: ``start`` (y along the centre line), signed ``radius`` (m) and ``angle`` (radians)."""

    start: float
    radius: float
    angle: float

    @classmethod
    def of(cls, road: RoadSpec) -> "Bend | None":
        """The bend of ``road``, or None for a straight street."""
        if not road.curve_radius:
            return None
        return cls(road.curve_start_y, road.curve_radius, math.radians(road.curve_angle_deg))

    def turn(self, y: np.ndarray | float) -> np.ndarray | float:
        """How far (radians, signed like the yaw: a right bend turns clockwise, negative) the street has turned at
        distance ``y`` along its centre line."""
        reached = np.clip((np.asarray(y, dtype=float) - self.start) / abs(self.radius), 0.0, self.angle)
        return -math.copysign(1.0, self.radius) * reached

    def points(self, xyz: np.ndarray) -> np.ndarray:
        """Map points (N, 3) of the straight layout onto the bent street (z unchanged)."""
        p = np.array(xyz, dtype=float).reshape(-1, 3)
        sign, rho = math.copysign(1.0, self.radius), abs(self.radius)
        s = p[:, 1] - self.start
        bent = s > 0
        a = np.clip(s / rho, 0.0, self.angle)
        r = rho - sign * p[:, 0]  # distance from the bend's centre
        rest = np.maximum(s - self.angle * rho, 0.0)  # beyond the arc, straight along its last tangent
        x = sign * rho - sign * r * np.cos(a) + sign * rest * math.sin(self.angle)
        y = self.start + r * np.sin(a) + rest * math.cos(self.angle)
        p[bent, 0], p[bent, 1] = x[bent], y[bent]
        return p

    def straighten(self, xyz: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`points`: points (N, 3) of the bent street back in the straight layout."""
        p = np.array(xyz, dtype=float).reshape(-1, 3)
        sign, rho = math.copysign(1.0, self.radius), abs(self.radius)
        dx, dy = p[:, 0] - sign * rho, p[:, 1] - self.start
        bent = dy > 0
        a = np.arctan2(dy, -sign * dx)
        on_arc = a <= self.angle
        tangent = (sign * math.sin(self.angle), math.cos(self.angle))
        outward = (-sign * math.cos(self.angle), math.sin(self.angle))  # from the centre through the arc's end
        r = np.where(on_arc, np.hypot(dx, dy), dx * outward[0] + dy * outward[1])
        s = np.where(on_arc, rho * a, rho * self.angle + dx * tangent[0] + dy * tangent[1])
        p[bent, 0], p[bent, 1] = sign * (rho - r[bent]), self.start + s[bent]
        return p

    def along(self, x: float, y: float) -> float:
        """Distance (m) along the bent street's line at offset ``x`` from the bend's start to the point the straight
        layout has at ``y`` (negative before the bend): nearer the bend's centre the arc is shorter."""
        s = y - self.start
        if s <= 0:
            return s
        arc = min(s, abs(self.radius) * self.angle)
        return arc * self._shrink(x) + (s - arc)

    def ahead(self, x: float, y: float, length: float) -> float:
        """The straight layout's y that lies ``length`` metres (negative: back) along the bent street's line at
        offset ``x`` from its point at ``y``: how the grammar spaces things so that they keep their own length."""
        u = self.along(x, y) + length
        if u <= 0:
            return self.start + u
        arc = abs(self.radius) * self.angle
        if u <= arc * self._shrink(x):
            return self.start + u / self._shrink(x)
        return self.start + arc + (u - arc * self._shrink(x))

    def _shrink(self, x: float) -> float:
        """Length along the arc at offset ``x`` per metre of the centre line's."""
        return 1.0 - math.copysign(1.0, self.radius) * x / abs(self.radius)

    def longest_frontage(self) -> float:
        """The longest straight front (m) whose middle stands off the curve by at most MAX_SAG_M."""
        return math.sqrt(8.0 * abs(self.radius) * MAX_SAG_M)


def bend_fields(z: Mapping[str, float], road: RoadSpec, rng: np.random.Generator) -> Dict[str, float]:
    """The RoadSpec fields of the bend ``z`` asks for (none for a straight street): direction even odds, start
    past any junction, radius in the band of its kind but never with the bend's centre among the buildings."""
    kind = int(z.get(VARIABLE, 0))
    if kind == 0:
        return {}
    sign = -1.0 if rng.random() < 0.5 else 1.0
    start = float(rng.uniform(*START_Y_M))
    if road.junction_sides:
        start = max(start, road.junction_band(pavements=True)[1] + AFTER_JUNCTION_M)
    radius = max(float(rng.uniform(*RADIUS_M[kind])), road.terrain_outer_x + CENTRE_CLEARANCE_M)
    return {"curve_start_y": round(start, 3), "curve_radius": round(sign * radius, 3),
            "curve_angle_deg": round(float(rng.uniform(*ANGLE_DEG)), 3)}


def bend_scene(spec: SceneSpec) -> SceneSpec:
    """``spec`` (laid out straight) with its objects carried onto its road's bend; unchanged on a straight road."""
    bend = Bend.of(spec.road)
    if bend is None:
        return spec
    return dataclasses.replace(spec, objects=tuple(_bend_object(o, bend) for o in spec.objects))


def straighten_scene(spec: SceneSpec) -> SceneSpec:
    """The straight layout of a bent scene (the inverse of :func:`bend_scene`, to the rounding of the scene
    record): where along and across the street each object stands."""
    bend = Bend.of(spec.road)
    if bend is None:
        return spec
    if spec.road.driving_side == "left":  # bends are laid out in the right-hand layout
        return mirror_scene(straighten_scene(mirror_scene(spec)))
    objects = []
    for obj in spec.objects:
        x, y, z = bend.straighten(np.array([obj.location]))[0]
        objects.append(obj if y <= bend.start else dataclasses.replace(
            obj, location=(float(x), float(y), z), yaw=obj.yaw - float(bend.turn(y))))
    return dataclasses.replace(spec, objects=tuple(objects))


def _bend_object(obj: ObjectSpec, bend: Bend) -> ObjectSpec:
    if obj.location[1] <= bend.start:
        return obj
    x, y, z = bend.points(np.array([obj.location]))[0]
    return dataclasses.replace(obj, location=(round(float(x), 4), round(float(y), 4), z),
                               yaw=round(obj.yaw + float(bend.turn(obj.location[1])), 5))
