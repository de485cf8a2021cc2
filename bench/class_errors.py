"""Where a trained model gets one class wrong: a picture sheet and a table.

Runs a saved segmentation model (a ``model.pt`` that ``segtrain`` or ``bench/paper_table.py`` wrote) over a
labelled dataset, and for one paper-7 class shows the images with the most false positives of it: each image
beside its overlay (green: found, red: called the class but truly something else, blue: missed), the true class
under the false positives in the caption. Prints, over all images, the class's IoU, recall and precision, where
its false positives fall by true class (``bench/pair_rows.py``'s table) and by image row (top, middle, bottom third).
With ``--camvid-class`` (CamVid data only) it also counts what the model calls the pixels of one of CamVid's own 11
classes, e.g. how much of ``Bicyclist`` (riders with their bikes, ignored by the paper's 7 classes) reads as vehicle.

    .venv/bin/python bench/class_errors.py --model runs/pt/rows/tuned/seed0/model.pt \
        --data camvid:../shared/data/camvid#val --cls vehicle --out runs/class_errors

Measures, never asserts; writes ``errors_<cls>.png`` and ``errors_<cls>.md`` in ``--out``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenegen.datasets import parse_dataset_spec, read_labels, read_sample  # noqa: E402
from scenegen.errors import UserError  # noqa: E402
from scenegen.labels import CAMVID11_NAMES, PAPER7_NAMES, class_mapping  # noqa: E402
from pair_rows import confusion_table  # noqa: E402

TILE_W = 240
OVERLAY = {"tp": (40, 200, 40), "fp": (230, 30, 30), "fn": (40, 90, 255)}


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="model.pt written by a training run")
    p.add_argument("--data", required=True, help="labelled dataset, e.g. camvid:PATH#val")
    p.add_argument("--cls", default="vehicle", choices=PAPER7_NAMES)
    p.add_argument("--images", type=int, default=12, help="images on the sheet (those with most false positives)")
    p.add_argument("--camvid-class", choices=CAMVID11_NAMES,
                   help="CamVid data only: also count the predicted class over this CamVid class's pixels")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", default="runs/class_errors")
    return p.parse_args(argv)


def error_masks(truth: np.ndarray, pred: np.ndarray, k: int) -> Dict[str, np.ndarray]:
    """True positives, false positives and misses of class ``k`` (pixels with a known truth only)."""
    known = truth < len(PAPER7_NAMES)
    return {"tp": known & (truth == k) & (pred == k), "fp": known & (truth != k) & (pred == k),
            "fn": known & (truth == k) & (pred != k)}


def overlay(image: np.ndarray, masks: Dict[str, np.ndarray]) -> np.ndarray:
    """The image darkened, with each error kind painted half over it."""
    out = image.astype(np.float32) * 0.6
    for kind, m in masks.items():
        out[m] = 0.5 * out[m] + 0.5 * np.asarray(OVERLAY[kind], np.float32)
    return out.clip(0, 255).astype(np.uint8)


def fp_sources(truth: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Counts of false-positive pixels per true paper-7 class."""
    return np.bincount(truth[fp].astype(np.int64), minlength=len(PAPER7_NAMES))[:len(PAPER7_NAMES)]


def fp_rows(fp: np.ndarray) -> np.ndarray:
    """Counts of false-positive pixels in the top, middle and bottom third of the image."""
    thirds = np.array_split(np.arange(fp.shape[0]), 3)
    return np.array([fp[r].sum() for r in thirds])


def native_class_counts(sample, pred: np.ndarray, camvid_class: str) -> np.ndarray:
    """Counts of predicted paper-7 classes over the pixels of one CamVid 11 class in ``sample``'s own labels."""
    if sample.label_format != "camvid11":
        raise UserError(f"{sample.labels}: --camvid-class needs CamVid labels (a camvid: dataset)")
    native = read_labels(sample, class_mapping("camvid11"))
    hit = pred[native == CAMVID11_NAMES.index(camvid_class)]
    return np.bincount(hit.astype(np.int64), minlength=len(PAPER7_NAMES))[:len(PAPER7_NAMES)]


