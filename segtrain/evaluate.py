"""Confusion matrices, per-class IoU, the paper's "global" score, and running a model on a dataset.

Conventions (all scores are percentages, 0..100):

* The confusion matrix counts pixels with rows = ground truth, columns = prediction; pixels whose
  ground truth is 255 (ignore) are left out.
* IoU of class c = TP / (TP + FP + FN).  A class absent from both the ground truth and the
  prediction has no IoU (0 / 0): it is reported as ``None`` (NaN in arrays) and left out of every
  mean.  A class present in only one of them scores 0.
* ``global`` = mean IoU over the paper's 7 classes (vehicle, pedestrian, building, vegetation,
  road, ground, sky), as in Veeravasarapu et al., Table 1.  For the camvid11 and cityscapes19 class
  sets the confusion matrix is first merged into those 7 classes (predictions of classes outside
  them count as misses).
* ``mean_iou`` = mean IoU over all classes of the evaluated class set.
* ``pixel_accuracy`` = correctly labelled / all non-ignored pixels.
"""
from __future__ import annotations

import math
from typing import Dict, List, Sequence

import numpy as np
import torch

from scenegen.labels import (CAMVID11_TO_PAPER7, CITYSCAPES_TO_TRAINID, CITYSCAPES_TO_PAPER7, IGNORE,
                             PAPER7_NAMES, ClassMapping)


