"""Left-hand traffic: a left-hand street is the mirror image of a right-hand one (numpy and real renders)."""
import dataclasses
import math

import numpy as np
import pytest

from scenegen.driving_side import VARIABLE, mirror_scene
from scenegen.grammar import frame_scene
from scenegen.params import default_space
from scenegen.seeding import FrameSeed
from scenegen.spec import FogSpec, SceneSpec

DRIVING = ("car", "truck", "bus")


def _pair(index: int, **fixed):
    space = default_space()
    seed = FrameSeed(3, 0, index)
    z = {**space.sample(seed.entropy()), "car_density": 6.0, "lane_count": 2, "one_way": 0, "road_curve": 0,
         **fixed}
    return (frame_scene(space, seed, {**z, VARIABLE: 0}), frame_scene(space, seed, {**z, VARIABLE: 1}))


def test_the_variable_is_in_the_built_in_space_with_a_uniform_start():
    var = default_space()[VARIABLE]
    assert var.distribution.values == (0, 1) and np.allclose(var.distribution.weights, 0.5)


@pytest.mark.parametrize("index", range(4))
def test_a_left_hand_street_mirrors_every_object_the_camera_and_the_sun(index):
    right, left = _pair(index, junction=index % 3)  # straight, T-junction, crossroads
    assert (right.road.driving_side, left.road.driving_side) == ("right", "left")
    assert len(left.objects) == len(right.objects) > 10
    for r, l in zip(right.objects, left.objects):
        assert (l.family, l.label, l.size, l.params) == (r.family, r.label, r.size, r.params)
        assert l.location == pytest.approx((-r.location[0], r.location[1], r.location[2]))
        assert math.cos(l.yaw) == pytest.approx(math.cos(r.yaw)) and math.sin(l.yaw) == pytest.approx(-math.sin(r.yaw))
    assert left.camera.location == pytest.approx((-right.camera.location[0],) + right.camera.location[1:])
    assert (left.sun.azimuth_deg + right.sun.azimuth_deg) % 360 == pytest.approx(0.0, abs=1e-6)
    back = mirror_scene(left)  # mirroring twice gives the right-hand street back
    assert (back.road, back.camera, back.objects) == (right.road, right.camera, right.objects)
    assert back.sun.azimuth_deg == pytest.approx(right.sun.azimuth_deg)
    assert SceneSpec.from_json(left.to_json()) == left  # the scene record keeps the side


def test_traffic_keeps_left_and_the_camera_drives_in_the_left_lane():
    for index in range(6):
        _, left = _pair(index)
        assert left.camera.location[0] < 0  # the ego lane is left of the centre line
        for o in left.objects:
            if o.label in DRIVING and abs(o.location[0]) < left.road.lane_count * left.road.lane_width / 2:
                forward = -math.sin(o.yaw), math.cos(o.yaw)
                assert forward[1] * o.location[0] < 0, o  # left of centre drives away (+Y), right comes toward us


def test_a_file_without_the_variable_draws_right_hand_streets():
    space = default_space()
    seed = FrameSeed(3, 0, 0)
    z = {k: v for k, v in space.sample(seed.entropy()).items() if k != VARIABLE}
    assert frame_scene(space, seed, z).road.driving_side == "right"


@pytest.fixture(scope="module")
def mirrored_renders():
    """One right-hand scene (no fog, people and traffic on both sides) and its mirror, rendered in-process."""
    from scenegen.blender.render import Renderer
    from scenegen.render_settings import RenderSettings

    right, left = _pair(1, pedestrian_density=20.0, parked_car_density=15.0, parking_lane_width_m=2.2,
                        two_wheeler_density=4.0, sensor_noise=0.0)
    right, left = (dataclasses.replace(s, fog=FogSpec(0.0, (1, 1, 1))) for s in (right, left))
    renderer = Renderer(RenderSettings(width=128, height=64, samples=2))
    try:
        return [renderer.render(s) for s in (right, left)]
    finally:
        renderer.close()


def test_the_left_hand_render_is_the_mirror_image_of_the_right_hand_one(mirrored_renders):
    right, left = mirrored_renders
    flipped = right.label_ids[:, ::-1]
    assert (left.label_ids == flipped).mean() > 0.98  # up to where a pixel's first sample falls
    assert (left.label_ids != right.label_ids).mean() > 0.1  # and the street is not symmetric
    ids_r, ids_l = right.instance_ids[:, ::-1], left.instance_ids
    objects = ids_r >= 1000
    assert objects.sum() > 100 and (ids_l[objects] == ids_r[objects]).mean() > 0.95
    img_r, img_l = (np.asarray(f.rgb, dtype=float) for f in (right, left))
    assert np.abs(img_l - img_r[:, ::-1]).mean() < 0.3 * np.abs(img_l - img_r).mean()
