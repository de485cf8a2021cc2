"""Houses behind front gardens (building_typology = 2): the numpy sampler, the layout, the geometry, a real render."""
import dataclasses
import math

import numpy as np
import pytest
from scene_checks import box_iou, building_ahead, inside_box, mask_box, projected_box, render_still, street

from assets.buildings import GARDEN_DEPTH, HOUSE_WIDTH, SIDE_GAP, sample_house, terrace_height
from scenegen.building_rows import GATE_M
from scenegen.labels import label_id
from scenegen.spec import FogSpec

BOUNDARIES = ("hedge", "fence", "wall")


def _house(seed: int, room: float = math.inf):
    return sample_house(np.random.default_rng(seed), room, 0.5, 0.5, 0.35, 0.3)


def test_the_house_sampler_draws_detached_houses_semis_and_bungalows_that_fit_their_room():
    assert _house(3) == _house(3) and _house(3) != _house(4)
    pairs = singles = bungalows = 0
    for seed in range(60):
        h = _house(seed)
        houses = round(h.width / h.house_width)
        assert h.typology == "house" and h.roof == "gable" and houses in (1, 2)
        assert HOUSE_WIDTH[0] - 1e-3 <= h.house_width <= HOUSE_WIDTH[1] + 1e-3
        pairs, singles = pairs + (houses == 2), singles + (houses == 1)
        storeys = (h.height - terrace_height(0, h.floor_height, h.depth, h.chimneys)) / h.floor_height
        assert round(storeys) in (1, 2) and abs(storeys - round(storeys)) < 1e-3
        bungalows += round(storeys) == 1
        squeezed = _house(seed, room=7.5)
        assert squeezed.width <= 7.5 and round(squeezed.width / squeezed.house_width) == 1
    assert pairs > 15 and singles > 15 and 2 <= bungalows <= 20


@pytest.mark.parametrize("seed", range(4))
def test_houses_stand_apart_behind_gardens_closed_by_hedges_fences_or_walls(seed):
    s = street(seed, building_typology=2, road_curve=0, road_grade=0, junction=0, left_hand_traffic=0,
               building_gap_probability=0.0)  # straight and level: garden fronts stand on the ground at z = 0
    t_out = s.road.terrain_outer_x
    for side in (-1, 1):
        row = sorted((o for o in s.objects if o.family == "building" and np.sign(o.location[0]) == side),
                     key=lambda o: o.location[1])
        assert len(row) >= 8 and all(o.params["typology"] == "house" for o in row)
        for o in row:
            garden = abs(o.location[0]) - o.size[0] / 2 - t_out
            assert GARDEN_DEPTH[0] - 1e-3 <= garden <= GARDEN_DEPTH[1] + 1e-3
        for a, b in zip(row, row[1:]):
            gap = (b.location[1] - b.size[1] / 2) - (a.location[1] + a.size[1] / 2)
            assert SIDE_GAP[0] - 1e-3 <= gap <= SIDE_GAP[1] + 1e-3
        fronts = sorted((o for o in s.objects if o.family in BOUNDARIES + ("hedge_box",) and o.location[2] == 0.0
                         and np.sign(o.location[0]) == side), key=lambda o: o.location[1])
        assert len(fronts) >= len(row) // 2  # most gardens are closed
        for f in fronts:  # at the building line, in front of one plot, a gate short of it
            assert abs(abs(f.location[0]) - f.size[0] / 2 - t_out - 0.05) < 1e-3
            plot = [o for o in row if o.location[1] - o.size[1] / 2 - 1e-3 <= f.location[1] - f.size[1] / 2][-1]
            assert f.size[1] <= plot.size[1] + SIDE_GAP[1] - GATE_M + 1e-3
        for a, b in zip(fronts, fronts[1:]):
            assert a.location[1] + a.size[1] / 2 <= b.location[1] - b.size[1] / 2 + 1e-3


def test_a_house_is_built_inside_its_box_with_a_door_per_house():
    from assets.blender.building import FRAME, building_geo

    for seed in range(8):
        h = _house(seed)
        v, _, mats = building_geo(h, (h.depth, h.width, h.height))
        assert (np.abs(v[:, 0]) <= h.depth / 2 + 1e-6).all() and (np.abs(v[:, 1]) <= h.width / 2 + 1e-6).all()
        assert v[:, 2].min() >= -1e-6 and v[:, 2].max() == pytest.approx(h.height)
        assert (mats == FRAME).sum() == round(h.width / h.house_width)


@pytest.fixture(scope="module")
def house_frame():
    """One pair of semis facing the camera 40 m ahead across an empty street, rendered in-process."""
    base = street(0, road_curve=0, junction=0, left_hand_traffic=0, camera_pitch_deg=0.0, camera_fov_deg=60.0)
    house = building_ahead(next(h for h in map(_house, range(40)) if round(h.width / h.house_width) == 2), 40.0)
    spec = dataclasses.replace(base, objects=(house,), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, verts = render_still(spec, 256, 128, drawn="building")
    return spec, house, settings, frame, verts


def test_a_houses_mask_matches_the_projection_of_its_3d_box(house_frame):
    spec, house, settings, frame, verts = house_frame
    mask = frame.label_ids == label_id("building")
    assert mask.sum() > 300
    assert box_iou(mask_box(mask), projected_box(spec, house, settings.width, settings.height)) > 0.9
    assert inside_box(verts, house)
