"""Which scene variables do the renders show? A paired probe of each variable on its own.

Every variable of the built-in space is held at its middle bin (as the recovery benchmarks hold the ones
they do not tune, a gate the probed variable needs held open: ``tuner.targets.GATES``); for each probed
variable, N scenes are rendered twice with the same frame seeds, once with the variable at 10 % and once at
90 % of its support.  On the inverse model's image features
(``tuner.inverse.image_features``, with the label set given) the probe reports the effect as a signal to
noise ratio: the largest paired mean difference over a feature's spread across scenes (Cohen's d of the
pairs), chosen on half the pairs and measured on the other half so noise alone scores near 0.  A variable
with d under about 0.5 at a size is one no update rule can read there.

    .venv/bin/python bench/variable_visibility.py --size 128x64 --renders 16 --out runs/bench/visibility

Writes ``OUT/visibility.json`` and prints a table.  Measures, never asserts.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: the probed values, as shares of the support
LEVELS = (0.1, 0.9)


def probe_draws(space, name: str, count: int, seed: int, held_at: Dict[str, float]) -> Dict[float, List[dict]]:
    """``count`` held-middle draws per level with ``name`` set to that level (same draws otherwise);
    ``held_at`` holds some variables at other values than their middle."""
    from scenegen.seeding import FrameSeed
    from tuner.targets import hold_fixed, opened_gates

    held = hold_fixed(space, at=opened_gates([name]))
    lo, hi = space[name].support
    base = [{**held.sample(FrameSeed(seed, 0, i).entropy()), **held_at} for i in range(count)]
    is_int = space[name].dtype == "int"
    out = {}
    for share in LEVELS:
        value = lo + share * (hi - lo)
        out[share] = [{**z, name: int(round(value)) if is_int else float(value)} for z in base]
    return out


def split_half_effect(a: np.ndarray, b: np.ndarray) -> float:
    """Paired effect of the feature chosen on one half of the pairs, measured on the other (mean of both ways)."""
    d = b - a
    spread = np.concatenate([a, b]).std(axis=0) + 1e-9
    halves = (np.arange(len(d)) % 2 == 0, np.arange(len(d)) % 2 == 1)
    scores = []
    for pick, test in (halves, halves[::-1]):
        effect = d[pick].mean(axis=0) / spread
        j = int(np.argmax(np.abs(effect)))
        scores.append(float(np.sign(effect[j]) * d[test, j].mean() / spread[j]))
    return float(np.mean(scores))


def probe(names: Sequence[str], args) -> Dict[str, Dict[str, float]]:
    """Render each variable's pairs and measure its effect under each label set."""
    from scenegen.params import default_space
    from scenegen.seeding import FrameSeed
    from tuner import realdata
    from tuner.backends import BlenderBackend
    from tuner.inverse import sample_features

    space = default_space()
    size = tuple(int(v) for v in args.size.split("x"))
    backend = BlenderBackend(size, samples=args.samples, workers=args.workers)
    out: Dict[str, Dict[str, float]] = {}
    for k, name in enumerate(names):
        draws = probe_draws(space, name, args.renders, args.seed, args.held_at)
        feats = {ls: [] for ls in args.label_sets}
        for j, share in enumerate(LEVELS):
            seeds = [FrameSeed(args.seed, 0, i) for i in range(args.renders)]
            frames = backend.render(space, draws[share], seeds, Path(args.out) / "renders" / name / f"level{j}")
            for ls in args.label_sets:
                feats[ls].append(sample_features(realdata.frames_as_samples(frames), size, ls))
        out[name] = {ls: split_half_effect(*feats[ls]) for ls in args.label_sets}
        print(f"{name:28s} " + "  ".join(f"{ls} {d:5.2f}" for ls, d in out[name].items()), flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variables", default="", help="comma-separated (default: every histogram variable)")
    ap.add_argument("--renders", type=int, default=16, help="scenes per level")
    ap.add_argument("--size", default="128x64")
    ap.add_argument("--samples", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--label-sets", nargs="+", default=["paper7", "camvid11"])
    ap.add_argument("--hold", default="", help="NAME=VALUE,...: hold these variables there instead of mid-support")
    ap.add_argument("--out", default="runs/bench/visibility")
    args = ap.parse_args()
    args.held_at = {k: float(v) for k, v in (item.split("=") for item in args.hold.split(",") if item)}

    from scenegen.params import default_space
    from tuner.targets import candidates

    names = [v for v in args.variables.split(",") if v] or candidates(default_space())
    result = probe(names, args)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / f"visibility_{args.size}.json").write_text(
        json.dumps({"held_at": args.held_at, "effects": result}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
