"""Sequences (render --sequence-length): one scene per sequence, the camera driving, flow per frame; real renders."""
import json
import shutil

import numpy as np
import pytest

from conftest import run_cli
from scenegen.io import read_png
from scenegen.layout import FrameId, list_frames

ARGS = ["--frames", "6", "--sequence-length", "3", "--fps", "10", "--resolution", "128x64", "--samples", "1",
        "--no-denoise", "--seed", "3", "--workers", "1"]


@pytest.fixture(scope="module")
def seq_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("seq") / "out"
    r = run_cli("render", *ARGS, "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def _fid(root, s, t):
    return FrameId(root, "train", "scenegen", s, t)


def test_sequences_are_named_by_sequence_and_frame_and_keep_one_scene_in_which_things_move(seq_set):
    assert [(f.seq, f.frame) for f in list_frames(seq_set)] == [(s, t) for s in range(2) for t in range(3)]
    for s in range(2):
        records = [json.loads(_fid(seq_set, s, t).path("scene").read_text()) for t in range(3)]
        ids = [[(i["instance_id"], i["label"]) for i in r["instances"]] for r in records]
        assert all(i == ids[0] for i in ids)  # the same objects with the same instance ids
        ys = [r["camera"]["location"][1] for r in records]
        speed = records[0]["sequence"]["ego_speed_mps"]
        assert np.allclose(np.diff(ys), speed / 10.0) and speed > 0
        assert [r["sequence"]["frame"] for r in records] == [0, 1, 2]
        speeds = records[0]["sequence"]["object_speeds_mps"]
        moving = [k for k, v in enumerate(speeds) if v > 0]
        assert moving and len(moving) < len(speeds)  # traffic and people move, parked cars and poles stand
        objects = [r["scene"]["objects"] for r in records]
        for k in moving:
            step = np.hypot(*np.subtract(objects[1][k]["location"][:2], objects[0][k]["location"][:2]))
            assert step == pytest.approx(speeds[k] / 10.0, abs=1e-4)


def test_flow_carries_each_pixel_to_where_the_next_frame_shows_it(seq_set):
    for t in range(2):
        a, b = _fid(seq_set, 0, t), _fid(seq_set, 0, t + 1)
        la, lb = read_png(a.path("label_ids")), read_png(b.path("label_ids"))
        fw, bw = np.load(a.path("flow_forward")), np.load(b.path("flow_backward"))
        assert fw.dtype == np.float32 and fw.shape == (*la.shape, 4)
        h, w = la.shape
        v, u = np.mgrid[0:h, 0:w]
        valid, occluded = fw[..., 2] > 0, fw[..., 3] > 0
        visible = valid & ~occluded
        u2 = np.floor(u + 0.5 + fw[..., 0]).astype(int).clip(0, w - 1)
        v2 = np.floor(v + 0.5 + fw[..., 1]).astype(int).clip(0, h - 1)
        assert valid.mean() > 0.5 and np.median(np.abs(fw[..., :2])[valid]) > 0.3  # the camera moved
        same = la == lb[v2, u2]  # labels of the next frame, fetched along the flow
        assert same[visible].mean() > 0.92
        ia, ib = read_png(a.path("instance_ids")), read_png(b.path("instance_ids"))
        things = visible & (ia >= 1000)  # pixels of instances, most of them moving: the same instance there
        assert (ia == ib[v2, u2])[things].mean() > 0.9
        if occluded.sum() > 20:  # what the flow calls hidden is mostly something else in the next frame
            assert same[occluded].mean() < 0.5
        back = bw[v2, u2]
        both = visible & (back[..., 2] > 0)
        assert np.median(np.linalg.norm(fw[..., :2] + back[..., :2], axis=-1)[both]) < 0.2  # forward-backward
    assert not np.load(_fid(seq_set, 0, 0).path("flow_backward"))[..., 2].any()
    assert not np.load(_fid(seq_set, 0, 2).path("flow_forward"))[..., 2].any()


def test_a_sequence_resumed_mid_way_gives_the_same_bytes(seq_set, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(seq_set, copy)
    for t in (1, 2):
        _fid(copy, 1, t).path("image").unlink()
    r = run_cli("render", *ARGS, "--out", copy)
    assert r.returncode == 0 and "2 rendered, 4 already complete" in r.stderr, r.stderr
    for t in (1, 2):
        for kind in ("image", "label_ids", "instance_ids", "scene", "flow_forward", "flow_backward"):
            assert _fid(copy, 1, t).path(kind).read_bytes() == _fid(seq_set, 1, t).path(kind).read_bytes(), kind


def test_sheet_draws_a_filmstrip_of_a_sequence_with_a_row_per_modality(seq_set, tmp_path):
    out = tmp_path / "film.png"
    r = run_cli("sheet", seq_set, "--sequence", "1", "--cell-width", "64", "--out", out)
    assert r.returncode == 0, r.stderr
    film = read_png(out)
    assert film.shape[1] == 3 * (64 + 4) + 4 and film.shape[0] == 3 * (32 + 4) + 4  # 3 frames; image, labels, flow
    bad = run_cli("sheet", seq_set, "--sequence", "7", "--out", tmp_path / "x.png")
    assert bad.returncode == 2 and "no frames of sequence 7" in bad.stderr and not (tmp_path / "x.png").exists()


def test_the_motion_model_moves_traffic_with_the_ego_camera_and_leaves_parked_cars():
    from scenegen.grammar import frame_scene
    from scenegen.params import default_space
    from scenegen.seeding import FrameSeed
    from scenegen.sequence import SequenceScene, ego_speed, scene_seed

    seed = FrameSeed(3, 0, 0)
    seq = SequenceScene.start(frame_scene(default_space(), seed), seed, 5, 10.0)
    half = seq.base.road.lane_count * seq.base.road.lane_width / 2
    for obj, speed in zip(seq.base.objects, seq.speeds):
        if obj.label == "car" and abs(obj.location[0]) > half:  # parked beside the carriageway
            assert speed == 0.0
        if obj.label == "car" and abs(obj.location[0]) < half and abs(obj.yaw) < 0.5:  # ahead, our direction
            assert speed == ego_speed(seed)
        if obj.family in ("street_lamp", "building", "tree"):
            assert speed == 0.0
    moves = seq.moves(4)
    assert seq.camera(4).location[1] - seq.camera(0).location[1] == pytest.approx(0.4 * ego_speed(seed))
    shown = seq.shown(4)
    for before, after, (dx, dy) in zip(seq.base.objects, shown.objects, moves):
        assert after.location[0] == pytest.approx(before.location[0] + dx)
        assert after.location[1] == pytest.approx(before.location[1] + dy)
    later = FrameSeed(3, 0, 2)  # a unit that starts mid-sequence draws the same scene and speeds
    assert seq == SequenceScene.start(frame_scene(default_space(), scene_seed(later)), later, 5, 10.0)


def test_ray_tasks_render_the_same_sequence_bytes_as_local_workers(seq_set, tmp_path):
    out = tmp_path / "ray"
    r = run_cli("render", *ARGS[:-2], "--workers", "2", "--executor", "ray", "--out", out)
    assert r.returncode == 0, r.stderr[-2000:]
    for fid in list_frames(seq_set):
        other = _fid(out, fid.seq, fid.frame)
        for kind in ("image", "label_ids", "instance_ids", "scene", "flow_forward", "flow_backward"):
            assert other.path(kind).read_bytes() == fid.path(kind).read_bytes(), (fid.stem, kind)


def test_export_kitti_writes_the_flow_as_the_kitti_devkit_reads_it(seq_set, tmp_path):
    import cv2

    out = tmp_path / "kitti"
    r = run_cli("export", "kitti", seq_set, "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    fid = _fid(seq_set, 0, 0)
    flow = np.load(fid.path("flow_forward"))
    for folder, known in (("flow_occ", flow[..., 2] > 0), ("flow_noc", (flow[..., 2] > 0) & (flow[..., 3] == 0))):
        png = cv2.imread(str(out / folder / f"{fid.stem}.png"), cv2.IMREAD_UNCHANGED)[..., ::-1].astype(float)
        valid = png[..., 2] > 0  # the devkit: R = u, G = v as (value - 2^15) / 64, B = valid
        assert (valid == known).all()
        for channel in (0, 1):
            assert np.abs((png[..., channel] - 2 ** 15) / 64 - flow[..., channel])[valid].max() < 1 / 100  # quantised to 1/64 px
