"""Where and how the labelled classes lie in a frame: what class shares and colour statistics average away.

The inverse model's colour and share features say how much of each class a frame holds, not in what pieces.
Several scene variables change the pieces rather than the amounts: the share of trucks and buses (taller vehicle
blobs), motorcycles against bicycles, traffic lights (more small pole and sign pieces), gaps between buildings
(the skyline dips to the street), windows (fine texture inside the facade).  Per frame, from a label map in
CamVid-11 and the colour image:

* the skyline in each half of the frame: the top of the building and the sky's reach down each column (mean,
  spread and column-to-column roughness), and the share of columns with no building;
* the connected pieces of each class in :data:`PIECE_CLASSES`: how many, and their mean and largest height,
  mean width and how full their boxes are;
* fine texture inside each class in :data:`TEXTURE_CLASSES`: mean |Laplacian| of luminance away from the
  class's edges.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from scipy import ndimage
from torch.nn import functional as F

from scenegen.labels import CAMVID11_NAMES

#: classes whose connected pieces are measured
PIECE_CLASSES = ("Car", "Pedestrian", "Bicyclist", "Pole", "SignSymbol")
#: classes whose inside texture is measured
TEXTURE_CLASSES = ("Building", "Road", "Pavement", "Tree", "Car")
#: a piece smaller than this many pixels is label noise at feature resolution, not an object
MIN_PIECE_PIXELS = 3
_SKYLINE_PER_HALF = 7
_PIECE_STATS = 5


def geometry_width() -> int:
    """How many columns :func:`label_geometry_features` gives."""
    return 2 * _SKYLINE_PER_HALF + _PIECE_STATS * len(PIECE_CLASSES) + len(TEXTURE_CLASSES)


def label_geometry_features(rgb: torch.Tensor, shares: torch.Tensor,
                            names: Sequence[str] = CAMVID11_NAMES) -> np.ndarray:
    """``(N, 3, H, W)`` prepared colour and ``(N, K, H, W)`` class shares in the class set ``names`` ->
    ``(N, geometry_width())`` features."""
    hard = shares.argmax(dim=1).numpy()
    index = {n: i for i, n in enumerate(names)}
    sky_pieces = np.zeros((len(hard), 2 * _SKYLINE_PER_HALF + _PIECE_STATS * len(PIECE_CLASSES)))
    for row, h in zip(sky_pieces, hard):
        row[:] = np.concatenate([_skyline(h, index), _pieces(h, index)])
    return np.concatenate([sky_pieces, _class_texture(rgb, hard, index)], axis=1)


def _skyline(hard: np.ndarray, index: dict) -> np.ndarray:
    """Per half frame: building top and sky reach per column (mean, spread, roughness), columns with no building."""
    height, width = hard.shape
    building, sky = hard == index["Building"], hard == index["Sky"]
    has_building = building.any(axis=0)
    top = np.where(has_building, building.argmax(axis=0), height) / height
    reach = np.where(sky.any(axis=0), height - 1 - sky[::-1].argmax(axis=0), 0) / height
    out = []
    for half in (slice(0, width // 2), slice(width // 2, width)):
        t, r = top[half], reach[half]
        out += [t.mean(), t.std(), _roughness(t), r.mean(), r.std(), _roughness(r), 1.0 - has_building[half].mean()]
    return np.asarray(out)


def _roughness(profile: np.ndarray) -> float:
    return float(np.abs(np.diff(profile)).mean()) if len(profile) > 1 else 0.0


def _pieces(hard: np.ndarray, index: dict) -> np.ndarray:
    """Per class in :data:`PIECE_CLASSES`: log(1 + pieces), mean and largest height, mean width, mean fill."""
    height, width = hard.shape
    out = []
    for name in PIECE_CLASSES:
        labelled, count = ndimage.label(hard == index[name])
        stats = [0.0] * _PIECE_STATS
        if count:
            areas = np.bincount(labelled.ravel(), minlength=count + 1)[1:]
            boxes = ndimage.find_objects(labelled)
            keep = [(a, b) for a, b in zip(areas, boxes) if a >= MIN_PIECE_PIXELS]
            if keep:
                h = np.array([b[0].stop - b[0].start for _, b in keep], dtype=float)
                w = np.array([b[1].stop - b[1].start for _, b in keep], dtype=float)
                a = np.array([a for a, _ in keep], dtype=float)
                stats = [np.log1p(len(keep)), h.mean() / height, h.max() / height, w.mean() / width,
                         float(np.mean(a / (h * w)))]
        out += stats
    return np.asarray(out)


def _class_texture(rgb: torch.Tensor, hard: np.ndarray, index: dict) -> np.ndarray:
    """Per class in :data:`TEXTURE_CLASSES`: mean |Laplacian| of luminance inside the class, one pixel in from its
    edges (the whole frame's where the class has too few such pixels)."""
    if rgb.shape[0] == 0:
        return np.zeros((0, len(TEXTURE_CLASSES)))
    lum = rgb.double().mean(dim=1, keepdim=True)
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], dtype=torch.float64).view(1, 1, 3, 3)
    lap = F.conv2d(F.pad(lum, (1, 1, 1, 1), mode="replicate"), kernel).abs()[:, 0]
    whole = lap.mean(dim=(1, 2))
    labels = torch.from_numpy(hard)
    out = []
    for name in TEXTURE_CLASSES:
        mask = (labels == index[name]).double()[:, None]
        inner = (-F.max_pool2d(-mask, 3, stride=1, padding=1))[:, 0]  # erosion by one pixel
        mass = inner.sum(dim=(1, 2))
        inside = (lap * inner).sum(dim=(1, 2)) / mass.clamp_min(1.0)
        out.append(torch.where(mass >= MIN_PIECE_PIXELS, inside, whole))
    return torch.stack(out, dim=1).numpy()
