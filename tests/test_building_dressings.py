"""Building dressings: irregular rooflines of blocks (``rooflines``) and more facade materials
(``facade_materials``): the numpy dressings, the geometry, the street and real renders."""
import dataclasses

import numpy as np
import pytest
from scene_checks import (box_iou, building_ahead, inside_box, mask_box, points_box, projected_box, render_still,
                          street)

from assets.buildings import (BONDS, MANSARD_DEPTH, MORE_MATERIALS, ROOFLINE_MIN_HEIGHT, ROOFLINES, SETBACK_DEPTH,
                              sample_building, sample_terrace, with_facade_materials, with_rooflines)
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


@pytest.mark.parametrize("variable, keys", [
    ("rooflines", {"roofline", "roofline_height", "roofline_setback", "roof_boxes", "climbers"}),
    ("facade_materials", {"material", "facade", "bond"})])
def test_a_dressing_draws_from_a_stream_of_its_own_and_changes_buildings_only(variable, keys):
    for seed in range(3):
        z = {"building_typology": 0, "building_height_m": 25.0, "facade_climbers": 0}
        plain, dressed = street(seed, **{variable: 0}, **z), street(seed, **{variable: 1}, **z)
        assert len(plain.objects) == len(dressed.objects)
        changed = 0
        for a, b in zip(plain.objects, dressed.objects):
            assert (a.family, a.location, a.size) == (b.family, b.location, b.size)
            if a.params != b.params:
                assert a.family == "building"
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
    for spec, block, settings, frame, verts in roofline_frames:
        mask = frame.label_ids == label_id("building")
        assert mask.sum() > 300
        assert box_iou(mask_box(mask), points_box(spec, settings.width, settings.height, verts)) > 0.9
        assert box_iou(mask_box(mask), projected_box(spec, block, settings.width, settings.height)) > 0.75
        assert inside_box(verts, block)


# ---------------------------------------------------------------- facade materials
def test_the_materials_dressing_turns_render_and_concrete_blocks_to_stone_or_panels_and_lays_brick_in_bonds():
    rng = np.random.default_rng(0)
    blocks = [sample_building(rng, 14.0, 15.0, 0.5, 0.4, 0.35) for _ in range(300)]
    dressed = [with_facade_materials(np.random.default_rng(k), b) for k, b in enumerate(blocks)]
    changed = [(a, b) for a, b in zip(blocks, dressed) if a != b]
    for a, b in changed:
        if a.material == "brick":
            assert b == dataclasses.replace(a, bond=b.bond)
        else:
            assert a.material in ("plaster", "concrete") and b.material in MORE_MATERIALS
            assert b == dataclasses.replace(a, material=b.material, facade=b.facade)
    assert {b.material for b in dressed} == {"plaster", "brick", "concrete", "glass", *MORE_MATERIALS}
    assert {b.bond for b in dressed if b.material == "brick"} == set(BONDS)
    turned = [b for a, b in zip(blocks, dressed) if a.material in ("plaster", "concrete")]
    assert 0.3 < np.mean([b.material in MORE_MATERIALS for b in turned]) < 0.6
    stone = [b.facade for b in dressed if b.material == "stone"]
    assert all(f[0] >= f[1] >= f[2] for f in stone)  # sandstone to grey limestone: warm or neutral
    terrace = sample_terrace(np.random.default_rng(1), 12.0, 2, 0.5, 0.5, 0.35, 0.2)
    if terrace.material == "plaster":
        assert with_facade_materials(np.random.default_rng(2), terrace) == terrace  # houses stay rendered


@pytest.fixture(scope="module")
def material_frames():
    """A stone and a panelled block 30 m ahead across an empty street."""
    base = street(0, road_curve=0, junction=0, left_hand_traffic=0, camera_pitch_deg=3.0, camera_fov_deg=50.0)
    out = []
    for kind in MORE_MATERIALS:
        rng = np.random.default_rng(0)
        flat = (dataclasses.replace(sample_building(rng, 14.0, 12.0, 0.6, 0.4, 0.35), roof="flat") for _ in range(300))
        block = next(d for d in (with_facade_materials(rng, b) for b in flat) if d.material == kind)
        obj = building_ahead(block, 30.0)
        spec = dataclasses.replace(base, objects=(obj,), fog=FogSpec(0.0, (1, 1, 1)))
        frame, settings, verts = render_still(spec, 160, 120, samples=4, drawn="building")
        out.append((spec, obj, settings, frame, verts))
    return out


def test_stone_and_panelled_blocks_mask_matches_their_box(material_frames):
    for spec, block, settings, frame, verts in material_frames:
        mask = frame.label_ids == label_id("building")
        assert box_iou(mask_box(mask), projected_box(spec, block, settings.width, settings.height)) > 0.9
        assert inside_box(verts, block)
    walls = [frame.rgb[frame.label_ids == label_id("building")].astype(float).mean(axis=0)
             for _, _, _, frame, _ in material_frames]
    assert np.abs(walls[0] - walls[1]).max() > 5  # two materials, two looks
