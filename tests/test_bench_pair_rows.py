"""bench/pair_rows.py: two paper-table rows paired by seed (pure logic on eval.json files written here)."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import pair_rows  # noqa: E402


def _row(folder: Path, scores: dict, cm=None) -> Path:
    for seed, value in scores.items():
        d = folder / f"seed{seed}"
        d.mkdir(parents=True)
        iou = {c: value for c in pair_rows.CLASSES}
        (d / "eval.json").write_text(json.dumps({"paper7_iou": iou, "global": value, "confusion_matrix": cm,
                                                 "class_names": list(pair_rows.CLASSES)}))
    return folder


def test_rows_pair_by_seed_and_report_ratio_and_paired_difference(tmp_path):
    a = pair_rows.read_row([str(_row(tmp_path / "a", {0: 10.0, 1: 14.0, 2: 12.0}))])
    b = pair_rows.read_row([str(_row(tmp_path / "b", {0: 20.0, 1: 20.0}))])
    assert sorted(a) == [0, 1, 2] and a[1]["pedestrian"] == 14.0
    text = pair_rows.table(a, b)
    line = next(l for l in text.splitlines() if l.startswith("| pedestrian"))
    assert "| 12.00 ± 1.15 | 20.00 ± 0.00 | 60 % | -8.00 ± 2.00 | 0/2 |" in line  # paired on seeds 0 and 1


def test_a_class_b_never_finds_has_no_ratio_but_still_a_paired_difference(tmp_path):
    a = pair_rows.read_row([str(_row(tmp_path / "a", {0: 2.0, 1: 4.0}))])
    b = pair_rows.read_row([str(_row(tmp_path / "b", {0: 0.0, 1: 0.0}))])
    line = next(l for l in pair_rows.table(a, b).splitlines() if l.startswith("| global"))
    assert "| 0.00 ± 0.00 | - | +3.00 ± 1.00 | 2/2 |" in line


def test_a_row_without_evaluations_is_one_line_and_exit_2(tmp_path, capsys):
    _row(tmp_path / "b", {0: 1.0})
    assert pair_rows.main(["--a", str(tmp_path / "none"), "--b", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no seed*/eval.json" in err


def test_the_confusion_table_gives_recall_precision_and_where_false_positives_come_from(tmp_path):
    cm = [[0] * 7 for _ in range(7)]
    cm[0][0], cm[0][4] = 8, 2  # vehicle: 8 found, 2 called road
    cm[2][0], cm[4][0] = 6, 2  # building and road pixels called vehicle
    folder = _row(tmp_path / "a", {0: 1.0, 1: 1.0}, cm)
    total, names = pair_rows.confusion([str(folder)])
    assert total[0, 0] == 16 and names[0] == "vehicle"
    line = pair_rows.confusion_table({"A": (total, names)}, "vehicle").splitlines()[-1]
    assert line.startswith("| A | 80 % | 50 % | 0 % | 38 % | 0 % | 12 % |")