def confusion_matrix(target: np.ndarray, pred: np.ndarray, num_classes: int,
                     ignore_index: int = IGNORE) -> np.ndarray:
    """``num_classes`` x ``num_classes`` int64 counts, rows = target, columns = prediction.

    Pixels whose target is ``ignore_index`` are skipped; any other target or prediction outside
    ``0..num_classes-1`` is an error.
    """
    target = np.asarray(target).reshape(-1).astype(np.int64)
    pred = np.asarray(pred).reshape(-1).astype(np.int64)
    if target.shape != pred.shape:
        raise ValueError(f"target and prediction differ in size: {target.size} vs {pred.size}")
    keep = target != ignore_index
    target, pred = target[keep], pred[keep]
    if target.size and (target.min() < 0 or target.max() >= num_classes):
        raise ValueError(f"target class outside 0..{num_classes - 1}")
    if pred.size and (pred.min() < 0 or pred.max() >= num_classes):
        raise ValueError(f"predicted class outside 0..{num_classes - 1}")
    return np.bincount(target * num_classes + pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def per_class_iou(cm: np.ndarray) -> np.ndarray:
    """IoU per class in percent from a confusion matrix; NaN where the class is absent from both."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, 100.0 * tp / np.where(union > 0, union, 1), np.nan)
    return iou


def nanmean_or_none(values: Sequence[float]) -> float | None:
    """Mean of the non-NaN values, or None when there are none."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    return float(v.mean()) if v.size else None


def pixel_accuracy(cm: np.ndarray) -> float | None:
    """Correct / all counted pixels in percent; None for an empty matrix."""
    total = float(np.sum(cm))
    return 100.0 * float(np.trace(cm)) / total if total > 0 else None


def _paper7_lut(mapping: ClassMapping) -> np.ndarray:
    """Class index of ``mapping`` -> paper7 index (7 = outside the paper's classes)."""
    n = mapping.num_classes
    if mapping.is_paper7:
        return np.arange(n)
    if mapping.name == "camvid11":
        lut = CAMVID11_TO_PAPER7[:n].astype(np.int64)
    elif mapping.name == "cityscapes19":
        lut = np.full(n, IGNORE, dtype=np.int64)
        for cs_id in range(256):
            t = int(CITYSCAPES_TO_TRAINID[cs_id])
            if t < n:
                lut[t] = int(CITYSCAPES_TO_PAPER7[cs_id])
    else:
        raise ValueError(f"no paper7 merge for class set {mapping.name!r}")
    return np.where(lut == IGNORE, len(PAPER7_NAMES), lut)


def paper7_confusion(cm: np.ndarray, mapping: ClassMapping) -> tuple[np.ndarray, np.ndarray]:
    """Merge a confusion matrix of ``mapping``'s classes into the 7 paper classes.

    Returns the 7x7 matrix and, per true paper class, the pixels predicted as a class outside the
    7 (misses that add to that class's false negatives).  Ground-truth classes outside the 7 are
    dropped, as if ignored.
    """
    k = len(PAPER7_NAMES)
    lut = _paper7_lut(mapping)
    merged = np.zeros((k + 1, k + 1), dtype=np.int64)
    np.add.at(merged, (lut[:, None], lut[None, :]), np.asarray(cm, dtype=np.int64))
    out = merged[:k, :k].copy()
    return out, merged[:k, k].copy()


def summarize(cm: np.ndarray, mapping: ClassMapping) -> Dict:
    """The evaluation record: per-class IoU, mean IoU, paper "global", pixel accuracy (percent)."""
    iou = per_class_iou(cm)
    if mapping.is_paper7:
        paper = iou
    else:
        cm7, missed = paper7_confusion(cm, mapping)
        tp = np.diag(cm7).astype(np.float64)
        union = cm7.sum(0) + cm7.sum(1) + missed - tp
        with np.errstate(invalid="ignore", divide="ignore"):
            paper = np.where(union > 0, 100.0 * tp / np.where(union > 0, union, 1), np.nan)
    return {
        "classes": mapping.name,
        "class_names": list(mapping.class_names),
        "per_class_iou": {n: _num(v) for n, v in zip(mapping.class_names, iou)},
        "paper7_iou": {n: _num(v) for n, v in zip(PAPER7_NAMES, paper)},
        "global": nanmean_or_none(paper),
        "mean_iou": nanmean_or_none(iou),
        "pixel_accuracy": pixel_accuracy(cm),
        "pixels": int(np.sum(cm)),
        "confusion_matrix": np.asarray(cm, dtype=np.int64).tolist(),
        "units": "percent; null = class absent from both ground truth and prediction (left out of means)",
    }


def _num(v: float) -> float | None:
    return None if v is None or math.isnan(v) else float(v)


def markdown_table(record: Dict) -> str:
    """A Markdown table of one evaluation record."""
    def fmt(v):
        return "n/a" if v is None else f"{v:.2f}"
    lines = ["| class | IoU (%) |", "|---|---:|"]
    lines += [f"| {n} | {fmt(v)} |" for n, v in record["per_class_iou"].items()]
    lines += [f"| **mean IoU** | {fmt(record['mean_iou'])} |",
              f"| **global** (mean of the 7 paper classes) | {fmt(record['global'])} |",
              f"| **pixel accuracy** | {fmt(record['pixel_accuracy'])} |"]
    return "\n".join(lines) + "\n"


@torch.no_grad()
def predict(model: torch.nn.Module, image: np.ndarray, size: tuple | None, device: torch.device,
            amp: bool = False) -> np.ndarray:
    """Class map (HxW, the image's own size) for one RGB image, run at ``size`` = (w, h)."""
    from torch.nn import functional as F

    from segtrain.data import resize_pair, to_tensor

    h, w = image.shape[:2]
    small, _ = resize_pair(image, None, size) if size is not None else (image, None)
    x = to_tensor(small)[None].to(device)
    with torch.autocast(device.type, enabled=amp):
        logits = model(x)
    if logits.shape[-2:] != (h, w):
        logits = F.interpolate(logits.float(), size=(h, w), mode="bilinear", align_corners=False)
    return logits.argmax(1)[0].cpu().numpy().astype(np.uint8)


def evaluate(model: torch.nn.Module, samples: List, mapping: ClassMapping, size: tuple | None,
             device: torch.device, amp: bool = False, progress: bool = True) -> Dict:
    """Run ``model`` over labelled samples; the confusion matrix is taken at label resolution."""
    from tqdm import tqdm

    from scenegen.datasets import read_sample

    model.eval()
    n = mapping.num_classes
    cm = np.zeros((n, n), dtype=np.int64)
    for s in tqdm(samples, desc="eval", unit="img", disable=not progress, leave=False):
        image, labels = read_sample(s, mapping)
        cm += confusion_matrix(labels, predict(model, image, size, device, amp), n)
    rec = summarize(cm, mapping)
    rec["images"] = len(samples)
    return rec
