"""Atomic file writes: write to a temporary name in the same folder, then rename.

A killed process leaves either the old file, the complete new file, or a stray
``*.tmp-*`` file that readers ignore and resumers delete -- never a half-written file
under the real name.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np

TMP_MARKER = ".tmp-"


def _default_mode() -> int:
    """The mode a plain ``open()`` would give a new file (mkstemp always uses 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _default_mode()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + TMP_MARKER, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    _atomic_write_bytes(Path(path), data)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    _atomic_write_bytes(Path(path), text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as indented, key-sorted JSON atomically (stable bytes for equal content)."""
    atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True) + "\n")


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an 8- or 16-bit single-channel or RGB image (RGB order in, as Cityscapes)."""
    if image.ndim == 3:
        image = np.ascontiguousarray(image[..., ::-1])  # OpenCV writes BGR
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def atomic_write_png(path: str | Path, image: np.ndarray) -> None:
    """Write an image as PNG atomically."""
    atomic_write_bytes(path, encode_png(image))


def read_png(path: str | Path, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray | None:
    """Read a PNG (RGB order for colour images); ``None`` when the file is unreadable."""
    img = cv2.imread(str(path), flags)
    if img is None:
        return None
    if img.ndim == 3:
        img = np.ascontiguousarray(img[..., 2::-1])
    return img


def is_temporary(path: str | Path) -> bool:
    """True for the temporary files an interrupted atomic write leaves behind."""
    return TMP_MARKER in Path(path).name
