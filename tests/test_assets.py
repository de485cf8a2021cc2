"""Asset builders (real bpy): every family builds from its sampler's params, inside its box, with valid
labels and deterministic geometry, reading only fields of its params dataclass; the road covers the
street cross-section and the ground."""
from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

import assets.blender  # noqa: E402  (registers builders)
from assets.blender.base import BUILDERS_BY_PARAMS, BuildContext, build_object  # noqa: E402
from assets.blender.geom import geometry_hash, local_verts  # noqa: E402
from assets.blender.road import build_road  # noqa: E402
from scenegen.grammar import frame_scene  # noqa: E402
from scenegen.labels import NAME_TO_ID  # noqa: E402
from scenegen.params import default_space  # noqa: E402
from scenegen.seeding import FrameSeed  # noqa: E402
from scenegen.spec import ObjectSpec  # noqa: E402
from assets.catalog import load_catalog  # noqa: E402
from assets.families import FAMILY_PARAMS, PARAMS_TYPES, object_params  # noqa: E402
from assets.furniture import sample_fence, sample_wall  # noqa: E402
from assets.params import AssetParams  # noqa: E402
from assets.street_furniture import FURNITURE_KINDS, sample_street_furniture  # noqa: E402
from assets.prams import sample_pram  # noqa: E402
from assets.trams import sample_tram  # noqa: E402
from assets.vegetation import sample_bush, sample_hedge  # noqa: E402
from assets.vehicles import TWO_WHEELER_FAMILIES, sample_two_wheeler, sample_vehicle  # noqa: E402

TOL = 2e-3


@pytest.fixture()
def ctx():
    """A fresh collection and caches; everything built is removed afterwards."""
    coll = bpy.data.collections.new("test_assets")
    bpy.context.scene.collection.children.link(coll)
    c = BuildContext(coll)
    yield c
    objs = list(coll.objects)
    meshes = {o.data for o in objs if o.data is not None}
    bpy.data.batch_remove(objs + list(meshes) + list(c.materials.values()) + [coll])


def _cad_object(folder: Path) -> ObjectSpec:
    """A catalog car (an OBJ box written here), as the grammar places it."""
    v = [(x, y, z) for z in (0.0, 1.4) for y in (-2.1, 2.1) for x in (-0.9, 0.9)]
    quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
    (folder / "box.obj").write_text("".join(f"v {x} {y} {z}\n" for x, y, z in v)
                                    + "".join("f " + " ".join(str(i + 1) for i in q) + "\n" for q in quads))
    (folder / "cat.yaml").write_text("models:\n  - {path: box.obj, class: car}\n")
    model = load_catalog(folder / "cat.yaml").models[0]
    return ObjectSpec("cad", model.label, (0.0, 0.0, 0.0), 0.0, model.size, 1, model.to_dict())


