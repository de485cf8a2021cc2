"""User CAD models: catalog validation, OBJ/glTF extents, and a catalog car found in a render."""
from __future__ import annotations

import dataclasses
import json
import re
import struct

import numpy as np
import pytest

from assets.catalog import FAMILY, CatalogError, load_catalog, to_local
from scenegen.spec import ObjectSpec


def _write_obj(path, size=(1.8, 4.2, 1.4)) -> None:
    """A car-sized box with a cabin, Y-up like most OBJ exports (front along -Z)."""
    w, l, h = size
    v = [(x, y, z) for y in (0.0, h * 0.55) for z in (-l / 2, l / 2) for x in (-w / 2, w / 2)]
    v += [(x, y, z) for y in (h * 0.55, h) for z in (-l / 4, l / 5) for x in (-w * 0.42, w * 0.42)]
    quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
    quads += [[i + 8 for i in q] for q in quads]
    with open(path, "w") as fh:
        fh.write("# test car\n")
        fh.writelines(f"v {x} {y} {z}\n" for x, y, z in v)
        fh.writelines("f " + " ".join(str(i + 1) for i in q) + "\n" for q in quads)


def test_catalog_reads_obj_extent_and_validates(tmp_path):
    _write_obj(tmp_path / "car.obj")
    (tmp_path / "cat.yaml").write_text("models:\n  - {path: car.obj, class: car, up: y, forward: -y, scale: 1.0}\n")
    cat = load_catalog(tmp_path / "cat.yaml")
    m = cat.sample(np.random.default_rng(0), "car")
    assert m.label == "car" and m.format == "obj"
    assert m.size == pytest.approx((1.8, 4.2, 1.4), abs=1e-3)
    bad = {"unknown class": "models:\n  - {path: car.obj, class: spaceship}\n",
           "missing file": "models:\n  - {path: nope.obj, class: car}\n",
           "bad type": "models:\n  - {path: cat.yaml, class: car}\n",
           "no models": "models: []\n",
           "blend without size": ("models:\n  - {path: x.blend, class: car}\n", "need an explicit size"),
           "corrupt blend": ("models:\n  - {path: junk.blend, class: car, size: [1, 2, 1]}\n", "not a .blend file"),
           "glTF buffer missing": ("models:\n  - {path: m.gltf, class: car}\n", "buffer file 'm.bin' is missing")}
    (tmp_path / "x.blend").write_bytes(b"BLENDER")
    (tmp_path / "junk.blend").write_bytes(b"this is no blend file")
    (tmp_path / "m.gltf").write_text(json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "m.bin", "byteLength": 36}],
                                                 "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
                                                 "accessors": [{"min": [0, 0, 0], "max": [1, 1, 1]}]}))
    for name, case in bad.items():
        text, fragment = case if isinstance(case, tuple) else (case, "")
        (tmp_path / "bad.yaml").write_text(text)
        with pytest.raises(CatalogError, match=re.escape(fragment) if fragment else None):
            load_catalog(tmp_path / "bad.yaml")


def test_gltf_extent_from_accessors(tmp_path):
    pos = np.array([[-1, 0, -2], [1, 0, -2], [1, 1.5, 2]], dtype=np.float32)
    doc = {"asset": {"version": "2.0"}, "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
           "accessors": [{"min": pos.min(0).tolist(), "max": pos.max(0).tolist(), "count": 3, "type": "VEC3",
                          "componentType": 5126}]}
    (tmp_path / "m.gltf").write_text(json.dumps(doc))
    (tmp_path / "cat.yaml").write_text("models:\n  - {path: m.gltf, class: bus, up: y}\n")
    assert load_catalog(tmp_path / "cat.yaml", load_in_blender=False).models[0].size == pytest.approx((2.0, 4.0, 1.5))


def test_axis_conversion():
    v = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    assert to_local(v, "y", "y") == pytest.approx(np.array([[0, 0, 1], [0, -1, 0], [1, 0, 0]]))
    assert to_local(v, "z", "x")[2] == pytest.approx([0, 1, 0])
    assert to_local(v, "z", "-y")[0] == pytest.approx([0, -1, 0])


