"""Ground truth beyond labels: encodings (pure) and, with real renders, geometry against the scene record."""
import math

import numpy as np
import pytest

from scenegen.errors import UserError
from scenegen.ground_truth import (cityscapes_camera, depth_from_disparity_png, disparity_png, normals_from_png,
                                   normals_png, parse_outputs)


def test_outputs_parse_in_a_fixed_order_and_refuse_unknown_kinds():
    assert parse_outputs("normals,depth") == ("depth", "normals")
    assert parse_outputs(["disparity"]) == ("disparity",)
    assert parse_outputs(None) == () and parse_outputs("") == ()
    for bad in ("depth,flow", 3, ["depth", 1]):
        with pytest.raises(UserError):
            parse_outputs(bad)


def test_disparity_png_round_trips_depth_as_cityscapes_reads_it():
    depth = np.array([[2.0, 10.0], [80.0, np.inf]], dtype=np.float32)
    png = disparity_png(depth, fx=500.0)
    assert png.dtype == np.uint16 and png[1, 1] == 0
    back = depth_from_disparity_png(png, fx=500.0)
    assert np.isinf(back[1, 1])
    assert np.allclose(back[np.isfinite(depth)], depth[np.isfinite(depth)], rtol=2e-3)


def test_normals_png_round_trips_unit_normals_and_marks_the_sky():
    n = np.array([[[0.0, -1.0, 0.0], [0.6, 0.0, -0.8]]])
    png = normals_png(n, valid=np.array([[True, False]]))
    back = normals_from_png(png)
    assert np.allclose(back[0, 0], [0, -1, 0], atol=1e-4) and np.isnan(back[0, 1]).all()


def test_the_cityscapes_camera_file_holds_intrinsics_and_the_pose():
    cam = {"intrinsics": {"fx": 400.0, "fy": 400.0, "cx": 256.0, "cy": 128.0}, "location": [0.5, 0.0, 1.6],
           "pitch_deg": -2.0, "roll_deg": 0.0, "yaw_deg": 0.0}
    out = cityscapes_camera(cam)
    assert out["intrinsic"] == {"fx": 400.0, "fy": 400.0, "u0": 256.0, "v0": 128.0}
    assert out["extrinsic"]["z"] == 1.6 and math.isclose(out["extrinsic"]["pitch"], math.radians(-2.0))
    assert out["extrinsic"]["baseline"] > 0


