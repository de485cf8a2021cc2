"""Streets on a grade (scene variable ``road_grade``): from a point ahead the street climbs or falls gently.

The grammar lays every street out flat; a grade then lifts it. From ``start`` (y along the street) the height
grows over a vertical curve of VERTICAL_CURVE_M, on which the slope rises linearly from 0 to the grade (so the
street does not kink), and then at the grade (rise per metre, signed: positive climbs). Surfaces are cut into 1 m
pieces along the street and each vertex is lifted by the height at its y; the ground beyond the street follows. An
object is lifted whole by the lowest height under its footprint, so nothing floats: on a grade a car's far wheels
sink a few centimetres, a building's uphill end stands in the ground. Grades are drawn on straight streets only
(a bend wins) and sequences are drawn flat (their motion model moves things level).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Dict, Mapping

import numpy as np

from .placer import footprint_box
from .spec import ObjectSpec, RoadSpec, SceneSpec

VARIABLE = "road_grade"
#: the grade (rise per metre) per value of the variable: 0 level, 1 climbing ahead, 2 falling ahead
GRADE = {1: (0.02, 0.05), 2: (-0.05, -0.02)}
#: where the grade starts (m ahead of the camera) and how long its vertical curve is (m)
START_Y_M = (10.0, 40.0)
VERTICAL_CURVE_M = 30.0
#: the longest piece of a surface along the street that a grade lifts as one (m)
STEP_M = 1.0


@dataclass(frozen=True)
class Grade:
    """The grade of a street: ``start`` (y along it) and ``slope`` (rise per metre, signed)."""

    start: float
    slope: float

    @classmethod
    def of(cls, road: RoadSpec) -> "Grade | None":
        """The grade of ``road``, or None for a level street."""
        return cls(road.grade_start_y, road.grade) if road.grade else None

    def height(self, y: np.ndarray | float) -> np.ndarray | float:
        """The street's height (m) at distance ``y`` along it."""
        s = np.maximum(np.asarray(y, dtype=float) - self.start, 0.0)
        curve = np.minimum(s, VERTICAL_CURVE_M)
        return self.slope * (curve ** 2 / (2 * VERTICAL_CURVE_M) + (s - curve))

    def points(self, xyz: np.ndarray) -> np.ndarray:
        """Points (N, 3) of the level layout lifted onto the grade."""
        p = np.array(xyz, dtype=float).reshape(-1, 3)
        p[:, 2] += self.height(p[:, 1])
        return p


def grade_fields(z: Mapping[str, float], road: RoadSpec, rng: np.random.Generator) -> Dict[str, float]:
    """The RoadSpec fields of the grade ``z`` asks for: none for a level street or one that bends."""
    kind = int(z.get(VARIABLE, 0))
    if kind == 0 or road.curve_radius:
        return {}
    return {"grade_start_y": round(float(rng.uniform(*START_Y_M)), 3),
            "grade": round(float(rng.uniform(*GRADE[kind])), 5)}


def grade_scene(spec: SceneSpec) -> SceneSpec:
    """``spec`` (laid out level) with each object lifted by the lowest height under its footprint."""
    grade = Grade.of(spec.road)
    if grade is None:
        return spec
    return dataclasses.replace(spec, objects=tuple(_lift(o, grade) for o in spec.objects))


def footprint_ys(obj: ObjectSpec) -> np.ndarray:
    """The lowest and the highest y of ``obj``'s footprint."""
    _, y0, _, y1 = footprint_box(obj.location[0], obj.location[1], obj.size[0], obj.size[1], obj.yaw, 0.0)
    return np.array([y0, y1])


def _lift(obj: ObjectSpec, grade: Grade) -> ObjectSpec:
    lift = float(np.min(grade.height(footprint_ys(obj))))
    if lift == 0.0:
        return obj
    x, y, z = obj.location
    return dataclasses.replace(obj, location=(x, y, round(z + lift, 4)))
