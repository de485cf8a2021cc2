"""One preprocessing path for real and rendered images, so the discriminator cannot win on trivial cues.

Both domains are decoded by the same reader (``scenegen.datasets.read_image``: HxWx3 uint8 RGB),
cropped at the centre to the target aspect ratio, resized with area interpolation to the
target size, and scaled to [-1, 1] (the range EfficientNet-Lite was trained with).

Label images (class indices, 255 = ignore) become one channel per class: the share of each class
among the *labelled* pixels under each input pixel (area-averaged one-hot, renormalised), cropped
the same way.  Renormalising hides how each domain marks unlabelled pixels (CamVid's hand-drawn
void borders, the renderer's poles and signs outside the class set): a channel stack is all zero
only where every source pixel is unlabelled.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import cv2
import numpy as np
import torch


def center_crop_to_aspect(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """The largest centred crop of ``img`` with aspect ``width:height``."""
    h, w = img.shape[:2]
    target = width / height
    if w / h > target:  # too wide
        cw = max(1, int(round(h * target)))
        x0 = (w - cw) // 2
        return img[:, x0:x0 + cw]
    ch = max(1, int(round(w / target)))
    y0 = (h - ch) // 2
    return img[y0:y0 + ch]


def prepare_image(img: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """HxWx3 uint8 -> 3xHxW float32 in [-1, 1] at ``size`` = (width, height)."""
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f"expected an HxWx3 uint8 image, got shape {img.shape} dtype {img.dtype}")
    width, height = size
    crop = center_crop_to_aspect(img, width, height)
    if crop.shape[1] != width or crop.shape[0] != height:
        interp = cv2.INTER_AREA if crop.shape[1] >= width else cv2.INTER_LINEAR
        crop = cv2.resize(crop, (width, height), interpolation=interp)
    x = crop.astype(np.float32) / 127.5 - 1.0
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def prepare_labels(labels: np.ndarray, size: Tuple[int, int], num_classes: int,
                   ignore: int = 255) -> np.ndarray:
    """HxW class indices -> ``num_classes``xHxW float32 class shares in [0, 1] at ``size`` = (width, height)."""
    if labels.ndim != 2:
        raise ValueError(f"expected an HxW label image, got shape {labels.shape}")
    width, height = size
    crop = center_crop_to_aspect(labels, width, height)
    onehot = (crop[..., None] == np.arange(num_classes, dtype=crop.dtype)).astype(np.float32)
    if crop.shape[1] != width or crop.shape[0] != height:  # cv2's area resize takes at most 4 channels
        onehot = np.stack([cv2.resize(onehot[..., c], (width, height), interpolation=cv2.INTER_AREA)
                           for c in range(num_classes)], axis=2)
    total = onehot.sum(axis=2, keepdims=True)
    shares = np.divide(onehot, total, out=np.zeros_like(onehot), where=total > 1e-6)
    return np.ascontiguousarray(shares.transpose(2, 0, 1))


def prepare_label_batch(labels: Sequence[np.ndarray], size: Tuple[int, int], num_classes: int) -> torch.Tensor:
    """Stack prepared label images into an ``(N, num_classes, H, W)`` float tensor."""
    if len(labels) == 0:
        return torch.zeros((0, num_classes, size[1], size[0]), dtype=torch.float32)
    return torch.from_numpy(np.stack([prepare_labels(lab, size, num_classes) for lab in labels]))


def prepare_batch(images: Sequence[np.ndarray], size: Tuple[int, int]) -> torch.Tensor:
    """Stack prepared images into an ``(N, 3, H, W)`` float tensor."""
    if len(images) == 0:
        return torch.zeros((0, 3, size[1], size[0]), dtype=torch.float32)
    return torch.from_numpy(np.stack([prepare_image(im, size) for im in images]))


def default_input_size(resolution: Tuple[int, int], max_width: int = 128) -> Tuple[int, int]:
    """Discriminator input (width, height): the render aspect at most ``max_width`` wide (even sizes)."""
    w, h = resolution
    tw = min(w, max_width)
    th = max(8, int(round(tw * h / w)))
    return tw - tw % 2, th - th % 2