# -- with real renders -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gt_set(tmp_path_factory):
    """Two frames at 128x64 (seed 3: cars and people in view) with every extra output."""
    from conftest import run_cli

    out = tmp_path_factory.mktemp("gt") / "out"
    r = run_cli("render", "--frames", "2", "--resolution", "128x64", "--samples", "1", "--no-denoise", "--seed", "3",
                "--outputs", "normals,disparity,depth,boxes", "--workers", "1", "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def _frames(root):
    import json

    from scenegen.io import read_png
    from scenegen.layout import list_frames

    for fid in list_frames(root):
        yield fid, json.loads(fid.path("scene").read_text()), read_png(fid.path("instance_ids"))


def _world_points(depth, camera):
    """World coordinates of every pixel's surface point (depth along the optical axis)."""
    k = np.array(camera["K"])
    r, t = np.array(camera["world_to_camera_cv"]["R"]), np.array(camera["world_to_camera_cv"]["t"])
    h, w = depth.shape
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    pc = np.stack([(u - k[0, 2]) / k[0, 0] * depth, (v - k[1, 2]) / k[1, 1] * depth, depth], axis=-1)
    return (pc - t) @ r  # R^T (x_cv - t)


def test_depth_back_projects_each_object_pixel_into_its_3d_box(gt_set):
    from scenegen.io import read_png
    from scenegen.labels import label_id

    checked = 0
    for fid, record, inst in _frames(gt_set):
        depth = np.load(fid.path("depth"))
        sky = read_png(fid.path("label_ids")) == label_id("sky")  # a street may bend out of the sky's way
        assert depth.dtype == np.float32 and (np.isinf(depth) == sky).all() and (depth[~sky] > 0).all()
        world = _world_points(np.where(np.isfinite(depth), depth, 0.0), record["camera"])
        for obj in record["instances"]:
            mask = inst == obj["instance_id"]
            if mask.sum() < 4:
                continue
            box = obj["box3d"]
            c, s = np.cos(box["yaw"]), np.sin(box["yaw"])
            d = world[mask] - np.array(box["center_bottom"])
            local = np.stack([c * d[:, 0] + s * d[:, 1], -s * d[:, 0] + c * d[:, 1], d[:, 2]], axis=-1)
            w, length, h = box["size_xyz"]
            margin = 0.05 + 0.02 * float(np.median(depth[mask]))  # a pixel's footprint at that distance
            inside = ((np.abs(local[:, 0]) <= w / 2 + margin) & (np.abs(local[:, 1]) <= length / 2 + margin)
                      & (local[:, 2] >= -margin) & (local[:, 2] <= h + margin))
            assert inside.mean() > 0.97, (obj["label"], inside.mean())
            checked += 1
    assert checked >= 3


def test_road_normals_point_up_in_world_axes_and_disparity_decodes_to_the_depth(gt_set):
    from scenegen.io import read_png
    from scenegen.labels import label_id

    for fid, record, _ in _frames(gt_set):
        labels = read_png(fid.path("label_ids"))
        depth = np.load(fid.path("depth"))
        normals_cam = normals_from_png(read_png(fid.path("normals")))
        r = np.array(record["camera"]["world_to_camera_cv"]["R"])
        up = (normals_cam @ r)[..., 2]  # world z of R^T n
        road = labels == label_id("road")
        assert road.sum() > 50 and np.median(up[road]) > 0.999
        assert np.isnan(normals_cam[labels == label_id("sky")]).all()
        camera = __import__("json").loads(fid.path("camera").read_text())
        back = depth_from_disparity_png(read_png(fid.path("disparity")), camera["intrinsic"]["fx"],
                                        camera["extrinsic"]["baseline"])
        near = np.isfinite(depth) & (depth < 40)
        assert np.allclose(back[near], depth[near], rtol=0.03)


def test_the_boxes_file_holds_every_instance_as_export_computes_it(gt_set):
    import json

    from scenegen.export.boxes import frame_boxes
    from scenegen.export.frames import load_frame
    from scenegen.layout import list_frames

    visible = 0
    for fid in list_frames(gt_set):
        written = json.loads(fid.path("boxes").read_text())
        frame = load_frame(fid)
        assert (written["width"], written["height"]) == (128, 64)
        assert written["instances"] == json.loads(json.dumps([b.to_dict() for b in frame_boxes(frame)]))
        for box in written["instances"]:
            mask = frame.instance_ids == box["instance_id"]
            assert box["pixels"] == mask.sum()
            if box["pixels"]:
                rows, cols = np.nonzero(mask)
                assert box["visible_box"] == [cols.min(), rows.min(), cols.max(), rows.max()]
                visible += 1
    assert visible >= 2


def test_torchvision_still_reads_the_folder_and_a_rerun_keeps_every_frame(gt_set):
    from torchvision.datasets import Cityscapes

    from conftest import run_cli

    ds = Cityscapes(str(gt_set), split="train", mode="fine", target_type=["semantic", "instance"])
    image, (semantic, instance) = ds[0]
    assert len(ds) == 2 and image.size == semantic.size == (128, 64)
    again = run_cli("render", "--frames", "2", "--resolution", "128x64", "--samples", "1", "--no-denoise",
                    "--seed", "3", "--outputs", "depth,disparity,normals,boxes", "--workers", "1", "--out", gt_set)
    assert again.returncode == 0 and "0 rendered, 2 already complete" in again.stderr
    other = run_cli("render", "--frames", "2", "--resolution", "128x64", "--samples", "1", "--no-denoise",
                    "--seed", "3", "--outputs", "depth", "--workers", "1", "--out", gt_set)
    assert other.returncode == 2 and "outputs" in other.stderr
