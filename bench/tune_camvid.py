"""Tune toward CamVid: KID and class-proportion L1 against CamVid val, initial versus tuned.

    .venv/bin/python bench/tune_camvid.py                           # ../shared/data/camvid, 8 iterations
    .venv/bin/python bench/tune_camvid.py --batch 32 --eval-count 48 # cheaper

Trains on ``camvid:DATA#train``; every metric is measured on ``camvid:DATA#val`` (never trained
on).  After tuning, ``--eval-count`` frames are rendered from the initial (uniform) and from the
tuned distribution (`params_best.yaml`: the iteration closest to CamVid train in class proportions)
with the same frame seeds, and KID (Lite0 features) and the L1 distance between
paper-7 class pixel proportions are computed for both.  Renders are 4:3 like CamVid (no aspect
cue).  Writes ``OUT/summary.json`` and a report; measures, never asserts: the figures are what they
are.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tuner.disc_kinds import BACKBONES, INPUTS  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "camvid"))
    ap.add_argument("--out", default="runs/bench/tune_camvid")
    ap.add_argument("--method", default="rejection", choices=("rejection", "score"))
    ap.add_argument("--iterations", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--resolution", default="160x120")
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--disc", default="lite0", choices=BACKBONES)
    ap.add_argument("--disc-steps", type=int, default=300)
    ap.add_argument("--disc-input", default="rgb", choices=INPUTS)
    ap.add_argument("--disc-grid", "--layout-grid", dest="disc_grid", default="3x4", metavar="ROWSxCOLS",
                    help="layout / stats discriminator grid")
    ap.add_argument("--disc-val", type=float, default=0.0, help="discriminator validation share (0 = off)")
    ap.add_argument("--disc-bands", type=int, default=1, help="small CNN: horizontal pooling bands")
    ap.add_argument("--input-size", default=None, help="discriminator input WxH (default: render aspect, <=128 wide)")
    ap.add_argument("--replay-weights", action=argparse.BooleanOptionalAction, default=False)
    ap.add_argument("--rule-opt", action="append", default=[], metavar="KEY=VALUE", help="update-rule option")
    ap.add_argument("--params", default=None, help="starting parameter file (default: the built-in space)")
    ap.add_argument("--eval-count", type=int, default=64)
    ap.add_argument("--variables", default=None, help="comma-separated subset to tune (default: all)")
    ap.add_argument("--backend", default="blender", choices=("blender", "toy"))
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from scenegen.cli_types import parse_grid
    from scenegen.params import load_space
    from tuner.cli import _parse_size, _rule_options
    from tuner.best import best_iteration
    from tuner.loop import TuneConfig, Tuner
    from tuner.run_folder import RunFolder
    from tuner.report import write_report

    data = Path(args.data)
    if not data.is_dir():
        print(f"CamVid not found at {data}; pass --data", file=sys.stderr)
        return 2
    w, h = _parse_size(args.resolution, "--resolution")
    rule_options = _rule_options(args.rule_opt)
    out = Path(args.out)
    cfg = TuneConfig(real=f"camvid:{data}#train", real_val=f"camvid:{data}#val", out=str(out),
                     iterations=args.iterations, batch=args.batch, resolution=(w, h), method=args.method,
                     variables=tuple(args.variables.split(",")) if args.variables else None, seed=args.seed,
                     device=args.device, backend=args.backend, samples=args.samples, workers=args.workers,
                     disc_backbone=args.disc, disc_steps=args.disc_steps, real_count=0, kid=True,
                     threads=args.threads, params=args.params, disc_input=args.disc_input, disc_val=args.disc_val,
                     disc_bands=args.disc_bands, replay_weights=args.replay_weights,
                     input_size=_parse_size(args.input_size, "--input-size") if args.input_size else None,
                     disc_grid=parse_grid(args.disc_grid, "--disc-grid"), method_options=rule_options)
    t0 = time.perf_counter()
    tuner = Tuner(cfg, resume=True)
    tuner.run()
    wall_tune = time.perf_counter() - t0
    folder = RunFolder(out)
    ms = folder.load_metrics()
    last = len(ms) - 1
    t1 = time.perf_counter()
    initial = tuner.evaluate(load_space(folder.params(0)), "initial", args.eval_count, tag_index=0)
    best = best_iteration(ms)  # the tuner's result: closest to the real training images, else the last
    tuned_params = folder.best_params if best is not None else folder.params(last)
    tuned = tuner.evaluate(load_space(tuned_params), "tuned", args.eval_count, tag_index=0)
    wall_eval = time.perf_counter() - t1
    report = write_report(out)
    summary = {
        "data": str(data), "method": args.method, "iterations": last, "batch": args.batch,
        "resolution": args.resolution, "samples": args.samples, "disc": args.disc, "eval_count": args.eval_count,
        "disc_input": args.disc_input, "params": args.params, "rule_options": rule_options,
        "initial": initial, "tuned": tuned, "tuned_params": best["params"] if best else tuned_params.name,
        "per_iteration": [{"iteration": m["iteration"], "auc": m["discriminator"]["auc"],
                           "kid": m.get("kid", {}).get("mean"),
                           "class_l1": m.get("class_proportions", {}).get("l1"),
                           "class_l1_train": m.get("class_proportions", {}).get("l1_train")} for m in ms[1:]],
        "wall_seconds": {"tune": wall_tune, "evaluate": wall_eval}, "report": str(report)}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"tuned = {summary['tuned_params']}")
    for name, r in (("initial", initial), ("tuned", tuned)):
        print(f"{name:8s} KID {r['kid']['mean']:.4f}  class-L1 {r['class_proportions'].get('l1', float('nan')):.3f}")
    print(f"tune {wall_tune:.0f} s, evaluation {wall_eval:.0f} s; summary {out / 'summary.json'}; report {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
