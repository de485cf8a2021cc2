"""bench/class_errors.py: error masks by hand, and a real (tiny) model's sheet agreeing with its evaluation."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from scenegen.labels import IGNORE
from segtrain import cli
from test_segtrain_fixtures import write_camvid, write_scenegen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import class_errors  # noqa: E402


def test_error_masks_and_false_positive_sources_by_hand():
    truth = np.array([[0, 0, 2, 4], [4, 5, IGNORE, 0], [6, 4, 4, 0]], np.uint8)
    pred = np.array([[0, 2, 0, 0], [0, 0, 0, 1], [0, 4, 4, 3]], np.uint8)
    m = class_errors.error_masks(truth, pred, 0)
    assert m["tp"].sum() == 1 and m["fn"].sum() == 3
    assert m["fp"].tolist() == [[False, False, True, True], [True, True, False, False], [True, False, False, False]]
    assert class_errors.fp_sources(truth, m["fp"]).tolist() == [0, 0, 1, 0, 2, 1, 1]
    assert class_errors.fp_rows(m["fp"]).tolist() == [2, 2, 1]
    over = class_errors.overlay(np.full((3, 4, 3), 100, np.uint8), m)
    assert over[0, 0].tolist() != over[0, 2].tolist() and over[1, 2].tolist() == [60, 60, 60]


@pytest.mark.torch
def test_sheet_and_table_of_a_trained_model_agree_with_its_evaluation(tmp_path, capsys):
    synth = write_scenegen(tmp_path / "synth", "train", 4, seed=1)
    camvid = write_camvid(tmp_path / "camvid", "val", 3, seed=2)
    run = tmp_path / "run"
    assert cli.main(["train-seg", "--train", str(synth), "--val", f"camvid:{camvid}#val", "--classes",
                     "paper7-camvid", "--steps", "3", "--batch-size", "2", "--size", "64x48", "--out", str(run),
                     "--quiet"]) == 0
    vehicle = json.loads((run / "eval.json").read_text())["paper7_iou"]["vehicle"]
    out = tmp_path / "errors"
    assert class_errors.main(["--model", str(run / "model.pt"), "--data", f"camvid:{camvid}#val",
                              "--cls", "vehicle", "--images", "2", "--out", str(out), "--device", "cpu"]) == 0
    text = (out / "errors_vehicle.md").read_text()
    assert f"IoU {vehicle:.1f} % over 3 images" in text and text in capsys.readouterr().out
    from PIL import Image
    sheet = Image.open(out / "errors_vehicle.png")
    assert sheet.width == 2 * class_errors.TILE_W and sheet.height > 0
    args = class_errors.parse_args(["--model", str(run / "model.pt"), "--data", f"camvid:{camvid}#val",
                                    "--camvid-class", "Pedestrian", "--device", "cpu"])
    _, cm, native = class_errors.run_model(args)
    ped = class_errors.PAPER7_NAMES.index("pedestrian")
    assert native.sum() > 0 and native.tolist() == cm[ped].tolist()  # CamVid Pedestrian is paper-7 pedestrian
    assert class_errors.main(["--model", str(run / "model.pt"), "--data", f"camvid:{camvid}#val", "--camvid-class",
                              "Pedestrian", "--out", str(out), "--device", "cpu"]) == 0
    assert f"CamVid Pedestrian pixels ({native.sum()}) predicted as:" in (out / "errors_vehicle.md").read_text()
    capsys.readouterr()
    assert class_errors.main(["--model", str(run / "model.pt"), "--data", str(synth), "--camvid-class",
                              "Bicyclist", "--out", str(tmp_path / "e3"), "--device", "cpu"]) == 2
    assert "--camvid-class needs CamVid labels" in capsys.readouterr().err and not (tmp_path / "e3").exists()
    gone = tmp_path / "gone"
    assert class_errors.main(["--model", str(run / "model.pt"), "--data", f"camvid:{gone}#val",
                              "--out", str(tmp_path / "e2")]) == 2
    assert capsys.readouterr().err.startswith("error: ") and not (tmp_path / "e2").exists()


def test_bad_model_or_data_is_one_line_and_exit_2(tmp_path, capsys):
    junk = tmp_path / "model.pt"
    junk.write_bytes(b"not a checkpoint")
    camvid = write_camvid(tmp_path / "camvid", "val", 1, seed=2)
    for model, data, says in ((tmp_path / "gone.pt", f"camvid:{camvid}#val", "does not exist"),
                              (junk, f"camvid:{camvid}#val", "not a readable checkpoint")):
        out = tmp_path / "errors"
        assert class_errors.main(["--model", str(model), "--data", data, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and says in err and "\n" not in err and not out.exists()
