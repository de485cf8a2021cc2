"""KITTI object labels (``label_2/<stem>.txt``) and calibration files (``calib/<stem>.txt``) of frames; for
frames of a sequence also its forward optical flow in the KITTI flow devkit's PNG format (``flow_occ/`` with
occluded pixels, ``flow_noc/`` without them).

One line per visible object, the 15 columns of the KITTI object devkit:
``type truncated occluded alpha x1 y1 x2 y2 h w l x y z rotation_y``.  Class mapping (:data:`KITTI_TYPES`):
car -> Car (the ``van`` car family -> Van), truck -> Truck, bus, caravan and trailer -> Misc (KITTI has no
bus class), train -> Tram, person -> Pedestrian, rider -> Cyclist (its 2D box joined with the bicycle or
motorcycle it rides, which gets no line of its own); a two-wheeler without a rider becomes a DontCare region.
See docs/exports.md for the axes and the occlusion levels.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import numpy as np

from .boxes import InstanceBoxes, frame_boxes
from .frames import Camera, FrameData

#: Cityscapes class name -> KITTI type (classes not listed are not written)
KITTI_TYPES = {"car": "Car", "truck": "Truck", "bus": "Misc", "caravan": "Misc", "trailer": "Misc",
               "train": "Tram", "person": "Pedestrian", "rider": "Cyclist",
               "bicycle": "DontCare", "motorcycle": "DontCare"}
#: car families written as Van
VAN_FAMILIES = frozenset({"van"})
#: share of its projected 3D box an unoccluded object of the type fills (normalises the occlusion estimate)
BOX_FILL = {"Car": 0.8, "Van": 0.8, "Truck": 0.8, "Tram": 0.8, "Misc": 0.75, "Pedestrian": 0.45, "Cyclist": 0.45}
#: upper bounds of the normalised occlusion for KITTI levels 0 (fully visible) and 1 (partly occluded)
OCCLUSION_LEVELS = (0.15, 0.5)
_TWO_WHEELERS = ("bicycle", "motorcycle")


def kitti_type(box: InstanceBoxes) -> Optional[str]:
    """The KITTI type of an instance (None: not written)."""
    if box.label == "car" and box.family in VAN_FAMILIES:
        return "Van"
    return KITTI_TYPES.get(box.label)


def occlusion_level(kind: str, occlusion: Optional[float]) -> int:
    """KITTI occluded level 0-3 from the occlusion estimate, after dividing out the type's box fill."""
    if occlusion is None:
        return 3
    normalised = max(0.0, 1.0 - (1.0 - occlusion) / BOX_FILL.get(kind, 0.8))
    return 0 if normalised < OCCLUSION_LEVELS[0] else 1 if normalised < OCCLUSION_LEVELS[1] else 2


def wrap_angle(a: float) -> float:
    """An angle in [-pi, pi)."""
    return (a + math.pi) % (2 * math.pi) - math.pi


def _union(a: Tuple[int, ...], b: Optional[Tuple[int, ...]]) -> Tuple[int, ...]:
    if b is None:
        return a
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _same_box(a: InstanceBoxes, b: InstanceBoxes) -> bool:
    return np.allclose(a.world.corners, b.world.corners)


def label_line(kind: str, box: InstanceBoxes, box2d: Tuple[int, ...]) -> str:
    """One KITTI label line (camera-axes location of the box's bottom centre, rotation_y about camera y)."""
    x1, y1, x2, y2 = box2d
    if kind == "DontCare":
        return f"DontCare -1 -1 -10 {x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} -1 -1 -1 -1000 -1000 -1000 -10"
    x, y, z = box.camera.bottom_center
    h, w, l = box.camera.size_hwl
    ry = wrap_angle(box.camera.yaw)
    alpha = wrap_angle(ry - math.atan2(x, z))
    trunc = box.truncation if box.truncation is not None else 1.0
    return (f"{kind} {trunc:.2f} {occlusion_level(kind, box.occlusion)} {alpha:.2f} "
            f"{x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} {h:.2f} {w:.2f} {l:.2f} {x:.2f} {y:.2f} {z:.2f} {ry:.2f}")


def label_text(frame: FrameData) -> str:
    """The ``label_2`` file of a frame: one line per visible object of a KITTI type (see module docstring)."""
    boxes = frame_boxes(frame)
    ridden = set()
    lines: List[Tuple[int, str]] = []
    for box in boxes:
        kind = kitti_type(box)
        if kind != "Cyclist":
            continue
        vehicle = next((b for b in boxes if b.label in _TWO_WHEELERS and _same_box(b, box)), None)
        if vehicle is not None:
            ridden.add(vehicle.instance_id)
        if box.visible_box is None and (vehicle is None or vehicle.visible_box is None):
            continue
        box2d = _union(box.visible_box or vehicle.visible_box, vehicle.visible_box if vehicle else None)
        lines.append((box.instance_id, label_line(kind, box, box2d)))
    for box in boxes:
        kind = kitti_type(box)
        if kind is None or kind == "Cyclist" or box.visible_box is None or box.instance_id in ridden:
            continue
        lines.append((box.instance_id, label_line(kind, box, box.visible_box)))
    return "".join(line + "\n" for _, line in sorted(lines, key=lambda p: p[0]))


def _row(values: np.ndarray) -> str:
    return " ".join(f"{v:.12e}" for v in np.asarray(values, dtype=float).ravel())


def calib_text(camera: Camera) -> str:
    """The ``calib`` file of a frame: P0..P3 = [K | 0] (one camera), R0_rect = I, identity Tr matrices."""
    p = np.hstack([camera.K, np.zeros((3, 1))])
    eye = np.hstack([np.eye(3), np.zeros((3, 1))])
    rows = [f"P{i}: {_row(p)}" for i in range(4)]
    rows += [f"R0_rect: {_row(np.eye(3))}", f"Tr_velo_to_cam: {_row(eye)}", f"Tr_imu_to_velo: {_row(eye)}"]
    return "\n".join(rows) + "\n"


def frame_files(frame: FrameData) -> Dict[str, str]:
    """Relative path -> text of a frame's KITTI files."""
    stem = frame.fid.stem
    return {f"label_2/{stem}.txt": label_text(frame), f"calib/{stem}.txt": calib_text(frame.camera)}


def kitti_flow_png(flow: np.ndarray, with_occluded: bool) -> np.ndarray:
    """uint16 (H, W, 3) RGB of a ``(du, dv, valid, occluded)`` flow as KITTI's devkit reads it:
    ``u = (R - 2^15) / 64``, ``v = (G - 2^15) / 64``, ``B`` = 1 where the flow is known."""
    valid = flow[..., 2] > 0
    if not with_occluded:
        valid &= flow[..., 3] == 0
    uv = np.clip(np.rint(flow[..., :2] * 64.0 + 32768.0), 0, 65535)
    out = np.concatenate([uv, valid[..., None]], axis=-1)
    out[~valid, :2] = 32768
    return out.astype(np.uint16)
