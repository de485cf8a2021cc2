import dataclasses
import json
import math

import numpy as np
import pytest

from assets.vegetation import sample_tree
from assets.vehicles import VEHICLE_FAMILIES
from scenegen.curve import straighten_scene
from scenegen.grammar import frame_scene, sample_scene
from scenegen.labels import INSTANCE_CLASS_IDS, VALID_IDS, label_id
from scenegen.params import default_space
from scenegen.seeding import FrameSeed
from scenegen.spec import ObjectSpec, SceneSpec
from scene_checks import on_cross_street


@pytest.fixture(scope="module")
def scenes():
    space = default_space()
    return [frame_scene(space, FrameSeed(0, 0, i)) for i in range(12)]


def test_json_round_trip(scenes):
    for s in scenes:
        again = SceneSpec.from_json(s.to_json())
        assert again == s
        assert again.to_json() == s.to_json()


def test_same_seed_same_scene_and_frames_differ(scenes):
    space = default_space()
    assert frame_scene(space, FrameSeed(0, 0, 3)).to_json() == scenes[3].to_json()
    assert len({s.to_json() for s in scenes}) == len(scenes)
    a = sample_scene(space, np.random.default_rng(11))
    b = sample_scene(space, np.random.default_rng(11))
    assert a == b


def test_explicit_variables_are_used():
    space = default_space()
    z = space.sample([9])
    z["lane_count"] = 3
    s = frame_scene(space, FrameSeed(1, 2, 3), z)
    assert s.road.lane_count == 3 and dict(s.variables) == z


def test_every_family_and_the_street_parts_appear(scenes):
    families = {o.family for s in scenes for o in s.objects}
    for f in ("building", "tree", "street_lamp", "sign", "traffic_light", "pedestrian", "bicycle", "motorcycle",
              "bush", "hedge", "fence", "wall"):
        assert f in families
    assert families & {"sedan", "hatchback", "suv", "van"} and families & {"truck", "bus"}
    assert any(s.road.crosswalks for s in scenes)


def test_labels_and_instances(scenes):
    for s in scenes:
        per_class = {}
        for o in s.objects:
            lid = label_id(o.label)
            assert lid in VALID_IDS
            if lid not in INSTANCE_CLASS_IDS:
                assert o.instance == 0
            for label, k in o.instance_labels():
                assert label_id(label) in INSTANCE_CLASS_IDS
                per_class.setdefault(label, []).append(k)
        for label, ks in per_class.items():
            assert sorted(ks) == list(range(1, len(ks) + 1)), label
    assert any(label == "rider" for s in scenes for o in s.objects for label, _ in o.instance_labels())


def test_objects_do_not_overlap_and_stay_on_their_surfaces(scenes):
    from scenegen.grammar import MIN_PARKING_STRIP_M

    for s in map(straighten_scene, scenes):  # curved streets as laid out (tests/test_curves.py has the bends)
        half = s.road.carriageway_half_width
        # cars parked with two wheels on the pavement stand across the kerb
        pavement_parking = s.variables["pavement_parking"] == 1 and s.road.parking_width < MIN_PARKING_STRIP_M
        solid = [o for o in s.objects if o.family not in ("building",)]
        for o in solid:
            x = o.location[0]
            if o.family in ("sedan", "hatchback", "suv", "van", "truck", "bus"):
                assert abs(x) < half + (0.4 if pavement_parking else 0.0) or on_cross_street(s.road, o), o
            if o.family in ("street_lamp", "sign", "traffic_light"):
                assert half < abs(x) < s.road.sidewalk_outer_x
        for b in (o for o in s.objects if o.family == "building"):
            assert min(abs(c[0]) for c in b.box_corners()) >= s.road.terrain_outer_x - 1e-6
        boxes = []
        # Objects whose whole box is their footprint (a lamp's arm or a signal's mast reaches over others).
        grounded = ("sedan", "hatchback", "suv", "van", "truck", "bus", "pedestrian", "bicycle", "motorcycle", "bush")
        for o in (o for o in solid if o.family in grounded):
            xs = [c[0] for c in o.box_corners()]
            ys = [c[1] for c in o.box_corners()]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not (a[0] < b[2] - 1e-6 and b[0] < a[2] - 1e-6 and a[1] < b[3] - 1e-6 and b[1] < a[3] - 1e-6)


def test_box_corners_follow_yaw():
    o = ObjectSpec("sedan", "car", (1.0, 2.0, 0.0), np.pi / 2, (2.0, 4.0, 1.5))
    c = np.array(o.box_corners())
    assert np.allclose(c[:, 0].min(), -1.0) and np.allclose(c[:, 0].max(), 3.0)
    assert np.allclose(c[:, 1].min(), 1.0) and np.allclose(c[:, 1].max(), 3.0)


def _street(z_overrides: dict, seed: int = 5) -> SceneSpec:
    space = default_space()
    z = space.sample([seed])
    z.update({"road_curve": 0, **z_overrides})  # straight, so that places read as along and across the street
    return frame_scene(space, FrameSeed(0, 0, seed), z)


def test_trees_stand_in_sidewalk_pits_without_a_grass_strip():
    s = _street({"terrain_strip_width_m": 0.0, "sidewalk_width_m": 1.6, "tree_density": 16.0})
    trees = [o for o in s.objects if o.family == "tree"]
    assert len(trees) > 10 and {np.sign(o.location[0]) for o in trees} == {-1.0, 1.0}
    for o in trees:
        assert s.road.carriageway_half_width < abs(o.location[0]) < s.road.sidewalk_outer_x
    wide = _street({"terrain_strip_width_m": 3.0, "tree_density": 16.0})
    for o in (o for o in wide.objects if o.family == "tree"):
        assert wide.road.sidewalk_outer_x < abs(o.location[0]) < wide.road.terrain_outer_x


