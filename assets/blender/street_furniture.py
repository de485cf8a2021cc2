"""Pavement furniture builders (assets/street_furniture.py): each kind's geometry fills ``spec.size`` =
(width across the street, length along it, height) with its front toward local -X.

Material slots: 0 paint (``obj["paint"]``), 1 accent (``obj["accent"]``: a bollard's band, a bin's lid, a
bench's slats, a pillar's posters), 2 glass. The geometry functions are numpy only.
"""
from __future__ import annotations

from typing import Callable, Dict, List

import numpy as np

from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets.street_furniture import StreetFurnitureParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, glass_material

PAINT, ACCENT, GLASS = 0, 1, 2
TUBE = 0.024  # radius of a cycle stand's tube


def bollard_geo(w: float, l: float, h: float, count: int) -> geom.Geo:
    """A round post with a domed top and a reflective band."""
    r = min(w, l) / 2
    body = geom.lathe([(r * 0.9, 0.0), (r * 0.9, h * 0.9), (r * 0.55, h * 0.98), (0.01, h)], 12, PAINT)
    band = geom.cylinder(r, h * 0.72, h * 0.8, 12, ACCENT)
    return geom.merge([body, band])


def bin_geo(w: float, l: float, h: float, count: int) -> geom.Geo:
    """A litter bin: a slightly flared drum with a lid."""
    r = min(w, l) / 2
    body = geom.lathe([(r * 0.85, 0.0), (r, h * 0.86)], 14, PAINT)
    lid = geom.lathe([(r, h * 0.86), (r, h * 0.93), (r * 0.5, h)], 14, ACCENT, cap_bottom=False)
    return geom.merge([body, lid])


def bench_geo(w: float, l: float, h: float, count: int) -> geom.Geo:
    """Seat and back slats on two end frames; the seat faces -X."""
    seat_z, t = 0.45, 0.04
    frames = [geom.box((w, 0.06, seat_z), (0.0, y, seat_z / 2)) for y in (-l / 2 + 0.15, l / 2 - 0.15)]
    backs = [geom.box((0.06, 0.06, h - seat_z), (w / 2 - 0.03, y, (h + seat_z) / 2)) for y in (-l / 2 + 0.15,
                                                                                             l / 2 - 0.15)]
    seat = [geom.box((w * 0.8 / 3 - 0.01, l, t), (-w / 2 + w * 0.8 / 6 + i * w * 0.8 / 3, 0.0, seat_z + t / 2), ACCENT)
            for i in range(3)]
    back = [geom.box((t, l, 0.1), (w / 2 - 0.08, 0.0, z), ACCENT) for z in (seat_z + 0.15, h - 0.06)]
    return geom.merge(frames + backs + seat + back)


def bus_shelter_geo(w: float, l: float, h: float, count: int) -> geom.Geo:
    """Four posts, a roof, a glass back (+X) and glass ends, open toward the kerb (-X)."""
    post = 0.08
    posts = [geom.box((post, post, h - 0.12), (x, y, (h - 0.12) / 2)) for x in (-w / 2 + post / 2, w / 2 - post / 2)
             for y in (-l / 2 + post / 2, l / 2 - post / 2)]
    roof = geom.box((w, l, 0.12), (0.0, 0.0, h - 0.06))
    back = geom.box((0.02, l - 2 * post, h - 0.45), (w / 2 - post / 2, 0.0, 0.15 + (h - 0.45) / 2), GLASS)
    ends = [geom.box((w * 0.6, 0.02, h - 0.45), (w / 5, y, 0.15 + (h - 0.45) / 2), GLASS)
            for y in (-l / 2 + post / 2, l / 2 - post / 2)]
    return geom.merge(posts + [roof, back] + ends)


def cycle_stands_geo(w: float, l: float, h: float, count: int) -> geom.Geo:
    """``count`` Sheffield stands (inverted U tubes across the street) spread along the length."""
    a, bend = w / 2 - TUBE, 0.15
    path = [(-a, 0.0), (-a, h - TUBE - bend), (-a + bend, h - TUBE), (a - bend, h - TUBE), (a, h - TUBE - bend),
            (a, 0.0)]
    ys = np.linspace(-l / 2 + 0.1, l / 2 - 0.1, count) if count > 1 else [0.0]
    return geom.merge([geom.segment((x0, y, z0), (x1, y, z1), TUBE, TUBE, 8)
                       for y in ys for (x0, z0), (x1, z1) in zip(path, path[1:])])


def phone_box_geo(w: float, l: float, h: float, count: int) -> geom.Geo:
    """A kiosk: a body, glazed panels on every side, a roof cap."""
    body_h = h * 0.9
    body = geom.box((w * 0.94, l * 0.94, body_h), (0.0, 0.0, body_h / 2))
    roof = geom.box((w, l, h - body_h), (0.0, 0.0, (h + body_h) / 2))
    pane_h, pane_z = body_h * 0.6, body_h * 0.52
    panes = [geom.box((0.02, l * 0.7, pane_h), (sx * w * 0.47, 0.0, pane_z), GLASS) for sx in (-1, 1)]
    panes += [geom.box((w * 0.7, 0.02, pane_h), (0.0, sy * l * 0.47, pane_z), GLASS) for sy in (-1, 1)]
    return geom.merge([body, roof] + panes)


def advert_pillar_geo(w: float, l: float, h: float, count: int) -> geom.Geo:
    """An advertising pillar: a plinth, a drum of posters, a domed cap."""
    r = min(w, l) / 2
    plinth = geom.cylinder(r * 0.92, 0.0, h * 0.08, 20, PAINT)
    posters = geom.cylinder(r * 0.88, h * 0.08, h * 0.8, 20, ACCENT)
    cap = geom.lathe([(r, h * 0.8), (r, h * 0.86), (r * 0.4, h * 0.97), (0.05, h)], 20, PAINT)
    return geom.merge([plinth, posters, cap])


GEOMETRY: Dict[str, Callable[[float, float, float, int], geom.Geo]] = {
    "bollard": bollard_geo, "bin": bin_geo, "bench": bench_geo, "bus_shelter": bus_shelter_geo,
    "cycle_stands": cycle_stands_geo, "phone_box": phone_box_geo, "advert_pillar": advert_pillar_geo,
}


@builds(StreetFurnitureParams)
def build_street_furniture(spec: ObjectSpec, p: StreetFurnitureParams, ctx: BuildContext) -> List[Part]:
    """One piece of pavement furniture filling ``spec.size``."""
    w, l, h = spec.size
    mats = [attr_material(ctx, "paint", (0.1, 0.1, 0.1), roughness=0.45, metallic=0.3, noise_scale=6.0,
                          noise_amount=0.15),
            attr_material(ctx, "accent", (0.8, 0.8, 0.8), roughness=0.5, noise_scale=3.0, noise_amount=0.3),
            glass_material(ctx)]
    key = (p.kind, w, l, h, p.count)
    mesh = ctx.mesh(key, lambda: to_mesh(p.kind, GEOMETRY[p.kind](w, l, h, p.count), mats))
    obj = ctx.object(p.kind, mesh)
    obj["paint"], obj["accent"] = list(p.color), list(p.accent)
    return [Part(obj, spec.label)]
