"""Tiny street-like datasets written with numpy, in the Cityscapes, scenegen and CamVid layouts.

Shared by the dataset-reader and segtrain tests (imported, holds no tests of its own).  Each frame
has sky on top, a building and trees, road and sidewalk below, a car, a person and a pole (a class
outside the paper's 7), each with its own color plus noise, so a network can learn something.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Tuple

import numpy as np

from scenegen.io import atomic_write_json, atomic_write_png
from scenegen.labels import CITYSCAPES_TO_CAMVID11, CITYSCAPES_TO_TRAINID, colorize, label_id

SIZE = (64, 48)  # width, height
_COLORS = {
    "sky": (120, 160, 230), "building": (140, 70, 60), "vegetation": (40, 130, 40), "road": (90, 90, 95),
    "sidewalk": (200, 180, 170), "car": (210, 20, 20), "person": (230, 200, 40), "pole": (20, 20, 20),
}


def synth_frame(rng: np.random.Generator, size: Tuple[int, int] = SIZE) -> Tuple[np.ndarray, np.ndarray]:
    """One RGB image and its Cityscapes label ids."""
    w, h = size
    ids = np.full((h, w), label_id("road"), dtype=np.uint8)
    horizon = int(h * rng.uniform(0.35, 0.5))
    ids[:horizon] = label_id("sky")
    split = int(w * rng.uniform(0.3, 0.6))
    top = int(horizon * rng.uniform(0.2, 0.5))
    ids[top:horizon, :split] = label_id("building")
    ids[top + 2:horizon, split:] = label_id("vegetation")
    ids[horizon:horizon + max(2, h // 8)] = label_id("sidewalk")
    cx, cy = int(rng.integers(0, w - w // 4)), int(rng.integers(horizon + 2, h - h // 6))
    ids[cy:cy + h // 6, cx:cx + w // 4] = label_id("car")
    px = int(rng.integers(0, w - 4))
    ids[horizon - 4:horizon + h // 6, px:px + 3] = label_id("person")
    ids[top:horizon + 4, w - 3:w - 1] = label_id("pole")
    rgb = np.zeros((h, w, 3), dtype=np.float32)
    for name, color in _COLORS.items():
        rgb[ids == label_id(name)] = color
    rgb += rng.normal(0, 12, rgb.shape)
    return np.clip(rgb, 0, 255).astype(np.uint8), ids


def write_cityscapes(root: Path, split: str = "train", n: int = 4, seed: int = 0, city: str = "testcity",
                     size: Tuple[int, int] = SIZE) -> Path:
    """Official Cityscapes layout: leftImg8bit + gtFine labelIds."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        rgb, ids = synth_frame(rng, size)
        stem = f"{city}_000000_{i:06d}"
        atomic_write_png(root / "leftImg8bit" / split / city / f"{stem}_leftImg8bit.png", rgb)
        atomic_write_png(root / "gtFine" / split / city / f"{stem}_gtFine_labelIds.png", ids)
    return root


def write_scenegen(root: Path, split: str = "train", n: int = 4, seed: int = 0, city: str = "synth",
                   size: Tuple[int, int] = SIZE) -> Path:
    """Our own output layout: every file of a complete frame, plus manifest.json."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        rgb, ids = synth_frame(rng, size)
        stem = f"{city}_000000_{i:06d}"
        gt = root / "gtFine" / split / city
        atomic_write_png(root / "leftImg8bit" / split / city / f"{stem}_leftImg8bit.png", rgb)
        atomic_write_png(gt / f"{stem}_gtFine_labelIds.png", ids)
        atomic_write_png(gt / f"{stem}_gtFine_color.png", colorize(ids))
        atomic_write_png(gt / f"{stem}_gtFine_instanceIds.png", ids.astype(np.uint16))
        atomic_write_png(gt / f"{stem}_gtFine_labelTrainIds.png", CITYSCAPES_TO_TRAINID[ids])
        atomic_write_json(root / "scene" / split / city / f"{stem}_scene.json", {"frame": i})
    atomic_write_json(root / "manifest.json", {"frames": n, "fixture": True})
    return root


def write_camvid(root: Path, split: str = "train", n: int = 4, seed: int = 0,
                 size: Tuple[int, int] = SIZE) -> Path:
    """SegNet CamVid layout: ``<split>/`` images and ``<split>annot/`` labels 0..11 (11 = void)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        rgb, ids = synth_frame(rng, size)
        atomic_write_png(root / split / f"0001TP_{i:06d}.png", rgb)
        atomic_write_png(root / f"{split}annot" / f"0001TP_{i:06d}.png", CITYSCAPES_TO_CAMVID11[ids])
    return root


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())
