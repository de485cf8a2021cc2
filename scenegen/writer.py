"""Writing frames in the Cityscapes layout, each file atomically.

Label files are written first and the RGB image last, but completeness never depends on
order: a frame counts as done only when all of its files exist.
"""
from __future__ import annotations

import io
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import ground_truth as gt
from .camera_model import camera_record
from .io import atomic_write_bytes, atomic_write_json, atomic_write_png
from .labels import CITYSCAPES_TO_TRAINID, ID_TO_NAME, colorize, label_id
from .imaging import FrameArrays
from .export.boxes import boxes_record
from .layout import FrameId
from .render_settings import RenderSettings
from .seeding import FrameSeed
from .spec import SceneSpec


def scene_record(spec: SceneSpec, seed: FrameSeed, params_version: str, settings: RenderSettings,
                 mixture_part: int | None = None) -> Dict[str, Any]:
    """The scene JSON of a frame: seed, params version (and the mixture part z came from), z, the full spec,
    camera, 3D boxes and the render settings that change pixels (not the device: a frame's record is the same
    on a CPU and a GPU)."""
    instances = []
    for obj in spec.instances():
        box = {"center_bottom": list(obj.location), "size_xyz": list(obj.size), "yaw": obj.yaw,
               "corners": [list(c) for c in obj.box_corners()]}
        for label, k in obj.instance_labels():
            cid = label_id(label)
            # A rider shares the box of the bicycle or motorcycle it sits on.
            instances.append({"instance_id": cid * 1000 + k - 1, "label": label, "label_id": cid,
                              "family": obj.family, "box3d": box})
    part = {} if mixture_part is None else {"mixture_part": mixture_part}
    return {
        "seed": {"run_seed": seed.run_seed, "iteration": seed.iteration, "frame_index": seed.frame_index},
        "params_version": params_version, **part,
        "variables": dict(spec.variables),
        "camera": camera_record(spec.camera, settings.width, settings.height),
        "render": settings.look(),
        "instances": instances,
        "scene": spec.to_dict(),
    }


def write_outputs(fid: FrameId, frame: FrameArrays, record: Mapping[str, Any], outputs: Sequence[str]) -> None:
    """The extra outputs' files of one frame (scenegen.ground_truth): depth, disparity + camera, normals, boxes."""
    if not outputs:
        return
    camera = record["camera"]
    depth = gt.sky_as_inf(frame.depth)
    if "depth" in outputs:
        atomic_write_bytes(fid.path("depth"), _npy(depth))
    if "disparity" in outputs:
        atomic_write_png(fid.path("disparity"), gt.disparity_png(depth, camera["intrinsics"]["fx"]))
        atomic_write_json(fid.path("camera"), gt.cityscapes_camera(camera))
    if "normals" in outputs:
        rotation = camera["world_to_camera_cv"]["R"]
        normals = gt.world_to_camera_normals(frame.normals_world.astype(np.float64), rotation)
        atomic_write_png(fid.path("normals"), gt.normals_png(normals, np.isfinite(depth)))
    if "boxes" in outputs:
        atomic_write_json(fid.path("boxes"), boxes_record(record, frame.instance_ids))


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def pixel_counts(label_ids: np.ndarray) -> Dict[str, int]:
    """Pixels per class name in a label image."""
    values, counts = np.unique(label_ids, return_counts=True)
    return {ID_TO_NAME[int(v)]: int(c) for v, c in zip(values, counts)}


def write_frame(fid: FrameId, frame: FrameArrays, record: Mapping[str, Any], outputs: Sequence[str] = (),
                flows: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> None:
    """Write all files of one frame (the extra ``outputs``, a sequence frame's forward and backward
    ``flows``, labels, colour, instances, trainIds, scene JSON, image last)."""
    write_outputs(fid, frame, record, outputs)
    for kind, field in zip(("flow_forward", "flow_backward"), flows or ()):
        atomic_write_bytes(fid.path(kind), _npy(field))
    atomic_write_png(fid.path("label_ids"), frame.label_ids.astype(np.uint8))
    atomic_write_png(fid.path("instance_ids"), frame.instance_ids.astype(np.uint16))
    atomic_write_png(fid.path("train_ids"), CITYSCAPES_TO_TRAINID[frame.label_ids])
    atomic_write_png(fid.path("color"), colorize(frame.label_ids))
    atomic_write_json(fid.path("scene"), {**record, "pixel_counts": pixel_counts(frame.label_ids)})
    atomic_write_png(fid.path("image"), frame.rgb)
