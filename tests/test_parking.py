"""Kerbside parking (kerbside_parking = 1): the gap model by hand, and the streets the grammar lays out with it."""
import math

import numpy as np
import pytest

from scenegen import parking
from scenegen.placer import FAR_Y, NEAR_Y
from scene_checks import footprint, footprints_overlap, street

PLAIN = dict(car_density=0.0, junction=0, road_curve=0, tram_tracks=0, pavement_parking=0,
             parking_lane_width_m=2.2, parking_sides=2, two_wheeler_density=0.0)


def test_gaps_make_rows_and_keep_the_mean_spacing_the_density_asks_for():
    rng = np.random.default_rng(0)
    for density in (4.0, 10.0, 16.0):
        gaps = np.array([parking.next_gap(rng, density) for _ in range(20000)])
        spacing = parking.TYPICAL_LENGTH_M + gaps.mean()
        assert spacing == pytest.approx(100.0 / density, rel=0.04)
        in_row = (gaps >= parking.ROW_GAP_M[0]) & (gaps <= parking.ROW_GAP_M[1])
        assert in_row.mean() == pytest.approx(1 - parking.ROW_BREAK_SHARE, abs=0.02)
        assert gaps[~in_row].min() >= parking.MIN_BREAK_M
    dense = [parking.next_gap(rng, 30.0) for _ in range(200)]  # no room for breaks: rows only
    assert max(dense) <= parking.ROW_GAP_M[1]


def test_a_car_parks_near_the_kerb_but_never_in_the_lane_and_mostly_faces_its_sides_traffic():
    rng = np.random.default_rng(1)
    x = [parking.kerb_x(rng, 5.0, 3.0, 1.8) for _ in range(500)]
    flank = 5.0 - (np.array(x) + 0.9)
    assert flank.min() >= parking.KERB_GAP_M[0] and flank.max() <= parking.KERB_GAP_M[1]
    assert parking.kerb_x(rng, 4.5, 3.0, 1.8) == pytest.approx(3.0 + 0.9 - 0.2)  # a narrow strip: lane edge wins
    right = [math.cos(parking.parked_yaw(rng, 1, True)) > 0 for _ in range(2000)]
    left = [math.cos(parking.parked_yaw(rng, -1, True)) < 0 for _ in range(2000)]
    one_way = [math.cos(parking.parked_yaw(rng, -1, False)) > 0 for _ in range(2000)]
    for share in (right, left, one_way):
        assert np.mean(share) == pytest.approx(parking.WITH_TRAFFIC_SHARE, abs=0.03)


def _parked_by_kerb(scene):
    cars = [o for o in scene.objects if o.label in ("car", "truck", "bus")]
    return {side: sorted((o for o in cars if np.sign(o.location[0]) == side), key=lambda o: o.location[1])
            for side in (-1, 1)}


@pytest.mark.parametrize("seed", range(4))
def test_streets_park_cars_in_rows_at_the_kerb_apart_from_each_other(seed):
    scene = street(seed, kerbside_parking=1, parked_car_density=12.0, **PLAIN)
    kerb, lane_edge = scene.road.carriageway_half_width, scene.road.lanes_half_width
    rows = _parked_by_kerb(scene)
    gaps = []
    for cars in rows.values():
        assert len(cars) >= 6
        for o in cars:
            flank = kerb - (abs(o.location[0]) + o.size[0] / 2)
            assert parking.KERB_GAP_M[0] - 1e-3 <= flank <= parking.KERB_GAP_M[1] + 1e-3
            assert abs(o.location[0]) - o.size[0] / 2 >= lane_edge - 0.2  # not in the lane
        for a, b in zip(cars, cars[1:]):
            assert not footprints_overlap(footprint(a), footprint(b))
            gaps.append((b.location[1] - b.size[1] / 2) - (a.location[1] + a.size[1] / 2))
    assert np.mean(np.array(gaps) <= parking.ROW_GAP_M[1] + 0.1) > 0.5  # mostly nose to tail


def test_rows_give_the_density_asked_for_and_the_older_layout_stays_as_it_was():
    counts = {kp: sum(len(c) for s in range(6) for c in _parked_by_kerb(
        street(s, kerbside_parking=kp, parked_car_density=8.0, **PLAIN)).values()) for kp in (0, 1)}
    length = 2 * 6 * (FAR_Y - (NEAR_Y - 6.0))  # both kerbs of six streets, where the grammar parks
    assert counts[1] / length * 100 == pytest.approx(8.0, rel=0.2)
    assert counts[1] > counts[0]  # scattered cars that would overlap are dropped
    for s in range(3):
        older, plain = street(s, kerbside_parking=None, **PLAIN), street(s, kerbside_parking=0, **PLAIN)
        assert plain.objects == older.objects and plain.road == older.road


def test_left_hand_streets_mirror_the_rows():
    right = street(2, kerbside_parking=1, parked_car_density=10.0, left_hand_traffic=0, **PLAIN)
    left = street(2, kerbside_parking=1, parked_car_density=10.0, left_hand_traffic=1, **PLAIN)
    key = lambda o: (round(o.location[1], 3), round(abs(o.location[0]), 3))
    r, l_ = sorted(_parked_by_kerb(right)[1] + _parked_by_kerb(right)[-1], key=key), \
        sorted(_parked_by_kerb(left)[1] + _parked_by_kerb(left)[-1], key=key)
    assert [key(o) for o in r] == [key(o) for o in l_]
    assert all(math.isclose(a.location[0], -b.location[0]) and math.isclose(a.yaw, -b.yaw) for a, b in zip(r, l_))
