"""Left-hand traffic: the mirror image of a right-hand street.

The grammar lays every street out for right-hand traffic; a left-hand street is that layout reflected in the
street's axis (world x -> -x).  Reflecting a placed object is exact whatever its shape: its place goes to the
mirrored place, its yaw to -yaw, and its own geometry is mirrored in its local x (which the Blender builder
and :func:`scenegen.walkers.walker_vertices` apply when ``road.driving_side`` is ``"left"``).  Lanes, traffic
directions, parked sides, cyclists, markings, lamps and the camera's lane all follow; the camera itself is
moved and turned, not mirrored, and the sun keeps its angle to the street on the other side.
"""
from __future__ import annotations

import dataclasses

from .spec import ObjectSpec, SceneSpec

DRIVING_SIDES = ("right", "left")
#: the scene variable that picks the side (0 right, 1 left); absent means right
VARIABLE = "left_hand_traffic"


def side_of(z) -> str:
    """The driving side scene variables ``z`` ask for."""
    return "left" if int(z.get(VARIABLE, 0)) == 1 else "right"


def mirror_scene(spec: SceneSpec) -> SceneSpec:
    """The left-hand street whose mirror image is the right-hand street ``spec`` (and back)."""
    side = "left" if spec.road.driving_side == "right" else "right"
    cam = spec.camera
    camera = dataclasses.replace(cam, location=_mirror(cam.location), yaw_deg=_neg(cam.yaw_deg),
                                 roll_deg=_neg(cam.roll_deg))
    sun = dataclasses.replace(spec.sun, azimuth_deg=(360.0 - spec.sun.azimuth_deg) % 360.0)
    return dataclasses.replace(spec, road=dataclasses.replace(spec.road, driving_side=side), camera=camera, sun=sun,
                               objects=tuple(_mirror_object(o) for o in spec.objects))


def _mirror_object(obj: ObjectSpec) -> ObjectSpec:
    return dataclasses.replace(obj, location=_mirror(obj.location), yaw=_neg(obj.yaw))


def _mirror(p):
    return (_neg(p[0]), p[1], p[2])


def _neg(v: float) -> float:
    return -v if v else 0.0  # no -0.0 in scene records
