"""Removing what interrupted runs leave behind: temporary files and frames with only some files."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Sequence, Set

from scenegen.io import TMP_MARKER
from scenegen.layout import FrameId

from .frames import FrameKey

_FRAME_FOLDERS = ("leftImg8bit", "gtFine", "scene")


def remove_stale_temp(root: Path, split: str, city: str) -> int:
    """Delete ``*.tmp-*`` files under the run's frame folders and the output root; returns how many.

    Call only while no process writes into these folders."""
    folders = [Path(root)] + [Path(root) / f / split / city for f in _FRAME_FOLDERS]
    n = 0
    for folder in folders:
        if folder.is_dir():
            for p in folder.glob(f"*{TMP_MARKER}*"):
                p.unlink(missing_ok=True)
                n += 1
    return n


def remove_partial_frames(root: Path, split: str, city: str, keys: Iterable[FrameKey]) -> int:
    """Delete the files of each listed frame that is not complete; returns how many frames were partial."""
    n = 0
    for iteration, index in keys:
        fid = FrameId(Path(root), split, city, iteration, index)
        if fid.is_complete():
            continue
        present = [p for p in fid.paths().values() if p.exists()]
        for p in present:
            p.unlink(missing_ok=True)
        n += bool(present)
    return n


def repair_damaged(root: Path, split: str, city: str, requests: Sequence, settings) -> Set[FrameKey]:
    """Frames whose files all exist but one is not whole (cut short by a crash, another size): their files
    are deleted so they are rendered again, and each is reported on stderr. Returns their keys."""
    damaged = set()
    for r in requests:
        fid = r.frame_id(root, split, city)
        bad = fid.damaged_file(settings.width, settings.height)
        if bad is None:
            continue
        for path in fid.paths().values():
            path.unlink(missing_ok=True)
        damaged.add(r.key)
        print(f"frame {fid.stem}: {bad.name} is damaged (cut short or of another size); rendering it again",
              file=sys.stderr)
    return damaged
