"""Dataset readers: spec parsing, layout detection, sample lists, images, label mappings, errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scenegen.datasets import (DatasetSpec, Sample, detect_kind, list_samples, parse_dataset_spec, read_image,
                               read_labels, read_sample, recording_of)
from scenegen.errors import DatasetError, UserError
from scenegen.io import atomic_write_png
from scenegen.labels import CAMVID11_TO_PAPER7, CITYSCAPES_TO_PAPER7, IGNORE, class_mapping, label_id
from test_segtrain_fixtures import write_camvid, write_cityscapes, write_scenegen

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_datasets_error_is_a_user_error():
    assert issubclass(DatasetError, UserError)


def test_parse_spec_detects_each_layout(tmp_path):
    cs = write_cityscapes(tmp_path / "cs", "val", 1)
    sg = write_scenegen(tmp_path / "sg", "train", 1)
    cv = write_camvid(tmp_path / "cv", "train", 1)
    assert parse_dataset_spec(str(cs)) == DatasetSpec("cityscapes", cs, None)
    assert parse_dataset_spec(str(sg)).kind == "scenegen"
    assert parse_dataset_spec(f"{cv}#val") == DatasetSpec("camvid", cv, "val")
    assert parse_dataset_spec(str(cv), default_split="val").split == "val"
    assert parse_dataset_spec(f"{cv}#test", default_split="val").split == "test"
    # Our own output: no split means every split, also where other kinds default to val (eval-seg --data).
    assert parse_dataset_spec(str(sg), default_split="val").split is None
    assert len(list_samples(parse_dataset_spec(str(sg), default_split="val"))) == 1
    assert parse_dataset_spec(f"{sg}#train", default_split="val").split == "train"
    # An explicit kind wins over detection (our output is readable as plain Cityscapes).
    assert parse_dataset_spec(f"cityscapes:{sg}#train") == DatasetSpec("cityscapes", sg, "train")
    assert detect_kind(cs) == "cityscapes"


@pytest.mark.parametrize("spec, words", [
    ("", "empty"),
    ("{tmp}/nope", "does not exist"),
    ("{tmp}/plain", "unknown dataset layout"),
    ("imagenet:{tmp}/plain", "unknown dataset kind"),
    ("{tmp}/plain#", "empty split"),
    ("{tmp}/plain#train@", "empty recording"),
])
def test_parse_spec_errors_name_the_problem(tmp_path, spec, words):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "x.txt").write_text("x")
    with pytest.raises(DatasetError, match=words) as e:
        parse_dataset_spec(spec.format(tmp=tmp_path))
    assert "\n" not in str(e.value)


def test_cityscapes_samples_sorted_with_labels(tmp_path):
    root = write_cityscapes(tmp_path / "cs", "train", 3, city="bbb")
    write_cityscapes(root, "train", 2, city="aaa")
    write_cityscapes(root, "val", 1)
    s = list_samples(str(root))  # no split: train
    assert len(s) == 5
    assert [x.image for x in s] == sorted(x.image for x in s)
    assert s[0].image.parent.name == "aaa"
    assert all(x.label_format == "cityscapes_ids" and x.labels.name.endswith("_gtFine_labelIds.png") for x in s)
    assert len(list_samples(root, "val")) == 1
    assert list_samples(f"{root}#val") == list_samples(root, "val")
    # An image without its label file is still listed, as unlabelled.
    s[0].labels.unlink()
    again = list_samples(root)
    assert again[0].labels is None and again[0].label_format == "none"


def test_scenegen_counts_only_complete_frames(tmp_path):
    root = write_scenegen(tmp_path / "sg", "train", 3)
    write_scenegen(root, "val", 2)
    assert len(list_samples(root)) == 5  # no split: every split
    assert len(list_samples(root, "train")) == 3
    next((root / "scene" / "train").rglob("*_scene.json")).unlink()
    assert len(list_samples(root, "train")) == 2
    with pytest.raises(DatasetError, match="split folder does not exist"):
        list_samples(root, "test")


def test_camvid_samples(tmp_path):
    root = write_camvid(tmp_path / "cv", "train", 3)
    write_camvid(root, "val", 2)
    (root / "train" / "notes.txt").write_text("not an image")
    s = list_samples(root)
    assert len(s) == 3 and all(x.label_format == "camvid11" for x in s)
    assert s[1].labels == root / "trainannot" / s[1].image.name
    assert len(list_samples(f"camvid:{root}#val")) == 2


def test_a_spec_can_keep_one_recording(tmp_path):
    root = write_cityscapes(tmp_path / "cs", "train", 2, city="aachen")
    write_cityscapes(root, "train", 3, city="bremen")
    spec = parse_dataset_spec(f"cityscapes:{root}#train@bremen")
    assert spec == DatasetSpec("cityscapes", root, "train", "bremen") and str(spec).endswith("#train@bremen")
    kept = list_samples(spec)
    assert len(kept) == 3 and {recording_of(x) for x in kept} == {"bremen"}
    assert len(list_samples(f"cityscapes:{root}#train")) == 5
    with pytest.raises(DatasetError, match=r"no frames of recording 'koeln' \(it holds aachen, bremen\)"):
        list_samples(f"cityscapes:{root}#train@koeln")


def test_empty_and_missing_sets_fail_clearly(tmp_path):
    root = write_cityscapes(tmp_path / "cs", "train", 1)
    (root / "leftImg8bit" / "val").mkdir()
    with pytest.raises(DatasetError, match=r"no cityscapes images found"):
        list_samples(root, "val")
    with pytest.raises(DatasetError, match="split folder does not exist"):
        list_samples(root, "test")
    with pytest.raises(DatasetError, match="does not exist"):
        list_samples(DatasetSpec("camvid", tmp_path / "gone", "train"))


def test_read_image_is_rgb_and_checks_files(tmp_path):
    img = np.zeros((4, 5, 3), np.uint8)
    img[..., 0] = 200  # red
    atomic_write_png(tmp_path / "red.png", img)
    out = read_image(tmp_path / "red.png")
    assert out.shape == (4, 5, 3) and out.dtype == np.uint8
    assert (out[..., 0] == 200).all() and (out[..., 2] == 0).all()
    atomic_write_png(tmp_path / "grey.png", np.full((4, 5), 7, np.uint8))
    assert read_image(tmp_path / "grey.png").shape == (4, 5, 3)
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DatasetError, match="bad.png: unreadable or corrupt"):
        read_image(tmp_path / "bad.png")
    with pytest.raises(DatasetError, match="missing.png: image file does not exist"):
        read_image(tmp_path / "missing.png")


def test_cityscapes_labels_map_to_each_class_set(tmp_path):
    ids = np.array([[label_id("car"), label_id("rider"), label_id("pole")],
                    [label_id("sidewalk"), label_id("sky"), 0]], np.uint8)
    atomic_write_png(tmp_path / "x_gtFine_labelIds.png", ids)
    s = Sample(tmp_path / "x.png", tmp_path / "x_gtFine_labelIds.png", "cityscapes_ids")
    p7 = read_labels(s, class_mapping("paper7"))
    assert p7.tolist() == [[0, 1, IGNORE], [5, 6, IGNORE]]
    assert (p7 == CITYSCAPES_TO_PAPER7[ids]).all()
    c19 = read_labels(s, class_mapping("cityscapes19"))
    assert c19.tolist() == [[13, 12, 5], [1, 10, IGNORE]]
    cv = read_labels(s, class_mapping("camvid11"))
    assert cv.tolist() == [[8, 10, 2], [4, 0, IGNORE]]


def test_camvid_labels(tmp_path):
    lab = np.array([[0, 1, 2, 3], [4, 5, 8, 11]], np.uint8)
    atomic_write_png(tmp_path / "a.png", lab)
    s = Sample(tmp_path / "img.png", tmp_path / "a.png", "camvid11")
    assert read_labels(s, class_mapping("camvid11")).tolist() == [[0, 1, 2, 3], [4, 5, 8, IGNORE]]
    p7 = read_labels(s, class_mapping("paper7"))
    # Sky, Building, Pole, Road / Pavement, Tree, Car, void
    assert p7.tolist() == [[6, 2, IGNORE, 4], [5, 3, 0, IGNORE]]
    assert (p7 == CAMVID11_TO_PAPER7[lab]).all()
    assert (read_labels(s, class_mapping("paper7-camvid")) == p7).all()
    with pytest.raises(DatasetError, match="cannot be mapped to class set 'cityscapes19'"):
        read_labels(s, class_mapping("cityscapes19"))
    atomic_write_png(tmp_path / "b.png", np.array([[3, 12]], np.uint8))
    with pytest.raises(DatasetError, match="b.png: CamVid label value 12 outside 0..11"):
        read_labels(Sample(tmp_path / "i.png", tmp_path / "b.png", "camvid11"), class_mapping("paper7"))


def test_label_file_errors(tmp_path):
    m = class_mapping("paper7")
    atomic_write_png(tmp_path / "colour.png", np.zeros((3, 3, 3), np.uint8))
    with pytest.raises(DatasetError, match="colour.png: label image has 3 channels"):
        read_labels(Sample(tmp_path / "i.png", tmp_path / "colour.png", "cityscapes_ids"), m)
    atomic_write_png(tmp_path / "deep.png", np.zeros((3, 3), np.uint16))
    with pytest.raises(DatasetError, match="deep.png: label image is uint16"):
        read_labels(Sample(tmp_path / "i.png", tmp_path / "deep.png", "cityscapes_ids"), m)
    with pytest.raises(DatasetError, match="i.png: no label file"):
        read_labels(Sample(tmp_path / "i.png", None, "none"), m)
    (tmp_path / "trunc.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(DatasetError, match="trunc.png: unreadable"):
        read_labels(Sample(tmp_path / "i.png", tmp_path / "trunc.png", "camvid11"), m)


def test_read_sample_checks_sizes(tmp_path):
    atomic_write_png(tmp_path / "img.png", np.zeros((6, 8, 3), np.uint8))
    atomic_write_png(tmp_path / "lab.png", np.zeros((6, 8), np.uint8))
    atomic_write_png(tmp_path / "small.png", np.zeros((3, 4), np.uint8))
    image, labels = read_sample(Sample(tmp_path / "img.png", tmp_path / "lab.png", "camvid11"),
                                class_mapping("paper7"))
    assert image.shape == (6, 8, 3) and labels.shape == (6, 8)
    with pytest.raises(DatasetError, match=r"small.png: label size 4x3 differs from image size 8x6"):
        read_sample(Sample(tmp_path / "img.png", tmp_path / "small.png", "camvid11"), class_mapping("paper7"))


@pytest.mark.skipif(not (SHARED / "camvid").is_dir(), reason="shared CamVid not present")
def test_shared_camvid_reads_if_present():
    val = list_samples(str(SHARED / "camvid") + "#val")
    assert len(val) == 101 and all(s.label_format == "camvid11" for s in val)
    image, labels = read_sample(val[0], class_mapping("paper7"))
    assert image.shape == (360, 480, 3) and labels.shape == (360, 480)
    assert set(np.unique(labels)) <= set(range(7)) | {IGNORE}
