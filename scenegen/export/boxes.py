"""Per-instance boxes of one frame, from its instanceIds mask and scene record (pure numpy).

Conventions (see docs/exports.md):

* Image coordinates are continuous: pixel column ``j`` covers ``[j, j+1)`` and its centre is ``j + 0.5``
  (the projection with ``K``, whose principal point is the image centre, and COCO's ``bbox`` use this).
* ``visible_box`` ``[x1, y1, x2, y2]`` is pixel-inclusive: integer indices of the first and last column and
  row the visible mask covers (KITTI's 0-based convention); it spans ``[x1, x2 + 1) x [y1, y2 + 1)``.
* ``full_box`` ``[u1, v1, u2, v2]`` is the extent, in continuous coordinates, of the projected 3D box (its 8
  corners; where the box crosses the near plane, the part in front of it), not clipped to the image; None
  when the whole box is behind the camera.
* ``truncation``: share of the full box's area outside the image ``[0, W] x [0, H]``.
* ``occlusion`` (an estimate): ``1 - visible pixels / silhouette pixels``, where the silhouette is the
  projected 3D box (the convex hull of its projected corners) clipped to the image, counted by pixel centres.
  It includes the part of the box the object's own shape does not fill, so an unoccluded car scores about
  0.1-0.3 and an unoccluded person more; it is 0 when nothing of the box is in the image.
* Camera-axes boxes are KITTI-style: OpenCV axes (x right, y down, z forward, metres), size ``(h, w, l)``
  with ``l`` along the object's local +y (its length; a vehicle's nose points to +y), ``yaw`` = rotation about the camera y axis of that
  length axis (0: pointing along camera +x).  World boxes keep the scene record's axes (Z up).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

import numpy as np

from .frames import Camera, FrameData, parse_scene

#: depth (m) in front of the camera below which box corners count as behind it
NEAR = 0.01
# corner pairs of the 12 edges of a box_corners() box (index bits: z, x, y)
_EDGES = [(a, b) for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]

Box2D = Tuple[float, float, float, float]


@dataclass(frozen=True)
class CameraBox:
    """A 3D box in OpenCV camera axes: geometric centre, bottom-face centre, (h, w, l), yaw about y, corners."""

    center: Tuple[float, float, float]
    bottom_center: Tuple[float, float, float]
    size_hwl: Tuple[float, float, float]
    yaw: float
    corners: Tuple[Tuple[float, float, float], ...]


@dataclass(frozen=True)
class WorldBox:
    """A 3D box in world axes (Z up): bottom-face centre, geometric centre, (x, y, z) size, yaw about +Z, corners."""

    center_bottom: Tuple[float, float, float]
    center: Tuple[float, float, float]
    size_xyz: Tuple[float, float, float]
    yaw: float
    corners: Tuple[Tuple[float, float, float], ...]


@dataclass(frozen=True)
class InstanceBoxes:
    """Everything the exports need about one instance of a frame."""

    instance_id: int
    label: str
    label_id: int
    family: str
    pixels: int
    visible_box: Optional[Tuple[int, int, int, int]]
    full_box: Optional[Box2D]
    in_front: bool
    truncation: Optional[float]
    occlusion: Optional[float]
    camera: CameraBox
    world: WorldBox

    def to_dict(self) -> Dict[str, Any]:
        """Plain JSON-ready mapping."""
        return asdict(self)


def _tuple(a: np.ndarray) -> tuple:
    return tuple(float(x) for x in a)


def visible_box(mask: np.ndarray) -> Optional[Tuple[int, int, int, int]]:
    """Pixel-inclusive ``(x1, y1, x2, y2)`` of a boolean mask; None when it is empty."""
    cols = np.flatnonzero(mask.any(axis=0))
    if cols.size == 0:
        return None
    rows = np.flatnonzero(mask.any(axis=1))
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


def camera_points(camera: Camera, world: np.ndarray) -> np.ndarray:
    """World points (N, 3) in OpenCV camera axes."""
    return np.asarray(world, dtype=float) @ camera.R.T + camera.t


def project_points(camera: Camera, cam_points: np.ndarray) -> np.ndarray:
    """Continuous pixel coordinates (N, 2) of camera-axes points in front of the camera."""
    uvw = cam_points @ camera.K.T
    return uvw[:, :2] / uvw[:, 2:3]


def front_points(cam_corners: np.ndarray) -> np.ndarray:
    """The box's corners in front of the near plane plus the points where its edges cross it."""
    keep = [c for c in cam_corners if c[2] >= NEAR]
    for a, b in _EDGES:
        za, zb = cam_corners[a][2], cam_corners[b][2]
        if (za - NEAR) * (zb - NEAR) < 0:
            s = (NEAR - za) / (zb - za)
            keep.append(cam_corners[a] + s * (cam_corners[b] - cam_corners[a]))
    return np.array(keep).reshape(-1, 3)


def full_box(camera: Camera, cam_corners: np.ndarray) -> Optional[Box2D]:
    """Unclipped extent of the projected box (continuous coordinates); None when all of it is behind the camera."""
    pts = front_points(cam_corners)
    if len(pts) == 0:
        return None
    uv = project_points(camera, pts)
    return float(uv[:, 0].min()), float(uv[:, 1].min()), float(uv[:, 0].max()), float(uv[:, 1].max())


