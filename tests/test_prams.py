"""Prams (prams = 1): the numpy sampler, the geometry, who waits with one, and a real render."""
import dataclasses
import math

import numpy as np
import pytest
from scene_checks import box_iou, inside_box, mask_box, points_box, projected_box, render_still, street

from assets.prams import PRAM_GAP, PRAM_SIZE, sample_pram
from scenegen.labels import label_id
from scenegen.spec import FogSpec, ObjectSpec


def test_the_sampler_draws_prams_of_their_size():
    prams = [sample_pram(np.random.default_rng(s)) for s in range(30)]
    assert prams[4] == sample_pram(np.random.default_rng(4))
    for p in prams:
        for value, (lo, hi) in zip((p.width, p.length, p.height), PRAM_SIZE):
            assert lo <= value <= hi


def test_a_pram_fills_its_unit_box_with_the_handle_at_the_back():
    from assets.blender.pram import FRAME, pram_geo

    v, _, mats = pram_geo()
    assert (np.abs(v[:, :2]) <= 0.5).all() and v[:, 2].min() >= 0 and v[:, 2].max() <= 1.0
    assert v[:, 2].max() > 0.95 and v[np.argmax(v[:, 2]), 1] < -0.4  # the handle is the top, at local -Y


def test_standing_adults_wait_with_prams_in_front_of_them():
    found = 0
    for seed in range(6):
        scene = street(seed, prams=1, pedestrian_density=30.0, road_curve=0)  # on a bend yaw follows the street
        people = [o for o in scene.objects if o.family == "pedestrian"]
        for pram in (o for o in scene.objects if o.family == "pram"):
            found += 1
            assert pram.label == "dynamic"
            owner = min(people, key=lambda o: math.dist(o.location[:2], pram.location[:2]))
            assert owner.params["pose"] == "standing" and owner.params["height"] >= 1.45
            assert pram.yaw == pytest.approx(owner.yaw, abs=1e-4)
            ahead = owner.size[1] / 2 + PRAM_GAP + pram.size[1] / 2
            want = (owner.location[0] - math.sin(owner.yaw) * ahead, owner.location[1] + math.cos(owner.yaw) * ahead)
            assert math.dist(pram.location[:2], want) < 1e-3  # in front of them, its handle toward them
        assert not any(o.family == "pram" for o in street(seed, prams=0, pedestrian_density=30.0).objects)
    assert found >= 4


def test_a_prams_mask_matches_what_is_drawn_inside_its_box():
    base = street(0, road_curve=0, junction=0, left_hand_traffic=0, camera_pitch_deg=-10.0, camera_fov_deg=40.0)
    p = sample_pram(np.random.default_rng(1))
    obj = ObjectSpec("pram", "dynamic", (base.camera.location[0], 5.0, 0.0), 0.6, (p.width, p.length, p.height), 0,
                     p.to_dict())
    spec = dataclasses.replace(base, objects=(obj,), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, verts = render_still(spec, 160, 120, samples=2, drawn="pram")
    mask = frame.label_ids == label_id("dynamic")
    assert mask.sum() > 200
    assert box_iou(mask_box(mask), points_box(spec, settings.width, settings.height, verts)) > 0.85
    assert box_iou(mask_box(mask), projected_box(spec, obj, settings.width, settings.height)) > 0.7
    assert inside_box(verts, obj, tol=1e-4)
