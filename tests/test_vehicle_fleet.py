"""The wider fleet (vehicle_variety = 1): estates, MPVs, taxis, delivery vans, pickups, double-deckers."""
import dataclasses

import numpy as np
import pytest

from assets.blender.vehicles import body_geo
from assets.vehicles import (CAR_FAMILIES, LARGE_FAMILIES, VEHICLE_FAMILIES, WIDER_FLEET, sample_vehicle, vary_family,
                             with_details)
from scenegen.labels import label_id
from scenegen.spec import FogSpec, ObjectSpec
from scene_checks import box_iou, mask_box, projected_box, street

NEW = ("estate", "mpv", "taxi", "delivery_van", "pickup", "double_decker")


def test_the_wider_fleet_grows_from_the_six_bodies_with_cityscapes_labels():
    rng = np.random.default_rng(0)
    grown = {f: {vary_family(f, rng) for _ in range(300)} for f in CAR_FAMILIES + LARGE_FAMILIES}
    assert set().union(*grown.values()) == set(VEHICLE_FAMILIES) and all(f in grown[f] for f in grown)
    assert all(set(names) == grown[f] for f, (names, _) in WIDER_FLEET.items())
    assert VEHICLE_FAMILIES["pickup"].label == "truck" and VEHICLE_FAMILIES["double_decker"].label == "bus"
    assert VEHICLE_FAMILIES["delivery_van"].label == "car"
    taxis = {sample_vehicle(np.random.default_rng(s), "taxi").paint for s in range(40)}
    assert len(taxis) == 2  # black cabs and ivory ones
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    sample_vehicle(a, "sedan"), sample_vehicle(b, "double_decker")
    assert a.random() == b.random()  # every family draws alike: the rest of a street is laid out the same


@pytest.mark.parametrize("family", NEW)
def test_every_new_body_fills_its_unit_box(family):
    v = body_geo(family)[0]
    assert (np.abs(v[:, :2]) <= 0.5 + 1e-9).all() and v[:, 2].min() >= 0.0 and v[:, 2].max() <= 1.0 + 1e-9
    assert np.abs(v[:, 0]).max() > 0.49 and np.abs(v[:, 1]).max() == pytest.approx(0.5)
    assert v[:, 2].max() > 0.98


def _street(variety: int | None, seed: int):
    return street(seed, car_density=8.0, large_vehicle_share=0.5, parked_car_density=20.0, vehicle_variety=variety)


def test_the_variable_widens_the_fleet_only_where_it_is_on():
    families = lambda s: {o.family for o in s.objects if o.family in VEHICLE_FAMILIES}
    seen = set()
    for seed in range(6):
        plain, dressed = _street(0, seed), _street(1, seed)
        assert plain.objects == _street(None, seed).objects
        assert not families(plain) & set(NEW)
        seen |= families(dressed)
    assert set(NEW) <= seen


@pytest.fixture(scope="module")
def fleet_frames():
    from scenegen.blender.render import Renderer
    from scenegen.render_settings import RenderSettings

    base = _street(0, 0)
    settings = RenderSettings(width=160, height=120, samples=2, denoise=False)
    renderer = Renderer(settings)
    out = {}
    try:
        for i, family in enumerate(NEW):
            v = sample_vehicle(np.random.default_rng(i), family)
            at = (base.camera.location[0] - 0.5, base.camera.location[1] + 12.0 + v.length, 0.0)
            obj = ObjectSpec(family, v.label, at, 0.15, (v.width, v.length, v.height), 1, v.to_dict())
            spec = dataclasses.replace(base, objects=(obj,), fog=FogSpec(0.0, (1, 1, 1)))
            out[family] = (spec, obj, renderer.render(spec))
    finally:
        renderer.close()
    return settings, out


@pytest.mark.parametrize("family", NEW)
def test_every_new_bodys_mask_matches_the_projection_of_its_3d_box(fleet_frames, family):
    settings, frames = fleet_frames
    spec, obj, frame = frames[family]
    mask = frame.label_ids == label_id(obj.label)
    assert mask.sum() > 200
    got, box = mask_box(mask), projected_box(spec, obj, settings.width, settings.height)
    assert box_iou(box, got) > 0.8, (family, box, got)  # rounded bodies in square boxes
    ids = np.unique(frame.instance_ids[mask]).tolist()
    assert len(ids) == 1 and ids[0] // 1000 == label_id(obj.label)  # one instance of its class


# ---------------------------------------------------------------- number plates and wing mirrors
def test_vehicle_details_dress_every_vehicle_and_nothing_else():
    plates = {with_details(np.random.default_rng(s), sample_vehicle(np.random.default_rng(0), "sedan")).rear_plate
              for s in range(30)}
    assert plates == {"white", "yellow"}
    for seed in range(3):
        z = {"car_density": 8.0, "parked_car_density": 20.0, "parking_lane_width_m": 2.2}
        plain, dressed = street(seed, vehicle_details=0, **z), street(seed, vehicle_details=1, **z)
        assert plain.objects == street(seed, vehicle_details=None, **z).objects
        vehicles = 0
        for a, b in zip(plain.objects, dressed.objects, strict=True):
            if a.family in VEHICLE_FAMILIES:
                vehicles += 1
                assert b.params == {**a.params, "details": True, "rear_plate": b.params["rear_plate"]}
                assert dataclasses.replace(b, params=a.params) == a
            else:
                assert a == b
        assert vehicles >= 5


@pytest.mark.parametrize("family", ["sedan", "van", "bus"])
def test_mirrors_reach_the_sides_of_the_box_and_the_mask_matches_what_is_drawn(family):
    from scene_checks import inside_box, points_box, render_still

    base = _street(0, 0)
    v = with_details(np.random.default_rng(1), sample_vehicle(np.random.default_rng(2), family))
    at = (base.camera.location[0] - 0.5, base.camera.location[1] + 12.0 + v.length, 0.0)
    obj = ObjectSpec(family, v.label, at, 0.0, (v.width, v.length, v.height), 1, v.to_dict())
    spec = dataclasses.replace(base, objects=(obj,), fog=FogSpec(0.0, (1, 1, 1)))
    frame, settings, verts = render_still(spec, 160, 120, samples=2, drawn=family)
    assert inside_box(verts, obj, tol=1e-4)
    assert np.ptp(verts[:, 0]) == pytest.approx(v.width, abs=1e-4)  # the mirrors reach the box's sides
    assert np.ptp(verts[:, 1]) == pytest.approx(v.length, abs=1e-4)  # the plates its ends
    mask = frame.label_ids == label_id(obj.label)
    drawn = points_box(spec, settings.width, settings.height, verts)
    assert box_iou(drawn, mask_box(mask)) > 0.85  # mirrors and plates labelled with their vehicle
