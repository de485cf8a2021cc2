"""Reading the frames of a render folder for export: scene records and instanceIds masks, checked.

Everything a user can get wrong (a missing folder, no complete frames, several splits, a damaged scene JSON
or mask) becomes a :class:`~scenegen.errors.UserError` naming the file, before any output is written.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from ..errors import UserError
from ..layout import FrameId, list_frames, png_intact

_INSTANCE_KEYS = ("instance_id", "label", "label_id", "box3d")
_BOX_KEYS = ("center_bottom", "size_xyz", "yaw", "corners")


@dataclass(frozen=True)
class Camera:
    """Pinhole camera of a frame: ``x_cv = R @ x_world + t`` (OpenCV axes), pixels ``K @ x_cv``."""

    K: np.ndarray
    R: np.ndarray
    t: np.ndarray
    width: int
    height: int


@dataclass(frozen=True)
class FrameData:
    """One frame ready for export: its id (None for a frame being written), camera, instance records and
    instanceIds mask (H, W)."""

    fid: Optional[FrameId]
    camera: Camera
    instances: List[Dict[str, Any]]
    instance_ids: np.ndarray


def export_frames(root: str | Path, split: Optional[str]) -> List[FrameId]:
    """The complete frames of one split of a render folder; UserError when there is nothing to export.

    Without ``split`` the folder must hold exactly one split (an export file describes one split).
    """
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: no such render folder")
    if split is not None and not (root / "leftImg8bit" / split).is_dir():
        raise UserError(f"--split {split}: {root} has no such split (no folder leftImg8bit/{split})")
    frames = list_frames(root, split)
    if not frames:
        raise UserError(f"{root}: holds no complete frames" + (f" in split {split}" if split else ""))
    splits = sorted({f.split for f in frames})
    if len(splits) > 1:
        raise UserError(f"{root}: holds splits {', '.join(splits)}; choose one with --split")
    return frames


def _floats(value: Any, shape: tuple, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape != shape or not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be {' x '.join(map(str, shape))} finite numbers")
    return arr


def parse_scene(record: Any) -> tuple[Camera, List[Dict[str, Any]]]:
    """Camera and checked instance list of a scene record; ValueError/KeyError/TypeError when malformed."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    if "camera" not in record:
        raise KeyError("camera")
    cam = record["camera"]
    pose = cam["world_to_camera_cv"]
    width, height = int(cam["intrinsics"]["width"]), int(cam["intrinsics"]["height"])
    if width < 1 or height < 1:
        raise ValueError("image size must be positive")
    camera = Camera(_floats(cam["K"], (3, 3), "camera.K"), _floats(pose["R"], (3, 3), "world_to_camera_cv.R"),
                    _floats(pose["t"], (3,), "world_to_camera_cv.t"), width, height)
    instances = record.get("instances", [])
    if not isinstance(instances, list):
        raise ValueError("instances must be a list")
    for i, inst in enumerate(instances):
        if not isinstance(inst, dict) or any(k not in inst for k in _INSTANCE_KEYS):
            raise ValueError(f"instances[{i}] needs {', '.join(_INSTANCE_KEYS)}")
        box = inst["box3d"]
        if not isinstance(box, dict) or any(k not in box for k in _BOX_KEYS):
            raise ValueError(f"instances[{i}].box3d needs {', '.join(_BOX_KEYS)}")
        _floats(box["center_bottom"], (3,), f"instances[{i}].box3d.center_bottom")
        _floats(box["size_xyz"], (3,), f"instances[{i}].box3d.size_xyz")
        _floats(box["corners"], (8, 3), f"instances[{i}].box3d.corners")
        if not math.isfinite(float(box["yaw"])):
            raise ValueError(f"instances[{i}].box3d.yaw must be finite")
        int(inst["instance_id"]), int(inst["label_id"])
    return camera, instances


def read_scene(fid: FrameId) -> tuple[Camera, List[Dict[str, Any]]]:
    """The camera and instances of a frame's scene JSON; UserError naming the file when it is damaged."""
    path = fid.path("scene")
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError(f"{path}: unreadable scene JSON ({e})") from None
    try:
        return parse_scene(record)
    except KeyError as e:
        raise UserError(f"{path}: not a scene record of `scenegen render` (missing {e})") from None
    except (TypeError, ValueError) as e:
        raise UserError(f"{path}: not a scene record of `scenegen render` ({e})") from None


def check_frame(fid: FrameId) -> None:
    """Cheap check of one frame before any work: its scene JSON parses and its instanceIds PNG is whole."""
    camera, _ = read_scene(fid)
    path = fid.path("instance_ids")
    if not png_intact(path, camera.width, camera.height):
        raise UserError(f"{path}: damaged or not a {camera.width}x{camera.height} PNG")


def load_frame(fid: FrameId) -> FrameData:
    """A frame's camera, instances and instanceIds mask; UserError naming the damaged file."""
    from ..io import read_png

    camera, instances = read_scene(fid)
    path = fid.path("instance_ids")
    mask = read_png(path) if png_intact(path, camera.width, camera.height) else None
    if mask is None or mask.ndim != 2 or mask.shape != (camera.height, camera.width):
        raise UserError(f"{path}: damaged or not a {camera.width}x{camera.height} single-channel PNG")
    return FrameData(fid, camera, instances, mask.astype(np.int64))
