"""Rendering with the real bpy: file layout, label contracts, exactness and determinism."""
import dataclasses
import json
import math

import numpy as np
import pytest

from conftest import run_cli
from scenegen.io import read_png
from scenegen.labels import (CITYSCAPES_TO_TRAINID, INSTANCE_CLASS_IDS, VALID_IDS, colorize, label_id)
from scenegen.layout import list_frames

pytestmark = pytest.mark.blender

REQUIRED = ("road", "sidewalk", "building", "vegetation", "sky", "car", "person", "pole")


def test_acceptance_render_layout_and_classes(rendered_set):
    frames = list_frames(rendered_set)
    assert len(frames) == 4
    assert [f.stem for f in frames] == [f"scenegen_000000_{i:06d}" for i in range(4)]
    seen = set()
    for f in frames:
        rgb = read_png(f.path("image"))
        ids = read_png(f.path("label_ids"))
        assert rgb.shape == (256, 512, 3) and rgb.dtype == np.uint8
        assert ids.shape == (256, 512) and ids.dtype == np.uint8
        assert set(np.unique(ids).tolist()) <= VALID_IDS
        seen |= set(np.unique(ids).tolist())
        assert np.array_equal(read_png(f.path("color")), colorize(ids))
        assert np.array_equal(read_png(f.path("train_ids")), CITYSCAPES_TO_TRAINID[ids])
        assert rgb.std() > 5, "image is blank"
    for name in REQUIRED:
        assert label_id(name) in seen, f"{name} missing from all 4 frames"
    assert (rendered_set / "manifest.json").exists() and (rendered_set / "contact_sheet.png").exists()
    assert not [p for p in rendered_set.rglob("*") if ".tmp-" in p.name]


