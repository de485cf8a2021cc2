"""Fence and wall builders: linear barriers running along local +Y (labels fence, wall).

Posts, rails and pickets are generated together as one vectorised box mesh per object.
"""
from __future__ import annotations

from typing import List

import numpy as np

from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets.furniture import FenceParams, WallParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, brick_material


def fence_geo(style: str, width: float, length: float, height: float, spacing: float) -> geom.Geo:
    """Posts every ``spacing`` metres, rails, and pickets or mesh panel depending on ``style``."""
    n_posts = max(2, int(np.ceil(length / spacing)) + 1)
    ys = np.linspace(-length / 2, length / 2, n_posts)
    post = min(0.08 if style == "picket" else 0.06, width)
    half = post / 2
    ys = np.clip(ys, -length / 2 + half, length / 2 - half)
    lo = np.column_stack([np.full(n_posts, -half), ys - half, np.zeros(n_posts)])
    hi = np.column_stack([np.full(n_posts, half), ys + half, np.full(n_posts, height)])
    pieces = [geom.boxes(lo, hi)]
    rail_z = [0.15 * height, 0.9 * height] if style != "picket" else [0.25 * height, 0.7 * height]
    r = min(0.025, width / 2)
    lo = np.array([[-r, -length / 2, z - 0.02] for z in rail_z])
    hi = np.array([[r, length / 2, z + 0.02] for z in rail_z])
    pieces.append(geom.boxes(lo, hi))
    if style == "picket":
        gap = 0.12
        py = np.arange(-length / 2 + gap / 2, length / 2 - 0.07, gap)  # every picket (0.07 wide) inside the length
        lo = np.column_stack([np.full(len(py), -0.012), py, np.zeros(len(py))])
        hi = np.column_stack([np.full(len(py), 0.012), py + 0.07, np.full(len(py), height * 0.95)])
        pieces.append(geom.boxes(lo, hi))
    elif style == "railing":
        bars = np.arange(-length / 2 + 0.06, length / 2 - 0.02, 0.13)
        lo = np.column_stack([np.full(len(bars), -0.008), bars - 0.008, np.full(len(bars), rail_z[0])])
        hi = np.column_stack([np.full(len(bars), 0.008), bars + 0.008, np.full(len(bars), rail_z[1])])
        pieces.append(geom.boxes(lo, hi))
    else:  # mesh: a thin panel between the rails (slot 1: a darker, rougher see-through look)
        pieces.append(geom.box((0.01, length, rail_z[1] - rail_z[0]), (0, 0, (rail_z[0] + rail_z[1]) / 2), 1))
    return geom.merge(pieces)


@builds(FenceParams)
def build_fence(spec: ObjectSpec, p: FenceParams, ctx: BuildContext) -> List[Part]:
    """A fence filling ``spec.size`` = (thickness, length, height)."""
    w, l, h = spec.size
    style = p.style
    mats = [attr_material(ctx, "paint", (0.1, 0.1, 0.1), roughness=0.5, metallic=0.0 if style == "picket" else 0.5,
                          noise_scale=4.0, noise_amount=0.15),
            attr_material(ctx, "paint", (0.1, 0.1, 0.1), roughness=0.9, noise_scale=40.0, noise_amount=0.6)]
    obj = ctx.object("fence", to_mesh("fence", fence_geo(style, w, l, h, p.post_spacing), mats))
    obj["paint"] = list(p.color)
    return [Part(obj, spec.label)]


@builds(WallParams)
def build_wall(spec: ObjectSpec, p: WallParams, ctx: BuildContext) -> List[Part]:
    """A wall filling ``spec.size`` = (thickness, length, height), with an optional coping."""
    w, l, h = spec.size
    kind = p.material
    coping = p.coping
    t = float(min(p.thickness, w))
    cap_h = min(0.08, h * 0.1) if coping else 0.0
    body = geom.box((t * 0.8 if coping else t, l - (0.04 if coping else 0), h - cap_h), (0, 0, (h - cap_h) / 2),
                    0, skip=("-z",))
    pieces = [body]
    if coping:
        pieces.append(geom.box((t, l, cap_h), (0, 0, h - cap_h / 2), 1, skip=("-z",)))
    face = brick_material(ctx, "wall") if kind == "brick" else attr_material(
        ctx, "wall", roughness=0.9, noise_scale=3.0 if kind == "concrete" else 9.0,
        noise_amount=0.25 if kind == "concrete" else 0.45)
    cap = attr_material(ctx, "coping", (0.6, 0.6, 0.58), roughness=0.8, noise_scale=5.0, noise_amount=0.15)
    obj = ctx.object("wall", to_mesh("wall", geom.merge(pieces), [face, cap]))
    color = np.asarray(p.color, dtype=float)
    obj["wall"] = color.tolist()
    obj["coping"] = np.clip(color * 1.2 + 0.05, 0, 1).tolist()
    return [Part(obj, spec.label)]
