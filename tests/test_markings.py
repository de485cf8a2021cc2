"""Road marking styles (``road_markings``), reserved lanes (``reserved_lanes``) and signal crossings
(``signal_crossings``): the numpy samplers and layouts, and real renders."""
import dataclasses

import numpy as np
import pytest
from scene_checks import render_still, street

from assets.markings import (BAY_LENGTH_M, BOX_BORDER_W, BOX_HATCH_STEP, BUS_LINE_W, BUS_SURFACES, CENTRE_LINES, CYCLE_LANE_M, CYCLE_LINES,
                             CYCLE_SURFACES, GREEN, KERB_LINES, LINE_W, RED, RESERVED_VARIABLE, SIGNAL_CLEAR_M,
                             SIGNAL_VARIABLE, VARIABLE, WHITE, YELLOW, box_extent, box_hatch, bus_lane_sides, cycle_lane_width, lane_surfaces,
                             marking_rects, markings, reserved_bands, sample_marking_style, sample_reserved_lanes)
from scenegen.labels import label_id
from scenegen.params import default_space
from scenegen.spec import FogSpec


def _road(**fields):
    """A straight two-way street of two lanes with ``fields`` set on its RoadSpec."""
    road = street(1, road_curve=0, junction=0, lane_count=2, one_way=0, left_hand_traffic=0, road_markings=0,
                  reserved_lanes=0, signal_crossings=0, crosswalk_probability=0.0).road
    return dataclasses.replace(road, **fields)


def _centre(rows):
    return rows[np.abs(rows[:, 0] + rows[:, 1]) < 0.5]


def test_the_style_sampler_draws_every_kind_and_nothing_for_the_old_markings():
    var = default_space()[VARIABLE]
    assert var.distribution.values == (0, 1) and np.allclose(var.distribution.weights, 0.5)
    assert sample_marking_style(np.random.default_rng(0), {VARIABLE: 0}) == {}
    assert sample_marking_style(np.random.default_rng(0), {}) == {}
    styles = [sample_marking_style(np.random.default_rng(seed), {VARIABLE: 1}) for seed in range(80)]
    assert styles[3] == sample_marking_style(np.random.default_rng(3), {VARIABLE: 1})
    assert {s["centre_line"] for s in styles} == set(CENTRE_LINES)
    assert {s["kerb_lines"] for s in styles} == set(KERB_LINES)
    assert {s["centre_colour"] for s in styles} == {"white", "yellow"}
    assert {s["edge_lines"] for s in styles} == {s["parking_bays"] for s in styles} == {True, False}
    for seed in range(3):  # the style draws from a stream of its own: the rest of the street stays
        old, styled = street(seed, road_markings=0), street(seed, road_markings=1)
        assert old.objects == styled.objects
        assert dataclasses.replace(styled.road, **{k: getattr(old.road, k) for k in styles[0]}) == old.road


def test_centre_lines_take_their_kind_and_colour():
    double = _centre(markings(_road()))
    assert len(double) == 2 and set(double[:, 4]) == {WHITE}
    assert sorted(np.round((double[:, 0] + double[:, 1]) / 2, 2)) == [-0.11, 0.11]
    solid = _centre(markings(_road(centre_line="solid", centre_colour="yellow")))
    assert len(solid) == 1 and solid[0, 4] == YELLOW and solid[0, 3] - solid[0, 2] > 300
    dashed = _centre(markings(_road(centre_line="dashed")))
    assert len(dashed) > 30 and (dashed[:, 3] - dashed[:, 2] <= 3.0 + 1e-9).all()


