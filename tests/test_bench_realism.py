"""bench/realism.py: KID of whole frames and of horizontal bands, and the class-share L1, on sets made here."""
import json
import sys
from pathlib import Path

import numpy as np

from scenegen.datasets import read_image
from scenegen.io import atomic_write_png
from test_segtrain_fixtures import write_camvid

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import realism  # noqa: E402


def test_a_set_changed_only_at_the_top_is_farther_there_and_not_below(tmp_path):
    real = write_camvid(tmp_path / "real", "val", n=12, seed=0, size=(96, 72))
    alike = write_camvid(tmp_path / "alike", "val", n=12, seed=1, size=(96, 72))
    changed = write_camvid(tmp_path / "changed", "val", n=12, seed=1, size=(96, 72))
    for f in (changed / "val").glob("*.png"):  # a flat magenta top third: the same frames below it
        img = read_image(f)
        img[: img.shape[0] // 3] = (255, 0, 255)
        atomic_write_png(f, img)
    out = tmp_path / "out"
    assert realism.main(["--real", f"camvid:{real}#val", "--sets", f"camvid:{alike}#val", f"camvid:{changed}#val",
                         "--frames", "12", "--bands", "3", "--subsets", "5", "--device", "cpu",
                         "--out", str(out)]) == 0
    rows = {Path(r["set"].split(":")[1].split("#")[0]).name: r for r in json.loads((out / "realism.json").read_text())["sets"]}
    a, c = rows["alike"], rows["changed"]
    assert len(a["kid_bands"]) == len(c["kid_bands"]) == 3
    assert c["kid"] > a["kid"] and c["kid_bands"][0] > a["kid_bands"][0] + 0.1
    assert c["kid_bands"][2] == a["kid_bands"][2]  # identical bottom thirds, identical features
    assert a["class_l1"] == c["class_l1"] and 0 <= a["class_l1"] <= 2
    table = (out / "realism.md").read_text()
    assert "KID band 1/3" in table and (out / "realism.png").is_file()


def test_the_witness_picks_the_frames_unlike_the_real_ones_as_least_like_them(tmp_path):
    real = write_camvid(tmp_path / "real", "val", n=12, seed=0, size=(96, 72))
    mixed = write_camvid(tmp_path / "mixed", "val", n=12, seed=1, size=(96, 72))
    for f in sorted((mixed / "val").glob("*.png"))[:6]:  # half the frames with a flat magenta top third
        img = read_image(f)
        img[: img.shape[0] // 3] = (255, 0, 255)
        atomic_write_png(f, img)
    out = tmp_path / "out"
    assert realism.main(["--real", f"camvid:{real}#val", "--sets", f"camvid:{mixed}#val", "--frames", "12",
                         "--witness", "4", "--subsets", "5", "--device", "cpu", "--out", str(out)]) == 0
    assert read_image(next(out.glob("witness_*.png"))).shape[2] == 3
    # the same ranking on features of the same frames (list_real with --frames 12 of 12 keeps their order)
    from tuner import realdata

    frames = lambda spec: realdata.read_images(realdata.list_real(realdata.parse_real_spec(spec), 0,  # noqa: E731
                                                                  np.random.default_rng(0)))
    set_images, real_images = frames(f"camvid:{mixed}#val"), frames(f"camvid:{real}#val")
    most, least, uncovered = realism.witness_picks(realism._features(set_images, (128, 96), "cpu"),
                                                   realism._features(real_images, (128, 96), "cpu"), 4)
    magenta = [im[0, 0].tolist() == [255, 0, 255] for im in set_images]
    assert [magenta[i] for i in least] == [True] * 4 and [magenta[i] for i in most] == [False] * 4
    assert len(uncovered) == 4 and len(set(uncovered.tolist())) == 4


def test_by_recording_measures_each_recording_of_a_set_on_its_own(tmp_path):
    real = write_camvid(tmp_path / "real", "val", n=12, seed=0, size=(96, 72))
    two = write_camvid(tmp_path / "two", "train", n=14, seed=1, size=(96, 72))
    for f in sorted((two / "train").glob("*.png"))[8:]:  # six frames of a second recording, magenta at the top
        img = read_image(f)
        img[: img.shape[0] // 3] = (255, 0, 255)
        atomic_write_png(f.with_name(f.name.replace("0001TP", "0006R0")), img)
        f.unlink()
        annot = two / "trainannot" / f.name
        annot.rename(annot.with_name(f.name.replace("0001TP", "0006R0")))
    out = tmp_path / "out"
    args = ["--real", f"camvid:{real}#val", "--sets", f"camvid:{two}#train", "--frames", "5", "--subsets", "5",
            "--device", "cpu", "--out", str(out)]
    assert realism.main(args + ["--by-recording"]) == 0
    rows = {r["set"].rsplit(" ", 1)[1]: r for r in json.loads((out / "realism.json").read_text())["sets"]}
    assert sorted(rows) == ["[0001TP]", "[0006R0]"] and all(r["frames"] == 5 for r in rows.values())
    assert rows["[0006R0]"]["kid"] > rows["[0001TP]"]["kid"]
    assert realism.main(args) == 0  # without it, the set is one row
    assert [r["frames"] for r in json.loads((out / "realism.json").read_text())["sets"]] == [5]
    # against one recording of the real images: that recording is nearer than the other one
    real_one = ["--sets", f"camvid:{two}#train", "--by-recording", "--frames", "5", "--subsets", "5",
                "--device", "cpu", "--out", str(out)]
    assert realism.main(real_one + ["--real", f"camvid:{two}#train@0006R0"]) == 0
    rows = {r["set"].rsplit(" ", 1)[1]: r for r in json.loads((out / "realism.json").read_text())["sets"]}
    assert rows["[0006R0]"]["kid"] < rows["[0001TP]"]["kid"]
    assert realism.main(real_one + ["--real", f"camvid:{two}#train@NOSUCH"]) == 2  # a recording it lacks
