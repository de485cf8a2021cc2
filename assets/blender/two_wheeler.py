"""Bicycle and motorcycle builders: the machine (label bicycle / motorcycle) and, when
ridden, a rider (label rider) posed on it.  Meshes are shared per kind and rider
variant and scaled uniformly per object; colours come from object attributes."""
from __future__ import annotations

from typing import List

import bpy

from scenegen.spec import ObjectSpec

from assets.pedestrians import PedestrianParams
from assets.two_wheelers import extent, machine_geo, rider_geo
from assets.vehicles import TwoWheelerParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, flat_material
from .pedestrian import clothing_colors, humanoid_materials


def _machine_materials(ctx: BuildContext) -> list:
    return [attr_material(ctx, "paint", (0.5, 0.5, 0.5), roughness=0.25, specular=0.6, coat=0.6),
            flat_material(ctx, "tyre", (0.015, 0.015, 0.015), roughness=0.8),
            flat_material(ctx, "bike_metal", (0.3, 0.3, 0.32), roughness=0.35, metallic=0.8),
            flat_material(ctx, "bike_seat", (0.02, 0.02, 0.02), roughness=0.6),
            flat_material(ctx, "headlight", (0.9, 0.9, 0.85), roughness=0.1, emission=(1.0, 0.95, 0.85),
                          emission_strength=0.5)]


@builds(TwoWheelerParams)
def build_two_wheeler(spec: ObjectSpec, p: TwoWheelerParams, ctx: BuildContext) -> List[Part]:
    """A bicycle or motorcycle scaled to fit ``spec.size``, with its rider when params say ridden."""
    kind = spec.family
    ew, el, eh = extent(kind, p.ridden)
    w, l, h = spec.size
    s = min(p.scale, w / ew, l / el, h / eh)
    machine = ctx.object(kind, ctx.mesh(("two_wheeler", kind), lambda: to_mesh(kind, machine_geo(kind),
                                                                              _machine_materials(ctx))),
                         scale=(s, s, s))
    machine["paint"] = list(p.paint)
    parts = [Part(machine, spec.label)]
    if p.ridden:  # then p.rider is set (TwoWheelerParams checks)
        parts.append(Part(_rider(ctx, kind, p.rider, s), "rider"))
    return parts


def _rider(ctx: BuildContext, kind: str, r: PedestrianParams, s: float) -> "bpy.types.Object":
    """The rider posed on a ``kind`` machine, uniformly scaled by ``s``."""
    key = (kind, r.hair_style == "long", r.skirt)
    mesh = ctx.mesh(("rider",) + key, lambda: to_mesh("rider", rider_geo(*key), humanoid_materials(ctx),
                                                      smooth=True))
    rider = ctx.object("rider", mesh, scale=(s, s, s))
    for a, c in clothing_colors(r).items():
        rider[a] = c
    return rider