def test_tree_size_scales_every_tree():
    base_rng, big_rng = np.random.default_rng(3), np.random.default_rng(3)
    base, big = sample_tree(base_rng, size=1.0), sample_tree(big_rng, size=2.0)
    for f in ("trunk_height", "trunk_radius", "crown_radius", "crown_height"):
        assert getattr(big, f) == pytest.approx(2.0 * getattr(base, f), abs=2e-4)
    assert big.shape == base.shape and big.foliage == base.foliage
    assert base_rng.random() == big_rng.random()  # the size draws nothing
    # Base trees are 4.4-11.9 m tall: at 0.7 all are under 8.4 m, at 2.0 all over 8.7 m.
    small, tall = (_street({"tree_size": k, "tree_density": 12.0}) for k in (0.7, 2.0))
    heights = {k: [o.size[2] for o in s.objects if o.family == "tree"] for k, s in (("small", small), ("tall", tall))}
    assert heights["small"] and heights["tall"]
    assert max(heights["small"]) < 8.4 < 8.7 < min(heights["tall"])


def test_sidewalk_paving_follows_its_brightness_and_fog_thins_with_height():
    from assets.colors import srgb_to_linear

    space = default_space()
    z = space.sample([5])
    dark, pale = (frame_scene(space, FrameSeed(1, 0, 0), {**z, "sidewalk_brightness": v}) for v in (0.2, 0.8))
    assert max(dark.road.sidewalk_color) <= srgb_to_linear((0.2 * 1.08,) * 3)[0] + 1e-9
    assert min(pale.road.sidewalk_color) >= min(srgb_to_linear((0.8 * 0.92 * 0.85,) * 3))  # saturation <= 0.15
    assert dark.objects == pale.objects  # the paving draws nothing else
    assert dark.fog.scale_height_m > 0


def test_cars_park_half_on_the_pavement_where_the_strip_is_too_narrow():
    from scenegen.sequence import object_speeds

    for strip in (0.0, 1.0):
        z = {"parking_lane_width_m": strip, "parked_car_density": 18.0, "car_density": 0.0, "left_hand_traffic": 0,
             "parking_sides": 2}
        for pavement in (0, 1):
            street = _street({**z, "pavement_parking": pavement})
            lane_edge = street.road.lane_count * street.road.lane_width / 2
            kerb = street.road.carriageway_half_width
            parked = [o for o in street.objects if o.label == "car" and abs(o.location[0]) > lane_edge]
            if not pavement:
                assert parked == []  # no strip wide enough, no pavement parking: no parked cars
                continue
            assert len(parked) >= 10
            assert {np.sign(o.location[0]) for o in parked} == {-1.0, 1.0}  # along both kerbs
            for o in parked:
                xs = np.abs([c[0] for c in o.box_corners()])
                assert xs.max() > kerb + 0.3, o  # over the kerb onto the pavement
                assert kerb - xs.min() > 0.4 * o.size[0], o  # and at least about 45 % of it on the road side
                assert xs.min() > lane_edge - 0.6 * o.size[0], o
            speeds = object_speeds(street, FrameSeed(0, 0, 5))
            assert all(v == 0.0 for o, v in zip(street.objects, speeds) if o in parked)  # parked cars stand



def test_one_way_streets_send_every_lane_away_from_the_camera():
    from assets.markings import marking_rects

    for seed in range(4):
        z = {"lane_count": 2, "car_density": 8.0, "road_markings": 0, "reserved_lanes": 0}  # the old markings
        # (styles, reserved lanes: test_markings.py)
        two, one = _street({**z, "one_way": 0}, seed), _street({**z, "one_way": 1}, seed)
        assert two.road.two_way and not one.road.two_way
        half = one.road.lane_count * one.road.lane_width / 2
        in_lanes = lambda s: [o for o in s.objects if o.family in VEHICLE_FAMILIES and abs(o.location[0]) < half]
        assert in_lanes(one) and all(math.cos(o.yaw) > 0.99 for o in in_lanes(one))
        assert any(math.cos(o.yaw) < -0.99 for o in in_lanes(two))
        centre = lambda s: {round(float(r[0] + r[1]) / 2, 2) for r in marking_rects(s.road)
                            if abs(r[0] + r[1]) < 0.5 and r[1] - r[0] < 0.2}  # lane lines, not crossing stripes
        assert centre(two) == {-0.11, 0.11} and centre(one) == {0.0}  # a double centre line only when two-way
    assert not _street({"lane_count": 1, "one_way": 0}).road.two_way  # one lane: one way either way


def test_cars_park_along_one_kerb_or_both():
    kerbs = set()
    for seed in range(8):
        z = {"parking_lane_width_m": 2.2, "parked_car_density": 15.0, "car_density": 0.0, "left_hand_traffic": 0,
             "umbrellas": 0}  # a canopy over the kerb keeps a walker off a parked car: people would move
        both, one = _street({**z, "parking_sides": 2}, seed), _street({**z, "parking_sides": 1}, seed)
        lanes = both.road.lanes_half_width
        parked = lambda s: [o for o in s.objects if o.family in VEHICLE_FAMILIES and abs(o.location[0]) > lanes]
        sides = lambda s: {np.sign(o.location[0]) for o in parked(s)}
        assert sides(both) == {-1.0, 1.0} and len(sides(one)) == 1
        kerbs |= sides(one)
        rest = lambda s: [o.location for o in s.objects if o.family in ("building", "tree", "pedestrian")]
        assert rest(both) == rest(one)  # buildings, trees and people stay (kerbside furniture may move up)
    assert kerbs == {-1.0, 1.0}  # either kerb, from a stream of its own
