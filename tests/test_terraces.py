"""Terraced streets (building_typology = 1) and their shop rows (shopfronts): the numpy sampler and layout, the
geometry, real renders."""
import dataclasses

import numpy as np
import pytest

from assets.buildings import (CHIMNEY_HEIGHT, TERRACE_HOUSE_WIDTH, BuildingParams, sample_terrace,
                              terrace_height)
from scenegen.grammar import frame_scene
from scenegen.labels import label_id
from scenegen.params import default_space
from scenegen.seeding import FrameSeed
from scenegen.spec import FogSpec
from scene_checks import box_iou, building_ahead, mask_box, projected_box, render_still, street


def _terrace(seed: int = 0, width: float = 24.0, storeys: int = 2) -> BuildingParams:
    return sample_terrace(np.random.default_rng(seed), width, storeys, 0.5, 0.5, 0.35, 0.3)


def test_the_terrace_sampler_is_deterministic_and_sizes_houses_and_storeys():
    assert _terrace(3) == _terrace(3) and _terrace(3) != _terrace(4)
    for seed in range(20):
        two, three = _terrace(seed, storeys=2), _terrace(seed, storeys=3)
        assert two.typology == "terrace" and two.roof == "gable"
        assert TERRACE_HOUSE_WIDTH[0] - 1.0 < two.house_width < TERRACE_HOUSE_WIDTH[1] + 1.0
        assert two.height == pytest.approx(terrace_height(2, two.floor_height, two.depth, two.chimneys), abs=1e-3)
        assert 7.0 < two.height < 12.0 and three.height > two.height + 2.0
    assert BuildingParams.__dataclass_fields__["typology"].default == "block"  # older scene records


def _glass_share(window_density: float, house: bool) -> float:
    """Mean share of an upper floor's facade that is glass, over 40 terraces (or pairs of houses)."""
    from assets.blender.building import GLASS, terrace_layout
    from assets.buildings import sample_house

    shares = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        p = (sample_house(rng, 16.0, 0.5, 0.5, window_density, 0.3) if house
             else sample_terrace(rng, 24.0, 2, 0.5, 0.5, window_density, 0.3))
        rects, panes, _ = terrace_layout(dataclasses.replace(p, bay_windows=False), p.width, 2.3 * p.floor_height)
        upper = (panes == GLASS) & (rects[:, 2] > 0.3 + p.floor_height)
        area = ((rects[upper, 1] - rects[upper, 0]) * (rects[upper, 3] - rects[upper, 2])).sum()
        shares.append(area / (p.width * p.floor_height))
    return float(np.mean(shares))


@pytest.mark.parametrize("house", [False, True])
def test_window_density_sets_how_much_of_a_terrace_or_house_facade_is_glass(house):
    sparse, dense = _glass_share(0.1, house), _glass_share(0.85, house)
    assert 0.05 < sparse < 0.2 and 0.25 < dense < 0.6
    assert dense > 2.0 * sparse if not house else dense > 1.6 * sparse


def _street(typology: int, seed: int = 2):
    space = default_space()
    z = {**space.sample(FrameSeed(0, 0, seed).entropy()), "building_typology": typology, "left_hand_traffic": 0,
         "junction": 0, "road_curve": 0}  # straight rows (tests/test_junctions.py and test_curves.py have the rest)
    return frame_scene(space, FrameSeed(0, 0, seed), z)


@pytest.mark.parametrize("seed", range(4))
def test_terraced_streets_are_rows_of_houses_at_the_back_of_the_pavement(seed):
    street = _street(1, seed)
    rows = [o for o in street.objects if o.family == "building"]
    assert rows and all(o.params["typology"] == "terrace" for o in rows)
    for side in (-1, 1):
        row = sorted((o for o in rows if np.sign(o.location[0]) == side), key=lambda o: o.location[1])
        assert len(row) >= 3
        for a, b in zip(row, row[1:]):  # one after another along the street, never overlapping
            assert a.location[1] + a.size[1] / 2 <= b.location[1] - b.size[1] / 2 + 1e-3  # (rounded places)
        for o in row:
            front = abs(o.location[0]) - o.size[0] / 2
            assert street.road.terrain_outer_x - 1e-6 <= front <= street.road.terrain_outer_x + 0.3 + 1e-6
    assert all(o.params["typology"] == "block" for o in _street(0, seed).objects if o.family == "building")


def test_terrace_geometry_stays_in_its_box_with_a_door_per_house_and_a_chimney_per_party_wall():
    from assets.blender.building import FRAME, TRIM, terrace_geo

    for seed in range(6):
        p = _terrace(seed, width=30.0)
        size = (p.depth, p.width, p.height)
        v, faces, mats = terrace_geo(p, size)
        assert (np.abs(v[:, 0]) <= p.depth / 2 + 1e-6).all() and (np.abs(v[:, 1]) <= p.width / 2 + 1e-6).all()
        assert v[:, 2].min() >= -1e-6 and v[:, 2].max() == pytest.approx(p.height)
        houses = round(p.width / p.house_width)
        assert (mats == FRAME).sum() == houses  # one door leaf per house, at the back of its recess
        if p.chimneys:
            top = v[np.abs(v[:, 2] - p.height) < 1e-6]
            assert len(top) == 4 * (houses + 1) and top[:, 2].max() - (p.height - CHIMNEY_HEIGHT) > 0.5
        assert (mats == TRIM).any()


