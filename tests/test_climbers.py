"""Climbers on facades (facade_climbers = 1): the numpy sampler, the geometry and a real render."""
import dataclasses

import numpy as np
import pytest
from scene_checks import box_iou, building_ahead, mask_box, projected_box, render_still, street

from assets.buildings import CLIMBER_SHARE, sample_building, sample_terrace, with_climbers
from scenegen.labels import label_id
from scenegen.spec import FogSpec


def _block(seed: int = 0):
    return sample_building(np.random.default_rng(seed), 20.0, 12.0, 0.6, 0.3, 0.35)


def _climbing(seed: int = 0):
    return next(b for k in range(60) if (b := with_climbers(np.random.default_rng(k), _block(seed))).climbers)


def test_about_a_third_of_the_buildings_get_climbers_but_not_fronts_that_stand_proud():
    dressed = [with_climbers(np.random.default_rng(10_000 + k), _block(k % 50)) for k in range(1000)]
    share = np.mean([bool(b.climbers) for b in dressed])
    assert abs(share - CLIMBER_SHARE) < 0.05  # 3 standard errors
    assert with_climbers(np.random.default_rng(3), _block(3)) == with_climbers(np.random.default_rng(3), _block(3))
    for b in (b for b in dressed if b.climbers):
        assert 1 <= len(b.climbers) <= 3 and all(0 < top <= 0.9 * b.height + 1e-3 for _, _, top in b.climbers)
    bays = dataclasses.replace(sample_terrace(np.random.default_rng(0), 20.0, 2, 0.5, 0.5, 0.35, 0.3), bay_windows=True)
    assert all(not with_climbers(np.random.default_rng(k), bays).climbers for k in range(30))


def test_climbers_grow_on_the_street_facade_inside_the_buildings_box():
    from assets.blender.building import CLIMBER_OFFSET, _SETBACK, climber_geo

    for seed in range(6):
        b = _climbing(seed)
        v, faces, _ = climber_geo(b, (b.depth, b.width, b.height))
        assert len(faces) > 10
        assert np.allclose(v[:, 0], -b.depth / 2 + _SETBACK - CLIMBER_OFFSET)  # just in front of the wall
        assert (np.abs(v[:, 1]) <= b.width / 2 + 1e-9).all() and v[:, 2].min() >= 0.0
        assert v[:, 2].max() <= max(top for _, _, top in b.climbers) + 1e-9


def test_the_variable_dresses_buildings_and_leaves_the_street_as_it_was():
    for seed in range(3):
        bare, green = street(seed, facade_climbers=0), street(seed, facade_climbers=1)
        assert any(o.params.get("climbers") for o in green.objects if o.family == "building")
        assert not any(o.params.get("climbers") for o in bare.objects if o.family == "building")
        assert [(o.family, o.location, o.size) for o in bare.objects] == \
            [(o.family, o.location, o.size) for o in green.objects]


@pytest.fixture(scope="module")
def climber_frame():
    """A block with climbers facing the camera 30 m ahead, rendered in-process."""
    base = street(0, road_curve=0, junction=0, camera_pitch_deg=5.0, camera_fov_deg=60.0)
    block = building_ahead(dataclasses.replace(_climbing(0), roof="flat"), 30.0)  # a ridge stands behind its box
    spec = dataclasses.replace(base, objects=(block,), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, _ = render_still(spec, 256, 128)
    return spec, block, settings, frame


def test_climbers_are_labelled_vegetation_on_the_buildings_face(climber_frame):
    spec, block, settings, frame = climber_frame
    leaves = frame.label_ids == label_id("vegetation")
    building = frame.label_ids == label_id("building")
    assert leaves.sum() > 30 and building.sum() > 500
    box = projected_box(spec, block, settings.width, settings.height)
    assert box_iou(mask_box(leaves | building), box) > 0.9  # together they fill the building's box
    x0, y0, x1, y1 = mask_box(leaves)
    assert x0 >= box[0] - 1 and x1 <= box[2] + 1 and y1 <= box[3] + 1  # every leaf on the building
