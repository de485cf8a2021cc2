"""Street-furniture builders: street lamps, traffic signs and traffic lights.

Fronts face local +Y (a sign's face, a signal's lamps); the grammar turns them with
yaw = pi to face a camera looking along +Y.  Every part is fitted into ``spec.size``.
"""
from __future__ import annotations

from typing import List

import numpy as np

from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets.furniture import SignParams, StreetLampParams, TrafficLightParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, flat_material

_METAL = (0.3, 0.3, 0.3)


def _pole_material(ctx: BuildContext):
    return attr_material(ctx, "metal", _METAL, roughness=0.45, metallic=0.6, noise_scale=8.0, noise_amount=0.15)


# ---------------------------------------------------------------- street lamp
def _lamp_head_geo(reach: float, head_w: float, lantern: bool) -> geom.Geo:
    """Arm and luminaire from the pole top (origin) reaching ``reach`` along +Y; slot 1 = lens."""
    if lantern:
        return geom.lathe([(0.04, -0.05), (head_w / 2, 0.05), (head_w / 2, 0.35), (0.02, 0.45)], 8, 1)
    head_l = 0.5
    return geom.merge([
        geom.segment((0, 0, -0.3), (0, reach * 0.6, 0), 0.045, 0.04, 6),
        geom.segment((0, reach * 0.6, 0), (0, reach, 0), 0.04, 0.04, 6),
        geom.box((head_w, head_l, 0.1), (0, reach + head_l / 2 - 0.05, 0.0)),
        geom.box((head_w * 0.8, head_l * 0.8, 0.02), (0, reach + head_l / 2 - 0.05, -0.06), 1),
    ])


@builds(StreetLampParams)
def build_street_lamp(spec: ObjectSpec, p: StreetLampParams, ctx: BuildContext) -> List[Part]:
    """A tapered pole with an arm reaching along local +Y and a luminaire at its end (all pole).

    The arm is shortened to fit ``spec.size``; with no room it becomes a post-top lantern.
    """
    w, l, h = spec.size
    r = min(p.radius, w / 2 * 0.9)
    head_w = min(0.22, w * 0.9)
    reach = round(float(np.clip(p.arm_length, 0.0, l / 2 - 0.5)), 1)
    lantern = reach < 0.3
    top = h - 0.5 if lantern else h - 0.1
    mats = [_pole_material(ctx), flat_material(ctx, "lamp_lens", (0.9, 0.9, 0.85), roughness=0.2,
                                               emission=(1.0, 0.9, 0.7), emission_strength=0.2)]
    pole_mesh = ctx.mesh("lamp_pole", lambda: to_mesh("lamp_pole", geom.cylinder(1.0, 0.0, 1.0, 10, radius_top=0.6),
                                                      mats[:1], smooth=True))
    head_key = ("lamp_head", 0.0 if lantern else reach, round(head_w, 2), lantern)
    head_mesh = ctx.mesh(head_key, lambda: to_mesh("lamp_head", _lamp_head_geo(reach, head_w, lantern), mats))
    pole = ctx.object("lamp_pole", pole_mesh, scale=(r, r, top))
    head = ctx.object("lamp_head", head_mesh, location=(0, 0, top))
    for obj in (pole, head):
        obj["metal"] = list(p.color)
    return [Part(pole, "pole"), Part(head, "pole")]


# ---------------------------------------------------------------- traffic sign
def _plate_outline(shape: str, size: float) -> np.ndarray:
    """(x, z) outline of a sign plate of overall ``size`` centred at the origin."""
    if shape == "circle":
        return geom.regular_polygon(24, size / 2)
    if shape == "triangle":
        return geom.regular_polygon(3, size / np.sqrt(3), np.pi / 2) + np.array([0.0, -size * 0.08])
    if shape == "octagon":
        return geom.regular_polygon(8, size / 2 / np.cos(np.pi / 8), np.pi / 8)
    if shape == "diamond":
        return geom.regular_polygon(4, size / 2)
    return np.array([[-size / 2, -size * 0.35], [size / 2, -size * 0.35], [size / 2, size * 0.35],
                     [-size / 2, size * 0.35]])


def sign_plate_geo(shape: str, size: float) -> geom.Geo:
    """Plate (slot 0 back metal, 1 outer colour, 2 inner colour) facing +Y, centred at x = z = 0."""
    outline = _plate_outline(shape, size)
    plate = geom.extrude_xz(outline, -0.01, 0.01, 1, 0, 0)
    inset = 0.78 if shape in ("circle", "triangle") else 0.88
    centroid = outline.mean(axis=0)
    inner = (outline - centroid) * inset + centroid
    n = len(inner)
    face = geom.geo(np.column_stack([inner[:, 0], np.full(n, 0.0125), inner[:, 1]]), [list(range(n))[::-1]], 2)
    return geom.merge([plate, face])


