"""Junctions (scene variable ``junction``): the layout in numpy, the road surfaces, and a real render."""
import dataclasses
import math

import numpy as np
import pytest
from scene_checks import box_iou, mask_box, on_cross_street, projected_box, render_still, street

from assets.buildings import GARDEN_DEPTH
from assets.vehicles import VEHICLE_FAMILIES
from scenegen import junction
from scenegen.labels import label_id
from scenegen.params import default_space
from scenegen.spec import CameraSpec, FogSpec

#: a busy street, so that every kind of object meets the junction
BUSY = {"car_density": 8.0, "parked_car_density": 18.0, "pedestrian_density": 60.0, "tree_density": 16.0,
        "bush_density": 30.0, "street_furniture_density": 12.0, "sign_density": 8.0, "two_wheeler_density": 6.0,
        "crosswalk_probability": 1.0, "traffic_light_probability": 1.0, "front_boundary_probability": 1.0,
        "terrain_strip_width_m": 2.0, "parking_lane_width_m": 2.2, "building_gap_probability": 0.0}
#: what may stand on a carriageway: vehicles, ridden two-wheelers, and people on the zebra crossing
ROAD_USERS = tuple(VEHICLE_FAMILIES) + ("bicycle", "motorcycle", "tram")


def _straight(seed: int, **variables):
    """A street with ``variables`` that runs straight and level on past its junction (curves:
    tests/test_curves.py; grades: tests/test_grades.py)."""
    return street(seed, **{"road_curve": 0, "road_grade": 0, **variables})


def _layout_side(road, x: float) -> int:
    """The side of ``x`` in the right-hand layout (where the RoadSpec's junction sides are counted)."""
    return int(np.sign(x)) * (-1 if road.driving_side == "left" else 1)


def _plan_box(obj, shrink: float = 1e-3):
    corners = np.array(obj.box_corners())
    return (*(corners[:, :2].min(axis=0) + shrink), *(corners[:, :2].max(axis=0) - shrink))


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_variable_draws_no_cross_street_a_t_junction_or_a_crossroads():
    var = default_space()[junction.VARIABLE]
    assert var.distribution.values == (0, 1, 2) and np.allclose(var.distribution.weights, 1 / 3)
    sides = {j: {_straight(seed, junction=j).road.junction_sides for seed in range(12)} for j in (0, 1, 2)}
    assert sides == {0: {()}, 1: {(-1,), (1,)}, 2: {(-1, 1)}}
    for seed in range(6):
        road = _straight(seed, junction=2, **BUSY).road
        assert junction.JUNCTION_Y_M[0] <= road.junction_y
        assert road.junction_half_width == pytest.approx(road.lane_width, abs=1e-4)  # one lane each way
        lo, hi = road.junction_band(pavements=True)
        for crossing in road.crosswalks:  # the zebra crossing stays clear of the cross street's pavements
            assert crossing + road.crosswalk_depth / 2 < lo or crossing - road.crosswalk_depth / 2 > hi


def test_no_junction_draws_the_street_of_a_file_without_the_variable():
    for seed in range(4):
        before, none = _straight(seed, junction=None), _straight(seed, junction=0)
        assert (before.road, before.objects) == (none.road, none.objects)


