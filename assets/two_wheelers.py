"""Bicycle and motorcycle geometry with an optional rider, in numpy (no bpy).

Built at a nominal scale for a rider of height ``NOMINAL_RIDER``; builders scale the
whole object uniformly by rider height / NOMINAL_RIDER.  Local frame as every asset:
origin at the footprint centre on the ground, +Y forward.  The rider's hands reach the
handlebar and feet the pedals (bicycle) or footpegs (motorcycle) by two-bone IK.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Tuple

import numpy as np

from . import geometry as geom
from .humanoid import FOREARM, HIP_Z, SHIN, THIGH, UPPER_ARM, hip_joint, posed_body, shoulder_joint, two_bone_ik

NOMINAL_RIDER = 1.75
# Material slots of the machine mesh.
FRAME, TYRE, METAL, SEAT, LIGHT = range(5)


@lru_cache(maxsize=4)
def layout(kind: str) -> Dict[str, np.ndarray]:
    """Key points (metres, nominal scale) of a bicycle or motorcycle."""
    if kind == "bicycle":
        return {k: np.asarray(v, dtype=float) for k, v in {
            "rear": (0, -0.52, 0.34), "front": (0, 0.52, 0.34), "bb": (0, -0.05, 0.29), "seat": (0, -0.24, 0.93),
            "head_top": (0, 0.36, 0.9), "head_bot": (0, 0.39, 0.72), "bar": (0, 0.3, 1.0), "r": (0.34, 0.025, 0),
            "bar_w": (0.56, 0, 0), "pedal_l": (-0.1, 0.12, 0.29), "pedal_r": (0.1, -0.22, 0.29)}.items()}
    return {k: np.asarray(v, dtype=float) for k, v in {
        "rear": (0, -0.7, 0.31), "front": (0, 0.72, 0.31), "seat": (0, -0.22, 0.8), "tank": (0, 0.15, 0.85),
        "head_top": (0, 0.5, 1.0), "bar": (0, 0.42, 1.02), "r": (0.31, 0.06, 0), "bar_w": (0.74, 0, 0),
        "pedal_l": (-0.2, -0.05, 0.36), "pedal_r": (0.2, -0.05, 0.36)}.items()}


def _wheel(center: np.ndarray, r: float, half_w: float, spokes: int) -> List[geom.Geo]:
    """A tyre ring (slot TYRE) and a hub with spokes (slot METAL) in the y-z plane."""
    ring = geom.lathe([(r - 2.2 * half_w, -half_w), (r, -half_w * 0.6), (r, half_w * 0.6), (r - 2.2 * half_w, half_w)],
                      20, TYRE, cap_bottom=False, cap_top=False)
    ring = geom.transform(ring, geom.rot_y(np.pi / 2), center)
    pieces = [ring, geom.transform(geom.cylinder(0.04, -0.05, 0.05, 8, METAL), geom.rot_y(np.pi / 2), center)]
    for k in range(spokes):
        a = np.pi * k / spokes
        d = np.array([0.0, np.cos(a), np.sin(a)]) * (r - 2 * half_w)
        pieces.append(geom.segment(center - d, center + d, 0.004 if spokes > 6 else 0.02,
                                   0.004 if spokes > 6 else 0.02, 4, METAL))
    return pieces


@lru_cache(maxsize=4)
def machine_geo(kind: str) -> geom.Geo:
    """The bicycle or motorcycle (no rider) at nominal scale."""
    p = layout(kind)
    r, hw = float(p["r"][0]), float(p["r"][1])
    pieces: List[geom.Geo] = []
    pieces += _wheel(p["rear"], r, hw, 8 if kind == "bicycle" else 5)
    pieces += _wheel(p["front"], r, hw, 8 if kind == "bicycle" else 5)
    bar_w = float(p["bar_w"][0])
    bar = p["bar"]
    pieces.append(geom.segment(bar - [bar_w / 2, 0, 0], bar + [bar_w / 2, 0, 0], 0.014, 0.014, 6, METAL))
    if kind == "bicycle":
        t = 0.018
        bb, seat, ht, hb = p["bb"], p["seat"], p["head_top"], p["head_bot"]
        seat_top = seat - [0, 0, 0.05]
        for a, b in ((bb, seat_top), (bb, hb), (seat_top + [0, 0.02, -0.05], ht), (hb, ht)):
            pieces.append(geom.segment(a, b, t, t, 6, FRAME))
        for sx in (-1, 1):
            off = np.array([sx * 0.05, 0, 0])
            pieces.append(geom.segment(bb + off * 0.6, p["rear"] + off, 0.011, 0.011, 5, FRAME))
            pieces.append(geom.segment(seat_top + off * 0.3 - [0, 0, 0.02], p["rear"] + off, 0.01, 0.01, 5, FRAME))
            pieces.append(geom.segment(hb + off * 0.5, p["front"] + off, 0.012, 0.01, 5, METAL))
        pieces.append(geom.segment(ht, bar - [0, 0.0, 0.0], 0.014, 0.014, 6, METAL))
        pieces.append(geom.transform(geom.icosphere(1, SEAT), scale=(0.07, 0.13, 0.03), offset=seat))
        pieces.append(geom.segment(p["pedal_l"] * [0, 1, 1] + [-0.09, 0, 0], p["pedal_r"] * [0, 1, 1] + [0.09, 0, 0],
                                   0.012, 0.012, 5, METAL))
        pieces.append(geom.box((0.02, 0.1, 0.06), (0, p["front"][1], p["front"][2] + r + 0.06), LIGHT))
    else:
        rear, front = p["rear"], p["front"]
        pieces.append(geom.box((0.3, 0.5, 0.32), (0, -0.02, 0.48), METAL))  # engine
        pieces.append(geom.transform(geom.icosphere(1, FRAME), scale=(0.17, 0.3, 0.13), offset=p["tank"]))
        pieces.append(geom.box((0.26, 0.62, 0.1), (0, -0.34, 0.76), SEAT))
        pieces.append(geom.box((0.22, 0.34, 0.12), (0, -0.62, 0.67), FRAME))  # tail
        pieces.append(geom.segment(rear + [0.16, 0.0, -0.03], rear + [0.16, 0.55, 0.05], 0.045, 0.045, 8, METAL))
        for sx in (-1, 1):
            pieces.append(geom.segment(front + [sx * 0.08, 0, 0], p["head_top"] + [sx * 0.08, -0.02, 0], 0.022,
                                       0.022, 6, METAL))
            pieces.append(geom.segment(rear + [sx * 0.09, 0, 0], [sx * 0.09, -0.1, 0.45], 0.025, 0.025, 6, METAL))
        pieces.append(geom.transform(geom.icosphere(1, FRAME), scale=(0.2, 0.16, 0.2), offset=p["head_top"] + [0, 0.06, -0.1]))
        pieces.append(geom.transform(geom.cylinder(0.07, 0.0, 0.03, 10, LIGHT), geom.rot_x(-np.pi / 2),
                                     p["head_top"] + [0, 0.21, -0.12]))
        for c in (rear, front):
            pieces.append(geom.box((0.16, 0.5, 0.03), c + [0, 0, r + 0.05], FRAME))  # fenders
    return geom.merge(pieces)


def _rider_hip(kind: str) -> np.ndarray:
    return layout(kind)["seat"] + np.array([0.0, -0.02, 0.07])


def _to_body(kind: str, world: np.ndarray) -> np.ndarray:
    """Nominal-scale machine coordinates -> the unscaled body frame of ``posed_body``."""
    return (np.asarray(world, dtype=float) - _rider_hip(kind)) / NOMINAL_RIDER + np.array([0.0, 0.0, HIP_Z])


def rider_angles(kind: str) -> Dict[str, float]:
    """Joint angles (radians) putting a rider's hips on the seat, hands on the bar, feet on the pedals."""
    p = layout(kind)
    lean = np.radians(35.0 if kind == "bicycle" else 22.0)
    ang = {"lean": lean}
    for side, sx in (("l", -1), ("r", 1)):
        ankle = _to_body(kind, p[f"pedal_{side}"] + np.array([0.0, -0.04, 0.05]))
        ang[f"hip_{side}"], ang[f"knee_{side}"] = two_bone_ik(hip_joint(sx), ankle, THIGH, SHIN, knee=True)
        wrist = _to_body(kind, p["bar"] + np.array([0.0, -0.04, 0.0]))
        ang[f"sh_{side}"], ang[f"el_{side}"] = two_bone_ik(shoulder_joint(sx, lean), wrist, UPPER_ARM, FOREARM,
                                                           knee=False)
    return ang


@lru_cache(maxsize=16)
def rider_geo(kind: str, long_hair: bool = False, skirt: bool = False) -> geom.Geo:
    """The rider at nominal scale, hips on the seat."""
    v, f, m = posed_body(rider_angles(kind), long_hair, skirt)
    v = (v - np.array([0.0, 0.0, HIP_Z])) * NOMINAL_RIDER + _rider_hip(kind)
    return v, f, m


@lru_cache(maxsize=8)
def extent(kind: str, ridden: bool = True) -> Tuple[float, float, float]:
    """(width, length, height) at nominal scale, symmetric about the origin in x and y."""
    v = machine_geo(kind)[0]
    if ridden:
        v = np.concatenate([v] + [rider_geo(kind, lh, sk)[0] for lh in (False, True) for sk in (False, True)])
    return (2 * float(np.abs(v[:, 0]).max()) + 0.02, 2 * float(np.abs(v[:, 1]).max()) + 0.02,
            float(v[:, 2].max()) + 0.01)
