"""Pinhole camera geometry of a CameraSpec: pose, intrinsics and projection (pure numpy).

The renderer places its camera from :func:`camera_to_world`, so projections computed
here agree with the rendered pixels.
"""
from __future__ import annotations

import math
from typing import Dict, Tuple

import numpy as np

from .spec import CameraSpec

# Blender camera axes (x right, y up, looking down -z) -> OpenCV axes (x right, y down, looking down +z).
_BLENDER_TO_CV = np.diag([1.0, -1.0, -1.0])


def _rot_x(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rot_z(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def camera_to_world(cam: CameraSpec) -> np.ndarray:
    """4x4 pose of the Blender camera (its local axes -> world): yaw about +Z, then pitch, then roll."""
    r = _rot_z(math.radians(cam.yaw_deg)) @ _rot_x(math.radians(90.0 + cam.pitch_deg)) @ _rot_z(
        math.radians(cam.roll_deg))
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = cam.location
    return m


def intrinsics_matrix(cam: CameraSpec, width: int, height: int) -> np.ndarray:
    """3x3 K with square pixels and the principal point at the image centre."""
    k = cam.intrinsics(width, height)
    return np.array([[k["fx"], 0, k["cx"]], [0, k["fy"], k["cy"]], [0, 0, 1.0]])


def world_to_camera_cv(cam: CameraSpec) -> Tuple[np.ndarray, np.ndarray]:
    """(R, t) with ``x_cv = R @ x_world + t`` in OpenCV camera axes."""
    pose = camera_to_world(cam)
    r_cw = pose[:3, :3] @ _BLENDER_TO_CV
    r = r_cw.T
    t = -r @ pose[:3, 3]
    return r, t


def project(cam: CameraSpec, width: int, height: int, points: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N, 2; pixel centres at +0.5) and depths (N,) of world points (N, 3)."""
    r, t = world_to_camera_cv(cam)
    pc = np.asarray(points, dtype=float) @ r.T + t
    uvw = pc @ intrinsics_matrix(cam, width, height).T
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = uvw[:, :2] / uvw[:, 2:3]
    return uv, pc[:, 2]


def camera_record(cam: CameraSpec, width: int, height: int) -> Dict[str, object]:
    """Intrinsics and pose as stored in a frame's scene JSON."""
    r, t = world_to_camera_cv(cam)
    return {
        "intrinsics": cam.intrinsics(width, height),
        "K": intrinsics_matrix(cam, width, height).round(6).tolist(),
        "world_to_camera_cv": {"R": r.round(9).tolist(), "t": t.round(9).tolist()},
        "camera_to_world_blender": camera_to_world(cam).round(9).tolist(),
        "location": list(cam.location),
        "pitch_deg": cam.pitch_deg, "yaw_deg": cam.yaw_deg, "roll_deg": cam.roll_deg, "fov_deg": cam.fov_deg,
    }
