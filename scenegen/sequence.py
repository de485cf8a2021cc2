"""Street sequences (``render --sequence-length N --fps F``): one scene per sequence, the ego camera driving
along the street, and optical flow from each frame's depth and the known camera motion. Pure numpy.

A sequence's scene is the one frame 0 of the sequence would get (its seed ``(run, sequence, 0)``); the camera
then moves along the street (+Y) at the sequence's ego speed, drawn from the scene seed's ``ego`` stream.
The world is static in this version: every pixel's motion comes from the camera, so the flow of a pixel is
where its surface point (from the depth) projects in the other frame's camera.

Flow files (``flow/<split>/<city>/<stem>_flow_forward.npy`` and ``_flow_backward.npy``): float32 (H, W, 4):
``(du, dv, valid, occluded)``, in pixels, from this frame to the next (forward) or the previous (backward)
frame, ``u`` to the right and ``v`` down, so a pixel centre ``(x, y)`` moves to ``(x + du, y + dv)``. ``valid``
is 1 where the pixel sees a surface that is in front of the other camera and projects inside its image (0 at
the sky, at points leaving the view, and for the forward flow of a sequence's last frame and the backward flow
of its first). ``occluded`` is 1 where a nearer surface of this frame lands on the same pixel of the other
frame (a z-buffer of this frame's points; surfaces this frame does not see are not counted).
"""
from __future__ import annotations

import dataclasses
from typing import Tuple

import numpy as np

from .camera_model import intrinsics_matrix, world_to_camera_cv
from .seeding import FrameSeed
from .spec import CameraSpec

#: the ego camera's speed range along the street, m/s (walking pace to a 40 km/h street)
EGO_SPEED_MPS = (2.0, 11.0)
#: frames per second when a sequence names none (Cityscapes' sequences are 17 fps, CamVid's 30)
DEFAULT_FPS = 10.0
MAX_FPS = 120.0


def scene_seed(seed: FrameSeed) -> FrameSeed:
    """The seed a sequence frame's scene is drawn from: frame 0 of its sequence."""
    return FrameSeed(seed.run_seed, seed.iteration, 0)


def ego_speed(seed: FrameSeed) -> float:
    """The ego camera's speed (m/s) in the sequence of ``seed``."""
    lo, hi = EGO_SPEED_MPS
    return round(float(scene_seed(seed).stream("ego").uniform(lo, hi)), 4)


def camera_at(camera: CameraSpec, seconds: float, speed_mps: float) -> CameraSpec:
    """The sequence's camera ``seconds`` after its first frame (moved along +Y)."""
    x, y, z = camera.location
    return dataclasses.replace(camera, location=(x, round(y + speed_mps * seconds, 6), z))


#: a point counts as hidden when it lies this much (relative) behind the nearest point landing on its pixel
OCCLUSION_TOLERANCE = 0.03


def flow(depth: np.ndarray, cam: CameraSpec, other: CameraSpec) -> np.ndarray:
    """(H, W, 4) float32 ``(du, dv, valid, occluded)``: where each pixel's surface point (depth along the optical
    axis of ``cam``; non-finite at the sky) appears in ``other``'s image, and whether it is hidden there."""
    h, w = depth.shape
    k = intrinsics_matrix(cam, w, h)
    r, t = world_to_camera_cv(cam)
    r2, t2 = world_to_camera_cv(other)
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    finite = np.isfinite(depth)
    z = np.where(finite, depth, 1.0).astype(np.float64)
    pc = np.stack([(u - k[0, 2]) / k[0, 0] * z, (v - k[1, 2]) / k[1, 1] * z, z], axis=-1)
    world = (pc - t) @ r
    pc2 = world @ r2.T + t2
    k2 = intrinsics_matrix(other, w, h)
    front = pc2[..., 2] > 1e-3
    z2 = np.where(front, pc2[..., 2], 1.0)
    u2 = k2[0, 0] * pc2[..., 0] / z2 + k2[0, 2]
    v2 = k2[1, 1] * pc2[..., 1] / z2 + k2[1, 2]
    valid = finite & front & (u2 >= 0) & (u2 < w) & (v2 >= 0) & (v2 < h)
    occluded = _hidden(u2, v2, pc2[..., 2], valid)
    out = np.stack([u2 - u, v2 - v, valid, occluded], axis=-1).astype(np.float64)
    out[~valid, :2] = 0.0
    return out.astype(np.float32)


def _hidden(u2: np.ndarray, v2: np.ndarray, z2: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Points of ``valid`` that land behind a nearer point of the same frame on their target pixel."""
    h, w = valid.shape
    target = (np.floor(v2).clip(0, h - 1) * w + np.floor(u2).clip(0, w - 1)).astype(np.int64)
    nearest = np.full(h * w, np.inf)
    np.minimum.at(nearest, target[valid], z2[valid])
    return valid & (z2 > nearest[target] * (1.0 + OCCLUSION_TOLERANCE))


def no_flow(shape: Tuple[int, int]) -> np.ndarray:
    """The flow of a frame with no neighbour on that side: all invalid."""
    return np.zeros((*shape, 4), dtype=np.float32)
