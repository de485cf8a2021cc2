"""Curved streets (scene variable ``road_curve``): the bend's geometry, the layout on it, the road surfaces and a
real render."""
import dataclasses
import math

import numpy as np
import pytest
from scene_checks import box_iou, footprint, footprints_overlap, mask_box, projected_box, render_still, street

from scenegen import curve
from scenegen.grammar import frame_variables
from scenegen.labels import label_id
from scenegen.params import default_space
from scenegen.seeding import FrameSeed
from scenegen.sequence import sequence_variables
from scenegen.spec import FogSpec

BENDS = [curve.Bend(20.0, 80.0, 1.2), curve.Bend(35.0, -150.0, 0.6), curve.Bend(12.0, 400.0, 0.45)]


@pytest.mark.parametrize("bend", BENDS)
def test_a_bend_keeps_lengths_along_the_centre_line_and_offsets_across_it(bend):
    s = np.linspace(-10, 300, 3101)
    centre = bend.points(np.column_stack([np.zeros_like(s), s, np.zeros_like(s)]))
    steps = np.linalg.norm(np.diff(centre[:, :2], axis=0), axis=1)
    assert steps == pytest.approx(0.1, abs=1e-4)  # distance along the centre line is kept, no kink
    heading = np.diff(centre[:, :2], axis=0) / steps[:, None]
    turned = np.arctan2(-heading[:, 0], heading[:, 1])  # the yaw of the street's direction
    assert turned == pytest.approx(np.asarray(bend.turn(s[:-1] + 0.05)), abs=2e-3)
    assert abs(bend.turn(1000.0)) == pytest.approx(bend.angle)  # then straight on
    assert math.copysign(1, centre[-1, 0]) == math.copysign(1, bend.radius)  # positive radius bends right
    for x in (-9.0, 4.0, 20.0):
        side = bend.points(np.column_stack([np.full_like(s, x), s, np.zeros_like(s)]))
        assert np.linalg.norm(side[:, :2] - centre[:, :2], axis=1) == pytest.approx(abs(x))  # offsets kept
    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.uniform(-40, 40, 500), rng.uniform(-15, 400, 500), rng.uniform(0, 5, 500)])
    assert bend.straighten(bend.points(pts)) == pytest.approx(pts, abs=1e-9)
    before = pts[pts[:, 1] <= bend.start]
    assert (bend.points(before) == before).all()  # nothing before the bend moves


def test_the_variable_draws_straight_gentle_and_sharp_bends_past_any_junction():
    var = default_space()[curve.VARIABLE]
    assert var.distribution.values == (0, 1, 2) and np.allclose(var.distribution.weights, 1 / 3)
    signs = set()
    for seed in range(12):
        assert street(seed, road_curve=0).road.curve_radius == 0.0
        for kind in (1, 2):
            road = street(seed, road_curve=kind).road
            lo, hi = curve.RADIUS_M[kind]
            assert max(lo, road.terrain_outer_x + curve.CENTRE_CLEARANCE_M) <= abs(road.curve_radius) <= hi + 1e-3
            assert curve.ANGLE_DEG[0] <= road.curve_angle_deg <= curve.ANGLE_DEG[1]
            if road.junction_sides:
                assert road.curve_start_y >= road.junction_band(pavements=True)[1] + curve.AFTER_JUNCTION_M - 1e-3
            signs.add(math.copysign(1, road.curve_radius))
    assert signs == {-1.0, 1.0}
    for seed in range(4):  # a file from before the variable draws the same straight street
        before, straight = street(seed, road_curve=None), street(seed, road_curve=0)
        assert (before.road, before.objects) == (straight.road, straight.objects)


def test_sequences_run_on_straight_level_streets():
    from scenegen import grade

    space = default_space()
    for index in range(6):
        seed = FrameSeed(0, index, 0)
        z = sequence_variables(space, seed)
        assert z[curve.VARIABLE] == 0 and {**frame_variables(space, seed), curve.VARIABLE: 0, grade.VARIABLE: 0} == z


@pytest.mark.parametrize("kind", (1, 2))
@pytest.mark.parametrize("left", (0, 1))
def test_on_a_bend_objects_stay_apart_and_turn_with_the_street(kind, left):
    busy = {"car_density": 8.0, "parked_car_density": 18.0, "pedestrian_density": 60.0, "bush_density": 30.0,
            "street_furniture_density": 12.0, "two_wheeler_density": 6.0, "terrain_strip_width_m": 2.0,
            "parking_lane_width_m": 2.2, "building_gap_probability": 0.0, "left_hand_traffic": left}
    for seed in range(4):
        s = street(seed, road_curve=kind, **busy)
        bend = curve.Bend.of(s.road)
        straight = curve.straighten_scene(s)
        past = [(o, st) for o, st in zip(s.objects, straight.objects) if st.location[1] > bend.start + 1]
        assert len(past) > 30
        mirror = -1 if left else 1  # the bend's turn is the right-hand layout's
        for o, st in past:  # carried whole: turned by the street's turn where it stands
            turn = mirror * float(bend.turn(st.location[1]))
            assert math.cos(o.yaw - st.yaw - turn) == pytest.approx(1.0, abs=1e-6)
        grounded = [o for o in s.objects if o.family not in ("building", "tree", "street_lamp", "traffic_light",
                                                               "sign", "hedge", "fence", "wall")]
        shapes = [footprint(o, shrink=0.01) for o in grounded]
        clashes = [(grounded[i], grounded[j]) for i in range(len(shapes)) for j in range(i + 1, len(shapes))
                   if footprints_overlap(shapes[i], shapes[j])]
        assert not clashes, clashes[:1]
        for o in (o for o in straight.objects if o.family == "building"):  # rows stay behind the pavement
            assert abs(o.location[0]) - o.size[0] / 2 >= s.road.terrain_outer_x - 0.01
        fronts = _building_fronts(s)  # neighbours meet at their fronts (they may overlap behind, out of view)
        assert not any(footprints_overlap(a, b) for i, a in enumerate(fronts) for b in fronts[i + 1:])