def truncation(box: Box2D, width: int, height: int) -> float:
    """Share of the box's area outside the image ``[0, W] x [0, H]`` (0 for a degenerate box inside it)."""
    u1, v1, u2, v2 = box
    area = (u2 - u1) * (v2 - v1)
    iw = max(0.0, min(u2, width) - max(u1, 0.0))
    ih = max(0.0, min(v2, height) - max(v1, 0.0))
    if area <= 0:
        return 0.0 if iw > 0 or ih > 0 or (0 <= u1 <= width and 0 <= v1 <= height) else 1.0
    return float(min(1.0, max(0.0, 1.0 - iw * ih / area)))


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise convex hull (Andrew's monotone chain) of 2D points."""
    pts = sorted(set(map(tuple, np.round(points, 9))))
    if len(pts) <= 2:
        return np.array(pts, dtype=float)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: List[tuple] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: List[tuple] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=float)


def silhouette_pixels(camera: Camera, cam_corners: np.ndarray) -> int:
    """Pixels of the image whose centres lie inside the projected box (its convex hull)."""
    pts = front_points(cam_corners)
    if len(pts) < 3:
        return 0
    hull = _convex_hull(project_points(camera, pts))
    if len(hull) < 3:
        return 0
    x0 = max(0, int(math.floor(hull[:, 0].min())))
    x1 = min(camera.width, int(math.ceil(hull[:, 0].max())) + 1)
    y0 = max(0, int(math.floor(hull[:, 1].min())))
    y1 = min(camera.height, int(math.ceil(hull[:, 1].max())) + 1)
    if x0 >= x1 or y0 >= y1:
        return 0
    xs, ys = np.meshgrid(np.arange(x0, x1) + 0.5, np.arange(y0, y1) + 0.5)
    inside = np.ones(xs.shape, dtype=bool)
    for a, b in zip(hull, np.roll(hull, -1, axis=0)):  # counter-clockwise: interior on the left
        inside &= (b[0] - a[0]) * (ys - a[1]) - (b[1] - a[1]) * (xs - a[0]) >= 0
    return int(inside.sum())


def camera_box(camera: Camera, box3d: Dict[str, Any]) -> CameraBox:
    """KITTI-style camera-axes box of a scene record's ``box3d`` (see the module docstring)."""
    w, l, h = (float(v) for v in box3d["size_xyz"])
    yaw = float(box3d["yaw"])
    bottom = np.asarray(box3d["center_bottom"], dtype=float)
    up = np.array([0.0, 0.0, h / 2])
    heading = camera.R @ np.array([-math.sin(yaw), math.cos(yaw), 0.0])  # the box's local +y (length) axis
    ry = math.atan2(-heading[2], heading[0])
    corners = camera_points(camera, np.asarray(box3d["corners"], dtype=float))
    return CameraBox(center=_tuple(camera_points(camera, (bottom + up)[None])[0]),
                     bottom_center=_tuple(camera_points(camera, bottom[None])[0]),
                     size_hwl=(h, w, l), yaw=float(ry), corners=tuple(_tuple(c) for c in corners))


def world_box(box3d: Dict[str, Any]) -> WorldBox:
    """The scene record's world box with its geometric centre added."""
    bottom = np.asarray(box3d["center_bottom"], dtype=float)
    size = np.asarray(box3d["size_xyz"], dtype=float)
    return WorldBox(center_bottom=_tuple(bottom), center=_tuple(bottom + [0.0, 0.0, size[2] / 2]),
                    size_xyz=_tuple(size), yaw=float(box3d["yaw"]),
                    corners=tuple(_tuple(c) for c in np.asarray(box3d["corners"], dtype=float)))


def instance_boxes(frame: FrameData, inst: Dict[str, Any], present: Optional[Set[int]] = None) -> InstanceBoxes:
    """All boxes of one instance record of ``frame`` (visible ones from the mask, the rest from its 3D box);
    ``present``: the ids in the mask, when known (skips the mask of an absent instance)."""
    cam = frame.camera
    iid = int(inst["instance_id"])
    mask = frame.instance_ids == iid if present is None or iid in present else None
    pixels = int(mask.sum()) if mask is not None else 0
    cbox = camera_box(cam, inst["box3d"])
    corners = np.asarray(cbox.corners)
    fbox = full_box(cam, corners)
    trunc = truncation(fbox, cam.width, cam.height) if fbox is not None else None
    silhouette = silhouette_pixels(cam, corners) if fbox is not None else 0
    occl = float(min(1.0, max(0.0, 1.0 - pixels / silhouette))) if silhouette > 0 else (0.0 if pixels else None)
    return InstanceBoxes(instance_id=int(inst["instance_id"]), label=str(inst["label"]),
                         label_id=int(inst["label_id"]), family=str(inst.get("family", "")), pixels=pixels,
                         visible_box=visible_box(mask) if pixels else None, full_box=fbox,
                         in_front=bool((corners[:, 2] >= NEAR).all()), truncation=trunc, occlusion=occl,
                         camera=cbox, world=world_box(inst["box3d"]))


def frame_boxes(frame: FrameData) -> List[InstanceBoxes]:
    """Boxes of every instance record of a frame, in the record's order."""
    present = {int(v) for v in np.unique(frame.instance_ids)}
    return [instance_boxes(frame, inst, present) for inst in frame.instances]


def boxes_record(record: Dict[str, Any], instance_ids: np.ndarray) -> Dict[str, Any]:
    """The per-frame boxes file (``render --outputs boxes``) of a scene record and its instanceIds: image size
    and every instance's boxes, the same figures ``scenegen export`` computes."""
    camera, instances = parse_scene(json.loads(json.dumps(record)))  # the record as its JSON file holds it
    frame = FrameData(None, camera, instances, np.asarray(instance_ids, dtype=np.int64))
    return {"width": camera.width, "height": camera.height,
            "instances": [b.to_dict() for b in frame_boxes(frame)]}
