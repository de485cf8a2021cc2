"""Offline study: replay the inverse rule's update on stored recovery runs, under variants of the reading.

For each target of finished ``bench/recovery_random.py`` runs and each chosen iteration t, the evidence the tuner
had at t (the renders of iterations 1..t, their draws, the target's images as the real ones) is read again with
each variant, one update step is applied to the distribution the tuner had (params_iter{t-1}), and the step's
error before and after (normalised W1 to the target) is printed per variable.  Each variant is scored over
every (target, iteration, variable): the mean error after / before, the steps that end farther from the
target, and how many readings passed the gate.  No rendering; measures, never asserts.  The real images are
all of the target's (the tuner held a quarter of them out), so figures differ slightly from the run's.

    .venv/bin/python bench/inverse_reading_study.py runs/bench/recovery_random_v2/full/k6 --size 256x128 \\
        --iterations 1,2,4 --repeats 3 --cache runs/study/cache   # features kept for the next variant
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

#: variant name -> read_variables keyword arguments (``prior_images`` replaces the rule's default)
VARIANTS: Dict[str, Dict] = {
    "default": {},
    "nested": {"nested": True},
    "deconfound": {"deconfound": True},
    "prior32": {"prior_images": 32.0},
    "prior128": {"prior_images": 128.0},
}


def iteration_rows(run: Path) -> np.ndarray:
    """The iteration of each stored render, in :func:`inverse_features_study.load_run` order."""
    files = sorted(run.glob("draws_iter*.json"), key=lambda p: int(p.stem.split("iter")[1]))
    return np.concatenate([np.full(len(json.loads(f.read_text())["z"]), int(f.stem.split("iter")[1]))
                           for f in files])


def target_samples(root: Path) -> List:
    """The target's images (with labels) as dataset samples."""
    from scenegen import datasets

    return datasets.list_samples(f"cityscapes:{root / 'target_cache'}#train")


def features(root: Path, images: List[str], labels: List[str], size, cache: Optional[Path]):
    """The inverse model's features of a run's renders and of its target's images (kept in ``cache``)."""
    from tuner import inverse, realdata

    stored = cache / f"{root.parent.parent.name}_{root.parent.name}_{root.name}_{size[0]}x{size[1]}.npz" if cache else None
    if stored is not None and stored.exists():
        with np.load(stored) as z:
            if len(z["renders"]) == len(images):
                return z["renders"], z["real"]
    renders = inverse.sample_features(realdata.rendered_samples(images, labels), size)
    real = inverse.sample_features(target_samples(root), size)
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        np.savez(stored, renders=renders, real=real)
    return renders, real


def _read(inverse, variables, evidence, folds, prior_images: float, options: Dict):
    options = dict(options)
    return inverse.read_variables(variables, evidence, folds, options.pop("prior_images", prior_images), **options)


def replay_target(root: Path, method: str, size, iterations: List[int], repeats: int,
                  rng: np.random.Generator, log: Callable[[str], None], cache: Optional[Path] = None) -> List[Dict]:
    """One row per (iteration, variable, variant): the step's error before and after and the reading's R^2."""
    from scenegen.params import load_space
    from tuner import inverse
    from tuner.metrics import normalized_w1
    from tuner.updates import InverseRule
    from inverse_features_study import load_run

    run = root / method
    images, labels, draws = load_run(run)
    feats, real = features(root, images, labels, size, cache)
    its = iteration_rows(run)
    target = load_space(run / "target_params.yaml")
    tuned = json.loads((run / "run.json").read_text())["config"]["variables"]
    rule = InverseRule()
    rows = []
    for t in iterations:
        keep = its <= t
        evidence = inverse.Evidence(feats[keep], [d for d, k in zip(draws, keep) if k], real, tuned,
                                    inverse.share_width())
        space = load_space(run / f"params_iter{t - 1}.yaml")
        fold_draws = [inverse.split_folds(int(keep.sum()), rule.folds, rng) for _ in range(repeats)]
        variables = [space[name] for name in tuned]
        readings = {(v, k): _read(inverse, variables, evidence, folds, rule.prior_images, options)
                    for v, options in VARIANTS.items() for k, folds in enumerate(fold_draws)}
        for var in variables:
            goal, before = target[var.name], normalized_w1(var, target[var.name])
            for (variant, _), read in readings.items():
                reading = read[var.name]
                new = rule.step(var, evidence.draws, reading)
                rows.append({"target": root.name, "t": t, "variable": var.name, "variant": variant,
                             "r2": reading.identifiability.r2,
                             "passed": reading.identifiability.bits >= rule.min_bits, "before": before,
                             "after": normalized_w1(dataclasses.replace(var, distribution=new), goal)})
            mine = [r for r in rows if r["t"] == t and r["variable"] == var.name]
            log(f"{root.name} t={t} {var.name:28s} before {before:.3f}  " + "  ".join(
                f"{v}: R2 {np.mean([r['r2'] for r in mine if r['variant'] == v]):.2f} after "
                f"{np.mean([r['after'] for r in mine if r['variant'] == v]):.3f}" for v in VARIANTS))
    return rows


def summary(rows: List[Dict]) -> List[str]:
    """Per variant: mean after/before, steps ending farther, gate passes."""
    out = []
    for v in VARIANTS:
        mine = [r for r in rows if r["variant"] == v]
        ratio = np.mean([r["after"] for r in mine]) / np.mean([r["before"] for r in mine])
        farther = sum(r["after"] > r["before"] + 1e-9 for r in mine)
        out.append(f"{v:24s} error after/before {ratio:.3f}  farther {farther} of {len(mine)}  "
                   f"passed {sum(r['passed'] for r in mine)}  (mean R^2 {np.mean([r['r2'] for r in mine]):.3f})")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", help="OUT/<budget>/k<K> folders of bench/recovery_random.py")
    ap.add_argument("--method", default="inverse")
    ap.add_argument("--size", default="256x128")
    ap.add_argument("--iterations", default="1,2,4", help="iterations t whose update is replayed")
    ap.add_argument("--repeats", type=int, default=3, help="fold draws per reading")
    ap.add_argument("--json", default="", help="also write every row here")
    ap.add_argument("--cache", default="", help="keep the features here, so a rerun reads them back")
    args = ap.parse_args()

    size = tuple(int(v) for v in args.size.split("x"))
    iterations = [int(t) for t in args.iterations.split(",")]
    rng = np.random.default_rng(0)
    rows: List[Dict] = []
    for folder in args.folders:
        for root in sorted(Path(folder).glob("target*")):
            if (root / args.method / f"params_iter{max(iterations)}.yaml").exists():
                rows += replay_target(root, args.method, size, iterations, args.repeats, rng,
                                      lambda s: print(s, flush=True), Path(args.cache) if args.cache else None)
    print("\n".join(summary(rows)))
    if args.json:
        Path(args.json).write_text(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