@builds(SignParams)
def build_sign(spec: ObjectSpec, p: SignParams, ctx: BuildContext) -> List[Part]:
    """A sign plate (traffic sign) on a post (pole); the plate faces local +Y."""
    w, l, h = spec.size
    shape = p.shape
    size = min(p.size, w, h * 0.5)
    r = min(p.post_radius, l * 0.3)
    z_c = h - size / 2
    plate_y = l / 2 - 0.0125 * size  # the unit plate's front face is at +0.0125
    mats = [flat_material(ctx, "sign_back", (0.35, 0.35, 0.36), roughness=0.5, metallic=0.5),
            attr_material(ctx, "sign_outer", (0.8, 0.1, 0.1), roughness=0.35),
            attr_material(ctx, "sign_inner", (0.9, 0.9, 0.9), roughness=0.35)]
    plate_mesh = ctx.mesh(("sign_plate", shape), lambda: to_mesh(f"sign_{shape}", sign_plate_geo(shape, 1.0), mats))
    post_mesh = ctx.mesh("sign_post", lambda: to_mesh("sign_post", geom.cylinder(1.0, 0.0, 1.0, 8),
                                                      [_pole_material(ctx)], smooth=True))
    plate = ctx.object("sign_plate", plate_mesh, location=(0.0, plate_y, z_c), scale=(size, size, size))
    post = ctx.object("sign_post", post_mesh, location=(0.0, plate_y - 0.01 * size - r, 0.0), scale=(r, r, z_c))
    face, border = p.face, p.border
    # Prohibitory and warning signs: coloured rim, white field; the others: white rim, coloured field.
    outer, inner = (face, border) if shape in ("circle", "triangle", "octagon") else (border, face)
    if shape == "octagon":
        inner = face
    plate["sign_outer"], plate["sign_inner"] = list(outer), list(inner)
    post["metal"] = list(_METAL)
    return [Part(plate, "traffic sign"), Part(post, "pole")]


# ---------------------------------------------------------------- traffic light
_LAMP_COLORS = ((0.9, 0.05, 0.02), (0.9, 0.45, 0.0), (0.05, 0.8, 0.2))


def signal_head_geo(width: float, height: float, lit: int) -> geom.Geo:
    """A signal head centred at x = 0, bottom at z = 0, lamps facing +Y; slot 0 housing, 1 lit, 2 unlit."""
    d = 0.22
    pieces = [geom.box((width, d, height), (0, 0, height / 2))]
    r = min(width * 0.32, height / 3 * 0.36)
    for k in range(3):
        z = height * (5 - 2 * k) / 6
        disc = geom.transform(geom.cylinder(r, 0.0, 0.01, 12), geom.rot_x(-np.pi / 2), (0, d / 2, z))
        pieces.append(geom.with_mat(disc, 1 if k == lit else 2 + k))
        visor = geom.box((2 * r + 0.02, 0.09, 0.02), (0, d / 2 + 0.045, z + r + 0.01))
        pieces.append(visor)
    return geom.merge(pieces)


@builds(TrafficLightParams)
def build_traffic_light(spec: ObjectSpec, p: TrafficLightParams, ctx: BuildContext) -> List[Part]:
    """A signal on a post, or on an overhead arm reaching towards the road (``p.side``)."""
    w, l, h = spec.size
    side = 1.0 if p.side >= 0 else -1.0
    # Sizes snap down to 2 cm so a scene shares a few head meshes.
    head_h = np.floor(min(p.head_height, h * 0.4) * 50) / 50
    head_w = np.floor(min(p.head_width, w) * 50) / 50
    arm = min(p.overhead_arm, w / 2 - head_w / 2)
    r = min(p.post_radius, l * 0.25)
    lit = p.lit % 3
    state = ["red", "amber", "green"][lit]
    lamp_mats = [flat_material(ctx, f"signal_{i}_off", np.asarray(c) * 0.08, roughness=0.2) for i, c in enumerate(_LAMP_COLORS)]
    on = flat_material(ctx, f"signal_{state}_on", _LAMP_COLORS[lit], roughness=0.2, emission=_LAMP_COLORS[lit],
                       emission_strength=6.0)
    housing = attr_material(ctx, "housing", (0.03, 0.03, 0.02), roughness=0.5)
    head_mesh = ctx.mesh(("signal_head", round(head_w, 3), round(head_h, 3), lit),
                         lambda: to_mesh("signal_head", signal_head_geo(head_w, head_h, lit),
                                         [housing, on, *lamp_mats]))
    post_mesh = ctx.mesh("signal_post", lambda: to_mesh("signal_post", geom.cylinder(1.0, 0.0, 1.0, 10),
                                                        [_pole_material(ctx)], smooth=True))
    parts: List[Part] = []
    heads = []
    if arm > 0.3:
        top = h - head_h - 0.05
        post = ctx.object("signal_post", post_mesh, scale=(r, r, top + 0.1))
        arm_obj = ctx.object("signal_arm", post_mesh, location=(0, 0, top), rotation=(0, side * np.pi / 2, 0),
                             scale=(r * 0.6, r * 0.6, arm))
        parts += [Part(post, "pole"), Part(arm_obj, "pole")]
        heads.append(ctx.object("signal_head", head_mesh, location=(side * arm, 0, top)))
        if top > 3.5:
            heads.append(ctx.object("signal_head", head_mesh, location=(-side * (r + head_w / 2 + 0.01), 0, 2.2)))
    else:
        post = ctx.object("signal_post", post_mesh, scale=(r, r, h - head_h))
        parts.append(Part(post, "pole"))
        heads.append(ctx.object("signal_head", head_mesh, location=(0, 0, h - head_h)))
    for obj in [*heads, *[pt.obj for pt in parts]]:
        obj["housing"] = list(p.housing)
        obj["metal"] = list(p.housing)
    parts += [Part(hd, "traffic light") for hd in heads]
    return parts
