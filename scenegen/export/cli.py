"""``scenegen export coco|kitti``: COCO instances JSON or KITTI object labels of a rendered run.

Building the parser imports nothing heavy; the handlers check every input and the output before the progress
bar starts, compute everything, then write atomically, so bad input leaves nothing behind.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Iterator, List

from ..cli_types import name_part


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``export`` and its two formats to ``sub``."""
    export = sub.add_parser("export", help="export boxes and masks of a render (COCO, KITTI)",
                            description="Post-process a render folder into COCO instances JSON or KITTI object "
                                        "labels (docs/exports.md).")
    esub = export.add_subparsers(dest="export_format", metavar="FORMAT", parser_class=type(export))
    esub.required = True
    coco = esub.add_parser("coco", help="COCO instances JSON of one split (RLE masks, boxes)")
    _common(coco)
    coco.add_argument("--out", required=True, metavar="FILE.json", help="where to write the JSON")
    coco.set_defaults(func=cmd_export_coco)
    kitti = esub.add_parser("kitti", help="KITTI label_2/ and calib/ files of one split")
    _common(kitti)
    kitti.add_argument("--out", required=True, metavar="DIR", help="folder for label_2/ and calib/")
    kitti.set_defaults(func=cmd_export_kitti)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("root", metavar="RUN_DIR", help="output folder of `scenegen render`")
    p.add_argument("--split", type=name_part("--split"), default=None,
                   help="split to export (default: the only split in RUN_DIR)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _checked_frames(args: argparse.Namespace) -> List:
    """The frames to export, each with an intact scene JSON and instanceIds PNG (UserError otherwise)."""
    from .frames import check_frame, export_frames

    frames = export_frames(args.root, args.split)
    for fid in frames:
        check_frame(fid)
    return frames


def _loaded(frames: List, quiet: bool, what: str) -> Iterator:
    from tqdm import tqdm

    from .frames import load_frame

    for fid in tqdm(frames, desc=what, unit="frame", disable=quiet):
        yield load_frame(fid)


def cmd_export_coco(args: argparse.Namespace) -> int:
    """Handler of ``export coco``."""
    from ..io import atomic_write_json
    from ..outdir import check_output_file
    from .coco import coco_dataset

    out = check_output_file(args.out)
    frames = _checked_frames(args)
    data = coco_dataset(_loaded(frames, args.quiet, "coco"))
    atomic_write_json(out, data)
    print(f"wrote {out}: {len(data['images'])} images, {len(data['annotations'])} instances")
    return 0


def cmd_export_kitti(args: argparse.Namespace) -> int:
    """Handler of ``export kitti``."""
    import numpy as np

    from ..io import atomic_write_png, atomic_write_text
    from ..outdir import check_output_dir, refuse_other_runs
    from .kitti import frame_files, kitti_flow_png

    out = check_output_dir(args.out)
    refuse_other_runs(out)
    frames = _checked_frames(args)
    files = {}
    for frame in _loaded(frames, args.quiet, "kitti"):
        files.update(frame_files(frame))
    for rel, text in files.items():
        atomic_write_text(Path(out) / rel, text)
    flows = [fid for fid in frames if fid.path("flow_forward").exists()]
    for fid in flows:  # a sequence's forward flow, in the devkit's format
        flow = np.load(fid.path("flow_forward"))
        for folder, with_occluded in (("flow_occ", True), ("flow_noc", False)):
            atomic_write_png(Path(out) / folder / f"{fid.stem}.png", kitti_flow_png(flow, with_occluded))
    print(f"wrote {out}: label_2/ and calib/ of {len(frames)} frames" +
          (f", flow_occ/ and flow_noc/ of {len(flows)}" if flows else ""))
    return 0