def _building_fronts(spec):
    """A thin strip along each main-street building's facade (its side toward the street: local -X, or +X where a
    left-hand street mirrors its geometry)."""
    out = []
    front = 1 if spec.road.driving_side == "left" else -1
    for o in spec.objects:
        if o.family != "building" or abs(math.sin(o.yaw - round(o.yaw / math.pi) * math.pi)) > 0.99:
            continue  # along the cross street
        c, s = math.cos(o.yaw), math.sin(o.yaw)
        face, inner = front * o.size[0] / 2, front * (o.size[0] / 2 - 0.3)
        local = np.array([[face, -o.size[1] / 2 + 0.02], [inner, -o.size[1] / 2 + 0.02],
                          [inner, o.size[1] / 2 - 0.02], [face, o.size[1] / 2 - 0.02]])
        out.append(local @ np.array([[c, s], [-s, c]]) + np.asarray(o.location[:2]))
    return out


def test_bent_road_surfaces_cover_the_street_once():
    from assets.blender.road import road_geometry
    from assets.geometry import triangles

    road = street(2, road_curve=2, junction=0, left_hand_traffic=0, terrain_strip_width_m=2.0).road
    bend = curve.Bend.of(road)
    geo = road_geometry(road)
    tops = {}
    for name in ("road", "sidewalk", "terrain"):
        v, faces, _ = geo[name]
        tri = v[triangles(faces)]
        up = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])[:, 2] > 1e-9
        level = (np.ptp(tri[:, :, 2], axis=1) < 1e-9) & (tri[:, 0, 2] > -0.01)  # not the flat ground under it all
        tops[name] = tri[up & level][:, :, :2]
    rng = np.random.default_rng(0)
    across = road.terrain_outer_x - 0.05
    straight = np.column_stack([rng.uniform(-across, across, 600), bend.start + rng.uniform(0.5, 120, 600),
                                np.zeros(600)])
    world = bend.points(straight)[:, :2]
    for (x, _), p in zip(straight[:, :2], world):
        covers = {name: int(_inside(t, p).sum()) for name, t in tops.items()}
        expect = "road" if abs(x) < road.carriageway_half_width else "sidewalk" if abs(x) < road.sidewalk_outer_x \
            else "terrain"
        if min(abs(abs(x) - road.carriageway_half_width), abs(abs(x) - road.sidewalk_outer_x)) < 0.05:
            continue  # on a seam
        assert covers[expect] == 1 and sum(covers.values()) == 1, (x, covers)


def _inside(tri: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Which triangles (T, 3, 2) hold point ``p`` (strictly)."""
    d = [np.cross(tri[:, (k + 1) % 3] - tri[:, k], p - tri[:, k]) for k in range(3)]
    return ((d[0] > 0) & (d[1] > 0) & (d[2] > 0)) | ((d[0] < 0) & (d[1] < 0) & (d[2] < 0))


@pytest.fixture(scope="module")
def bend_frame():
    """A sharp bend with one car in it, rendered in-process."""
    base = street(3, road_curve=2, junction=0, left_hand_traffic=0, camera_pitch_deg=-4.0, camera_fov_deg=70.0,
                  car_density=8.0)
    bend = curve.Bend.of(base.road)
    straight = curve.straighten_scene(base)
    car = next(o for o, st in zip(base.objects, straight.objects) if o.label == "car"
               and bend.start + 5 < st.location[1] < bend.start + 40 and abs(st.location[0]) < 4)
    spec = dataclasses.replace(base, objects=(car,), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, _ = render_still(spec, 192, 128)
    return spec, car, settings, frame


def test_a_bend_renders_the_street_and_its_car_where_they_stand(bend_frame):
    from scenegen.camera_model import project

    spec, car, settings, frame = bend_frame
    road, bend = spec.road, curve.Bend.of(spec.road)
    mask = frame.label_ids == label_id("car")
    assert mask.sum() > 40
    assert box_iou(mask_box(mask), projected_box(spec, car, settings.width, settings.height)) > 0.8
    s = bend.start + 45.0
    for x, label in ((0.0, "road"), (road.carriageway_half_width + road.sidewalk_width / 2, "sidewalk")):
        for side in (-1, 1):
            point = bend.points(np.array([[side * x, s, road.curb_height if label == "sidewalk" else 0.0]]))
            (u, v), = project(spec.camera, settings.width, settings.height, point)[0]
            if 0 <= u < settings.width and 0 <= v < settings.height:
                assert frame.label_ids[int(v), int(u)] in (label_id(label), label_id("car")), (label, side)
