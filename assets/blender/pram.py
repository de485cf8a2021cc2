"""Pram builder: a carrycot with a hood over its far end on a four-wheeled frame, the push handle rising over the
near end (local -Y); one mesh shared by every pram, scaled to its box; colours from object attributes."""
from __future__ import annotations

from typing import List

import numpy as np

from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets.prams import PramParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, flat_material, set_colors

FABRIC, FRAME, TYRE = range(3)


def pram_geo() -> geom.Geo:
    """The pram in a unit box (x, y in [-0.5, 0.5], z in [0, 1]), the handle at -Y."""
    cot = geom.box((0.9, 0.62, 0.3), (0.0, 0.1, 0.55), FABRIC)
    hood = geom.extrude_yz([(0.12, 0.7), (0.42, 0.7), (0.42, 0.86), (0.3, 0.93), (0.12, 0.88)], 0.45, FABRIC, FABRIC)
    frame = [geom.segment((sx * 0.38, 0.3, 0.12), (sx * 0.38, -0.1, 0.42), 0.02, 0.02, 4, FRAME) for sx in (-1, 1)]
    frame += [geom.segment((sx * 0.38, -0.1, 0.42), (sx * 0.38, -0.44, 0.97), 0.02, 0.02, 4, FRAME)
              for sx in (-1, 1)]
    frame.append(geom.segment((-0.4, -0.44, 0.97), (0.4, -0.44, 0.97), 0.025, 0.025, 4, FRAME))
    wheels = [geom.transform(geom.cylinder(0.11, -0.04, 0.04, 10, TYRE), geom.rot_y(np.pi / 2), (sx * 0.42, y, 0.11))
              for sx in (-1, 1) for y in (-0.3, 0.34)]
    return geom.merge([cot, hood, *frame, *wheels])


@builds(PramParams)
def build_pram(spec: ObjectSpec, p: PramParams, ctx: BuildContext) -> List[Part]:
    """One pram filling ``spec.size`` = (width, length, height)."""
    mats = [attr_material(ctx, "pram_fabric", (0.1, 0.1, 0.12), roughness=0.8, noise_scale=30.0, noise_amount=0.1),
            attr_material(ctx, "pram_frame", (0.05, 0.05, 0.05), roughness=0.4, metallic=0.5),
            flat_material(ctx, "pram_tyre", (0.015, 0.015, 0.015), roughness=0.8)]
    obj = ctx.object("pram", ctx.mesh("pram", lambda: to_mesh("pram", pram_geo(), mats)), scale=spec.size)
    set_colors(obj, {"pram_fabric": p.fabric, "pram_frame": p.frame})
    return [Part(obj, spec.label)]
