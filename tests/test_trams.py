"""Tram tracks and trams (tram_tracks = 1): the numpy sampler and track layout, the street, a real render."""
import dataclasses
import math

import numpy as np
import pytest
from scene_checks import box_iou, footprint, footprints_overlap, inside_box, mask_box, projected_box, render_still, street

from assets.trams import (GAUGE_M, RAIL_HEAD_M, SECTION_LENGTH, SECTIONS, TramParams, rail_rects, sample_tram,
                          track_centres, tram_rails)
from scenegen.labels import label_id
from scenegen.spec import FogSpec, ObjectSpec


def test_the_sampler_draws_articulated_trams_with_room_for_the_pantograph():
    trams = [sample_tram(np.random.default_rng(s)) for s in range(40)]
    assert trams[3] == sample_tram(np.random.default_rng(3))
    assert {t.sections for t in trams} == set(range(SECTIONS[0], SECTIONS[1] + 1))
    for t in trams:
        assert t.sections * SECTION_LENGTH[0] - 1e-3 <= t.length <= t.sections * SECTION_LENGTH[1] + 1e-3
        assert t.box_height > t.height and t.FAMILIES == ("tram",)


def test_a_tram_is_built_inside_its_box():
    from assets.blender.tram import tram_geo

    for seed in range(6):
        t = sample_tram(np.random.default_rng(seed))
        v = tram_geo(t)[0]
        assert (np.abs(v[:, 0]) <= t.width / 2 + 1e-9).all() and (np.abs(v[:, 1]) <= t.length / 2 + 1e-9).all()
        assert v[:, 2].min() >= 0 and v[:, 2].max() <= t.box_height + 1e-9


def test_tracks_run_at_standard_gauge_in_the_lanes_beside_the_centre_line():
    rows = rail_rects(1.5, 0.0, 100.0)
    heads = rows[rows[:, 4] == 0]
    assert np.allclose(heads[:, 1] - heads[:, 0], RAIL_HEAD_M)
    assert heads[1, 0] - heads[0, 1] == pytest.approx(GAUGE_M)  # inner (running) edges one gauge apart
    assert np.mean(heads[:, :2]) == pytest.approx(1.5)
    for lanes, one_way in ((1, 1), (2, 1), (2, 0), (4, 0)):
        road = street(2, tram_tracks=1, lane_count=lanes, one_way=one_way, left_hand_traffic=0).road
        assert road.tram_tracks == (lanes >= 2 and not one_way)
        rails = tram_rails(road)
        if not road.tram_tracks:
            assert len(rails) == 0
            continue
        assert track_centres(road.lanes_half_width, road.lane_width) == (-road.lane_width / 2, road.lane_width / 2)
        assert (np.abs(rails[:, :2]) <= road.lane_width).all() and (rails[:, 3] - rails[:, 2] > 300).all()


def test_trams_stand_on_a_track_heading_its_way_and_nothing_overlaps_them():
    seen = 0
    for seed in range(12):
        scene = street(seed, tram_tracks=1, lane_count=2, one_way=0, left_hand_traffic=0, road_curve=0, junction=0,
                       car_density=8.0)
        trams = [o for o in scene.objects if o.family == "tram"]
        assert len(trams) <= 1 and all(o.label == "train" for o in trams)
        for t in trams:
            seen += 1
            assert abs(t.location[0]) == pytest.approx(scene.road.lane_width / 2, abs=1e-4)
            assert math.cos(t.yaw) == pytest.approx(1.0 if t.location[0] > 0 else -1.0)  # with its lane
            for o in scene.objects:  # lamps' and signals' arms reach over the road above traffic
                if o is not t and o.family not in ("street_lamp", "traffic_light"):
                    assert not footprints_overlap(footprint(t), footprint(o)), o
        plain = street(seed, tram_tracks=0, lane_count=2, one_way=0, left_hand_traffic=0, road_curve=0, junction=0,
                       car_density=8.0)
        assert not plain.road.tram_tracks and not any(o.family == "tram" for o in plain.objects)
    assert 4 <= seen <= 11


@pytest.fixture(scope="module")
def tram_frame():
    base = street(1, tram_tracks=1, lane_count=2, one_way=0, left_hand_traffic=0, road_curve=0, junction=0,
                  camera_pitch_deg=-2.0, camera_fov_deg=70.0)
    t = sample_tram(np.random.default_rng(3))
    obj = ObjectSpec("tram", "train", (-base.road.lane_width / 2, 12.0 + t.length / 2, 0.0), math.pi + 0.1,
                     (t.width, t.length, t.box_height), 1, t.to_dict())
    spec = dataclasses.replace(base, objects=(obj,), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, verts = render_still(spec, 160, 120, samples=2, drawn="tram")
    return spec, obj, settings, frame, verts


def test_a_trams_mask_matches_its_body_box_and_its_rails_are_road(tram_frame):
    """The mask against the box of the body (from its floor to its roof: the pantograph's thin frame is under a
    pixel here), and the whole mesh inside the object's box."""
    from assets.blender.tram import _FLOOR
    from scenegen.camera_model import project

    spec, obj, settings, frame, verts = tram_frame
    mask = frame.label_ids == label_id("train")
    assert mask.sum() > 300
    body = dataclasses.replace(obj, size=(obj.size[0], obj.size[1], obj.params["height"] - _FLOOR),
                               location=(obj.location[0], obj.location[1], _FLOOR))
    assert box_iou(mask_box(mask), projected_box(spec, body, settings.width, settings.height)) > 0.85
    assert inside_box(verts, obj, tol=1e-4)
    ids = np.unique(frame.instance_ids[mask])
    assert len(ids) == 1 and ids[0] // 1000 == label_id("train")
    rail = tram_rails(spec.road)[0]
    (u, v), = project(spec.camera, settings.width, settings.height, np.array([[(rail[0] + rail[1]) / 2, 6.0, 0.0]]))[0]
    assert frame.label_ids[int(v), int(u)] == label_id("road")
