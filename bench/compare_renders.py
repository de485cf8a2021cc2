"""Are two render folders' labels and scene records byte-identical on the frames they share?

Used by ``bench/gpu_check.sh`` (GPU frames against CPU frames of the same seeds: labels must not depend on
the device). Compares, for every complete frame of ``B`` that ``A`` also has, the labelIds, instanceIds,
labelTrainIds and color PNGs and the scene JSON, byte for byte; the RGB images may differ (another device
samples the light differently). Prints one line per differing file and a summary; exit 1 when any file
differs or no frame is shared.

    .venv/bin/python bench/compare_renders.py runs/gpu_check/gpu_512x256 runs/gpu_check/cpu_512x256
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Sequence, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: the files of a frame that must not depend on the device
COMPARED = ("label_ids", "instance_ids", "train_ids", "color", "scene")


def compare(a: Path, b: Path, kinds: Sequence[str] = COMPARED) -> Tuple[int, List[str]]:
    """(frames compared, paths in ``b`` whose ``kinds`` of file differ from ``a``'s in their bytes)."""
    from scenegen.layout import FrameId, list_frames

    shared, differing = 0, []
    for fid in list_frames(b):
        other = FrameId(a, fid.split, fid.city, fid.seq, fid.frame)
        if not other.is_complete():
            continue
        shared += 1
        for kind in kinds:
            if fid.path(kind).read_bytes() != other.path(kind).read_bytes():
                differing.append(str(fid.path(kind)))
    return shared, differing


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    args = ap.parse_args()
    shared, differing = compare(args.a, args.b)
    for path in differing:
        print(f"differs: {path}")
    print(f"{shared} shared frames; labels and scene records {'identical' if not differing else 'DIFFER'}"
          f" ({len(differing)} files differ)")
    return 0 if shared and not differing else 1


if __name__ == "__main__":
    sys.exit(main())
