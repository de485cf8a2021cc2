"""Contact sheets: rendered frames beside their colour labels, in one PNG; and filmstrips of a sequence with
every modality a frame has (image, labels, flow, depth, normals), one row each."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from .io import atomic_write_png, read_png
from .layout import FrameId


def _fit(img: np.ndarray, width: int) -> np.ndarray:
    h = max(1, round(img.shape[0] * width / img.shape[1]))
    return cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA if img.shape[1] > width else cv2.INTER_NEAREST)


def contact_sheet(frames: Sequence[FrameId], cell_width: int = 256, columns: int = 2, gap: int = 4) -> np.ndarray:
    """An RGB grid: for each frame its image and its colour label side by side."""
    if not frames:
        raise ValueError("no frames for a contact sheet")
    cells = []
    for fid in frames:
        rgb, color = read_png(fid.path("image")), read_png(fid.path("color"))
        pair = [_fit(rgb, cell_width), _fit(color, cell_width)]
        spacer = np.full((pair[0].shape[0], gap, 3), 255, np.uint8)
        cells.append(np.concatenate([pair[0], spacer, pair[1]], axis=1))
    h = max(c.shape[0] for c in cells)
    w = cells[0].shape[1]
    rows = (len(cells) + columns - 1) // columns
    sheet = np.full((rows * (h + gap) + gap, columns * (w + 3 * gap) + gap, 3), 255, np.uint8)
    for i, cell in enumerate(cells):
        r, c = divmod(i, columns)
        y, x = gap + r * (h + gap), gap + c * (w + 3 * gap)
        sheet[y:y + cell.shape[0], x:x + w] = cell
    return sheet


def write_contact_sheet(frames: Sequence[FrameId], path: str | Path, cell_width: int = 256,
                        columns: int = 2) -> Path:
    """Write a contact sheet PNG of ``frames`` to ``path``."""
    atomic_write_png(path, contact_sheet(frames, cell_width, columns))
    return Path(path)


def flow_picture(flow: np.ndarray, max_px: float | None = None) -> np.ndarray:
    """RGB of a ``(du, dv, valid)`` flow field: direction as hue, length as brightness, black where invalid."""
    valid = flow[..., 2] > 0
    du, dv = flow[..., 0], flow[..., 1]
    length = np.hypot(du, dv)
    if max_px is None:
        max_px = float(np.percentile(length[valid], 99)) if valid.any() else 1.0
    hsv = np.zeros((*flow.shape[:2], 3), np.uint8)
    hsv[..., 0] = ((np.degrees(np.arctan2(dv, du)) % 360) / 2).astype(np.uint8)
    hsv[..., 1] = 255
    hsv[..., 2] = np.where(valid, np.clip(length / max(max_px, 1e-6), 0, 1) * 255, 0).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def depth_picture(depth: np.ndarray) -> np.ndarray:
    """RGB of a depth map: near bright, far dark (inverse depth), the sky black."""
    inv = np.where(np.isfinite(depth), 1.0 / np.maximum(depth, 0.1), 0.0)
    top = float(np.percentile(inv[inv > 0], 99)) if (inv > 0).any() else 1.0
    grey = (np.clip(inv / top, 0, 1) * 255).astype(np.uint8)
    return cv2.applyColorMap(grey, cv2.COLORMAP_MAGMA)[..., ::-1].copy()


def _modalities(fid: FrameId) -> list:
    """The pictures of one frame, in filmstrip row order (those whose files exist)."""
    rows = [read_png(fid.path("image")), read_png(fid.path("color"))]
    if fid.path("flow_forward").exists():
        rows.append(flow_picture(np.load(fid.path("flow_forward"))))
    if fid.path("depth").exists():
        rows.append(depth_picture(np.load(fid.path("depth"))))
    if fid.path("normals").exists():
        rows.append((read_png(fid.path("normals")) >> 8).astype(np.uint8))
    return rows


def filmstrip(frames: Sequence[FrameId], cell_width: int = 256, gap: int = 4) -> np.ndarray:
    """An RGB grid with one column per frame and one row per modality (image, labels, forward flow, depth,
    normals: those the frames have)."""
    if not frames:
        raise ValueError("no frames for a filmstrip")
    columns = [[_fit(p, cell_width) for p in _modalities(fid)] for fid in frames]
    rows = min(len(c) for c in columns)
    h = columns[0][0].shape[0]
    sheet = np.full((rows * (h + gap) + gap, len(columns) * (cell_width + gap) + gap, 3), 255, np.uint8)
    for c, pictures in enumerate(columns):
        for r, picture in enumerate(pictures[:rows]):
            y, x = gap + r * (h + gap), gap + c * (cell_width + gap)
            sheet[y:y + picture.shape[0], x:x + cell_width] = picture
    return sheet
