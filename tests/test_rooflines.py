"""Irregular rooflines of blocks (``rooflines``): the numpy dressing, the geometry, the street and a real render."""
import dataclasses

import numpy as np
import pytest
from scene_checks import box_iou, building_ahead, inside_box, mask_box, projected_box, render_still, street

from assets.buildings import (MANSARD_DEPTH, ROOFLINE_MIN_HEIGHT, ROOFLINES, SETBACK_DEPTH, sample_building,
                              with_rooflines)
from scenegen.labels import label_id
from scenegen.spec import FogSpec


def _block(seed: int, height: float = 20.0):
    p = sample_building(np.random.default_rng(seed), 16.0, height, 0.5, 0.5, 0.35, 0.3)
    return dataclasses.replace(p, roof="flat")


def _dressed(seed: int, kind: str, height: float = 20.0):
    """A block of ``height`` with the roofline ``kind``, from the first dressing seed that draws it."""
    return next(d for d in (with_rooflines(np.random.default_rng(k), _block(seed, height)) for k in range(200))
                if d.roofline == kind)


def test_the_dressing_draws_every_roofline_for_tall_flat_blocks_only():
    drawn = [with_rooflines(np.random.default_rng(k), _block(k)) for k in range(80)]
    assert {d.roofline for d in drawn} == set(ROOFLINES)
    assert with_rooflines(np.random.default_rng(3), _block(3)) == with_rooflines(np.random.default_rng(3), _block(3))
    low = _block(0, ROOFLINE_MIN_HEIGHT - 0.5)
    gable = dataclasses.replace(_block(0), roof="gable")
    terrace = dataclasses.replace(_block(0), typology="terrace")
    for p in (low, gable, terrace):
        assert all(with_rooflines(np.random.default_rng(k), p) == p for k in range(20))
    for d in drawn:
        assert (d.roofline == "plain") == (d.roofline_height == 0.0)
        assert d.wall_height >= 0.5 * d.height
        if d.roofline == "setback":
            assert SETBACK_DEPTH[0] - 1e-9 <= d.roofline_setback <= SETBACK_DEPTH[1] + 1e-9 or \
                d.roofline_setback == pytest.approx(0.3 * d.depth, abs=1e-4)
            assert round(d.roofline_height / d.floor_height, 6) in (1.0, 2.0)
        if d.roofline == "mansard":
            assert MANSARD_DEPTH[0] <= d.roofline_setback <= MANSARD_DEPTH[1]
        if d.roofline == "rooftop":
            assert d.roof_boxes and d.roofline_height == max(b[4] for b in d.roof_boxes)
            assert all(front + depth <= d.depth - 1.0 + 1e-9 for _, _, depth, front, _ in d.roof_boxes)


@pytest.mark.parametrize("kind", ROOFLINES[1:])
def test_a_roofline_is_built_inside_the_box_above_the_facade(kind):
    from assets.blender.building import _SETBACK, ROOF, TRIM, building_geo

    p = _dressed(1, kind)
    for detail in ("full", "low"):
        v, faces, mats = building_geo(p, (p.depth, p.width, p.height), detail)
        assert (np.abs(v[:, 0]) <= p.depth / 2 + 1e-6).all() and (np.abs(v[:, 1]) <= p.width / 2 + 1e-6).all()
        assert v[:, 2].min() >= -1e-6 and v[:, 2].max() == pytest.approx(p.height)
        front = -p.depth / 2 + _SETBACK  # the facade plane
        high = v[v[:, 2] > p.wall_height + 1.0]  # above the main facade and its parapet
        assert len(high)
        if kind == "setback":  # the set-back floors' window bands just in front of their wall
            assert high[:, 0].min() == pytest.approx(front + p.roofline_setback - 0.015)
        if kind == "mansard":
            assert (mats == ROOF).any() and high[:, 0].min() > front
        if kind == "rooftop":
            assert (mats == TRIM).any() and high[:, 0].min() >= front + 1.5 - 1e-6
            assert np.abs(high[:, 1]).max() < p.width / 2


def test_rooflines_draw_from_a_stream_of_their_own():
    for seed in range(3):
        z = {"building_typology": 0, "building_height_m": 25.0}
        plain, dressed = street(seed, rooflines=0, **z), street(seed, rooflines=1, **z)
        assert len(plain.objects) == len(dressed.objects)
        changed = 0
        for a, b in zip(plain.objects, dressed.objects):
            assert (a.family, a.location, a.size) == (b.family, b.location, b.size)
            if a.params != b.params:
                assert a.family == "building" and b.params["roofline"] != "plain"
                keys = {"roofline", "roofline_height", "roofline_setback", "roof_boxes", "climbers"}
                assert {k for k in a.params if a.params[k] != b.params[k]} <= keys
                changed += 1
        assert changed >= 3


@pytest.fixture(scope="module")
def roofline_frames():
    """A block of each irregular roofline 35 m ahead across an empty street, seen from above the street."""
    base = street(0, road_curve=0, junction=0, left_hand_traffic=0, camera_pitch_deg=4.0, camera_fov_deg=60.0)
    out = []
    for kind in ROOFLINES[1:]:
        block = building_ahead(_dressed(2, kind, 16.0), 35.0)
        spec = dataclasses.replace(base, objects=(block,), fog=FogSpec(0.0, (1, 1, 1)))
        frame, settings, verts = render_still(spec, 160, 120, drawn="building")
        out.append((spec, block, settings, frame, verts))
    return out


def test_a_roofline_blocks_mask_matches_the_projection_of_what_is_drawn(roofline_frames):
    """The mask against the projection of the drawn mesh (the 3D box's top front edge is empty above a roofline
    set back from the facade), and the mesh inside the 3D box."""
    from scenegen.camera_model import project

    for spec, block, settings, frame, verts in roofline_frames:
        mask = frame.label_ids == label_id("building")
        assert mask.sum() > 300
        uv, _ = project(spec.camera, settings.width, settings.height, verts)
        drawn = (max(uv[:, 0].min(), 0), max(uv[:, 1].min(), 0), min(uv[:, 0].max(), settings.width),
                 min(uv[:, 1].max(), settings.height))
        assert box_iou(mask_box(mask), drawn) > 0.9
        assert box_iou(mask_box(mask), projected_box(spec, block, settings.width, settings.height)) > 0.75
        assert inside_box(verts, block)
