"""Render throughput of default-distribution scenes in one process.

Prints frames per minute and the share of frame time spent outside the Cycles render call
(layout, scene build, pass read-back, PNG/JSON writes).  The first frame (kernel loading) is
rendered but not counted.

    .venv/bin/python bench/render_throughput.py --frames 12 --resolution 512x256      # the default samples
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from render_jobs.frames import plan_frames
from render_jobs.worker import FrameRenderer, OutputTarget
from scenegen.params import load_space
from scenegen.render_settings import DEFAULT_SAMPLES, RenderSettings, parse_resolution

STAGES = ("layout", "build", "render", "readback", "write")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--resolution", default="512x256")
    ap.add_argument("--samples", type=int, default=DEFAULT_SAMPLES)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--params", default=None)
    ap.add_argument("--no-denoise", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()

    w, h = parse_resolution(args.resolution)
    settings = RenderSettings(width=w, height=h, samples=args.samples, denoise=not args.no_denoise)
    space = load_space(args.params)
    with tempfile.TemporaryDirectory() as tmp:
        renderer = FrameRenderer(space, settings, OutputTarget(Path(tmp)))
        reqs = plan_frames(args.seed, args.frames + 1)
        renderer.render(reqs[0])  # warm-up: Cycles loads its kernels on the first frame
        rows = []
        t0 = time.perf_counter()
        for req in reqs[1:]:
            rows.append(renderer.render(req).seconds)
        wall = time.perf_counter() - t0
        device = renderer.device
        renderer.close()

    total = sum(r["total"] for r in rows)
    overhead = sum(r[s] for r in rows for s in STAGES if s != "render")
    result = {
        "frames": len(rows), "resolution": f"{w}x{h}", "samples": args.samples, "denoise": not args.no_denoise,
        "device": device, "frames_per_minute": round(len(rows) / wall * 60, 2),
        "overhead_share": round(overhead / total, 4),
        "mean_seconds": {s: round(statistics.mean(r[s] for r in rows), 4) for s in STAGES + ("total",)},
        "median_total_seconds": round(statistics.median(r["total"] for r in rows), 4),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
    }
    print(f"{result['frames_per_minute']:.1f} frames/min at {w}x{h}, {args.samples} spp "
          f"({'denoised' if result['denoise'] else 'no denoise'}, {device})")
    print(f"overhead outside the render call: {result['overhead_share'] * 100:.1f} % of frame time")
    print("mean seconds per stage: " + ", ".join(f"{k} {v:.3f}" for k, v in result["mean_seconds"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
