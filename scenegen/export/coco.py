"""COCO instances JSON of one split: images, RLE-mask annotations and Cityscapes instance categories.

Category ids are Cityscapes label ids (``car`` is 26); an annotation's ``segmentation`` is the RLE of
``instanceIds == instance_id`` (``pycocotools.mask.encode`` of the Fortran-ordered uint8 mask), its ``bbox``
``[x, y, w, h]`` the mask's extent in continuous pixel coordinates (``pycocotools.mask.toBbox``) and its
``area`` the mask's pixel count.  Extra keys per annotation: ``instance_id`` (the instanceIds value),
``bbox_full`` (the unclipped projected 3D box, ``[x, y, w, h]`` or null), ``truncation`` and ``occlusion``.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List

import numpy as np

from ..labels import CITYSCAPES_LABELS
from .boxes import frame_boxes
from .frames import FrameData

INFO = {"description": "scenegen synthetic street scenes (Cityscapes labels)", "version": "1.0"}


def categories() -> List[Dict[str, Any]]:
    """COCO categories: the Cityscapes classes that have instances, with their label ids."""
    return [{"id": l.id, "name": l.name, "supercategory": l.category} for l in CITYSCAPES_LABELS if l.hasInstances]


def encode_mask(mask: np.ndarray) -> Dict[str, Any]:
    """COCO RLE (``counts`` as text) of a boolean mask (H, W)."""
    from pycocotools import mask as mask_utils

    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")}


def frame_entries(frame: FrameData, image_id: int, first_ann_id: int) -> tuple[Dict[str, Any], List[Dict[str, Any]]]:
    """The COCO image entry of a frame and the annotations of its visible instances (ids from ``first_ann_id``)."""
    from pycocotools import mask as mask_utils

    fid, cam = frame.fid, frame.camera
    image = {"id": image_id, "file_name": fid.path("image").relative_to(fid.root).as_posix(), "width": cam.width,
             "height": cam.height, "split": fid.split, "city": fid.city, "seq": fid.seq, "frame": fid.frame}
    known = {c["id"] for c in categories()}
    anns = []
    for box in frame_boxes(frame):
        if box.pixels == 0 or box.label_id not in known:
            continue
        rle = encode_mask(frame.instance_ids == box.instance_id)
        coded = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
        full = box.full_box
        anns.append({
            "id": first_ann_id + len(anns), "image_id": image_id, "category_id": box.label_id,
            "segmentation": rle, "area": int(mask_utils.area(coded)),
            "bbox": [float(v) for v in mask_utils.toBbox(coded)], "iscrowd": 0,
            "instance_id": box.instance_id,
            "bbox_full": None if full is None else [full[0], full[1], full[2] - full[0], full[3] - full[1]],
            "truncation": box.truncation, "occlusion": box.occlusion,
        })
    return image, anns


def coco_dataset(frames: Iterable[FrameData]) -> Dict[str, Any]:
    """The whole COCO instances dict of ``frames`` (image ids 1.., annotation ids 1..)."""
    images, annotations = [], []
    for frame in frames:
        image, anns = frame_entries(frame, len(images) + 1, len(annotations) + 1)
        images.append(image)
        annotations += anns
    return {"info": INFO, "licenses": [], "images": images, "annotations": annotations, "categories": categories()}
