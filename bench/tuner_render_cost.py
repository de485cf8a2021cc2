"""Benchmark: what one tuner render costs at the tuner's size, and where the time goes (issue 24, item 2).

Renders the same scenes (default space, one seed) through the tuner's own render path (``BlenderBackend``:
render_jobs worker processes, one thread each) once per sample count, and prints per render: worker-seconds
(wall time x workers / renders, so worker start-up and kernel loading count) and the mean seconds of each
stage (layout, scene build, Cycles render call, pass read-back, file writes).  It also checks that every
variant's label and instance PNGs are byte-identical to the first variant's (labels come from the first
sample of each pixel, so they must not depend on the sample count).

    .venv/bin/python bench/tuner_render_cost.py --renders 32 --samples 8 4 2 1 --out runs/bench/tuner_render_cost
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compare_renders import compare  # noqa: E402  (bench/compare_renders.py)

STAGES = ("layout", "build", "render", "readback", "write")
LABEL_KINDS = ("label_ids", "instance_ids", "train_ids", "color")


def render_variant(samples: int, args: argparse.Namespace, out: Path) -> Dict:
    """Render the benchmark's scenes at ``samples`` through the tuner's backend; timings of the batch."""
    from scenegen.params import default_space
    from scenegen.seeding import FrameSeed
    from tuner.backends import BlenderBackend

    space = default_space()
    backend = BlenderBackend(tuple(args.resolution), samples=samples, workers=args.workers, threads=1,
                             device=args.device)
    seeds = [FrameSeed(args.seed, 0, i) for i in range(args.renders)]
    zs = [space.sample([args.seed, 0, i]) for i in range(args.renders)]
    folder = out / f"s{samples}"
    t0 = time.perf_counter()
    backend.render(space, zs, seeds, folder)
    wall = time.perf_counter() - t0
    frames = json.loads((folder / "manifest.json").read_text())["frames"]
    stages = {s: statistics.mean(f["seconds"][s] for f in frames) for s in STAGES}
    return {"samples": samples, "wall_s": wall, "worker_s_per_render": wall * args.workers / args.renders,
            "stages_s": stages, "folder": str(folder)}


def labels_match(a: Path, b: Path, renders: int) -> bool:
    """Whether two render folders hold byte-identical label PNGs for all ``renders`` frames (the scene
    records name the sample count, so they are not compared)."""
    shared, differing = compare(a, b, kinds=LABEL_KINDS)
    return shared == renders and not differing


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--renders", type=int, default=32)
    ap.add_argument("--samples", type=int, nargs="+", default=[8, 4, 2, 1])
    ap.add_argument("--resolution", type=int, nargs=2, default=[128, 96], metavar=("W", "H"))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default="runs/bench/tuner_render_cost")
    args = ap.parse_args()

    out = Path(args.out).resolve()
    if out.exists() and any(out.iterdir()):
        sys.exit(f"{out}: not empty (this benchmark times fresh renders)")
    out.mkdir(parents=True, exist_ok=True)
    rows: List[Dict] = [render_variant(s, args, out) for s in args.samples]
    first = Path(rows[0]["folder"])
    for r in rows:
        r["labels_identical_to_first"] = labels_match(first, Path(r["folder"]), args.renders)
    base = rows[0]["worker_s_per_render"]
    print(f"{args.renders} renders at {args.resolution[0]}x{args.resolution[1]}, {args.workers} worker(s) x 1 thread, "
          f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print("| samples | worker-s per render | vs first | " + " | ".join(STAGES) + " | labels as first |")
    print("|---:|---:|---:|" + "---:|" * len(STAGES) + ":---:|")
    for r in rows:
        print(f"| {r['samples']} | {r['worker_s_per_render']:.3f} | {r['worker_s_per_render'] / base:.2f} | "
              + " | ".join(f"{r['stages_s'][s]:.3f}" for s in STAGES)
              + f" | {'yes' if r['labels_identical_to_first'] else 'NO'} |")
    (out / "summary.json").write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1))
    return 0 if all(r["labels_identical_to_first"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
