"""Riders on bicycles and motorcycles, rendered: the rider's pixels are labelled rider, the machine's bicycle or
motorcycle, together they fill the projection of the object's 3D box, and an unridden machine has no rider."""
import math

import numpy as np
import pytest

from assets.vehicles import TWO_WHEELER_FAMILIES, sample_two_wheeler
from scenegen.labels import label_id
from scenegen.spec import ObjectSpec
from scene_checks import box_iou, inside_box, mask_box, projected_box, render_each_alone, street

CASES = [(family, ridden) for family in TWO_WHEELER_FAMILIES for ridden in (True, False)]


@pytest.fixture(scope="module")
def rider_frames():
    """Each machine, ridden and not, alone 7 m ahead of the camera seen from its side in clear air, rendered
    in-process, with the world coordinates of every vertex Blender drew for it."""
    base = street(0, street_furniture_density=0)
    at = (base.camera.location[0] + 0.3, base.camera.location[1] + 7.0, 0.0)
    objects = {}
    for i, (family, ridden) in enumerate(CASES):
        t = sample_two_wheeler(np.random.default_rng(i), family, ridden)
        objects[family, ridden] = ObjectSpec(family, t.label, at, math.pi / 2, (t.width, t.length, t.height), 1,
                                             t.to_dict())
    return render_each_alone(base, objects, 160, 120, drawn=lambda name: name in TWO_WHEELER_FAMILIES + ("rider",))


@pytest.mark.parametrize("family", TWO_WHEELER_FAMILIES)
def test_a_rider_is_labelled_rider_on_top_of_a_machine_labelled_its_family(rider_frames, family):
    settings, frames = rider_frames
    spec, obj, frame, verts = frames[family, True]
    rider, machine = frame.label_ids == label_id("rider"), frame.label_ids == label_id(family)
    assert obj.label == family and rider.sum() > 40 and machine.sum() > 40
    assert not (frame.label_ids == label_id("person")).any()  # a rider is never a pedestrian
    rows = np.arange(frame.label_ids.shape[0])[:, None]
    assert (rows * rider).sum() / rider.sum() < (rows * machine).sum() / machine.sum()  # sitting on it, not beside
    got, box = mask_box(rider | machine), projected_box(spec, obj, settings.width, settings.height)
    assert box_iou(box, got) > 0.7, (box, got)
    assert box[0] - 1 <= got[0] and box[1] - 1 <= got[1] and got[2] <= box[2] + 1 and got[3] <= box[3] + 1
    assert inside_box(verts, obj)


@pytest.mark.parametrize("family", TWO_WHEELER_FAMILIES)
def test_an_unridden_machine_has_no_rider_and_fills_its_box(rider_frames, family):
    settings, frames = rider_frames
    spec, obj, frame, verts = frames[family, False]
    machine = frame.label_ids == label_id(family)
    assert machine.sum() > 30 and not (frame.label_ids == label_id("rider")).any()
    assert box_iou(projected_box(spec, obj, settings.width, settings.height), mask_box(machine)) > 0.7
    assert inside_box(verts, obj)
