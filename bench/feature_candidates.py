"""Candidate reader features that were measured and not kept, for `bench/inverse_features_study.py --candidates`.

Each entry maps a name to ``f(rgb, paper7_shares) -> (N, F)`` features: today's reader features followed by the
candidate's columns. Measured on 2026-12-07 (docs/experiments/2026-12-07-class-texture.md): neither raised any
tuned variable's cross-fitted R² by more than 0.03, so the tuner does not use them.

    .venv/bin/python bench/inverse_features_study.py runs/bench/recovery_random_clear/full/k6_clear \
        --size 256x128 --candidates bench.feature_candidates
"""
from __future__ import annotations

from typing import List

import numpy as np
import torch
from scipy import ndimage
from torch.nn import functional as F

from tuner import inverse

ROW_BANDS = 8
#: paper-7 indices of the classes whose label blobs are measured (vehicle, pedestrian, vegetation), and of road
BLOB_CLASSES = (0, 1, 3)
ROAD = 4


def row_profiles(shares: torch.Tensor) -> np.ndarray:
    """Per class: the share of its pixels in each of :data:`ROW_BANDS` rows, their mean row and spread, and
    whether the class is in the frame."""
    rows = F.adaptive_avg_pool2d(shares.double(), (ROW_BANDS, 1)).flatten(2)  # N, K, B
    total = rows.sum(2, keepdim=True)
    frac = rows / (total + 1e-6)
    y = (torch.arange(ROW_BANDS, dtype=frac.dtype) + 0.5) / ROW_BANDS
    centre = (frac * y).sum(2)
    spread = ((frac * (y - centre[..., None]) ** 2).sum(2) + 1e-6).sqrt()
    return torch.cat([frac.flatten(1), centre, spread, (total[..., 0] > 1e-4).double()], 1).numpy()


def _blob_row(label_map: np.ndarray, cls: int, horizon: float) -> List[float]:
    """Area-weighted log height, width and aspect of the class's blobs (height and width over the blob's
    distance below the horizon, which undoes perspective), the largest log height, log(1 + blobs), the median."""
    comp, n = ndimage.label(label_map == cls)
    areas = np.bincount(comp.ravel(), minlength=n + 1)[1:]
    rows = []
    for sl, area in zip(ndimage.find_objects(comp), areas):
        if area < 4:
            continue
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        scale = max(sl[0].stop - horizon, 2.0)
        rows.append((np.log(h / scale), np.log(w / scale), np.log(h / w), area))
    if not rows:
        return [0.0] * 7
    rh, rw, aspect, area = (np.array(c, dtype=float) for c in zip(*rows))
    wts = area / area.sum()
    return [1.0, wts @ rh, wts @ rw, wts @ aspect, rh.max(), np.log1p(len(rh)), float(np.median(rh))]


def blob_statistics(shares: torch.Tensor) -> np.ndarray:
    """The horizon (the highest road row) and :func:`_blob_row` of each of :data:`BLOB_CLASSES`."""
    out = []
    for label_map in shares.argmax(1).numpy():
        road_rows = np.where((label_map == ROAD).any(1))[0]
        horizon = float(road_rows.min()) if len(road_rows) else label_map.shape[0] / 2
        out.append([horizon / label_map.shape[0]] + [v for c in BLOB_CLASSES for v in _blob_row(label_map, c, horizon)])
    return np.array(out, dtype=float)


CANDIDATES = {
    "+ row profiles": lambda rgb, shares: np.c_[inverse.image_features(rgb, shares), row_profiles(shares)],
    "+ blobs": lambda rgb, shares: np.c_[inverse.image_features(rgb, shares), blob_statistics(shares)],
}