@pytest.fixture(scope="module")
def scene_objects(tmp_path_factory):
    """Objects of a few default scenes: the grammar's real sizes and params, grouped by family, plus
    sampled objects of the families the grammar places rarely, and a catalog model."""
    space = default_space()
    by_family: dict = {}
    for k in range(4):
        for o in frame_scene(space, FrameSeed(7, 0, k)).objects:
            by_family.setdefault(o.family, []).append(o)
    rng = np.random.default_rng(0)
    for k in range(3):  # families the grammar does not place yet
        b, h = sample_bush(rng), sample_hedge(rng, 3.0 + 4 * k)
        for x in (b, h):
            by_family.setdefault(x.shape, []).append(
                ObjectSpec(x.shape, "vegetation", (0.0, 0.0, 0.0), 0.0, (x.width, x.length, x.height), 0, x.to_dict()))
        fe, wa = sample_fence(rng, 4.0 + 3 * k), sample_wall(rng, 3.0 + 5 * k)
        by_family.setdefault("fence", []).append(
            ObjectSpec("fence", "fence", (0.0, 0.0, 0.0), 0.0, (0.1, fe.length, fe.height), 0, fe.to_dict()))
        by_family.setdefault("wall", []).append(
            ObjectSpec("wall", "wall", (0.0, 0.0, 0.0), 0.0, (wa.thickness, wa.length, wa.height), 0, wa.to_dict()))
    for fam in TWO_WHEELER_FAMILIES:
        for ridden in (True, False, True):
            t = sample_two_wheeler(rng, fam, ridden)
            by_family.setdefault(fam, []).append(
                ObjectSpec(fam, t.label, (0.0, 0.0, 0.0), 0.0, (t.width, t.length, t.height), 1, t.to_dict()))
    for fam in ("estate", "mpv", "taxi", "delivery_van", "pickup", "double_decker"):  # the wider fleet
        v = sample_vehicle(rng, fam)
        by_family.setdefault(fam, []).append(
            ObjectSpec(fam, v.label, (0.0, 0.0, 0.0), 0.0, (v.width, v.length, v.height), 1, v.to_dict()))
    for kind in FURNITURE_KINDS:  # the built-in space places furniture in a share of its streets
        for _ in range(2):
            f = sample_street_furniture(rng, kind)
            by_family.setdefault(kind, []).append(
                ObjectSpec(kind, f.label, (0.0, 0.0, 0.0), 0.0, (f.width, f.length, f.height), 0, f.to_dict()))
    for _ in range(2):  # trams run only on streets with tracks; prams wait with some standing adults
        t, pr = sample_tram(rng), sample_pram(rng)
        by_family.setdefault("tram", []).append(
            ObjectSpec("tram", "train", (0.0, 0.0, 0.0), 0.0, (t.width, t.length, t.box_height), 1, t.to_dict()))
        by_family.setdefault("pram", []).append(
            ObjectSpec("pram", "dynamic", (0.0, 0.0, 0.0), 0.0, (pr.width, pr.length, pr.height), 0, pr.to_dict()))
    by_family["cad"] = [_cad_object(tmp_path_factory.mktemp("cad"))]
    return by_family


def _check_inside(spec: ObjectSpec, parts) -> None:
    w, l, h = spec.size
    for part in parts:
        v = local_verts(part.obj)
        assert len(v), part.obj.name
        lo, hi = v.min(axis=0), v.max(axis=0)
        assert lo[0] >= -w / 2 - TOL and hi[0] <= w / 2 + TOL, (spec.family, part.obj.name, "x", lo[0], hi[0], w)
        assert lo[1] >= -l / 2 - TOL and hi[1] <= l / 2 + TOL, (spec.family, part.obj.name, "y", lo[1], hi[1], l)
        assert lo[2] >= -TOL and hi[2] <= h + TOL, (spec.family, part.obj.name, "z", lo[2], hi[2], h)


def test_every_params_type_has_one_builder_and_every_family_is_sampled_here(scene_objects):
    assert set(BUILDERS_BY_PARAMS) == set(PARAMS_TYPES), set(PARAMS_TYPES) ^ set(BUILDERS_BY_PARAMS)
    assert set(scene_objects) == set(FAMILY_PARAMS), set(FAMILY_PARAMS) ^ set(scene_objects)


class _Reads:
    """Stands in for a params dataclass and records which attributes a builder reads (nested params too)."""

    def __init__(self, params: AssetParams, log: set, root: type | None = None, prefix: str = "") -> None:
        self._params, self._log, self._root, self._prefix = params, log, root or type(params), prefix

    def __getattr__(self, name: str):
        self._log.add((self._root, self._prefix + name))
        try:
            value = getattr(self._params, name)
        except AttributeError:
            raise AttributeError(f"the builder of {self._root.__name__} reads {self._prefix + name!r}, which is no "
                                 f"field of {type(self._params).__name__}") from None
        if isinstance(value, AssetParams):
            return _Reads(value, self._log, self._root, f"{self._prefix}{name}.")
        return value


def _allowed(cls: type, path: str) -> bool:
    """Whether ``path`` ("rider.skin") names fields (or properties) of ``cls`` all the way down."""
    name, _, rest = path.partition(".")
    if isinstance(getattr(cls, name, None), property) and not rest:
        return True
    if name not in {f.name for f in dataclasses.fields(cls)}:
        return False
    if not rest:
        return True
    tp = typing.get_type_hints(cls)[name]
    nested = next(a for a in (tp, *typing.get_args(tp)) if isinstance(a, type) and issubclass(a, AssetParams))
    return _allowed(nested, rest)


