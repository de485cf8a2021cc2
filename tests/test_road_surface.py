"""Granite setts (cobbles = 1): the grammar's draw and a real render against asphalt."""
import dataclasses

import numpy as np

from scenegen.labels import label_id
from scenegen.spec import FogSpec
from scene_checks import render_still, street


def test_cobbles_change_the_surface_and_nothing_else():
    for seed in range(3):
        plain, setts = street(seed, cobbles=0), street(seed, cobbles=1)
        assert (plain.road.surface, setts.road.surface) == ("asphalt", "setts")
        assert dataclasses.replace(setts.road, surface="asphalt") == plain.road
        assert setts.objects == plain.objects and setts.camera == plain.camera
        absent = street(seed, cobbles=None)
        assert (absent.road, absent.objects) == (plain.road, plain.objects)


def test_setts_render_as_coursed_stone_labelled_road():
    """Looking down on an empty street: the same labels, and joints every sett where asphalt is even."""
    base = street(4, cobbles=0, road_curve=0, junction=0, left_hand_traffic=0, road_wetness=0.0, road_wear=0.0,
                  camera_pitch_deg=-45.0, sensor_noise=0.0, lens_blur_px=0.0)
    base = dataclasses.replace(base, objects=(), fog=FogSpec(0.0, (1, 1, 1)))
    frames = [render_still(dataclasses.replace(base, road=dataclasses.replace(base.road, surface=s)), 128, 96,
                           samples=16)[0] for s in ("asphalt", "setts")]
    assert (frames[0].label_ids == frames[1].label_ids).all()
    road = frames[0].label_ids == label_id("road")
    rows = road.all(axis=1)
    assert rows.sum() > 20  # rows of road only, near the camera
    grey = [f.rgb[rows].astype(float).mean(axis=2) for f in frames]
    edges = [np.abs(np.diff(g, axis=0)).mean() for g in grey]  # joints across the street, row to row
    assert edges[1] > 2.0 * edges[0]