def test_catalog_car_is_labelled_car_where_it_stands(tmp_path):
    pytest.importorskip("bpy")
    from scenegen.blender.render import Renderer
    from scenegen.camera_model import project
    from scenegen.grammar import frame_scene
    from scenegen.labels import label_id
    from scenegen.params import default_space
    from scenegen.render_settings import RenderSettings
    from scenegen.seeding import FrameSeed
    from scenegen.spec import CameraSpec, FogSpec

    _write_obj(tmp_path / "car.obj")
    (tmp_path / "cat.yaml").write_text("models:\n  - {path: car.obj, class: car, up: y, forward: -y}\n")
    model = load_catalog(tmp_path / "cat.yaml").models[0]
    car = ObjectSpec(FAMILY, model.label, (1.5, 12.0, 0.0), 0.4, model.size, 1, model.to_dict())
    base = frame_scene(default_space(), FrameSeed(0, 0, 0))
    cam = CameraSpec(location=(0.0, 0.0, 1.6), pitch_deg=-4.0, yaw_deg=0.0, roll_deg=0.0, fov_deg=60.0,
                     exposure_ev=0.0)
    spec = dataclasses.replace(base, objects=(car,), camera=cam, fog=FogSpec(0.0, (0.7, 0.7, 0.7)))
    W, H = 96, 64
    renderer = Renderer(RenderSettings(width=W, height=H, samples=1, denoise=False, device="cpu"))
    try:
        frame = renderer.render(spec)
    finally:
        renderer.close()
    uv, _ = project(cam, W, H, np.array(car.box_corners()))
    x0, y0 = np.floor(uv.min(axis=0)).astype(int)
    x1, y1 = np.ceil(uv.max(axis=0)).astype(int)
    mask = frame.label_ids == label_id("car")
    inside = mask[max(y0, 0):y1, max(x0, 0):x1].sum()
    assert mask.sum() > 100 and inside / mask.sum() > 0.98


# -- the catalog from the command line ------------------------------------------------------------

CAR_CATALOG = "models:\n  - {path: models/car.obj, class: car, up: y, forward: -y}\n"


def _car_catalog(tmp_path):
    (tmp_path / "models").mkdir()
    _write_obj(tmp_path / "models" / "car.obj")
    (tmp_path / "cat.yaml").write_text(CAR_CATALOG)
    return tmp_path / "cat.yaml"


def test_sample_cli_lays_out_catalog_cars_and_records_the_catalog(tmp_path):
    from conftest import run_cli

    cat = _car_catalog(tmp_path)
    r = run_cli("sample", "--count", "3", "--out", tmp_path / "o", "--catalog", cat, "--cad-share", "1")
    assert r.returncode == 0, r.stderr
    records = [json.loads(p.read_text()) for p in sorted((tmp_path / "o").rglob("*_scene.json"))]
    assert len(records) == 3
    for rec in records:
        assert rec["cad"]["share"] == 1.0 and rec["cad"]["classes"] == {"car": 1} and rec["cad"]["digest"]
        assert rec["cad"]["catalog"] == str(cat.resolve())
        cars = [i["family"] for i in rec["instances"] if i["label"] == "car"]
        assert all(f == "cad" for f in cars), cars  # share 1: every car is a catalog model
    assert any(i["family"] == "cad" for rec in records for i in rec["instances"])
    # The same command gives the same bytes; without a catalog nothing is drawn from it.
    r = run_cli("sample", "--count", "3", "--out", tmp_path / "again", "--catalog", cat, "--cad-share", "1")
    assert r.returncode == 0, r.stderr
    again = sorted((tmp_path / "again").rglob("*_scene.json"))
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in sorted((tmp_path / "o").rglob("*_scene.json"))]
    r = run_cli("sample", "--count", "3", "--out", tmp_path / "plain")
    plain = [json.loads(p.read_text()) for p in sorted((tmp_path / "plain").rglob("*_scene.json"))]
    assert all("cad" not in rec and all(i["family"] != "cad" for i in rec["instances"]) for rec in plain)


@pytest.mark.blender
def test_render_cli_with_a_catalog_shows_car_labelled_cad_objects(tmp_path):
    """``scenegen render --catalog``: catalog cars stand in for every car, are recorded in the manifest and
    scene JSON, their instance ids appear in the label images as class car, and Ray workers render the same."""
    pytest.importorskip("bpy")
    from conftest import run_cli
    from scenegen.io import read_png
    from scenegen.labels import label_id
    from scenegen.layout import list_frames

    cat, out = _car_catalog(tmp_path), tmp_path / "out"
    tiny = ["render", "--frames", "2", "--seed", "3", "--resolution", "64x32", "--samples", "1", "--no-denoise",
            "--workers", "1", "--no-sheet", "--catalog", cat]
    common = [*tiny, "--out", out]
    r = run_cli(*common, "--cad-share", "1")
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cad"]["classes"] == {"car": 1} and manifest["run_key"]["cad"]["share"] == 1.0
    car = label_id("car")
    seen = 0
    for fid in list_frames(out):
        rec = json.loads(fid.path("scene").read_text())
        assert rec["cad"]["digest"] == manifest["cad"]["digest"]
        cad_ids = {i["instance_id"] for i in rec["instances"] if i["family"] == "cad"}
        assert cad_ids and all(i["label"] == "car" for i in rec["instances"] if i["family"] == "cad")
        labels, instances = read_png(fid.path("label_ids")), read_png(fid.path("instance_ids"))
        visible = cad_ids & {int(v) for v in np.unique(instances)}
        for iid in visible:
            assert (labels[instances == iid] == car).all()
        seen += len(visible)
    assert seen > 0, "no catalog car visible in any frame"
    # Another share is another run: refused before anything is rendered.
    r = run_cli(*common, "--cad-share", "0.5")
    assert r.returncode == 2 and "different cad" in r.stderr
    # Ray workers get the catalog too: the same frames, byte for byte.
    pytest.importorskip("ray")
    ray_out = tmp_path / "ray"
    r = run_cli(*tiny, "--out", ray_out, "--cad-share", "1", "--executor", "ray")
    assert r.returncode == 0, r.stderr
    for a, b in zip(list_frames(out), list_frames(ray_out), strict=True):
        for kind in ("label_ids", "instance_ids", "scene"):
            assert a.path(kind).read_bytes() == b.path(kind).read_bytes(), (a.stem, kind)


