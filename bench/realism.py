"""How close rendered sets are to real images: KID on Lite0 features and the L1 distance between paper-7 class
pixel shares, each set against the same real images (CamVid val by default).

    .venv/bin/python bench/realism.py --sets runs/seg/tuned_s2 runs/seg/tuned_s2_branching --out runs/bench/realism

A set is a `scenegen render` output folder or any dataset spec (`camvid:PATH#train` gives the real-to-real
floor). Every set is cut to the same number of frames (``--frames``: the same seeded choice of indices in sets
of the same size, so two renders of the same frame seeds stay paired) so KIDs compare.
KID is the unbiased MMD^2 of the cubic polynomial kernel on globally pooled Lite0 features at ``--size``,
on all frames, with the spread over ``--subsets`` random half-size subsets. With ``--bands N`` it also gives the
KID of each of N horizontal thirds (halves, ...) of the frames against the same part of the real ones (each
frame prepared at ``--band-size`` and cut), which says where in the frame a set looks least real; with
``--witness N`` a sheet per set of its N frames most and least like the real ones and the N real frames it covers
least; with ``--by-recording`` each recording of a set (CamVid's 0001TP, 0006R0, 0016E5) is a row of its
own, and ``--real SPEC#SPLIT@RECORDING`` measures against one recording. Writes realism.json, realism.md and
realism.png (and witness_*.png) under ``--out``; measures, never asserts.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenegen.errors import UserError  # noqa: E402


def _spec(text: str) -> str:
    return text if ":" in text.split("/")[0] else f"scenegen:{text}"


def list_sets(spec: str, frames: int, how: argparse.Namespace) -> List[Tuple[str, list]]:
    """(name, samples) of one ``--sets`` entry, cut to ``frames``; with ``how.by_recording`` one entry per
    recording when the set holds several (``SPEC [RECORDING]``)."""
    from scenegen.datasets import recording_of
    from tuner import realdata

    listed = realdata.list_real(realdata.parse_real_spec(_spec(spec)), 0, np.random.default_rng(how.seed))
    recordings = sorted({recording_of(s) for s in listed})
    groups = {"": listed}
    if how.by_recording and len(recordings) > 1:
        groups = {rec: [s for s in listed if recording_of(s) == rec] for rec in recordings}
    return [(f"{spec} [{rec}]" if rec else spec,
             realdata.seeded_subset(samples, frames, np.random.default_rng(how.seed)))
            for rec, samples in groups.items()]


def measure_set(spec: str, samples: list, real: "RealReference", how: argparse.Namespace) -> Dict:
    """KID (whole frames and, with ``how.bands`` > 1, per band) and class-share L1 of one set against ``real``."""
    from scenegen.labels import PAPER7_NAMES
    from tuner import metrics as M
    from tuner import realdata

    images = realdata.read_images(samples)
    feats = _features(images, how.size, how.device)
    half = max(2, min(len(feats), len(real.features)) // 2)
    _, spread = M.kid(feats, real.features, rng=np.random.default_rng(how.seed), subsets=how.subsets,
                      subset_size=half)
    bands = [M.mmd2_unbiased(f, r) for f, r in zip(_band_features(images, how), real.band_features)]
    if how.witness:
        write_witness_sheet(images, feats, real, how.witness, Path(how.out) / f"witness_{_slug(spec)}.png")
    labels = realdata.read_paper7(samples)
    shares = M.class_proportions(labels, len(PAPER7_NAMES)) if labels is not None else None
    return {"set": spec, "frames": len(samples), "kid": M.mmd2_unbiased(feats, real.features),
            "kid_subset_std": spread, "kid_bands": bands,
            "class_shares": None if shares is None else shares.tolist(),
            "class_l1": None if shares is None else M.proportion_l1(shares, real.shares)}


class RealReference:
    """The real images' features (whole frames and bands) and paper-7 class shares, measured once."""

    def __init__(self, spec: str, how: argparse.Namespace) -> None:
        from scenegen.labels import PAPER7_NAMES
        from tuner import metrics as M
        from tuner import realdata

        samples = realdata.list_real(realdata.parse_real_spec(spec), 0, np.random.default_rng(how.seed))
        images = realdata.read_images(samples)
        self.features = _features(images, how.size, how.device)
        self.thumbnails = [_thumbnail(im) for im in images] if how.witness else []
        self.band_features = _band_features(images, how)
        self.shares = M.class_proportions(realdata.read_paper7(samples), len(PAPER7_NAMES))


def _slug(spec: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in spec.split(":")[-1].strip("/"))[-60:]


def _thumbnail(image: np.ndarray, width: int = 240) -> np.ndarray:
    import cv2

    height = max(1, round(image.shape[0] * width / image.shape[1]))
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


#: rows of a witness sheet: (caption, whose frames)
WITNESS_ROWS = (("set: most like the real", "set"), ("set: least like the real", "set"),
                ("real: least covered", "real"))


