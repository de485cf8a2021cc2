"""The wider fleet (vehicle_variety = 1): estates, MPVs, taxis, delivery vans, pickups, double-deckers."""
import dataclasses

import numpy as np
import pytest

from assets.blender.vehicles import body_geo
from assets.vehicles import (CAR_FAMILIES, FINISH_SHARES, FINISHES, FLEET_FINISH_SHARES, LARGE_FAMILIES,
                             VEHICLE_FAMILIES, WIDER_FLEET, YELLOW_REAR_PLATE_SHARE, sample_vehicle, vary_family,
                             with_details)
from scenegen.labels import label_id
from scenegen.spec import FogSpec, ObjectSpec
from scene_checks import box_iou, mask_box, projected_box, render_each_alone, street

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
    base = _street(0, 0)
    objects = {}
    for i, family in enumerate(NEW):
        v = sample_vehicle(np.random.default_rng(i), family)
        at = (base.camera.location[0] - 0.5, base.camera.location[1] + 12.0 + v.length, 0.0)
        objects[family] = ObjectSpec(family, v.label, at, 0.15, (v.width, v.length, v.height), 1, v.to_dict())
    return render_each_alone(base, objects, 160, 120)


@pytest.mark.parametrize("family", NEW)
def test_every_new_bodys_mask_matches_the_projection_of_its_3d_box(fleet_frames, family):
    settings, frames = fleet_frames
    spec, obj, frame, _ = frames[family]
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
                assert "finish" not in a.params and "dirt" not in a.params  # details off: the params as before
                extra = {"driver": b.params["driver"]} if "driver" in b.params else {}  # interiors: see
                assert b.params == {**a.params, "details": True, "rear_plate": b.params["rear_plate"],  # test_vehicle_
                                    "finish": b.params["finish"], "dirt": b.params["dirt"],  # interiors.py
                                    "seats": b.params["seats"], **extra}
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


# ---------------------------------------------------------------- paint finishes (with the details)
def _finishes(family: str, n: int = 3000):
    v = sample_vehicle(np.random.default_rng(0), family)
    rng = np.random.default_rng(7)
    return [with_details(rng, v) for _ in range(n)]


@pytest.mark.parametrize("family, shares", [("sedan", FINISH_SHARES), ("bus", FLEET_FINISH_SHARES)])
def test_finishes_are_drawn_at_their_shares_deterministically(family, shares):
    drawn = _finishes(family)
    assert drawn == _finishes(family)
    got = np.array([sum(d.finish == f for d in drawn) for f in FINISHES]) / len(drawn)
    assert np.abs(got - np.array(shares)).max() < 0.03, got
    dirt = np.array([d.dirt for d in drawn])
    assert dirt.min() >= 0.0 and dirt.max() <= 1.0 and 0.2 < dirt.mean() < 0.3 and dirt.max() > 0.7
    if family == "sedan":
        assert set(d.finish for d in drawn) == set(FINISHES)


def test_finishes_leave_every_earlier_draw_and_property_as_it_was():
    v = sample_vehicle(np.random.default_rng(0), "hatchback")
    for seed in range(20):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        dressed = with_details(a, v)
        plate = "yellow" if b.random() < YELLOW_REAR_PLATE_SHARE else "white"  # the plate as drawn before finishes
        assert dressed.rear_plate == plate and a.random() == b.random()  # the next vehicle's draws unshifted
        assert dataclasses.replace(dressed, details=False, rear_plate="white", finish=None, dirt=None, seats=None,
                                   driver=None) == v
    with pytest.raises(ValueError):
        dataclasses.replace(v, finish="chrome", dirt=0.0)
    with pytest.raises(ValueError):
        dataclasses.replace(v, finish="matte")


@pytest.fixture(scope="module")
def finish_frames():
    """One sedan with details, in one paint, rendered without a finish, metallic, matte, and metallic under heavy
    dirt."""
    base = _street(0, 0)
    v = with_details(np.random.default_rng(1), sample_vehicle(np.random.default_rng(2), "sedan"))
    v = dataclasses.replace(v, paint=(0.05, 0.12, 0.45))
    at = (base.camera.location[0] - 0.5, base.camera.location[1] + 6.0 + v.length, 0.0)
    objects = {name: ObjectSpec("sedan", v.label, at, 0.4, (v.width, v.length, v.height), 1,
                                dataclasses.replace(v, finish=finish, dirt=dirt).to_dict())
               for name, finish, dirt in (("none", None, None), ("metallic", "metallic", 0.0),
                                          ("matte", "matte", 0.0), ("dirty", "metallic", 0.9))}
    _, out = render_each_alone(base, objects, 120, 90)
    return {name: frame for name, (_, _, frame, _) in out.items()}


def test_a_finish_changes_the_cars_colours_but_never_its_labels(finish_frames):
    plain = finish_frames["none"]
    mask = plain.label_ids == label_id("car")
    assert mask.sum() > 300
    for name in ("metallic", "matte", "dirty"):
        assert np.array_equal(finish_frames[name].label_ids, plain.label_ids)
        assert np.array_equal(finish_frames[name].instance_ids, plain.instance_ids)
    mean = {k: f.rgb[mask].astype(float).mean(axis=0) for k, f in finish_frames.items()}
    assert np.abs(mean["metallic"] - mean["matte"]).max() > 3.0, mean
    assert np.abs(mean["metallic"] - mean["dirty"]).max() > 3.0, mean


def test_every_finish_shares_one_material_its_look_set_per_object():
    bpy = pytest.importorskip("bpy")
    from assets.blender.base import BuildContext, build_object

    coll = bpy.data.collections.new("finishes")
    ctx = BuildContext(coll)
    v = with_details(np.random.default_rng(1), sample_vehicle(np.random.default_rng(2), "sedan"))
    try:
        parts = [build_object(ObjectSpec("sedan", v.label, (0.0, 0.0, 0.0), 0.0, (v.width, v.length, v.height), 1,
                                         dataclasses.replace(v, finish=f).to_dict()), ctx) for f in FINISHES]
        painted = [p.obj for ps in parts for p in ps if p.obj.name.startswith(("sedan_body", "sedan_mirror"))]
        assert len(painted) == 3 * len(FINISHES) and len({o.material_slots[0].material for o in painted}) == 1
        keys = ("paint_metallic", "paint_roughness", "paint_coat", "paint_film")
        looks = {tuple(o[k] for k in keys) for o in painted}
        assert len(looks) == len(FINISHES)
        assert len({ps[0].obj.data for ps in parts}) == 1  # one body mesh for every finish
    finally:
        objs = list(coll.objects)
        bpy.data.batch_remove(objs + list({o.data for o in objs}) + list(ctx.materials.values()) + [coll])