def test_kerb_lines_edge_lines_and_parking_bays_lie_where_the_style_puts_them():
    bare = _road(parking_width=0.0, kerb_lines="double_yellow", edge_lines=True)
    rows = markings(bare)
    kerb = bare.carriageway_half_width
    yellow = rows[rows[:, 4] == YELLOW]
    assert sorted(set(np.round(np.abs((yellow[:, 0] + yellow[:, 1]) / 2), 3))) == [round(kerb - 0.45, 3),
                                                                                   round(kerb - 0.25, 3)]
    white = rows[rows[:, 4] == WHITE]
    assert np.isclose(np.abs((white[:, 0] + white[:, 1]) / 2), kerb - 0.3).sum() == 2  # one edge line a side
    strip = _road(parking_width=2.2, kerb_lines="double_yellow", parking_bays=True)
    rows = markings(strip)
    assert not (rows[:, 4] == YELLOW).any()  # no waiting lines where cars park
    lanes = strip.lanes_half_width
    across = rows[(rows[:, 3] - rows[:, 2] < 0.2) & (np.abs(rows[:, 0]) > lanes)]  # the bays' ends
    assert len(across) > 100
    assert (np.minimum(np.abs(across[:, 0]), np.abs(across[:, 1])) >= lanes).all()
    assert (np.maximum(np.abs(across[:, 0]), np.abs(across[:, 1])) <= strip.carriageway_half_width).all()
    ends = np.sort(across[across[:, 0] > 0][:, 2])
    assert np.allclose(np.diff(ends), BAY_LENGTH_M)
    for road in (bare, strip):  # all paint on the carriageway
        assert (np.abs(marking_rects(road)[:, :2]) <= road.carriageway_half_width + 1e-9).all()


def test_the_old_markings_are_the_default_fields():
    road = _road()
    assert (road.centre_line, road.centre_colour, road.edge_lines, road.kerb_lines, road.parking_bays) == \
        ("double", "white", False, "none", False)


