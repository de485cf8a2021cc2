"""Parameter-recovery benchmark: can the tuner find a hidden distribution from images alone?

Start: the built-in uniform space (``--nuisance fixed``: the variables that are not tuned are held
at one value in start and target alike, as in a scene with only the six tuned variables).  Target: the same space with six variables moved well away
from uniform (sun elevation, car density, fog, camera height, building height, tree density).
The target set is rendered from the target; the tuner only sees its images.  Error per variable:
Wasserstein-1 between tuned and target distribution divided by the support width; the figure is
the mean over the six, per iteration, for each update rule.

    .venv/bin/python bench/recovery.py                       # Blender, 8 x 64 renders at 256x128
    .venv/bin/python bench/recovery.py --backend toy         # numpy stand-in, about a minute

Discriminator defaults here: the small CNN at the render resolution, 3 pooling bands, a 0.2 validation
split (early stopping, calibration), importance-weighted replay; rejection with per-fold quantiles.
Target frames rendered by one run are shared with later runs in the same ``--out`` (``target_cache``).

Prints a table and writes ``OUT/summary.json`` plus a report per method.  Measures, never asserts.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenegen.params import ParameterSpace, load_space  # noqa: E402
from tuner.disc_kinds import BACKBONES, INPUTS  # noqa: E402
from tuner.targets import bump, hold_fixed  # noqa: E402

# The rejection rule's settings for this benchmark (override with --rejection-opt KEY=VALUE).
REJECTION_DEFAULTS: dict = {"by_fold": True}

# variable -> (centre of the target bump as a fraction of the support, width as a fraction)
MOVED = {
    "sun_elevation_deg": (0.8, 0.12),
    "car_density": (0.2, 0.12),
    "fog_density": (0.1, 0.12),
    "camera_height_m": (0.8, 0.12),
    "building_height_m": (0.75, 0.12),
    "tree_density": (0.2, 0.12),
}


def start_space(nuisance: str = "uniform") -> ParameterSpace:
    """The built-in space with right-hand streets, as the benchmark was measured (the tuned variables uniform),
    other variables uniform or held fixed."""
    sp = load_space(ROOT / "configs" / "untuned_2026-12-05.yaml")
    return hold_fixed(sp, keep=tuple(MOVED)) if nuisance == "fixed" else sp


def target_space(nuisance: str = "uniform") -> ParameterSpace:
    sp = start_space(nuisance)
    for name, (c, w) in MOVED.items():
        sp = sp.with_distribution(name, bump(sp, name, c, w))
    return sp


def share_target(src: Path, dst: Path, pattern: str = "*") -> None:
    """Hard-link already rendered frames (files matching ``pattern``) into another run (identical by seed)."""
    if not src.is_dir():
        return
    for p in src.rglob(pattern):
        if p.is_file() and p.name != "manifest.json":
            q = dst / p.relative_to(src)
            q.parent.mkdir(parents=True, exist_ok=True)
            if not q.exists():
                try:
                    os.link(p, q)
                except OSError:
                    shutil.copy2(p, q)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/bench/recovery")
    ap.add_argument("--backend", default="blender", choices=("blender", "toy"))
    ap.add_argument("--methods", default="rejection,score")
    ap.add_argument("--iterations", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--resolution", default="256x128")
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--disc", default="small", choices=BACKBONES)
    ap.add_argument("--disc-steps", type=int, default=300)
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--real-count", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--nuisance", default="uniform", choices=("uniform", "fixed"),
                    help="the variables that are not tuned: uniform (default) or held at one value in both")
    ap.add_argument("--fresh", action="store_true", help="delete earlier runs in --out first")
    ap.add_argument("--input-size", default=None, help="discriminator input WxH (default: the render size)")
    ap.add_argument("--disc-val", type=float, default=0.2, help="discriminator validation share (0 = off)")
    ap.add_argument("--disc-bands", type=int, default=3, help="small CNN: horizontal pooling bands")
    ap.add_argument("--disc-input", default="rgb", choices=INPUTS,
                    help="what the discriminator reads (the target renders are labelled)")
    ap.add_argument("--replay-weights", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--rejection-opt", action="append", default=[], metavar="KEY=VALUE",
                    help="rejection-rule option (repeatable); default: the benchmark's settings below")
    ap.add_argument("--score-opt", action="append", default=[], metavar="KEY=VALUE",
                    help="score-rule option (repeatable)")
    args = ap.parse_args()

    from tuner.cli import _parse_size, _rule_options
    from tuner.loop import TuneConfig, Tuner
    from tuner.run_folder import RunFolder
    from tuner.report import write_report

    out = Path(args.out)
    if args.fresh and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    target_file, start_file = out / "target.yaml", out / "start.yaml"
    target_space(args.nuisance).save(target_file)
    start_space(args.nuisance).save(start_file)
    w, h = _parse_size(args.resolution, "--resolution")
    input_size = _parse_size(args.input_size or args.resolution, "--input-size")
    rule_opts = {"rejection": {**REJECTION_DEFAULTS, **_rule_options(args.rejection_opt)},
                 "score": _rule_options(args.score_opt)}
    summary = {"backend": args.backend, "resolution": args.resolution, "batch": args.batch, "nuisance": args.nuisance,
               "iterations": args.iterations, "disc": args.disc, "disc_steps": args.disc_steps,
               "real_count": args.real_count, "variables": list(MOVED), "input_size": list(input_size),
               "disc_val": args.disc_val, "disc_bands": args.disc_bands, "replay_weights": args.replay_weights,
               "disc_input": args.disc_input, "rule_options": rule_opts, "threads": args.threads, "methods": {}}
    first_run = None
    for method in args.methods.split(","):
        run = out / method
        share_target(out / "target_cache", run / "target")  # target frames rendered by an earlier run
        if first_run is not None:
            share_target(first_run / "target", run / "target")
            # iteration 1 draws from the same start with the same seeds: identical renders
            share_target(first_run / "renders", run / "renders", "*_000001_*")
        cfg = TuneConfig(real=f"params:{target_file}", params=str(start_file), out=str(run),
                         iterations=args.iterations, batch=args.batch,
                         resolution=(w, h), method=method, variables=tuple(MOVED), seed=args.seed,
                         device=args.device, backend=args.backend, samples=args.samples, workers=args.workers,
                         folds=args.folds, disc_backbone=args.disc, disc_steps=args.disc_steps,
                         real_count=args.real_count, kid=True, threads=args.threads,
                         method_options=rule_opts.get(method, {}), input_size=input_size,
                         disc_val=args.disc_val, disc_bands=args.disc_bands, replay_weights=args.replay_weights,
                         disc_input=args.disc_input)
        t0 = time.perf_counter()
        Tuner(cfg, resume=True).run()
        wall = time.perf_counter() - t0
        ms = RunFolder(run).load_metrics()
        errs = [m["recovery"]["mean"] for m in ms]
        report = write_report(run)
        load = os.getloadavg()
        summary["methods"][method] = {"load_average_at_end": list(load),
            "errors": errs, "initial": errs[0], "final": errs[-1], "best": min(errs),
            "reduction": 1 - errs[-1] / errs[0], "wall_seconds": wall,
            "per_variable_final": ms[-1]["recovery"]["per_variable"],
            "auc": [m["discriminator"]["auc"] for m in ms[1:]],
            "seconds": [m.get("seconds") for m in ms[1:]],
            "kid": [m.get("kid", {}).get("mean") for m in ms[1:]],
            "class_l1": [m.get("class_proportions", {}).get("l1") for m in ms[1:]],
            "report": str(report)}
        first_run = first_run or run
        share_target(run / "target", out / "target_cache")
        print(f"{method:9s} error {errs[0]:.3f} -> {errs[-1]:.3f} ({100 * (1 - errs[-1] / errs[0]):.0f} % lower) "
              f"in {wall:.0f} s; per iteration: {' '.join(f'{e:.3f}' for e in errs)}; report: {report}", flush=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"summary: {out / 'summary.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
