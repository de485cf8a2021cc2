"""scenegen export coco|kitti on two frames rendered with the real renderer, read back with real clients
(pycocotools' COCO, the KITTI devkit's column layout); bad input is in the catalogue (tests/bad_inputs.py)."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli
from scenegen.export.boxes import frame_boxes, full_box, truncation, visible_box
from scenegen.export.frames import Camera, load_frame
from scenegen.export.kitti import occlusion_level
from scenegen.io import read_png
from scenegen.layout import list_frames

pytestmark = pytest.mark.blender
KITTI_TYPES = {"Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc", "DontCare"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """Two 128x64 frames (seed 3: both hold cars and people)."""
    out = tmp_path_factory.mktemp("export") / "run"
    r = run_cli("render", "--frames", "2", "--resolution", "128x64", "--samples", "1", "--no-denoise",
                "--seed", "3", "--out", out)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def coco_file(run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("coco") / "sub" / "instances.json"
    r = run_cli("export", "coco", run, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def kitti_dir(run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kitti") / "kitti"
    r = run_cli("export", "kitti", run, "--split", "train", "--out", out, "--quiet")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return out


def _instance_ids(run: Path, file_name: str) -> np.ndarray:
    path = run / file_name.replace("leftImg8bit/", "gtFine/", 1).replace("_leftImg8bit.png", "_gtFine_instanceIds.png")
    return read_png(path)


def test_the_seed_gives_cars_and_people(run):
    labels = set()
    for fid in list_frames(run):
        labels |= {b.label for b in frame_boxes(load_frame(fid)) if b.pixels}
    assert {"car", "person"} <= labels


def test_coco_loads_and_every_mask_equals_its_instance_pixels(run, coco_file):
    from pycocotools.coco import COCO

    coco = COCO(str(coco_file))
    assert len(coco.getImgIds()) == 2 and len(coco.getAnnIds()) > 10
    names = {c["name"]: c["id"] for c in coco.loadCats(coco.getCatIds())}
    assert names["car"] == 26 and names["person"] == 24 and "road" not in names
    seen = set()
    for ann in coco.loadAnns(coco.getAnnIds()):
        img = coco.loadImgs(ann["image_id"])[0]
        ids = _instance_ids(run, img["file_name"])
        expected = ids == ann["instance_id"]
        assert np.array_equal(coco.annToMask(ann).astype(bool), expected), ann["id"]
        assert ann["area"] == expected.sum() > 0 and ann["iscrowd"] == 0
        assert ann["category_id"] == ann["instance_id"] // 1000
        x1, y1, x2, y2 = visible_box(expected)
        assert ann["bbox"] == [x1, y1, x2 - x1 + 1, y2 - y1 + 1]
        seen.add((ann["image_id"], ann["instance_id"]))
    for img in coco.loadImgs(coco.getImgIds()):  # every instance pixel is annotated
        ids = _instance_ids(run, img["file_name"])
        assert {(img["id"], int(v)) for v in np.unique(ids) if v >= 1000} <= seen


def _parse_label(line: str):
    cols = line.split()
    assert len(cols) == 15, line
    values = [float(c) for c in cols[1:]]  # every field but the type is numeric
    assert all(math.isfinite(v) for v in values)
    return cols[0], values


def test_kitti_labels_follow_the_devkit_layout(run, kitti_dir):
    frames = list_frames(run)
    types = set()
    for fid in frames:
        frame = load_frame(fid)
        w, h = frame.camera.width, frame.camera.height
        lines = (kitti_dir / "label_2" / f"{fid.stem}.txt").read_text().splitlines()
        assert lines
        for line in lines:
            kind, (trunc, occ, alpha, x1, y1, x2, y2, dh, dw, dl, x, y, z, ry) = _parse_label(line)
            assert kind in KITTI_TYPES
            types.add(kind)
            assert 0 <= x1 <= x2 <= w - 1 and 0 <= y1 <= y2 <= h - 1, line
            if kind == "DontCare":
                continue
            assert 0 <= trunc <= 1 and occ in (0, 1, 2, 3) and dh > 0 and dw > 0 and dl > 0 and z > 0, line
            assert -math.pi <= ry <= math.pi and -math.pi <= alpha <= math.pi
            d = (ry - math.atan2(x, z) - alpha + math.pi) % (2 * math.pi) - math.pi
            assert abs(d) < 0.02, line
        calib = dict(l.split(": ", 1) for l in (kitti_dir / "calib" / f"{fid.stem}.txt").read_text().splitlines())
        assert set(calib) == {"P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"}
        p2 = np.array(calib["P2"].split(), dtype=float).reshape(3, 4)
        assert np.allclose(p2[:, :3], frame.camera.K) and np.allclose(p2[:, 3], 0)
        assert np.allclose(np.array(calib["R0_rect"].split(), dtype=float).reshape(3, 3), np.eye(3))
        assert np.array(calib["Tr_velo_to_cam"].split(), dtype=float).shape == (12,)
    assert {"Car", "Pedestrian"} <= types


def test_visible_boxes_lie_inside_the_projected_full_boxes(run):
    checked = 0
    for fid in list_frames(run):
        for b in frame_boxes(load_frame(fid)):
            if b.visible_box is None or not b.in_front:
                continue
            x1, y1, x2, y2 = b.visible_box
            u1, v1, u2, v2 = b.full_box
            assert u1 - 1 <= x1 and x2 + 1 <= u2 + 1 and v1 - 1 <= y1 and y2 + 1 <= v2 + 1, (b.instance_id, b)
            assert 0 <= b.truncation <= 1 and 0 <= b.occlusion <= 1
            checked += 1
    assert checked > 10


def test_a_visible_cars_camera_box_centre_projects_onto_it(run):
    best = None
    for fid in list_frames(run):
        frame = load_frame(fid)
        for b in frame_boxes(frame):
            if b.label == "car" and b.truncation == 0 and (best is None or b.pixels > best[1].pixels):
                best = (frame, b)
    frame, car = best
    assert car.pixels > 50
    u, v, s = frame.camera.K @ np.array(car.camera.center)
    x1, y1, x2, y2 = car.visible_box
    assert x1 - 2 <= u / s <= x2 + 3 and y1 - 2 <= v / s <= y2 + 3
    # the camera-axes box is the world box moved by (R, t): same size, same corner distances
    world = np.array(car.world.corners)
    cam = np.array(car.camera.corners)
    assert np.allclose(cam, world @ frame.camera.R.T + frame.camera.t)
    assert np.isclose(np.linalg.norm(cam[0] - cam[7]), np.linalg.norm(world[0] - world[7]))


def test_kitti_rotation_y_points_at_the_vehicles_nose(run):
    """KITTI's box (location, l, rotation_y) puts the nose where the world box's local +y end is (within the
    tilt a pitched camera brings), for every visible car and truck."""
    checked = 0
    for fid in list_frames(run):
        frame = load_frame(fid)
        for b in frame_boxes(frame):
            if b.label not in ("car", "truck") or not b.pixels or not b.in_front:
                continue
            w, l, h = b.world.size_xyz
            yaw = b.world.yaw
            nose_world = np.array(b.world.center_bottom) + [-math.sin(yaw) * l / 2, math.cos(yaw) * l / 2, 0]
            nose_cam = frame.camera.R @ nose_world + frame.camera.t
            ry = b.camera.yaw
            kitti_nose = np.array(b.camera.bottom_center) + [math.cos(ry) * l / 2, 0, -math.sin(ry) * l / 2]
            assert np.linalg.norm(kitti_nose - nose_cam) < 0.25 * l, (b.instance_id, kitti_nose, nose_cam)
            checked += 1
    assert checked >= 3


def test_export_is_deterministic_and_a_run_with_two_splits_needs_split(run, coco_file, tmp_path):
    again = tmp_path / "again.json"
    assert run_cli("export", "coco", run, "--quiet", "--out", again).returncode == 0
    assert again.read_bytes() == coco_file.read_bytes()
    two = tmp_path / "two"
    shutil.copytree(run, two)
    for folder in ("leftImg8bit", "gtFine", "scene"):
        shutil.copytree(two / folder / "train", two / folder / "val")
    r = run_cli("export", "coco", two, "--out", tmp_path / "x.json")
    assert r.returncode == 2 and "--split" in r.stderr and not (tmp_path / "x.json").exists()
    r = run_cli("export", "coco", two, "--split", "val", "--quiet", "--out", tmp_path / "val.json")
    assert r.returncode == 0, r.stderr
    assert {i["file_name"].split("/")[1] for i in json.loads((tmp_path / "val.json").read_text())["images"]} == {"val"}


def test_box_helpers():
    mask = np.zeros((4, 6), bool)
    mask[1:3, 2:5] = True
    assert visible_box(mask) == (2, 1, 4, 2) and visible_box(np.zeros((2, 2), bool)) is None
    assert truncation((0, 0, 10, 10), 20, 20) == 0 and truncation((-10, 0, 10, 10), 20, 20) == pytest.approx(0.5)
    cam = Camera(np.array([[10.0, 0, 5], [0, 10, 5], [0, 0, 1]]), np.eye(3), np.zeros(3), 10, 10)
    behind = np.array([[x, y, z] for z in (-3, -2) for x in (-1, 1) for y in (-1, 1)], dtype=float)
    assert full_box(cam, behind) is None
    straddling = behind + [0, 0, 2.5]  # half in front: the in-front part projects, unclipped
    u1, v1, u2, v2 = full_box(cam, straddling)
    assert u1 < -100 and u2 > 100
    assert occlusion_level("Car", None) == 3 and occlusion_level("Car", 0.1) == 0 and occlusion_level("Car", 0.9) == 2