@pytest.fixture(scope="module")
def yellow_line_frame():
    """A street with a solid yellow centre line and double yellow kerb lines, seen from above the centre line."""
    base = street(2, road_curve=0, junction=0, lane_count=2, one_way=0, left_hand_traffic=0, parking_lane_width_m=0.0,
                  crosswalk_probability=0.0, road_wear=0.0, camera_pitch_deg=-30.0, camera_fov_deg=50.0)
    road = dataclasses.replace(base.road, centre_line="solid", centre_colour="yellow", kerb_lines="double_yellow")
    camera = dataclasses.replace(base.camera, location=(0.0, 0.0, 4.0), exposure_ev=0.0)
    spec = dataclasses.replace(base, road=road, camera=camera, objects=(), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, _ = render_still(spec, 128, 96, samples=4)
    return spec, settings, frame


def test_yellow_paint_renders_yellow_and_is_labelled_road(yellow_line_frame):
    from scenegen.camera_model import project

    spec, settings, frame = yellow_line_frame
    (u, v), = project(spec.camera, settings.width, settings.height, np.array([[0.0, 12.0, 0.0]]))[0]
    line = frame.rgb[int(v), int(u)].astype(int)
    assert frame.label_ids[int(v), int(u)] == label_id("road")
    assert line[0] - line[2] > 40 and line[1] - line[2] > 20  # yellow: red and green well above blue
    (u, v), = project(spec.camera, settings.width, settings.height, np.array([[1.6, 12.0, 0.0]]))[0]
    asphalt = frame.rgb[int(v), int(u)].astype(int)
    assert abs(asphalt[0] - asphalt[2]) < 25  # the grey road beside it


# ---------------------------------------------------------------- reserved lanes and signal crossings
def _styled(seed: int, **z):
    return street(seed, **{"road_curve": 0, "junction": 0, "crosswalk_probability": 1.0, "left_hand_traffic": 0, **z})


def test_reserved_lanes_and_signal_crossings_draw_from_a_stream_of_their_own():
    assert sample_reserved_lanes(np.random.default_rng(0), {}) == {}
    assert sample_reserved_lanes(np.random.default_rng(0), {RESERVED_VARIABLE: 0, SIGNAL_VARIABLE: 0}) == {}
    cycle = [sample_reserved_lanes(np.random.default_rng(s), {RESERVED_VARIABLE: 1}) for s in range(60)]
    assert {c["cycle_lanes"] for c in cycle} == set(CYCLE_LINES)
    assert {c["lane_surface"] for c in cycle} == set(CYCLE_SURFACES)
    bus = [sample_reserved_lanes(np.random.default_rng(s), {RESERVED_VARIABLE: 2}) for s in range(60)]
    assert all(b["bus_lanes"] for b in bus) and {b["lane_surface"] for b in bus} == set(BUS_SURFACES)
    assert sample_reserved_lanes(np.random.default_rng(0), {SIGNAL_VARIABLE: 1}) == {"signal_crossing": True}
    assert sample_reserved_lanes(np.random.default_rng(0), {"box_junctions": 1}) == {"box_junction": True}
    fields = ("cycle_lanes", "bus_lanes", "lane_surface", "signal_crossing", "box_junction")
    for seed in range(3):
        plain = _styled(seed, reserved_lanes=0, signal_crossings=0)
        for kind in (1, 2):
            styled = _styled(seed, reserved_lanes=kind, signal_crossings=0)
            assert styled.objects == plain.objects
            assert dataclasses.replace(styled.road, **{k: getattr(plain.road, k) for k in fields}) == plain.road
        boxed = _styled(seed, reserved_lanes=0, signal_crossings=0, box_junctions=1, junction=1)
        assert boxed.road.box_junction and boxed.objects == _styled(seed, reserved_lanes=0, signal_crossings=0,
                                                                    box_junctions=0, junction=1).objects
        signals = _styled(seed, reserved_lanes=0, signal_crossings=1)
        assert [o for o in signals.objects if o.family != "traffic_light"] == \
            [o for o in plain.objects if o.family != "traffic_light"]


def _within(rows, lo, hi):
    return (np.minimum(np.abs(rows[:, 0]), np.abs(rows[:, 1])) >= lo - 1e-9) & \
        (np.maximum(np.abs(rows[:, 0]), np.abs(rows[:, 1])) <= hi + 1e-9)


def test_cycle_lanes_lie_in_the_outermost_lanes_behind_their_line():
    for lanes, one_way in ((1, 1), (2, 0), (3, 1), (4, 0)):
        for line in CYCLE_LINES:
            road = _road(lane_count=lanes, two_way=not one_way, cycle_lanes=line, lane_surface="green",
                         crosswalks=(30.0,))
            bands = reserved_bands(road)
            assert [b[0] for b in bands] == ([1] if lanes == 1 else [-1, 1])
            half, width = road.lanes_half_width, cycle_lane_width(road)
            assert 0 < width <= min(CYCLE_LANE_M, road.lane_width / 2)
            surf = lane_surfaces(road)
            assert len(surf) and (surf[:, 4] == GREEN).all() and _within(surf, half - width, half).all()
            for s in {b[0] for b in bands}:  # each band covers the street once, up to the crossing
                mine = surf[np.sign(surf[:, 0] + surf[:, 1]) == s]
                assert np.isclose((mine[:, 3] - mine[:, 2]).sum(), road.y_end - road.y_start - road.crosswalk_depth - 0.6)
            line_x = half - width + LINE_W / 2
            paint = markings(road)
            lines = paint[np.isclose(np.abs((paint[:, 0] + paint[:, 1]) / 2), line_x)]
            assert len(lines) >= 2 * len(bands)
            assert ((lines[:, 3] - lines[:, 2]) <= 4.0 + 1e-9).all() == (line == "advisory")


def test_bus_lanes_take_the_kerb_lane_where_a_direction_has_two_lanes():
    assert reserved_bands(_road(lane_count=2, bus_lanes=True)) == []  # one lane each way: no bus lane
    one_way = _road(lane_count=2, two_way=False, bus_lanes=True, lane_surface="red")
    assert bus_lane_sides(one_way) == (1,)
    four = _road(lane_count=4, bus_lanes=True, lane_surface="red")
    assert bus_lane_sides(four) == (-1, 1)
    for road in (one_way, four):
        half = road.lanes_half_width
        surf = lane_surfaces(road)
        assert (surf[:, 4] == RED).all() and _within(surf, half - road.lane_width, half).all()
        paint = markings(road)
        wide = paint[np.isclose(paint[:, 1] - paint[:, 0], BUS_LINE_W)]
        assert sorted(set(np.round((wide[:, 0] + wide[:, 1]) / 2, 6))) == \
            sorted(round(s * (half - road.lane_width), 6) for s in bus_lane_sides(road))
    assert len(lane_surfaces(_road(lane_count=4, bus_lanes=True))) == 0  # plain asphalt: no surfacing


def test_a_signal_crossing_has_broken_lines_and_a_stop_line_on_each_approach():
    zebra = _road(crosswalks=(30.0,))
    signal = dataclasses.replace(zebra, signal_crossing=True)
    d = zebra.crosswalk_depth
    deep = lambda rows: rows[np.isclose(rows[:, 3] - rows[:, 2], d)]
    assert len(deep(markings(zebra))) > 3 and len(deep(markings(signal))) == 0  # no zebra stripes
    rows = markings(signal)
    near = rows[(rows[:, 3] > 30 - d / 2 - SIGNAL_CLEAR_M) & (rows[:, 2] < 30 + d / 2 + SIGNAL_CLEAR_M)]
    edges = near[np.isclose(near[:, 3] - near[:, 2], LINE_W)]
    assert sorted(set(np.round((edges[:, 2] + edges[:, 3]) / 2, 6))) == [30 - d / 2, 30 + d / 2]
    stops = near[np.isclose(near[:, 3] - near[:, 2], 0.4)]
    assert len(stops) == 2 and {np.sign(s[0] + s[1]) for s in stops} == {-1.0, 1.0}
    assert len(near) == len(edges) + len(stops)  # nothing else painted where the crossing keeps clear
    assert (np.abs(rows[:, :2]) <= signal.carriageway_half_width + 1e-9).all()


def test_signals_stand_at_a_signal_crossing():
    for seed in range(4):
        scene = _styled(seed, signal_crossings=1, traffic_light_probability=0.0)
        lights = [o for o in scene.objects if o.family == "traffic_light"]
        yc = scene.road.crosswalks[0]
        assert scene.road.signal_crossing and lights
        assert all(np.isclose(o.location[1], yc + scene.road.crosswalk_depth) for o in lights)
        assert not [o for o in _styled(seed, signal_crossings=0, traffic_light_probability=0.0).objects
                    if o.family == "traffic_light"]


def test_red_surfacing_renders_red_and_is_labelled_road():
    from scenegen.camera_model import project

    base = street(4, road_curve=0, junction=0, lane_count=2, one_way=1, left_hand_traffic=0, crosswalk_probability=0.0,
                  road_wear=0.0, camera_pitch_deg=-30.0, camera_fov_deg=50.0)
    road = dataclasses.replace(base.road, bus_lanes=True, lane_surface="red")
    camera = dataclasses.replace(base.camera, location=(0.0, 0.0, 4.0), exposure_ev=0.0)
    spec = dataclasses.replace(base, road=road, camera=camera, objects=(), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, _ = render_still(spec, 128, 96, samples=4)
    half = road.lanes_half_width
    for x, red in ((half / 2, True), (-half / 2, False)):
        (u, v), = project(spec.camera, settings.width, settings.height, np.array([[x, 12.0, 0.0]]))[0]
        px = frame.rgb[int(v), int(u)].astype(int)
        assert frame.label_ids[int(v), int(u)] == label_id("road")
        assert (px[0] - px[1] > 25 and px[0] - px[2] > 25) == red, px


def test_a_box_junction_hatches_the_mouth_inside_its_border_and_nothing_else_is_painted_there():
    scene = _styled(2, junction=2, box_junctions=1, lane_count=2, one_way=0, crosswalk_probability=0.0)
    road = scene.road
    assert road.box_junction and road.junction_sides
    x0, x1, y0, y1 = box_extent(road)
    assert (x0, x1) == (-road.carriageway_half_width + 0.2, road.carriageway_half_width - 0.2)
    assert (y0, y1) == road.junction_band()
    hatch = box_hatch(road)
    assert len(hatch) >= 2 * (y1 - y0) / BOX_HATCH_STEP
    slopes = np.round((hatch[:, 1, 1] - hatch[:, 0, 1]) / (hatch[:, 1, 0] - hatch[:, 0, 0]), 9)
    assert set(slopes) == {-1.0, 1.0}  # criss-cross at 45 degrees
    ends = (hatch[:, [0, 1]] + hatch[:, [3, 2]]) / 2  # the ends of each line's centre line
    assert ((ends[..., 0] >= x0 + BOX_BORDER_W - 1e-9) & (ends[..., 0] <= x1 - BOX_BORDER_W + 1e-9)).all()
    assert ((ends[..., 1] >= y0 + BOX_BORDER_W - 1e-9) & (ends[..., 1] <= y1 - BOX_BORDER_W + 1e-9)).all()
    paint = markings(road)
    on_main = (np.abs(paint[:, :2]) <= road.carriageway_half_width + 1e-9).all(axis=1)
    in_band = on_main & (paint[:, 3] > y0) & (paint[:, 2] < y1)
    assert (paint[in_band, 4] == YELLOW).all() and in_band.sum() == 4  # only the border
    assert len(box_hatch(dataclasses.replace(road, junction_sides=()))) == 0  # no junction, no box
    assert len(box_hatch(_styled(2, junction=2, box_junctions=0).road)) == 0