@pytest.mark.parametrize("kind", (junction.T_JUNCTION, junction.CROSSROADS))
@pytest.mark.parametrize("left", (0, 1))
def test_junction_layouts_overlap_nothing_and_keep_the_carriageways_to_road_users(kind, left):
    for seed in range(4):
        s = _straight(seed, junction=kind, left_hand_traffic=left, **BUSY)
        road = s.road
        buildings = [o for o in s.objects if o.family == "building"]
        assert any(abs(math.sin(o.yaw)) > 0.99 for o in buildings)  # rows along the cross street
        boxes = [_plan_box(o) for o in buildings]
        assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        lo, hi = road.junction_band(pavements=True)
        for box in boxes:  # off the main street, and off the cross street and its pavements
            assert box[0] >= road.terrain_outer_x or box[2] <= -road.terrain_outer_x, box
            across = _layout_side(road, box[0] + box[2]) in road.junction_sides and box[1] < hi and lo < box[3]
            assert not across, box
        # objects whose whole box is their footprint (a tree's crown, a lamp's arm or a sign's plate reaches over
        # others; hedges, fences and walls run behind the pavement)
        grounded = [o for o in s.objects if o.family not in ("building", "tree", "street_lamp", "traffic_light",
                                                               "sign", "hedge", "fence", "wall")]
        plans = [_plan_box(o) for o in grounded]
        clashes = [(a, b) for i, a in enumerate(grounded) for b, pb in zip(grounded[i + 1:], plans[i + 1:])
                   if _overlap(plans[i], pb)]
        assert not clashes, clashes[:1]
        crossing = [(c - road.crosswalk_depth / 2 - 1.3, c + road.crosswalk_depth / 2 + 1.3) for c in road.crosswalks]
        for o in s.objects:
            if on_cross_street(road, o) or abs(o.location[0]) < road.lanes_half_width:
                on_zebra = any(a < o.location[1] < b for a, b in crossing)
                assert o.family in ROAD_USERS or (o.family == "pedestrian" and on_zebra), o


@pytest.mark.parametrize("left", (0, 1))
def test_cross_street_traffic_keeps_to_its_side_and_waits_at_the_stop_line(left):
    waiting = 0
    for seed in range(6):
        s = _straight(seed, junction=junction.CROSSROADS, left_hand_traffic=left, car_density=6.0)
        road = s.road
        cross = [o for o in s.objects if on_cross_street(road, o)]
        assert cross and all(o.family in VEHICLE_FAMILIES for o in cross)
        for o in cross:
            heading = np.array([-math.sin(o.yaw), math.cos(o.yaw)])
            assert abs(heading[0]) > 0.99  # along the cross street
            toward_main = heading[0] * o.location[0] < 0
            # Right-hand traffic keeps right of its heading, left-hand traffic left: the cross product tells.
            right_of_heading = heading[0] * (o.location[1] - road.junction_y) < 0
            assert right_of_heading == (left == 0), o
            assert abs(abs(o.location[1] - road.junction_y) - road.junction_half_width / 2) < 0.6
            kerb = road.carriageway_half_width + junction.STOP_LINE_GAP_M + junction.STOP_LINE_DEPTH_M
            near_end = abs(o.location[0]) - o.size[1] / 2
            assert near_end > kerb
            waiting += toward_main and near_end < kerb + 0.6
    assert waiting >= 6


def test_cross_street_buildings_face_it_and_turn_the_corner():
    for seed in range(6):
        s = _straight(seed, junction=junction.CROSSROADS, building_gap_probability=0.0, left_hand_traffic=0)
        road = s.road
        lo, hi = road.junction_band(pavements=True)
        along_cross = [o for o in s.objects if o.family == "building" and abs(math.sin(o.yaw)) > 0.99]
        for side in (-1, 1):
            for bank, facade_y in ((-1, lo), (1, hi)):
                row = sorted((o for o in along_cross if np.sign(o.location[0]) == side
                              and np.sign(o.location[1] - road.junction_y) == bank), key=lambda o: abs(o.location[0]))
                assert row, (seed, side, bank)
                for o in row:
                    facing = np.array([-math.cos(o.yaw), -math.sin(o.yaw)])  # the facade's outward normal (local -X)
                    assert facing[1] * bank < -0.99  # toward the cross street
                    front = abs(o.location[1] - facade_y) - o.size[0] / 2
                    garden = GARDEN_DEPTH[1] if o.params["typology"] == "house" else 0.8
                    assert -1e-3 <= front <= garden + 1e-3  # at the back of its pavement (or of a front garden)
                first = _plan_box(row[0])
                main = [_plan_box(o) for o in s.objects if o.family == "building" and abs(math.sin(o.yaw)) < 0.01
                        and np.sign(o.location[0]) == side]
                # the row starts where the main street's buildings at the corner end
                near_x = min(abs(first[0]), abs(first[2]))
                span = sorted((facade_y, facade_y + bank * junction.DEEPEST_BUILDING_M))
                beside = [b for b in main if b[1] < span[1] and b[3] > span[0]]
                assert beside and near_x == pytest.approx(max(max(abs(b[0]), abs(b[2])) for b in beside), abs=0.01)


