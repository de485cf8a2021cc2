"""Streets on a grade (road_grade): the height profile, the layout lifted onto it, and a real render."""
import dataclasses

import numpy as np
import pytest
from scene_checks import render_still, street

from scenegen.grade import GRADE, VERTICAL_CURVE_M, Grade, footprint_ys
from scenegen.labels import label_id
from scenegen.spec import FogSpec


def test_the_height_is_level_then_eases_into_the_grade_without_a_kink():
    g = Grade(20.0, 0.04)
    y = np.linspace(0.0, 200.0, 20001)
    h = g.height(y)
    assert (h[y <= 20.0] == 0.0).all()
    slope = np.gradient(h, y)
    assert np.abs(np.diff(slope)).max() < 1e-4  # no kink anywhere
    assert slope[y > 20.0 + VERTICAL_CURVE_M + 1].min() == pytest.approx(0.04)
    assert g.height(20.0 + VERTICAL_CURVE_M) == pytest.approx(0.04 * VERTICAL_CURVE_M / 2)
    assert Grade(20.0, -0.04).height(150.0) == pytest.approx(-g.height(150.0))


@pytest.mark.parametrize("kind", [1, 2])
def test_a_graded_street_lifts_every_object_by_the_lowest_ground_under_it(kind):
    for seed in range(3):
        level, graded = (street(seed, road_grade=k, road_curve=0) for k in (0, kind))
        lo, hi = GRADE[kind]
        assert lo <= graded.road.grade <= hi and level.road.grade == 0.0
        g = Grade.of(graded.road)
        lifted = 0
        for a, b in zip(level.objects, graded.objects, strict=True):
            assert a.location[:2] == b.location[:2] and a.yaw == b.yaw and a.size == b.size
            want = float(np.min(g.height(footprint_ys(a))))
            assert b.location[2] == pytest.approx(a.location[2] + want, abs=1e-4)
            lifted += want != 0.0
        assert lifted > 10
        assert street(seed, road_grade=kind, road_curve=2).road.grade == 0.0  # a bend wins


def test_sequences_are_drawn_level():
    from scenegen.params import default_space
    from scenegen.seeding import FrameSeed
    from scenegen.sequence import sequence_variables

    z = sequence_variables(default_space(), FrameSeed(0, 0, 0), {"road_grade": 2, "road_curve": 1, "lane_count": 2})
    assert z == {"road_grade": 0, "road_curve": 0, "lane_count": 2}


def test_a_climbing_street_rises_in_the_frame_and_its_surfaces_stay_labelled():
    """The same empty street level and climbing: the road reaches higher in the frame, pavements and ground
    follow it (no sky or gaps below the horizon at the street's edges)."""
    base = street(1, road_grade=0, road_curve=0, junction=0, left_hand_traffic=0, camera_pitch_deg=0.0,
                  fog_density=0.0)
    base = dataclasses.replace(base, objects=(), fog=FogSpec(0.0, (1, 1, 1)))
    climbing = dataclasses.replace(base, road=dataclasses.replace(base.road, grade_start_y=15.0, grade=0.05))
    frames = [render_still(s, 128, 96, samples=1)[0] for s in (base, climbing)]
    road_top = [np.nonzero((f.label_ids == label_id("road")).any(axis=1))[0].min() for f in frames]
    horizon = frames[0].label_ids.shape[0] // 2  # the camera looks level
    assert road_top[0] >= horizon - 1 and road_top[1] < horizon - 2  # the climbing road rises over the horizon
    for f in frames:
        below = f.label_ids[horizon + 2:]
        assert not (below == label_id("sky")).any()  # the ground is closed under the horizon