@pytest.fixture(scope="module")
def terrace_frame():
    """One terrace facing the camera 70 m ahead across a street with nothing else, rendered in-process, with
    the world coordinates of every vertex Blender drew for it."""
    terrace = building_ahead(_terrace(5, width=20.0, storeys=3), 70.0)
    spec = dataclasses.replace(_street(0, 0), objects=(terrace,), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, verts = render_still(spec, 320, 160, drawn="building")
    return spec, terrace, settings, frame, verts


def test_a_terraces_mask_matches_the_projection_of_its_3d_box(terrace_frame):
    from scenegen.camera_model import project

    spec, terrace, settings, frame, verts = terrace_frame
    mask = frame.label_ids == label_id("building")
    assert mask.sum() > 500
    ys, xs = np.nonzero(mask)
    mask_box = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    uv, depth = project(spec.camera, settings.width, settings.height, np.array(terrace.box_corners()))
    assert (depth > 0).all()
    box = (uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max())
    assert box[0] > 0 and box[1] > 0 and box[2] < settings.width and box[3] < settings.height  # all in view
    inter = (max(0, min(box[2], mask_box[2]) - max(box[0], mask_box[0]))
             * max(0, min(box[3], mask_box[3]) - max(box[1], mask_box[1])))
    union = (box[2] - box[0]) * (box[3] - box[1]) + (mask_box[2] - mask_box[0]) * (mask_box[3] - mask_box[1]) - inter
    assert inter / union > 0.9, (box, mask_box, inter / union)
    corners = np.array(terrace.box_corners())
    lo, hi = corners.min(axis=0) - 0.02, corners.max(axis=0) + 0.02
    assert ((verts >= lo) & (verts <= hi)).all()  # the mesh Blender drew stays inside the exported box


def _shop_row(seed: int = 0, awnings: bool = True) -> BuildingParams:
    from assets.buildings import with_shops

    row = next(p for k in range(50) if (p := with_shops(np.random.default_rng(seed * 100 + k), _terrace(seed))).shops)
    return dataclasses.replace(row, awnings=awnings)


def test_shop_rows_are_terraces_with_fascias_and_no_bays():
    from assets.buildings import SHOP_ROW_SHARE, sample_building, with_shops

    rows = [with_shops(np.random.default_rng(k), _terrace(k)) for k in range(200)]
    shops = [r for r in rows if r.shops]
    assert abs(len(shops) / len(rows) - SHOP_ROW_SHARE) < 0.1
    assert all(len(r.fascia_colors) == 3 and not r.bay_windows for r in shops)
    assert {r.awnings for r in shops} == {True, False}
    assert with_shops(np.random.default_rng(1), _terrace(1)) == with_shops(np.random.default_rng(1), _terrace(1))
    block = sample_building(np.random.default_rng(0), 20.0, 12.0, 0.5, 0.5, 0.35)
    assert with_shops(np.random.default_rng(0), block) == block  # blocks keep their own shop fronts


def test_a_shop_row_has_a_sign_and_a_shop_window_per_house_and_its_awnings_inside_its_box():
    from assets.blender.building import FASCIA, GLASS, terrace_geo, terrace_layout

    for seed in range(4):
        p = _shop_row(seed)
        size = (p.depth, p.width, p.height)
        v, faces, mats = terrace_geo(p, size)
        assert (np.abs(v[:, 0]) <= p.depth / 2 + 1e-6).all() and (np.abs(v[:, 1]) <= p.width / 2 + 1e-6).all()
        houses = round(p.width / p.house_width)
        assert np.isin(mats, FASCIA).sum() == houses * (6 + 6)  # a sign (a box) and an awning (a slab) per house
        rects, panes, _ = terrace_layout(p, p.width, p.height)
        ground = rects[(panes == GLASS) & (rects[:, 2] < 1.0)]
        assert len(ground) == houses and ((ground[:, 1] - ground[:, 0]) > 2.0).all()  # wide shop windows
        plain = terrace_layout(dataclasses.replace(p, shops=False), p.width, p.height)
        assert len(plain[0]) == len(rects)


def test_shopfronts_turn_terrace_rows_into_shops_and_leave_the_rest_of_the_street():
    for seed in range(3):
        plain, shopping = (street(seed, building_typology=1, shopfronts=k) for k in (0, 1))
        rows = [o for o in shopping.objects if o.family == "building"]
        assert any(o.params["shops"] for o in rows) and not any(o.params.get("shops") for o in plain.objects)
        assert [(o.location, o.size) for o in plain.objects] == [(o.location, o.size) for o in shopping.objects]


@pytest.fixture(scope="module")
def shop_frame():
    """A shop row with awnings facing the camera 40 m ahead, rendered in-process."""
    row = building_ahead(_shop_row(1), 40.0)
    spec = dataclasses.replace(_street(0, 0), objects=(row,), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, _ = render_still(spec, 256, 128)
    return spec, row, settings, frame


def test_a_shop_rows_mask_matches_the_projection_of_its_3d_box(shop_frame):
    spec, row, settings, frame = shop_frame
    mask = frame.label_ids == label_id("building")
    assert mask.sum() > 500
    assert box_iou(mask_box(mask), projected_box(spec, row, settings.width, settings.height)) > 0.9
