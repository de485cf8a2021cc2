"""Tram builder: an articulated low-floor tram (label train) along local +Y, its sections joined by bellows, a
window band and doors down both sides, windscreens at both ends, bogie skirts and a pantograph on the middle
section's roof; one mesh per tram, colours from object attributes."""
from __future__ import annotations

from typing import List

import numpy as np

from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets.trams import PANTOGRAPH_M, TramParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, flat_material, glass_material, set_colors

BODY, STRIPE, GLASS, DARK, LIGHT = range(5)
_GAP = 0.45  # bellows between sections (m)
_FLOOR = 0.32  # the body's underside above the rails (m)


def _materials(ctx: BuildContext) -> list:
    return [attr_material(ctx, "tram_body", (0.9, 0.9, 0.9), roughness=0.3, specular=0.6),
            attr_material(ctx, "tram_stripe", (0.8, 0.1, 0.1), roughness=0.3, specular=0.6),
            glass_material(ctx, "tram_glass"),
            flat_material(ctx, "tram_dark", (0.02, 0.02, 0.02), roughness=0.7),
            flat_material(ctx, "tram_light", (0.9, 0.9, 0.85), roughness=0.1, emission=(1.0, 0.95, 0.85),
                          emission_strength=0.5)]


def _side_quads(hw: float, y0: float, y1: float, z0: float, z1: float, mat: int) -> List[geom.Geo]:
    """A rectangle on each side at |x| = ``hw``, facing outward."""
    out = []
    for sx in (-1, 1):
        c = [(sx * hw, y0, z0), (sx * hw, y1, z0), (sx * hw, y1, z1), (sx * hw, y0, z1)]
        out.append(geom.quad(c if sx > 0 else c[::-1], mat))
    return out


def _section(k: int, p: TramParams, y0: float, y1: float) -> List[geom.Geo]:
    """Section ``k`` from ``y0`` to ``y1``: shell, stripe, windows, two doors a side, bogie skirt."""
    hw, h = p.width / 2 - 0.012, p.height
    shell = geom.extrude_xz([(-hw, _FLOOR), (hw, _FLOOR), (hw, h - 0.3), (hw - 0.15, h), (-hw + 0.15, h),
                             (-hw, h - 0.3)], y0, y1, BODY, BODY, BODY)
    pieces = [shell, *_side_quads(hw + 0.004, y0 + 0.2, y1 - 0.2, 0.55, 0.8, STRIPE),
              *_side_quads(hw + 0.004, y0 + 0.35, y1 - 0.35, 1.05, h - 0.55, GLASS)]
    for frac in (0.25, 0.75):
        yd = y0 + frac * (y1 - y0)
        pieces += _side_quads(hw + 0.008, yd - 0.65, yd + 0.65, _FLOOR + 0.05, 2.15, GLASS)
    mid = (y0 + y1) / 2
    pieces.append(geom.box((2 * hw - 0.2, min(2.4, y1 - y0 - 1.0), _FLOOR), (0.0, mid, _FLOOR / 2), DARK,
                           skip=("-z",)))
    return pieces


def tram_geo(p: TramParams) -> geom.Geo:
    """The tram in its local frame: x across, y along (front +Y), z up from the rails; inside its box."""
    half, n = p.length / 2, p.sections
    ends = np.linspace(-half + 0.01, half - 0.01, n + 1)
    pieces: List[geom.Geo] = []
    for k in range(n):
        y0 = ends[k] + (_GAP / 2 if k > 0 else 0.0)
        y1 = ends[k + 1] - (_GAP / 2 if k < n - 1 else 0.0)
        pieces += _section(k, p, y0, y1)
        if k < n - 1:
            pieces.append(geom.box((p.width - 0.3, _GAP, p.height - 0.6 - _FLOOR),
                                   (0.0, ends[k + 1], _FLOOR + (p.height - 0.6 - _FLOOR) / 2), DARK))
    hw = p.width / 2 - 0.2
    for sy in (-1, 1):  # windscreens and lamps on both ends, just proud of the shell
        y = sy * (half - 0.004)
        c = [(-hw, y, 1.0), (hw, y, 1.0), (hw, y, p.height - 0.35), (-hw, y, p.height - 0.35)]
        pieces.append(geom.quad(c if sy > 0 else c[::-1], GLASS))
        for sx in (-1, 1):
            pieces.append(geom.box((0.22, 0.02, 0.1), (sx * (hw - 0.15), sy * (half - 0.012), 0.7), LIGHT))
    pieces += _pantograph(p, (ends[n // 2] + ends[n // 2 + 1]) / 2)
    return geom.merge(pieces)


def _pantograph(p: TramParams, y: float) -> List[geom.Geo]:
    """A diamond frame on the roof of the section at ``y``, its collector bar across the top of the box."""
    top = p.height + PANTOGRAPH_M - 0.03
    base = geom.box((0.9, 1.2, 0.12), (0.0, y, p.height + 0.06), DARK)
    arms = [geom.segment((0.0, y + sy * 0.5, p.height + 0.12), (0.0, y, top), 0.02, 0.02, 4, DARK) for sy in (-1, 1)]
    bar = geom.box((1.6, 0.06, 0.05), (0.0, y, top), DARK)
    return [base, *arms, bar]


@builds(TramParams)
def build_tram(spec: ObjectSpec, p: TramParams, ctx: BuildContext) -> List[Part]:
    """One tram filling ``spec.size`` = (width, length, height with the pantograph)."""
    mesh = ctx.mesh(("tram", p.sections, p.length, p.width, p.height),
                    lambda: to_mesh("tram", tram_geo(p), _materials(ctx)))
    obj = ctx.object("tram", mesh)
    set_colors(obj, {"tram_body": p.body, "tram_stripe": p.stripe})
    return [Part(obj, spec.label)]