def test_road_surfaces_cover_the_junction_once_and_mark_its_stop_lines():
    from assets.blender.road import road_geometry
    from assets.markings import marking_rects

    road = _straight(1, junction=junction.CROSSROADS, parking_lane_width_m=2.2, left_hand_traffic=0).road
    geo = road_geometry(road)
    tops = {}
    for name in ("road", "sidewalk", "terrain"):
        v, faces, _ = geo[name]
        rects = []
        for f in faces.tolist():  # horizontal faces, the surfaces one walks or drives on
            pts = v[list(f)]
            if np.ptp(pts[:, 2]) < 1e-9:
                rects.append((*pts[:, :2].min(axis=0), *pts[:, :2].max(axis=0)))
        tops[name] = np.array(rects)
    rng = np.random.default_rng(0)
    points = np.column_stack([rng.uniform(-60, 60, 4000),
                              rng.uniform(road.junction_y - 40, road.junction_y + 40, 4000)])
    lo, hi = road.junction_band()
    for x, y in points:
        covers = {name: int(((r[:, 0] < x) & (x < r[:, 2]) & (r[:, 1] < y) & (y < r[:, 3])).sum())
                  for name, r in tops.items()}
        assert sum(covers.values()) == 1, (x, y, covers)  # no gap, no surface over another
        if abs(x) > road.carriageway_half_width and lo < y < hi:
            assert covers["road"] == 1, (x, y)  # the cross street's carriageway is road
    marks = marking_rects(road)
    for side in (-1, 1):
        x0, x1, y0, y1 = junction.stop_line(road, side)
        assert any(np.allclose(m, (x0, x1, y0, y1)) for m in marks)
        # right-hand traffic: the lane toward the main street is right of its heading
        assert (y0 + y1) / 2 - road.junction_y == pytest.approx(side * road.junction_half_width / 2)
    edge = road.lanes_half_width + 0.06  # the parking strips' edge lines stop at the cross street's mouth
    assert not any(abs(abs((m[0] + m[1]) / 2) - edge) < 0.01 and m[2] < hi and m[3] > lo for m in marks)


@pytest.fixture(scope="module")
def junction_frame():
    """A crossroads seen from the main street's kerb looking down the cross street (one of its buildings, the road
    surfaces, no fog), rendered in-process."""
    base = _straight(4, junction=junction.CROSSROADS, left_hand_traffic=0, camera_exposure_ev=0.0)
    road = base.road
    building = min((o for o in base.objects if o.family == "building" and abs(math.sin(o.yaw)) > 0.99
                    and o.location[0] > 0 and o.location[1] > road.junction_y), key=lambda o: o.location[0])
    camera = CameraSpec(location=(road.carriageway_half_width - 1.0, road.junction_y - 1.0, 1.6), pitch_deg=-5.0,
                        yaw_deg=-90.0, roll_deg=0.0, fov_deg=90.0, exposure_ev=0.0)
    spec = dataclasses.replace(base, objects=(building,), camera=camera, fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, _ = render_still(spec, 192, 128)
    return spec, building, settings, frame


def test_a_junction_renders_its_cross_street_and_corner_building_where_they_stand(junction_frame):
    from scenegen.camera_model import project

    spec, building, settings, frame = junction_frame
    road = spec.road
    x = road.carriageway_half_width + 12.0
    points = {"road": (x, road.junction_y, 0.0),
              "sidewalk": (x, road.junction_y - road.junction_half_width - road.sidewalk_width / 2, road.curb_height)}
    for label, point in points.items():
        (u, v), = project(spec.camera, settings.width, settings.height, np.array([point]))[0]
        assert frame.label_ids[int(v), int(u)] == label_id(label), label
    mask = frame.label_ids == label_id("building")
    assert mask.sum() > 300
    assert box_iou(mask_box(mask), projected_box(spec, building, settings.width, settings.height)) > 0.85
