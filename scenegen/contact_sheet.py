"""Contact sheets: rendered frames beside their colour labels, in one PNG."""
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
