"""Vehicle interiors (vehicle_details = 1): seats, headrests, a dashboard and sometimes a driver behind tinted
see-through glazing, labelled with their vehicle."""
import dataclasses

import numpy as np
import pytest

from assets.vehicle_interiors import BUS_FAMILIES, DRIVER_SHARE, clip_convex, wall_pieces
from assets.vehicles import VEHICLE_FAMILIES, YELLOW_REAR_PLATE_SHARE, sample_vehicle, with_details
from scenegen.labels import label_id
from scenegen.spec import ObjectSpec
from scene_checks import render_each_alone, street


def _area(poly) -> float:
    p = np.asarray(poly, dtype=float)
    return 0.5 * abs(float(np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1])))


def _inside(poly, pts, tol=1e-9) -> np.ndarray:
    """Whether (y, z) points lie in the convex polygon ``poly`` (either orientation)."""
    p = np.asarray(poly, dtype=float)
    sign = np.sign(np.sum(p[:, 0] * np.roll(p[:, 1], -1) - np.roll(p[:, 0], -1) * p[:, 1]))
    ok = np.ones(len(pts), dtype=bool)
    for a, b in zip(p, np.roll(p, -1, axis=0)):
        ok &= sign * ((b[0] - a[0]) * (pts[:, 1] - a[1]) - (b[1] - a[1]) * (pts[:, 0] - a[0])) >= -tol
    return ok


def test_an_opened_wall_is_tiled_exactly_by_its_pieces_and_its_holes():
    outer = [(-0.1, 0.2), (0.494, 0.2), (0.494, 0.5), (0.44, 0.57), (0.3, 0.6), (0.14, 0.99), (-0.1, 0.99)]  # concave
    holes = [np.array([(-0.05, 0.62), (0.2, 0.62), (0.12, 0.93), (-0.05, 0.93)]),
             np.array([(0.0, 0.25), (0.2, 0.25), (0.2, 0.4), (0.0, 0.4)])]
    pieces = wall_pieces(outer, holes)
    assert sum(map(_area, pieces)) == pytest.approx(_area(outer) - sum(map(_area, holes)), abs=1e-12)
    for piece in pieces:  # no piece reaches into a hole
        centre = piece.mean(axis=0)
        assert not any(_inside(h, centre[None], tol=-1e-9)[0] for h in holes)
    square = np.array([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])
    assert _area(clip_convex(square + 0.5, square)) == pytest.approx(0.25)


@pytest.mark.parametrize("family", list(VEHICLE_FAMILIES))
def test_every_interior_lies_inside_its_cabin_and_box(family):
    from assets.blender.vehicles import body_geo, cabin, interior_geo

    c = cabin(family)
    hull = np.asarray(c.hull)
    belt_lo, belt_hi = hull[hull[:, 1] == hull[:, 1].min(), 0].min(), hull[:, 0].max()
    for driver in (False, True):
        v, faces, mats = interior_geo(family, driver)
        assert (np.abs(v[:, :2]) < 0.5).all() and (v[:, 2] > 0).all() and (v[:, 2] < 1).all()  # in the unit box
        # above the cabin's floor, within its glazed hull; below it (a wheel's rim), over the floor inside the body
        above = v[:, 2] >= hull[:, 1].min()
        assert _inside(hull, v[above][:, 1:]).all(), family
        low = v[~above]
        assert ((low[:, 1] > belt_lo) & (low[:, 1] < belt_hi) & (low[:, 2] > 0.2)).all(), family
        z = np.minimum(np.maximum(v[:, 2], hull[:, 1].min()), hull[:, 1].max())
        assert (np.abs(v[:, 0]) <= c.half_width(z) + 1e-9).all(), family
        assert (np.sum(mats >= 2) > 0) == driver  # skin, hair and top only on a driver
    plain, opened = body_geo(family)[0], body_geo(family, cabin=True)[0]
    assert np.array_equal(plain.min(axis=0), opened.min(axis=0)) and np.array_equal(plain.max(axis=0),
                                                                                     opened.max(axis=0))


