"""Benchmark: how many real CamVid labels do scenegen's frames save? (``experiment curve`` on CamVid)

Trains, per seed and per count k of real CamVid train images (nested subsets), a real-only model and
each synthetic set's model fine-tuned on the k images (with half of every batch replaying the
synthetic frames while k <= 9, real images alone above: docs/experiments/2026-12-05-label-efficiency.md), and
evaluates every model on CamVid val.  Prints the curve, labels saved per k, the wall time per run and
in all, and leaves curve.md/.json/.png/.html in ``--out``.

    .venv/bin/python bench/label_efficiency.py --untuned runs/le/untuned --tuned runs/le/tuned \\
        --size 160x120 --seeds 0 1 2 --jobs 2 --out runs/label_efficiency

CamVid is research data: it is read in place and never copied.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# On a shared CPU, OpenMP threads that spin while waiting burn the cores other processes need.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from scenegen.errors import UserError  # noqa: E402
from segtrain.curve import RECIPES, load_curve_config, run_curve  # noqa: E402
from segtrain.curve_report import summary_lines, to_markdown  # noqa: E402


def _config(args) -> dict:
    train = {"arch": "lite0", "steps": args.steps, "batch_size": args.batch_size, "size": args.size,
             "optimizer": "adamw", "workers": args.workers}
    if args.crop:
        train["crop"] = args.crop
    if args.threads:
        train["threads"] = args.threads
    finetune = {"real_batch_share": args.finetune_share} if args.finetune_share else {}
    if args.finetune_share and args.replay_up_to:
        finetune["replay_up_to"] = args.replay_up_to
    if args.finetune_steps:
        finetune["steps"] = args.finetune_steps
    if args.finetune_lr:
        finetune["lr"] = args.finetune_lr
    camvid = Path(args.camvid).resolve()
    config = {"out": str(Path(args.out).resolve()), "val": f"camvid:{camvid}#val",
              "real": f"camvid:{camvid}#train", "counts": args.counts, "seeds": args.seeds,
              "recipes": args.recipes, "train": train, "finetune": finetune, "jobs": args.jobs,
              "device": args.device, "title": "CamVid val: global IoU against real labelled images"}
    for key in ("untuned", "tuned"):
        if getattr(args, key):
            config[key] = [str(Path(p).resolve()) for p in getattr(args, key)]
    return config


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--camvid", default=str(ROOT.parent / "shared" / "data" / "camvid"))
    ap.add_argument("--untuned", action="append", default=[], metavar="DIR", help="untuned synthetic frames")
    ap.add_argument("--tuned", action="append", default=[], metavar="DIR", help="tuned synthetic frames")
    ap.add_argument("--counts", type=int, nargs="+", default=[4, 9, 18, 37, 92, 367])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--recipes", nargs="+", choices=RECIPES, help="default: real, plus finetune with a set")
    ap.add_argument("--finetune-share", type=float, default=0.5,
                    help="real share of each fine-tuning batch, the rest synthetic replay (0 = real only)")
    ap.add_argument("--replay-up-to", type=int, default=9,
                    help="replay synthetic frames only for k up to this; real-only fine-tuning above (0 = always)")
    ap.add_argument("--finetune-steps", type=int, help="default: --steps")
    ap.add_argument("--finetune-lr", type=float, help="default: the training lr (1e-3)")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--size", default="160x120", help="every image is resized to this first")
    ap.add_argument("--crop", help="training crop (default: --size)")
    ap.add_argument("--jobs", type=int, default=2, help="training runs side by side")
    ap.add_argument("--threads", type=int, help="torch CPU threads per run (default: cores / jobs)")
    ap.add_argument("--workers", type=int, default=0, help="data-loader processes per run (useful on a GPU)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default=str(ROOT / "runs" / "label_efficiency"))
    args = ap.parse_args()
    if args.recipes is None:
        args.recipes = ["real", "finetune"] if args.untuned or args.tuned else ["real"]

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg_path = out / "curve.yaml"
    cfg_path.write_text(yaml.safe_dump(_config(args), sort_keys=False))
    t0 = time.perf_counter()
    try:
        curve = run_curve(load_curve_config(cfg_path), progress=sys.stderr.isatty())
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - t0
    print(to_markdown(curve))
    print("\n".join(summary_lines(curve)))
    _print_timing(curve, wall)
    print(f"files: {out}/curve.md curve.json curve.png curve.html")
    return 0


def _print_timing(curve: dict, wall: float) -> None:
    import torch

    seconds = [x["train_seconds"] for ln in curve["lines"] for p in ln["points"] for x in p["per_seed"]]
    seconds += [x["train_seconds"] for s in curve["synthetic"] for x in s["point"]["per_seed"]]
    seconds = [s for s in seconds if s is not None]
    if seconds:
        print(f"training time per run: median {statistics.median(seconds):.0f} s, min {min(seconds):.0f} s, "
              f"max {max(seconds):.0f} s over {len(seconds)} runs ({sum(seconds) / 3600:.2f} run-hours)")
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    print(f"wall {wall:.0f} s this invocation; {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{gpu}, torch {torch.__version__}")


if __name__ == "__main__":
    sys.exit(main())
