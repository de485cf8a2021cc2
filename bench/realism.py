"""How close rendered sets are to real images: KID on Lite0 features and the L1 distance between paper-7 class
pixel shares, each set against the same real images (CamVid val by default).

    .venv/bin/python bench/realism.py --sets runs/seg/tuned_s2 runs/seg/tuned_s2_branching --out runs/bench/realism

A set is a `scenegen render` output folder or any dataset spec (`camvid:PATH#train` gives the real-to-real
floor). Every set is cut to the same number of frames (``--frames``: the same seeded choice of indices in sets
of the same size, so two renders of the same frame seeds stay paired) so KIDs compare.
KID is the unbiased MMD^2 of the cubic polynomial kernel on globally pooled Lite0 features at ``--size``,
on all frames, with the spread over ``--subsets`` random half-size subsets. Writes realism.json, realism.md
and realism.png under ``--out``; measures, never asserts.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _spec(text: str) -> str:
    return text if ":" in text.split("/")[0] else f"scenegen:{text}"


def measure_set(spec: str, frames: int, real_feats: np.ndarray, real_shares: np.ndarray, size, device: str,
                subsets: int, seed: int) -> Dict:
    """KID and class-share L1 of one set against the real features and shares."""
    from scenegen.labels import PAPER7_NAMES
    from tuner import metrics as M
    from tuner import realdata

    samples = realdata.list_real(realdata.parse_real_spec(_spec(spec)), frames, np.random.default_rng(seed))
    feats = _features(samples, size, device)
    kid_all = M.mmd2_unbiased(feats, real_feats)
    half = max(2, min(len(feats), len(real_feats)) // 2)
    _, spread = M.kid(feats, real_feats, rng=np.random.default_rng(seed), subsets=subsets, subset_size=half)
    labels = realdata.read_paper7(samples)
    shares = M.class_proportions(labels, len(PAPER7_NAMES)) if labels is not None else None
    return {"set": spec, "frames": len(samples), "kid": kid_all, "kid_subset_std": spread,
            "class_shares": None if shares is None else shares.tolist(),
            "class_l1": None if shares is None else M.proportion_l1(shares, real_shares)}


def _features(samples, size, device: str) -> np.ndarray:
    from tuner import realdata
    from tuner.lite0 import extract_features
    from tuner.preprocess import prepare_batch

    x = prepare_batch(realdata.read_images(samples), size)
    return extract_features(x, device=device).numpy().astype(np.float64)


def write_report(rows: List[Dict], real: str, out: Path) -> None:
    """realism.json, a markdown table and a bar chart of KID and class-share L1 per set."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "realism.json").write_text(json.dumps({"real": real, "sets": rows}, indent=1))
    lines = [f"Against `{real}`", "", "| set | frames | KID | spread (subsets) | class-share L1 |",
             "|---|---:|---:|---:|---:|"]
    for r in rows:
        l1 = "–" if r["class_l1"] is None else f"{r['class_l1']:.3f}"
        lines.append(f"| `{r['set']}` | {r['frames']} | {r['kid']:.4g} | {r['kid_subset_std']:.3g} | {l1} |")
    (out / "realism.md").write_text("\n".join(lines) + "\n")
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.5 + 0.45 * len(rows)))
    names = [Path(r["set"].split(":")[-1]).name or r["set"] for r in rows]
    axes[0].barh(names, [r["kid"] for r in rows], xerr=[r["kid_subset_std"] for r in rows])
    axes[0].set_xlabel("KID (Lite0 features)")
    axes[1].barh(names, [r["class_l1"] or 0.0 for r in rows])
    axes[1].set_xlabel("paper-7 class-share L1")
    for ax in axes:
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(out / "realism.png", dpi=90)
    plt.close(fig)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", required=True, help="render folders or dataset specs")
    ap.add_argument("--real", default=f"camvid:{ROOT.parent / 'shared' / 'data' / 'camvid'}#val")
    ap.add_argument("--frames", type=int, default=200, help="frames per set (a seeded subset of larger sets)")
    ap.add_argument("--size", default="128x96", help="Lite0 input WxH")
    ap.add_argument("--subsets", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default="runs/bench/realism")
    a = ap.parse_args()

    from tqdm import tqdm

    from scenegen.labels import PAPER7_NAMES
    from tuner import metrics as M
    from tuner import realdata
    from scenegen.render_settings import parse_resolution
    from tuner.discriminator import resolve_device

    size, device = parse_resolution(a.size), resolve_device(a.device)[0]
    real = realdata.list_real(realdata.parse_real_spec(a.real), 0, np.random.default_rng(a.seed))
    real_feats = _features(real, size, device)
    real_shares = M.class_proportions(realdata.read_paper7(real), len(PAPER7_NAMES))
    rows = [measure_set(s, a.frames, real_feats, real_shares, size, device, a.subsets, a.seed)
            for s in tqdm(a.sets, desc="sets", unit="set")]
    write_report(rows, a.real, Path(a.out))
    print((Path(a.out) / "realism.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
