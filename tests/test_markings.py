"""Road marking styles (scene variable ``road_markings``): the numpy style sampler and layout, and a real render."""
import dataclasses

import numpy as np
import pytest
from scene_checks import render_still, street

from assets.markings import (BAY_LENGTH_M, CENTRE_LINES, KERB_LINES, VARIABLE, WHITE, YELLOW, marking_rects, markings,
                             sample_marking_style)
from scenegen.labels import label_id
from scenegen.params import default_space
from scenegen.spec import FogSpec


def _road(**fields):
    """A straight two-way street of two lanes with ``fields`` set on its RoadSpec."""
    road = street(1, road_curve=0, junction=0, lane_count=2, one_way=0, left_hand_traffic=0, road_markings=0,
                  crosswalk_probability=0.0).road
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
