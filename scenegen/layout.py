"""The Cityscapes file layout of exported frames, and finding frames in it.

``<out>/leftImg8bit/<split>/<city>/<city>_<seq:06d>_<frame:06d>_leftImg8bit.png`` and beside it
in ``gtFine`` the ``_gtFine_labelIds``, ``_color``, ``_instanceIds`` and ``_labelTrainIds`` PNGs,
plus ``<out>/scene/<split>/<city>/<stem>_scene.json``.  ``<out>/manifest.json`` describes the run.  With
``render --outputs`` also ``depth/``, ``disparity/``, ``camera/`` and ``normals/`` (scenegen.ground_truth), and
for sequences ``flow/`` (scenegen.sequence).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional

MANIFEST = "manifest.json"
FILE_KINDS = ("image", "label_ids", "color", "instance_ids", "train_ids", "scene")
_SUFFIX = {
    "image": ("leftImg8bit", "_leftImg8bit.png"),
    "label_ids": ("gtFine", "_gtFine_labelIds.png"),
    "color": ("gtFine", "_gtFine_color.png"),
    "instance_ids": ("gtFine", "_gtFine_instanceIds.png"),
    "train_ids": ("gtFine", "_gtFine_labelTrainIds.png"),
    "scene": ("scene", "_scene.json"),
}
#: files of the extra outputs (``render --outputs``; scenegen.ground_truth): written before the image, so a
#: complete frame has them; they do not decide whether a frame is complete
_OUTPUT_SUFFIX = {
    "depth": ("depth", "_depth.npy"),
    "disparity": ("disparity", "_disparity.png"),
    "camera": ("camera", "_camera.json"),
    "normals": ("normals", "_normals.png"),
    "boxes": ("boxes", "_boxes.json"),
    "flow_forward": ("flow", "_flow_forward.npy"),
    "flow_backward": ("flow", "_flow_backward.npy"),
}
_STEM_RE = re.compile(r"^(?P<city>.+)_(?P<seq>\d{6})_(?P<frame>\d{6})$")
_CITY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")


def valid_city_name(name: str) -> bool:
    """City and split names become folder and file names: letters, digits and '-' only."""
    return bool(_CITY_RE.match(name))


@dataclass(frozen=True)
class FrameId:
    """Where one frame lives: output root, split, city, sequence (iteration) and frame index."""

    root: Path
    split: str
    city: str
    seq: int
    frame: int

    @property
    def stem(self) -> str:
        return f"{self.city}_{self.seq:06d}_{self.frame:06d}"

    def path(self, kind: str) -> Path:
        """The file of ``kind``: one of FILE_KINDS, or an extra output's (depth, disparity, camera, normals)."""
        folder, suffix = _SUFFIX[kind] if kind in _SUFFIX else _OUTPUT_SUFFIX[kind]
        return Path(self.root) / folder / self.split / self.city / f"{self.stem}{suffix}"

    def paths(self) -> Dict[str, Path]:
        return {k: self.path(k) for k in FILE_KINDS}

    def is_complete(self) -> bool:
        """All of the frame's files exist (each was written atomically)."""
        return all(p.exists() for p in self.paths().values())

    def damaged_file(self, width: int, height: int) -> Optional[Path]:
        """The first of the frame's files that is not whole (a PNG cut short or of another size, a scene
        record that does not parse), or None when all are."""
        for kind, path in self.paths().items():
            ok = _scene_intact(path) if kind == "scene" else png_intact(path, width, height)
            if not ok:
                return path
        return None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def png_intact(path: Path, width: int, height: int) -> bool:
    """A PNG with the given size whose last chunk is IEND (a truncated write lacks it); reads 36 bytes."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
            f.seek(-12, 2)
            tail = f.read(12)
    except OSError:
        return False
    return (head[:8] == _PNG_SIGNATURE and head[12:16] == b"IHDR" and tail == _PNG_END
            and int.from_bytes(head[16:20], "big") == width and int.from_bytes(head[20:24], "big") == height)


def _scene_intact(path: Path) -> bool:
    try:
        json.loads(path.read_text())
        return True
    except (OSError, ValueError):
        return False


def iter_frames(root: str | Path, split: str | None = None) -> Iterator[FrameId]:
    """Complete frames under ``root`` (optionally one split), sorted by split, city and stem."""
    base = Path(root) / "leftImg8bit"
    splits = [split] if split else sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    for s in splits:
        split_dir = base / s
        if not split_dir.is_dir():
            continue
        for city_dir in sorted(p for p in split_dir.iterdir() if p.is_dir()):
            for img in sorted(city_dir.glob("*_leftImg8bit.png")):
                m = _STEM_RE.match(img.name[: -len("_leftImg8bit.png")])
                if not m:
                    continue
                fid = FrameId(Path(root), s, m["city"], int(m["seq"]), int(m["frame"]))
                if fid.is_complete():
                    yield fid


def list_frames(root: str | Path, split: str | None = None) -> List[FrameId]:
    return list(iter_frames(root, split))
