"""Pavement furniture: the numpy sampler and geometry, its place in the street, real renders of every kind."""
import math

import numpy as np
import pytest

from assets.blender.street_furniture import GEOMETRY
from assets.street_furniture import FURNITURE_KINDS, FURNITURE_LABELS, sample_kind, sample_street_furniture
from scenegen.labels import NAME_TO_ID, label_id
from scenegen.spec import ObjectSpec
from scene_checks import box_iou, inside_box, mask_box, projected_box, render_each_alone, street


def test_the_sampler_is_deterministic_draws_every_kind_and_names_cityscapes_labels():
    rng = np.random.default_rng(0)
    kinds = {sample_kind(rng) for _ in range(400)}
    assert kinds == set(FURNITURE_KINDS)
    for kind in FURNITURE_KINDS:
        a = sample_street_furniture(np.random.default_rng(5), kind)
        assert a == sample_street_furniture(np.random.default_rng(5), kind) and a.kind == kind
        assert a.label in NAME_TO_ID and a.label == FURNITURE_LABELS[kind]
    assert FURNITURE_LABELS["bus_shelter"] == "building" and FURNITURE_LABELS["bin"] == "dynamic"
    with pytest.raises(ValueError, match="unknown street furniture kind 'kiosk'"):
        sample_street_furniture(rng, "kiosk")


@pytest.mark.parametrize("kind", FURNITURE_KINDS)
def test_every_kinds_geometry_fills_its_box(kind):
    for seed in range(5):
        p = sample_street_furniture(np.random.default_rng(seed), kind)
        v = GEOMETRY[kind](p.width, p.length, p.height, p.count)[0]
        half = np.array([p.width / 2, p.length / 2])
        assert (np.abs(v[:, :2]) <= half + 1e-6).all() and v[:, 2].min() >= -1e-9
        assert v[:, 2].max() == pytest.approx(p.height, abs=1e-6)
        assert np.allclose(np.abs(v[:, :2]).max(axis=0), half, rtol=0.06)  # touches the box on both axes


@pytest.mark.parametrize("seed", range(4))
def test_furniture_stands_on_the_pavement_apart_and_leaves_other_objects_where_they_were(seed):
    furnished = street(seed, street_furniture_density=12, road_curve=0)  # straight (bends: tests/test_curves.py)
    pieces = [o for o in furnished.objects if o.family in FURNITURE_KINDS]
    assert len(pieces) >= 5
    road = furnished.road
    for o in pieces:
        half_w = o.size[0] / 2  # fronts face the road: local x is across the street
        assert road.carriageway_half_width - 1e-6 <= abs(o.location[0]) - half_w
        assert abs(o.location[0]) + half_w <= road.sidewalk_outer_x + 1e-6
        assert o.label == FURNITURE_LABELS[o.family]
        assert math.isclose(abs(math.cos(o.yaw)), 1.0, abs_tol=1e-9)
    for a, b in ((a, b) for i, a in enumerate(pieces) for b in pieces[i + 1:]):
        apart_y = abs(a.location[1] - b.location[1]) >= (a.size[1] + b.size[1]) / 2 - 1e-6
        apart_x = abs(a.location[0] - b.location[0]) >= (a.size[0] + b.size[0]) / 2 - 1e-6
        assert apart_x or apart_y
    bare = street(seed, street_furniture_density=0, road_curve=0)
    assert not [o for o in bare.objects if o.family in FURNITURE_KINDS]
    cars = lambda s: [o.location for o in s.objects if o.label == "car"]
    assert cars(furnished) == cars(bare)  # traffic and parking are laid out before the furniture


@pytest.fixture(scope="module")
def furniture_frames():
    """Each kind alone 9 m ahead of the camera, rendered in-process, with the world coordinates
    of every vertex Blender drew for it."""
    base = street(0, street_furniture_density=0)
    objects = {}
    for i, kind in enumerate(FURNITURE_KINDS):
        p = sample_street_furniture(np.random.default_rng(i), kind)
        at = (base.camera.location[0] + 0.5, base.camera.location[1] + 9.0 + p.length, 0.0)
        objects[kind] = ObjectSpec(kind, p.label, at, 0.0, (p.width, p.length, p.height), params=p.to_dict())
    return render_each_alone(base, objects, 160, 120, drawn=lambda name: name in FURNITURE_KINDS)


@pytest.mark.parametrize("kind", FURNITURE_KINDS)
def test_every_kinds_mask_matches_the_projection_of_its_3d_box(furniture_frames, kind):
    settings, frames = furniture_frames
    spec, obj, frame, verts = frames[kind]
    mask = frame.label_ids == label_id(obj.label)
    assert mask.sum() > 40
    got, box = mask_box(mask), projected_box(spec, obj, settings.width, settings.height)
    assert box_iou(box, got) > 0.8, (kind, box, got)
    assert inside_box(verts, obj)
