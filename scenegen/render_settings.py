"""Render settings: knobs that change how a frame looks or costs, never its labels."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Dict, Tuple

from .errors import UserError
from .limits import MAX_SAMPLES

MAX_SIDE = 8192
DEVICES = ("auto", "cpu", "gpu")
#: settings that change how a frame is computed, not what it looks like (left out of frame records)
EXECUTION_ONLY = ("device", "threads")


def parse_resolution(text: str) -> Tuple[int, int]:
    """Parse ``WxH`` (e.g. ``512x256``) into (width, height); UserError when malformed."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", str(text))
    if not m:
        raise UserError(f"--resolution: expected WIDTHxHEIGHT such as 512x256, got {text!r}")
    w, h = int(m[1]), int(m[2])
    if not (8 <= w <= MAX_SIDE and 8 <= h <= MAX_SIDE):
        raise UserError(f"--resolution: each side must be between 8 and {MAX_SIDE} pixels, got {w}x{h}")
    return w, h


#: Cycles samples per pixel of ``scenegen render`` (with OIDN denoising): frames rendered with 1 trained a
#: segmentation network as well as frames with 16 (docs/experiments/2026-12-05-samples.md), 6x faster
DEFAULT_SAMPLES = 1
#: image size (width, height) of ``scenegen render``
DEFAULT_RESOLUTION = (512, 256)


@dataclass(frozen=True)
class RenderSettings:
    """Resolution, path-tracing samples, denoising and device for Cycles."""

    width: int = DEFAULT_RESOLUTION[0]
    height: int = DEFAULT_RESOLUTION[1]
    samples: int = DEFAULT_SAMPLES
    denoise: bool = True
    device: str = "auto"
    threads: int = 0  # 0 = all cores

    def __post_init__(self) -> None:
        if not (8 <= self.width <= MAX_SIDE and 8 <= self.height <= MAX_SIDE):
            raise UserError(f"resolution must be between 8 and {MAX_SIDE} pixels per side, got "
                            f"{self.width}x{self.height}")
        if not 1 <= self.samples <= MAX_SAMPLES:
            raise UserError(f"samples must be between 1 and {MAX_SAMPLES}, got {self.samples}")
        if self.device not in DEVICES:
            raise UserError(f"device must be one of {DEVICES}, got {self.device!r}")
        if self.threads < 0:
            raise UserError(f"threads must be >= 0, got {self.threads}")

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def look(self) -> Dict[str, Any]:
        """The settings that change the frame's pixels (not the device or thread count)."""
        return {k: v for k, v in asdict(self).items() if k not in EXECUTION_ONLY}

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "RenderSettings":
        return cls(**d)
