"""Evaluation arithmetic against confusion matrices computed by hand, and the paper table."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from scenegen.datasets import list_samples, read_labels
from scenegen.labels import IGNORE, class_mapping
from segtrain.evaluate import (confusion_matrix, evaluate, markdown_table, paper7_confusion, per_class_iou,
                               summarize)
from segtrain.table import build_table, to_html, to_markdown, write_table
from test_segtrain_fixtures import write_cityscapes


def test_confusion_matrix_and_iou_by_hand():
    target = np.array([0, 0, 0, 1, 1, 2, IGNORE, IGNORE, 0])
    pred = np.array([0, 0, 1, 1, 2, 2, 0, 3, 3])
    cm = confusion_matrix(target, pred, 5)
    # Rows = truth, columns = prediction; the two ignored pixels are not counted.
    assert cm.tolist() == [[2, 1, 0, 1, 0],
                           [0, 1, 1, 0, 0],
                           [0, 0, 1, 0, 0],
                           [0, 0, 0, 0, 0],
                           [0, 0, 0, 0, 0]]
    iou = per_class_iou(cm)
    assert iou[0] == pytest.approx(100 * 2 / 4)      # TP 2, FN 2
    assert iou[1] == pytest.approx(100 * 1 / 3)      # TP 1, FP 1, FN 1
    assert iou[2] == pytest.approx(100 * 1 / 2)      # TP 1, FP 1
    assert iou[3] == 0.0                              # predicted only: a real zero
    assert math.isnan(iou[4])                         # absent from both: no IoU


@pytest.mark.parametrize("classes", ["paper7", "paper7-camvid"])
def test_absent_classes_are_left_out_of_the_means(classes):
    m = class_mapping(classes)
    cm = np.zeros((7, 7), np.int64)
    cm[4, 4], cm[4, 5] = 6, 2          # road: TP 6, FN 2
    cm[5, 5] = 4                       # ground: TP 4, FP 2
    cm[6, 0] = 3                       # sky predicted as vehicle: both score 0
    rec = summarize(cm, m)
    iou = rec["per_class_iou"]
    assert iou["road"] == pytest.approx(75.0)
    assert iou["ground"] == pytest.approx(100 * 4 / 6)
    assert iou["sky"] == 0.0 and iou["vehicle"] == 0.0
    assert iou["pedestrian"] is None and iou["building"] is None and iou["vegetation"] is None
    expected = (75.0 + 100 * 4 / 6 + 0.0 + 0.0) / 4
    assert rec["global"] == pytest.approx(expected) and rec["mean_iou"] == pytest.approx(expected)
    assert rec["pixel_accuracy"] == pytest.approx(100 * 10 / 15)
    assert rec["confusion_matrix"] == cm.tolist() and rec["paper7_iou"] == iou
    assert "n/a" in markdown_table(rec)


def test_nothing_to_score_gives_none():
    rec = summarize(np.zeros((7, 7), np.int64), class_mapping("paper7"))
    assert rec["global"] is None and rec["pixel_accuracy"] is None
    assert all(v is None for v in rec["per_class_iou"].values())


def test_camvid11_scores_merge_into_the_paper_classes():
    m = class_mapping("camvid11")  # 0 Sky 1 Building 2 Pole 3 Road 4 Pavement ...
    cm = np.zeros((11, 11), np.int64)
    cm[3, 3], cm[3, 2], cm[3, 4] = 6, 2, 2   # road: 6 right, 2 called pole, 2 called pavement
    cm[2, 3] = 5                              # pole pixels called road
    cm[4, 4] = 4                              # pavement right
    rec = summarize(cm, m)
    # CamVid-11 IoUs: road 6/(6+5+4), pole 0/(0+2+5), pavement 4/(4+2).
    assert rec["per_class_iou"]["Road"] == pytest.approx(40.0)
    assert rec["per_class_iou"]["Pole"] == 0.0
    assert rec["per_class_iou"]["Pavement"] == pytest.approx(100 * 4 / 6)
    assert rec["mean_iou"] == pytest.approx((40.0 + 0.0 + 100 * 4 / 6) / 3)
    # Paper 7: pole ground truth is ignored; predicting pole on road is still a miss for road.
    cm7, missed = paper7_confusion(cm, m)
    assert cm7[4, 4] == 6 and cm7[4, 5] == 2 and missed[4] == 2 and cm7[5, 5] == 4
    assert cm7.sum() + missed.sum() == 14
    assert rec["paper7_iou"]["road"] == pytest.approx(60.0)
    assert rec["paper7_iou"]["ground"] == pytest.approx(100 * 4 / 6)
    assert rec["paper7_iou"]["sky"] is None
    assert rec["global"] == pytest.approx((60.0 + 100 * 4 / 6) / 2)


def test_cityscapes19_vehicle_classes_merge():
    m = class_mapping("cityscapes19")
    names = list(m.class_names)
    car, truck, road = names.index("car"), names.index("truck"), names.index("road")
    cm = np.zeros((19, 19), np.int64)
    cm[car, truck] = 5   # wrong in 19 classes, right as "vehicle"
    cm[road, road] = 5
    rec = summarize(cm, m)
    assert rec["per_class_iou"]["car"] == 0.0
    assert rec["paper7_iou"]["vehicle"] == 100.0 and rec["paper7_iou"]["road"] == 100.0
    assert rec["global"] == 100.0


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="differ in size"):
        confusion_matrix(np.zeros(3), np.zeros(4), 2)
    with pytest.raises(ValueError, match="target class outside"):
        confusion_matrix(np.array([2]), np.array([0]), 2)
    with pytest.raises(ValueError, match="predicted class outside"):
        confusion_matrix(np.array([1]), np.array([5]), 2)


class _Constant(torch.nn.Module):
    """Predicts one class everywhere (logits at the input size)."""

    def __init__(self, cls: int, n: int):
        super().__init__()
        self.cls, self.n = cls, n

    def forward(self, x):
        out = torch.zeros(x.shape[0], self.n, *x.shape[-2:])
        out[:, self.cls] = 1.0
        return out


def test_evaluate_counts_at_label_resolution(tmp_path):
    root = write_cityscapes(tmp_path / "cs", "val", 3)
    m = class_mapping("paper7")
    samples = list_samples(root, "val")
    rec = evaluate(_Constant(4, 7), samples, m, size=(32, 24), device=torch.device("cpu"), progress=False)
    cm = sum(confusion_matrix(read_labels(s, m), np.full((48, 64), 4), 7) for s in samples)
    assert rec["confusion_matrix"] == cm.tolist()
    assert rec["images"] == 3 and rec["pixels"] == int(cm.sum())
    assert rec["per_class_iou"]["road"] == pytest.approx(100 * cm[4, 4] / cm[:, 4].sum())
    assert rec["per_class_iou"]["sky"] == 0.0


def _record(values, glob):
    names = ("vehicle", "pedestrian", "building", "vegetation", "road", "ground", "sky")
    return {"paper7_iou": dict(zip(names, values)), "global": glob}


def test_paper_table_deltas_and_files(tmp_path):
    rows = [
        {"key": "untuned", "label": "Untuned synthetic", "record": _record([40, 50, 60, 45, 47, 30, None], 45.0)},
        {"key": "tuned", "label": "Tuned synthetic", "record": _record([48, 53, 63, 51, 47, 34, 53], 49.86)},
        {"key": "real", "label": "Real", "record": _record([70] * 7, 70.0), "train_seconds": 12.5},
    ]
    t = build_table(rows, [("tuned − untuned", "untuned", "tuned"), ("missing", "untuned", "tuned+real")])
    assert [d["label"] for d in t["deltas"]] == ["tuned − untuned"]
    d = t["deltas"][0]["scores"]
    assert d["vehicle"] == 8 and d["building"] == 3 and d["road"] == 0
    assert d["sky"] is None
    assert d["global"] == pytest.approx(4.86)
    assert t["rows"][2]["train_seconds"] == 12.5
    md = to_markdown(t)
    assert "| Tuned synthetic | 48.00 | 53.00 | 63.00 | 51.00 | 47.00 | 34.00 | 53.00 | 49.86 |" in md
    assert "*+8.00*" in md and "*n/a*" in md
    assert "<table>" in to_html(t)
    paths = write_table(t, tmp_path / "out")
    assert [p.name for p in paths] == ["table.md", "table.json", "table.png", "table.html"]
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_deltas_pair_the_seeds_both_rows_ran():
    def row(key, per_seed):
        glob = sum(per_seed.values()) / len(per_seed)
        return {"key": key, "label": key, "record": _record([50] * 7, glob),
                "per_seed": [{"seed": s, "global": g} for s, g in per_seed.items()]}

    rows = [row("untuned", {0: 40.0, 1: 42.0, 2: 44.0, 3: 41.0}), row("tuned", {0: 43.0, 1: 42.5, 2: 43.0, 7: 50.0})]
    t = build_table(rows, [("tuned − untuned", "untuned", "tuned")])
    p = t["deltas"][0]["global_paired"]
    assert p["seeds"] == [0, 1, 2] and p["differences"] == [3.0, 0.5, -1.0] and p["wins"] == 2
    assert p["mean"] == pytest.approx(2.5 / 3)
    sd = ((3.0 - 2.5 / 3) ** 2 + (0.5 - 2.5 / 3) ** 2 + (-1.0 - 2.5 / 3) ** 2) ** 0.5 / 2 ** 0.5
    assert p["standard_error"] == pytest.approx(sd / 3 ** 0.5)
    assert "global paired by seed: +0.83 ± 1.17 (standard error, 3 seeds; ahead in 2 of 3)" in to_markdown(t)
    assert "ahead in 2 of 3" in to_html(t)
    one_seed = build_table([row("untuned", {0: 40.0}), row("tuned", {0: 43.0})], [("d", "untuned", "tuned")])
    assert "global_paired" not in one_seed["deltas"][0] and "paired" not in to_markdown(one_seed)