def witness_picks(feats: np.ndarray, real_feats: np.ndarray, count: int) -> List[np.ndarray]:
    """Indices, one array per :data:`WITNESS_ROWS` row, ranked by the MMD witness: the set's ``count`` frames most
    like the real ones, its ``count`` least like them, and the ``count`` real frames the set covers least."""
    from tuner import metrics as M

    at_set, at_real = M.mmd_witness(feats, real_feats)
    order = np.argsort(-at_set)
    return [order[:count], order[::-1][:count], np.argsort(-at_real)[:count]]


def write_witness_sheet(images: List[np.ndarray], feats: np.ndarray, real: "RealReference", count: int,
                        path: Path) -> None:
    """A PNG of the :func:`witness_picks` rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = {"set": images, "real": real.thumbnails}
    fig, axes = plt.subplots(len(WITNESS_ROWS), count, figsize=(2.0 * count, 1.6 * len(WITNESS_ROWS)), squeeze=False)
    for r, ((caption, whose), picks) in enumerate(zip(WITNESS_ROWS, witness_picks(feats, real.features, count))):
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(picks):
                ax.imshow(frames[whose][picks[c]])
            if c == 0:
                ax.set_ylabel(caption, fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _features(images: List[np.ndarray], size, device: str) -> np.ndarray:
    from tuner.lite0 import extract_features
    from tuner.preprocess import prepare_batch

    return extract_features(prepare_batch(images, size), device=device).numpy().astype(np.float64)


def _band_features(images: List[np.ndarray], how: argparse.Namespace) -> List[np.ndarray]:
    """Lite0 features of each of ``how.bands`` horizontal bands (none for 1 band)."""
    from tuner.lite0 import extract_features
    from tuner.preprocess import prepare_batch

    if how.bands <= 1:
        return []
    full = prepare_batch(images, how.band_size)
    height = full.shape[2]
    cuts = [round(i * height / how.bands) for i in range(how.bands + 1)]
    return [extract_features(full[:, :, a:b].contiguous(), device=how.device).numpy().astype(np.float64)
            for a, b in zip(cuts, cuts[1:])]


def write_report(rows: List[Dict], real: str, out: Path) -> None:
    """realism.json, a markdown table and a bar chart of KID and class-share L1 per set."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    (out / "realism.json").write_text(json.dumps({"real": real, "sets": rows}, indent=1))
    bands = len(rows[0]["kid_bands"]) if rows else 0
    band_heads = "".join(f" KID band {i + 1}/{bands} |" for i in range(bands))
    lines = [f"Against `{real}`" + (" (bands from the top of the frame)" if bands else ""), "",
             f"| set | frames | KID | spread (subsets) |{band_heads} class-share L1 |",
             "|---|---:|---:|---:|" + "---:|" * bands + "---:|"]
    for r in rows:
        l1 = "–" if r["class_l1"] is None else f"{r['class_l1']:.3f}"
        band_cells = "".join(f" {k:.3g} |" for k in r["kid_bands"])
        lines.append(f"| `{r['set']}` | {r['frames']} | {r['kid']:.4g} | {r['kid_subset_std']:.3g} |"
                     f"{band_cells} {l1} |")
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


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", required=True, help="render folders or dataset specs")
    ap.add_argument("--real", default=f"camvid:{ROOT.parent / 'shared' / 'data' / 'camvid'}#val",
                    help="real images, a dataset spec (...#train@0006R0 keeps one recording)")
    ap.add_argument("--frames", type=int, default=200, help="frames per set (a seeded subset of larger sets)")
    ap.add_argument("--size", default="128x96", help="Lite0 input WxH")
    ap.add_argument("--subsets", type=int, default=50)
    ap.add_argument("--bands", type=int, default=1, help="also the KID of this many horizontal bands (1 = none)")
    ap.add_argument("--band-size", default="192x144", help="frame size (WxH) before it is cut into bands")
    ap.add_argument("--witness", type=int, default=0, metavar="N",
                    help="also a sheet per set: its N frames most and least like the real ones, and the N real "
                         "frames it covers least (MMD witness on the Lite0 features)")
    ap.add_argument("--by-recording", action="store_true",
                    help="measure each recording of a set (file-name prefix, e.g. CamVid's 0016E5) on its own: "
                         "real footage of other recordings against the real images is the floor a set can hope for")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--out", default="runs/bench/realism")
    a = ap.parse_args(argv)

    from tqdm import tqdm

    from scenegen.render_settings import parse_resolution
    from tuner.discriminator import resolve_device

    if a.bands < 1 or a.witness < 0:
        ap.error("--bands must be at least 1 and --witness at least 0")
    a.size, a.band_size = parse_resolution(a.size), parse_resolution(a.band_size)
    a.device = resolve_device(a.device)[0]
    try:
        real = RealReference(a.real, a)
        sets = [entry for s in a.sets for entry in list_sets(s, a.frames, a)]
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rows = [measure_set(name, samples, real, a) for name, samples in tqdm(sets, desc="sets", unit="set")]
    write_report(rows, a.real, Path(a.out))
    print((Path(a.out) / "realism.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