def test_instance_ids_hold_id_times_1000_plus_k(rendered_set):
    for f in list_frames(rendered_set):
        ids = read_png(f.path("label_ids")).astype(np.int64)
        inst = read_png(f.path("instance_ids")).astype(np.int64)
        assert read_png(f.path("instance_ids")).dtype == np.uint16
        scene = json.loads(f.path("scene").read_text())
        known = {i["instance_id"]: i for i in scene["instances"]}
        is_inst = np.isin(ids, sorted(INSTANCE_CLASS_IDS))
        assert np.array_equal(inst[~is_inst], ids[~is_inst])
        assert np.array_equal(inst[is_inst] // 1000, ids[is_inst])
        for value in np.unique(inst[is_inst]):
            assert value in known, f"{f.stem}: instance {value} not in the scene JSON"
            assert known[value]["label_id"] == value // 1000


def test_scene_json_records_everything(rendered_set):
    f = list_frames(rendered_set)[0]
    scene = json.loads(f.path("scene").read_text())
    assert scene["seed"] == {"run_seed": 0, "iteration": 0, "frame_index": 0}
    assert len(scene["params_version"]) == 12
    assert len(scene["variables"]) >= 20
    assert scene["camera"]["intrinsics"]["width"] == 512
    assert "R" in scene["camera"]["world_to_camera_cv"]
    assert all(len(i["box3d"]["corners"]) == 8 for i in scene["instances"])
    assert scene["scene"]["road"]["lane_count"] == scene["variables"]["lane_count"]


def test_same_command_twice_is_byte_identical(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        r = run_cli("render", "--frames", "2", "--resolution", "128x64", "--samples", "1", "--no-denoise",
                    "--seed", "3", "--out", out, "--no-sheet")
        assert r.returncode == 0, r.stderr
    for fa, fb in zip(list_frames(outs[0]), list_frames(outs[1])):
        for kind in ("label_ids", "instance_ids", "scene"):
            assert fa.path(kind).read_bytes() == fb.path(kind).read_bytes(), kind


def test_rerun_resumes_and_keeps_complete_frames(tmp_path):
    out = tmp_path / "o"
    args = ["render", "--frames", "2", "--resolution", "64x32", "--samples", "1", "--no-denoise", "--out", out]
    assert run_cli(*args).returncode == 0
    frames = list_frames(out)
    frames[1].path("label_ids").unlink()
    stamp = frames[0].path("image").stat().st_mtime_ns
    r = run_cli(*args)
    assert r.returncode == 0 and "1 rendered, 1 already complete" in r.stderr
    assert frames[0].path("image").stat().st_mtime_ns == stamp
    assert len(list_frames(out)) == 2
    r = run_cli("render", "--frames", "2", "--resolution", "64x32", "--seed", "9", "--out", out)
    assert r.returncode == 2 and "different" in r.stderr


def _render_one_car(yaw_deg: float, distance: float):
    """A scene with nothing but the street and one sedan at a known pose, rendered in-process.

    Returns the spec, the car, the settings, the frame and the world coordinates of every vertex
    Blender drew for the car."""
    import bpy

    from scenegen.blender.render import Renderer
    from scenegen.grammar import frame_scene
    from scenegen.params import default_space
    from scenegen.render_settings import RenderSettings
    from scenegen.seeding import FrameSeed
    from scenegen.spec import ObjectSpec, FogSpec
    from assets.vehicles import sample_vehicle

    base = frame_scene(default_space(), FrameSeed(0, 0, 0))
    v = sample_vehicle(np.random.default_rng(4), "sedan")
    road = base.road
    car = ObjectSpec("sedan", "car", (road.lane_center_x(road.lane_count - 1) - 0.4, distance, 0.0),
                     math.radians(yaw_deg), (v.width, v.length, v.height), instance=1, params=v.to_dict())
    spec = dataclasses.replace(base, objects=(car,), fog=FogSpec(0.0, (1, 1, 1)))
    settings = RenderSettings(width=480, height=240, samples=1, denoise=False)
    renderer = Renderer(settings)
    try:
        frame = renderer.render(spec)
        depsgraph = bpy.context.evaluated_depsgraph_get()
        verts = []
        for inst in depsgraph.object_instances:
            obj = inst.object
            if obj.type != "MESH" or obj.pass_index == 0:
                continue
            if obj.original.name.startswith(("road", "sidewalk", "curb", "terrain", "ground", "marking")):
                continue
            if obj.pass_index != _car_pass_index(obj):
                continue
            mesh = obj.to_mesh()
            co = np.array([tuple(inst.matrix_world @ vtx.co) for vtx in mesh.vertices])
            obj.to_mesh_clear()
            verts.append(co)
    finally:
        renderer.close()
    return spec, car, settings, frame, np.concatenate(verts) if verts else np.zeros((0, 3))


def _car_pass_index(obj) -> int:
    # The car is the only instance-class object in this scene, so its pass index is the largest one.
    import bpy

    return max(o.pass_index for o in bpy.data.objects)


@pytest.fixture(scope="module")
def one_car_frame():
    return _render_one_car(8.0, 24.0)


@pytest.fixture(scope="module")
def one_car_frame_turned():
    return _render_one_car(35.0, 12.0)


def _mask_box(mask):
    ys, xs = np.nonzero(mask)
    return (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])
    return inter / (area(a) + area(b) - inter)


def test_car_mask_matches_projected_3d_box(one_car_frame):
    from scenegen.camera_model import project

    spec, car, settings, frame, _ = one_car_frame
    mask = frame.label_ids == label_id("car")
    assert mask.any()
    uv, depth = project(spec.camera, settings.width, settings.height, np.array(car.box_corners()))
    assert (depth > 0).all()
    proj_box = (uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max())
    assert _iou(_mask_box(mask), proj_box) >= 0.9, (_mask_box(mask), proj_box)
    assert set(np.unique(frame.instance_ids[mask]).tolist()) == {label_id("car") * 1000}


def test_car_mask_matches_projected_mesh_at_any_yaw(one_car_frame_turned):
    """Tighter: the mask's box equals the projection of the geometry Blender drew, to about a pixel."""
    from scenegen.camera_model import project

    spec, car, settings, frame, verts = one_car_frame_turned
    assert len(verts) > 8
    uv, depth = project(spec.camera, settings.width, settings.height, verts)
    assert (depth > 0).all()
    proj_box = (uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max())
    assert _iou(_mask_box(frame.label_ids == label_id("car")), proj_box) >= 0.95
    # The mesh stays inside the exported 3D box.
    corners = np.array(car.box_corners())
    c, s = math.cos(car.yaw), math.sin(car.yaw)
    local = (verts - np.array(car.location)) @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    half = np.array(car.size) / 2
    assert (np.abs(local[:, 0]) <= half[0] + 0.02).all() and (np.abs(local[:, 1]) <= half[1] + 0.02).all()
    assert local[:, 2].min() >= -0.02 and local[:, 2].max() <= car.size[2] + 0.02
    assert corners.shape == (8, 3)


def test_no_absent_class_appears(one_car_frame):
    frame = one_car_frame[3]
    present = {int(v) for v in np.unique(frame.label_ids)}
    assert present <= {label_id(n) for n in ("road", "sidewalk", "terrain", "sky", "car")}, present


def _render_one_tree(leaf_cover: float):
    """A single round tree beside the road, sky behind its crown; returns the frame."""
    from scenegen.blender.render import Renderer
    from scenegen.grammar import frame_scene
    from scenegen.params import default_space
    from scenegen.render_settings import RenderSettings
    from scenegen.seeding import FrameSeed
    from scenegen.spec import FogSpec, ObjectSpec
    from assets.vegetation import sample_tree

    base = frame_scene(default_space(), FrameSeed(0, 0, 0))
    t = dataclasses.replace(sample_tree(np.random.default_rng(1), leaf_cover), shape="round")
    d = 2 * t.crown_radius
    tree = ObjectSpec("tree", "vegetation", (base.road.carriageway_half_width + 1.0, 14.0, 0.0), 0.0,
                      (d, d, t.height), params=t.to_dict())
    spec = dataclasses.replace(base, objects=(tree,), fog=FogSpec(0.0, (1, 1, 1)))
    renderer = Renderer(RenderSettings(width=160, height=120, samples=4, denoise=False))
    try:
        return renderer.render(spec)
    finally:
        renderer.close()


def test_bare_crowns_are_see_through_but_labelled_whole():
    leafy, bare = _render_one_tree(1.0), _render_one_tree(0.0)
    veg = label_id("vegetation")
    leafy_mask, bare_mask = leafy.label_ids == veg, bare.label_ids == veg
    assert leafy_mask.sum() > 200
    # the same pixels are vegetation: the index pass takes the see-through crown
    assert (leafy_mask & bare_mask).sum() / (leafy_mask | bare_mask).sum() > 0.97
    # ... while the image shows what is behind it (bright sky, buildings): brighter and less green
    lum = lambda f: f.rgb[leafy_mask].astype(float).mean()
    assert lum(bare) > lum(leafy) + 6
    green = lambda f: (f.rgb[leafy_mask][:, 1].astype(float) - f.rgb[leafy_mask][:, [0, 2]].mean(1)).mean()
    assert green(bare) < green(leafy)


def test_frame_records_leave_out_the_device_and_compare_renders_finds_a_changed_label(rendered_set, tmp_path):
    """What bench/gpu_check.sh relies on: a frame's scene record does not name the device or threads it
    was rendered with, and bench/compare_renders.py flags a label file that differs."""
    import shutil
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from compare_renders import compare

    record = json.loads(next((rendered_set / "scene").rglob("*_scene.json")).read_text())
    assert "device" not in record["render"] and "threads" not in record["render"]
    copy = tmp_path / "copy"
    shutil.copytree(rendered_set, copy)
    assert compare(rendered_set, copy) == (4, [])
    label = sorted(copy.rglob("*_gtFine_labelIds.png"))[0]
    label.write_bytes(label.read_bytes()[:-1] + b"\x00")
    shared, differing = compare(rendered_set, copy)
    assert shared == 4 and differing == [str(label)]


def test_labels_and_depth_do_not_depend_on_the_sample_count():
    """What lets the tuner and `render` use few samples: Cycles writes the object-index and depth passes from
    each pixel's first sample, so labels, instances and depth are the same bytes at any sample count."""
    from scenegen.blender.render import Renderer
    from scenegen.grammar import frame_scene
    from scenegen.params import default_space
    from scenegen.render_settings import RenderSettings
    from scenegen.seeding import FrameSeed

    specs = [frame_scene(default_space(), FrameSeed(5, 0, i)) for i in range(2)]
    frames = {}
    for samples in (1, 6):
        renderer = Renderer(RenderSettings(width=96, height=48, samples=samples, threads=1))
        try:
            frames[samples] = [renderer.render(s) for s in specs]
        finally:
            renderer.close()
    for one, six in zip(frames[1], frames[6]):
        assert np.array_equal(one.label_ids, six.label_ids) and np.array_equal(one.instance_ids, six.instance_ids)
        assert np.array_equal(one.depth, six.depth)
        assert not np.array_equal(one.rgb, six.rgb)  # the images do differ
