"""Offline study: how much do candidate image features tell the inverse model about each tuned variable?

Reads the renders (with their draws z) that finished ``bench/recovery_random.py`` runs stored, computes
feature sets on them, and prints each tuned variable's cross-fitted R^2 under each set (the same
:class:`tuner.inverse.RidgeReader` the tuner uses).  No rendering; measures, never asserts.

    .venv/bin/python bench/inverse_features_study.py runs/bench/recovery_random/quick/k6 runs/bench/recovery_random/quick/k12
    .venv/bin/python bench/inverse_features_study.py runs/bench/recovery_random/full/k12 --size 256x128 \
        --folds 2 --repeats 3 --share-view     # the readers with and without the second view
    .venv/bin/python bench/inverse_features_study.py runs/bench/recovery_random_clear/full/k6_clear --size 256x128 \
        --candidates bench.feature_candidates  # candidates measured and not kept
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load_run(run: Path) -> Tuple[List[str], List[str], List[dict]]:
    """Image paths, label paths and draws of every iteration's renders of one tuning run."""
    import json

    images, labels, draws = [], [], []
    for f in sorted(run.glob("draws_iter*.json"), key=lambda p: int(p.stem.split("iter")[1])):
        rec = json.loads(f.read_text())
        images += rec["images"]
        labels += rec["labels"]
        draws += rec["z"]
    return images, labels, draws


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", help="OUT/<budget>/k<K> folders of bench/recovery_random.py")
    ap.add_argument("--method", default="inverse")
    ap.add_argument("--size", default="128x64")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--candidates", default="", help="module[:attr] holding a dict name -> feature function")
    ap.add_argument("--share-view", action="store_true",
                    help="also read with the CamVid-11 share view the tuner offers (tuner.inverse.SHARE_CLASSES)")
    ap.add_argument("--repeats", type=int, default=1, help="fold draws averaged per variable")
    args = ap.parse_args()

    from tuner import inverse, realdata
    from tuner.preprocess import prepare_batch, prepare_label_batch
    from scenegen.labels import PAPER7_NAMES

    size = tuple(int(v) for v in args.size.split("x"))
    sets: Dict[str, Callable] = {"current": inverse.image_features}
    if args.candidates:
        import importlib

        module, _, attr = args.candidates.partition(":")
        sets.update(getattr(importlib.import_module(module), attr or "CANDIDATES"))
    rng = np.random.default_rng(0)
    rows = []
    for folder in args.folders:
        for target in sorted(Path(folder).glob("target*")):
            run = target / args.method
            if not (run / "draws_iter1.json").exists():
                continue
            images, labels, draws = load_run(run)
            samples = realdata.rendered_samples(images, labels)
            rgb = prepare_batch(realdata.read_images(samples), size)
            lab = prepare_label_batch(realdata.read_paper7(samples), size, len(PAPER7_NAMES))
            tuned = __import__("json").loads((run / "run.json").read_text())["config"]["variables"]
            feats = {name: (fn(rgb, lab), 0) for name, fn in sets.items()}
            if args.share_view:
                shares = inverse.sample_share_features(samples, size)
                feats["share view"] = (np.c_[feats["current"][0], shares], inverse.share_width())
            fold_draws = [inverse.split_folds(len(draws), args.folds, rng) for _ in range(args.repeats)]
            for var in tuned:
                v = np.array([z[var] for z in draws], dtype=float)
                r2 = {name: float(np.mean([inverse.RidgeReader.fit(x, v, folds, extra).identifiability.r2
                                           for folds in fold_draws])) for name, (x, extra) in feats.items()}
                rows.append((f"{Path(folder).name}/{target.name}", var, r2))
                print(f"{Path(folder).name}/{target.name:8s} {var:28s} " +
                      "  ".join(f"{n} {r:.2f}" for n, r in r2.items()), flush=True)
    for name in rows[0][2] if rows else sets:
        print(f"mean R^2 {name}: {np.mean([r[name] for _, _, r in rows]):.3f}  "
              f"(variables with R^2 < 0.05: {sum(r[name] < 0.05 for _, _, r in rows)} of {len(rows)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