def test_interiors_are_drawn_deterministically_without_shifting_a_draw():
    v = sample_vehicle(np.random.default_rng(0), "sedan")
    drawn = [with_details(np.random.default_rng(s), v) for s in range(400)]
    assert drawn == [with_details(np.random.default_rng(s), v) for s in range(400)]
    share = np.mean([d.driver is not None for d in drawn])
    assert abs(share - DRIVER_SHARE) < 0.08 and len({d.seats for d in drawn}) > 100
    for seed in range(20):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        dressed = with_details(a, v)
        assert dressed.rear_plate == ("yellow" if b.random() < YELLOW_REAR_PLATE_SHARE else "white")
        assert a.random() == b.random()  # one draw per vehicle, as before interiors
    for family in BUS_FAMILIES:
        bus = sample_vehicle(np.random.default_rng(0), family)
        assert all(with_details(np.random.default_rng(s), bus).driver is not None for s in range(20))
    with pytest.raises(ValueError):
        dataclasses.replace(v, driver=((0.5, 0.4, 0.3),) * 3)


def test_details_off_leaves_every_vehicle_without_an_interior():
    z = {"car_density": 8.0, "parked_car_density": 20.0}
    for seed in range(2):
        for o in street(seed, vehicle_details=0, **z).objects:
            assert "seats" not in o.params and "driver" not in o.params
        dressed = [o for o in street(seed, vehicle_details=1, **z).objects if o.family in VEHICLE_FAMILIES]
        assert dressed and all("seats" in o.params for o in dressed)


@pytest.fixture(scope="module")
def interior_frames():
    """One sedan with details and a driver, seen from its side, rendered with and without its interior."""
    base = street(0, car_density=8.0, large_vehicle_share=0.5, parked_car_density=20.0, vehicle_variety=0)
    seed = next(s for s in range(50) if with_details(np.random.default_rng(s), sample_vehicle(
        np.random.default_rng(2), "sedan")).driver is not None)
    v = with_details(np.random.default_rng(seed), sample_vehicle(np.random.default_rng(2), "sedan"))
    at = (base.camera.location[0] - 0.5, base.camera.location[1] + 4.0 + v.length, 0.0)
    objects = {name: ObjectSpec("sedan", v.label, at, 1.1, (v.width, v.length, v.height), 1, p.to_dict())
               for name, p in (("inside", v), ("plain", dataclasses.replace(v, seats=None, driver=None)))}
    _, out = render_each_alone(base, objects, 160, 120)
    return {name: frame for name, (_, _, frame, _) in out.items()}


def test_an_interior_is_seen_through_the_glass_but_never_changes_a_label(interior_frames):
    inside, plain = interior_frames["inside"], interior_frames["plain"]
    mask = plain.label_ids == label_id("car")
    assert mask.sum() > 500
    assert np.array_equal(inside.label_ids, plain.label_ids)
    assert np.array_equal(inside.instance_ids, plain.instance_ids)
    diff = np.abs(inside.rgb.astype(int) - plain.rgb.astype(int)).max(axis=-1)
    assert (diff[mask] > 12).sum() > 100  # the windows show the cabin
    assert (diff[mask] > 12).mean() > 5 * (diff[~mask] > 12).mean()  # (outside: only the light through the glass)


def test_interior_meshes_are_shared_per_family():
    bpy = pytest.importorskip("bpy")
    from assets.blender.base import BuildContext, build_object

    coll = bpy.data.collections.new("interiors")
    ctx = BuildContext(coll)
    base = sample_vehicle(np.random.default_rng(2), "sedan")
    cars = [with_details(np.random.default_rng(s), base) for s in range(8)]
    try:
        parts = [build_object(ObjectSpec("sedan", v.label, (0.0, 0.0, 0.0), 0.0, (v.width, v.length, v.height), 1,
                                         v.to_dict()), ctx) for v in cars]
        interiors = [p.obj for ps in parts for p in ps if p.obj.name.startswith("sedan_interior")]
        assert len(interiors) == len(cars) and all(p.label == "car" for ps in parts for p in ps)
        assert len({o.data for o in interiors}) == len({v.driver is not None for v in cars}) == 2
        assert len({ps[0].obj.data for ps in parts}) == 1  # one cabin body for every dressed sedan
    finally:
        objs = list(coll.objects)
        bpy.data.batch_remove(objs + list({o.data for o in objs}) + list(ctx.materials.values()) + [coll])