def test_builders_read_only_fields_the_sampled_params_carry(ctx, scene_objects):
    """A builder that reads an attribute its params dataclass lacks (a key the sampler never sets) fails
    here: the sampled params are converted strictly, and every read is checked against the fields."""
    log: set = set()
    for family, specs in sorted(scene_objects.items()):
        for spec in specs[:6]:
            p = object_params(spec)
            BUILDERS_BY_PARAMS[type(p)](spec, _Reads(p, log), ctx)
    bad = sorted(f"{cls.__name__}.{path}" for cls, path in log if not _allowed(cls, path))
    assert not bad, f"builders read attributes that are no params fields: {bad}"
    assert {cls for cls, _ in log} == set(PARAMS_TYPES)


def test_families_build_inside_their_box_with_valid_labels(ctx, scene_objects):
    seen_labels = set()
    for family, specs in sorted(scene_objects.items()):
        for spec in specs[:6]:
            parts = build_object(spec, ctx)
            assert parts, family
            for part in parts:
                assert part.label in NAME_TO_ID, (family, part.label)
                assert part.obj.name in ctx.collection.objects
                seen_labels.add(part.label)
            _check_inside(spec, parts)
    assert {"car", "person", "building", "vegetation", "pole", "traffic sign", "bicycle", "motorcycle",
            "rider", "fence", "wall"} <= seen_labels


def test_geometry_hash_is_deterministic_and_follows_params(ctx, scene_objects):
    for family, specs in sorted(scene_objects.items()):
        a, b = specs[0], specs[-1]
        h1 = geometry_hash([p.obj for p in build_object(a, ctx)])
        h2 = geometry_hash([p.obj for p in build_object(a, ctx)])
        assert h1 == h2, family
        if a.params != b.params or a.size != b.size:
            assert geometry_hash([p.obj for p in build_object(b, ctx)]) != h1, family


def test_same_spec_in_a_fresh_context_gives_the_same_geometry(scene_objects):
    hashes = []
    for _ in range(2):
        coll = bpy.data.collections.new("fresh")
        c = BuildContext(coll)
        objs = [p.obj for fam in sorted(scene_objects) for p in build_object(scene_objects[fam][0], c)]
        hashes.append(geometry_hash(objs))
        bpy.data.batch_remove(objs + list({o.data for o in objs}) + list(c.materials.values()) + [coll])
    assert hashes[0] == hashes[1]


def test_walking_pedestrian_fits_a_short_box_by_squashing_the_stride(ctx, scene_objects):
    spec = next(s for s in scene_objects["pedestrian"])
    short = dataclasses.replace(spec, size=(spec.size[0], 0.3, spec.size[2]),
                                params={**spec.params, "pose": "walk_a"})
    _check_inside(short, build_object(short, ctx))


def test_road_surfaces_labels_and_heights(ctx):
    road = frame_scene(default_space(), FrameSeed(3, 0, 0)).road
    # a straight street without a junction (tests/test_junctions.py and test_curves.py have those)
    road = dataclasses.replace(road, crosswalks=(30.0,), junction_sides=(), curve_radius=0.0)
    parts = build_road(road, ctx)
    by_label = {}
    for p in parts:
        by_label.setdefault(p.label, []).append(local_verts(p.obj))
    assert set(by_label) == {"road", "sidewalk", "terrain"}
    asphalt = np.concatenate(by_label["road"])
    assert asphalt[:, 2].max() < 0.01 and abs(asphalt[:, 0]).max() <= road.carriageway_half_width + 1e-6
    side = np.concatenate(by_label["sidewalk"])
    assert side[:, 2].max() == pytest.approx(road.curb_height)
    assert abs(side[:, 0]).min() == pytest.approx(road.carriageway_half_width)
    ground = np.concatenate(by_label["terrain"])
    assert abs(ground[:, 0]).max() >= road.terrain_outer_x + 900
    assert ground[:, 1].max() >= road.y_end + 900 and ground[:, 1].min() <= road.y_start - 900


def test_assets_use_no_global_rng():
    root = Path(__file__).resolve().parents[1] / "assets"
    bad = re.compile(r"np\.random\.(?!default_rng|Generator|SeedSequence)\w+\(|^\s*import random|from random import")
    offenders = [f"{p}:{i}" for p in root.rglob("*.py") for i, line in enumerate(p.read_text().splitlines(), 1)
                 if bad.search(line)]
    assert not offenders, offenders