def run_model(args: argparse.Namespace) -> Tuple[List[Tuple[str, np.ndarray, Dict[str, np.ndarray], np.ndarray]],
                                               np.ndarray, np.ndarray]:
    """(name, image, masks, truth) for every sample, the paper-7 confusion matrix over them all, and (with
    ``--camvid-class``) the predicted classes over that CamVid class's pixels."""
    from tqdm import tqdm

    from segtrain.data import labelled_samples
    from segtrain.evaluate import confusion_matrix, predict
    from segtrain.train import load_checkpoint, model_from_checkpoint, resolve_device

    ck = load_checkpoint(args.model)
    if tuple(ck.get("class_names", ())) != PAPER7_NAMES:
        raise UserError(f"{args.model}: the model predicts {ck['classes']!r}; this check reads models of the "
                        "paper's 7 classes")
    device = resolve_device(args.device)
    model = model_from_checkpoint(ck, device).eval()
    mapping = class_mapping("paper7")
    size = tuple(ck["size"]) if ck.get("size") else None
    k = PAPER7_NAMES.index(args.cls)
    out, cm = [], np.zeros((len(PAPER7_NAMES),) * 2, np.int64)
    native = np.zeros(len(PAPER7_NAMES), np.int64)
    for s in tqdm(labelled_samples(parse_dataset_spec(args.data, default_split="val")), desc="predict", unit="img"):
        image, truth = read_sample(s, mapping)
        pred = predict(model, image, size, device)
        cm += confusion_matrix(truth, pred, len(PAPER7_NAMES))
        out.append((s.image.stem, image, error_masks(truth, pred, k), truth))
        if args.camvid_class:
            native += native_class_counts(s, pred, args.camvid_class)
    return out, cm, native


def sheet(results, cls: str, n: int) -> np.ndarray:
    """Rows of image | overlay for the ``n`` images with the most false positives, captions on the overlay."""
    import cv2

    worst = sorted(results, key=lambda r: -int(r[2]["fp"].sum()))[:n]
    rows = []
    for name, image, masks, truth in worst:
        h = int(round(image.shape[0] * TILE_W / image.shape[1]))
        left = cv2.resize(image, (TILE_W, h), interpolation=cv2.INTER_AREA)
        right = cv2.resize(overlay(image, masks), (TILE_W, h), interpolation=cv2.INTER_NEAREST)
        src = fp_sources(truth, masks["fp"])
        top = ", ".join(f"{PAPER7_NAMES[j]} {100 * src[j] / max(src.sum(), 1):.0f}%" for j in np.argsort(-src)[:2])
        cv2.putText(right, f"{name}: FP {cls} on {top}", (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.33, (255, 255, 255), 1)
        rows.append(np.concatenate([left, right], axis=1))
    return np.concatenate(rows, axis=0) if rows else np.zeros((1, 2 * TILE_W, 3), np.uint8)


def summary(results, cm: np.ndarray, cls: str) -> str:
    """Markdown: ``cls``'s IoU, recall, precision and false positives by true class (``pair_rows``' table), and
    its false positives by image third."""
    from segtrain.evaluate import per_class_iou

    k = PAPER7_NAMES.index(cls)
    rows = sum(fp_rows(m["fp"]) for _, _, m, _ in results)
    fp = max(int(cm[:, k].sum() - cm[k, k]), 1)
    return "\n".join([
        f"{cls}: IoU {per_class_iou(cm)[k]:.1f} % over {len(results)} images", "",
        confusion_table({"model": (cm, list(PAPER7_NAMES))}, cls), "",
        "| false positives in | top third | middle | bottom |", "|---|---:|---:|---:|",
        "| share | " + " | ".join(f"{100 * r / fp:.1f} %" for r in rows) + " |"]) + "\n"


def native_class_line(camvid_class: str, counts: np.ndarray) -> str:
    """Markdown line: the shares of predicted classes over one CamVid class's pixels."""
    total = int(counts.sum())
    shares = ", ".join(f"{PAPER7_NAMES[j]} {100 * counts[j] / max(total, 1):.1f} %" for j in np.argsort(-counts))
    return f"CamVid {camvid_class} pixels ({total}) predicted as: {shares}\n"


def main(argv: List[str] | None = None) -> int:
    import cv2

    args = parse_args(argv)
    try:
        results, cm, native = run_model(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = summary(results, cm, args.cls)
    if args.camvid_class:
        text += "\n" + native_class_line(args.camvid_class, native)
    print(text)
    (out / f"errors_{args.cls}.md").write_text(text)
    cv2.imwrite(str(out / f"errors_{args.cls}.png"), sheet(results, args.cls, args.images)[:, :, ::-1],
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"sheet: {out / f'errors_{args.cls}.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
