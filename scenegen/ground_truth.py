"""Ground truth beyond labels (``render --outputs``): metric depth, Cityscapes disparity and camera files,
surface normals. Pure numpy: the encodings, not the rendering.

* ``depth``: ``depth/<split>/<city>/<stem>_depth.npy``, float32 metres along the optical axis (the camera's
  z in OpenCV axes), ``inf`` where a pixel sees the sky.
* ``disparity``: Cityscapes' ``disparity/<split>/<city>/<stem>_disparity.png`` (uint16,
  ``disparity = (value - 1) / 256`` pixels, 0 = invalid) for a virtual stereo pair with Cityscapes' baseline,
  and ``camera/<split>/<city>/<stem>_camera.json`` in Cityscapes' camera format (so its tools read both:
  ``depth = baseline * fx / disparity``).
* ``normals``: ``normals/<split>/<city>/<stem>_normals.png``, uint16 RGB: the unit surface normal in OpenCV
  camera axes (x right, y down, z forward), each component mapped from [-1, 1] to [0, 65535]; (0, 0, 0)
  where a pixel sees the sky.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Sequence, Tuple

import numpy as np

from .errors import UserError

#: the extra outputs ``render --outputs`` accepts, in the order their files are written
OUTPUT_KINDS = ("depth", "disparity", "normals", "boxes")
#: Cityscapes' stereo baseline in metres (its camera files give 0.209313 m for every city)
CITYSCAPES_BASELINE_M = 0.209313
#: the disparity PNG's fixed-point scale (Cityscapes: ``d = (p - 1) / 256``)
DISPARITY_SCALE = 256.0


def parse_outputs(value: Any, where: str = "--outputs") -> Tuple[str, ...]:
    """Extra outputs from ``depth,normals`` (or a list): known kinds only, in OUTPUT_KINDS order."""
    if value is None or value == "" or value == []:
        return ()
    names = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) and n for n in names):
        raise UserError(f"{where}: expected a comma-separated list of {', '.join(OUTPUT_KINDS)}, got {value!r}")
    unknown = sorted(set(names) - set(OUTPUT_KINDS))
    if unknown:
        raise UserError(f"{where}: unknown output(s) {', '.join(unknown)}; choose from {', '.join(OUTPUT_KINDS)}")
    return tuple(k for k in OUTPUT_KINDS if k in names)


def sky_as_inf(depth: np.ndarray, far_m: float = 1e6) -> np.ndarray:
    """``depth`` with the renderer's background distance (beyond ``far_m``) as ``inf``."""
    return np.where(depth < far_m, depth, np.inf).astype(np.float32)


def disparity_png(depth: np.ndarray, fx: float, baseline_m: float = CITYSCAPES_BASELINE_M) -> np.ndarray:
    """Cityscapes' uint16 disparity image of a depth map (metres along the optical axis)."""
    with np.errstate(divide="ignore"):
        disparity = baseline_m * fx / depth
    value = np.rint(disparity * DISPARITY_SCALE + 1.0)
    valid = np.isfinite(depth) & (depth > 0) & (value <= 65535)
    return np.where(valid, value, 0).astype(np.uint16)


def depth_from_disparity_png(png: np.ndarray, fx: float, baseline_m: float = CITYSCAPES_BASELINE_M) -> np.ndarray:
    """The inverse of :func:`disparity_png` (``inf`` where the PNG says invalid), as Cityscapes' tools read it."""
    disparity = (png.astype(np.float64) - 1.0) / DISPARITY_SCALE
    with np.errstate(divide="ignore"):
        return np.where(png > 0, baseline_m * fx / disparity, np.inf)


def normals_png(normals_camera: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """uint16 (H, W, 3) of unit normals in camera axes; 0 where not ``valid``."""
    n = normals_camera / np.maximum(np.linalg.norm(normals_camera, axis=-1, keepdims=True), 1e-12)
    value = np.rint((np.clip(n, -1.0, 1.0) + 1.0) * 0.5 * 65535.0)
    return np.where(valid[..., None], value, 0).astype(np.uint16)


def normals_from_png(png: np.ndarray) -> np.ndarray:
    """Unit normals in camera axes from :func:`normals_png` (NaN where the PNG says invalid)."""
    n = png.astype(np.float64) / 65535.0 * 2.0 - 1.0
    return np.where((png == 0).all(axis=-1, keepdims=True), np.nan, n)


def world_to_camera_normals(normals_world: np.ndarray, rotation_world_to_cv: Sequence[Sequence[float]]) -> np.ndarray:
    """Normals (H, W, 3) in world axes rotated into OpenCV camera axes."""
    return normals_world @ np.asarray(rotation_world_to_cv, dtype=np.float64).T


def cityscapes_camera(camera: Mapping[str, Any], baseline_m: float = CITYSCAPES_BASELINE_M) -> Dict[str, Any]:
    """A frame's camera in Cityscapes' ``camera.json`` format from its scene-record camera
    (:func:`scenegen.camera_model.camera_record`): intrinsics fx, fy, u0, v0 and the camera pose (x, y, z in
    metres, pitch, roll, yaw in radians) as this project's world axes give them."""
    k = camera["intrinsics"]
    return {
        "extrinsic": {"baseline": baseline_m, "x": camera["location"][0], "y": camera["location"][1],
                      "z": camera["location"][2], "pitch": math.radians(camera["pitch_deg"]),
                      "roll": math.radians(camera["roll_deg"]), "yaw": math.radians(camera["yaw_deg"])},
        "intrinsic": {"fx": k["fx"], "fy": k["fy"], "u0": k["cx"], "v0": k["cy"]},
    }