@pytest.mark.blender
def test_a_damaged_blend_with_a_valid_header_is_refused_once_in_the_parent(tmp_path):
    """The parent imports glTF and .blend models once in a Blender process of its own: a file cut short
    (its header intact) is one clear error, not a failure in every render worker."""
    import subprocess
    import sys

    good = tmp_path / "box.blend"
    script = ("import bpy; bpy.ops.wm.read_factory_settings(use_empty=True); "
              "bpy.ops.mesh.primitive_cube_add(); bpy.ops.wm.save_as_mainfile(filepath=r'%s')" % good)
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=300)
    (tmp_path / "cat.yaml").write_text("models:\n  - {path: box.blend, class: car, size: [2, 4, 1.5]}\n")
    assert load_catalog(tmp_path / "cat.yaml").models[0].format == "blend"
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 3])
    with pytest.raises(CatalogError, match="box.blend does not load in Blender"):
        load_catalog(tmp_path / "cat.yaml")


def test_a_catalog_stands_in_for_trams_prams_trees_bushes_and_pavement_furniture(tmp_path):
    from scenegen.cad import load_cad
    from scenegen.errors import UserError
    from scenegen.grammar import frame_scene
    from scenegen.params import default_space
    from scenegen.seeding import FrameSeed

    sizes = {"train": (2.6, 30.0, 3.4), "static": (0.6, 1.8, 1.0), "dynamic": (0.7, 0.9, 1.1),
             "vegetation": (4.0, 4.0, 8.0)}
    lines = []
    for label, size in sizes.items():
        _write_obj(tmp_path / f"{label}.obj", size)
        lines.append(f"  - {{path: {label}.obj, class: {label}, up: y, forward: -y}}\n")
    (tmp_path / "cat.yaml").write_text("models:\n" + "".join(lines))
    cad = load_cad(tmp_path / "cat.yaml", share=1.0)
    space = default_space()
    z = {"tram_tracks": 1, "junction": 0, "one_way": 0, "street_furniture_density": 12.0, "prams": 1,
         "pedestrian_density": 30.0, "tree_density": 10.0, "bush_density": 20.0, "terrain_strip_width_m": 3.0}
    scenes = [frame_scene(space, FrameSeed(0, 0, s), {**space.sample(FrameSeed(0, 0, s).entropy()), **z},
                          cad.catalog, cad.share) for s in range(8)]
    objects = [o for scene in scenes for o in scene.objects]
    replaced = {"tram", "pram", "tree", "bush", "bollard", "bin", "bench", "cycle_stands", "phone_box",
                "advert_pillar"}
    plain = [frame_scene(space, FrameSeed(0, 0, s), {**space.sample(FrameSeed(0, 0, s).entropy()), **z})
             for s in range(8)]
    assert replaced <= {o.family for scene in plain for o in scene.objects}  # all drawn without a catalog
    assert not [o.family for o in objects if o.family in replaced]  # share 1: every one from the catalog
    cad_labels = {o.label for o in objects if o.family == "cad"}
    assert cad_labels == set(sizes), cad_labels
    assert all(o.size == pytest.approx(sizes[o.label], abs=1e-3) for o in objects if o.family == "cad")
    assert any(o.family == "bus_shelter" for o in objects)  # labelled building: stays procedural
    (tmp_path / "bad.yaml").write_text("models:\n  - {path: static.obj, class: building}\n")
    with pytest.raises(UserError, match="places no 'building' objects; catalog classes it can use: .*train"):
        load_cad(tmp_path / "bad.yaml")
