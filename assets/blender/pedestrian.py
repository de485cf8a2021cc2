"""Pedestrian builder: the articulated humanoid of ``assets.humanoid``, one mesh per
(pose, clothing variant) shared by every person and scaled to their height; clothing,
skin and hair colours come from object attributes."""
from __future__ import annotations

from typing import List

from scenegen.spec import ObjectSpec

from assets.humanoid import HATS, body_scale, humanoid
from assets.pedestrians import PedestrianParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material

#: Base colours of the humanoid materials (objects override them through their colour attributes).
_BASE_COLORS = {"skin": (0.6, 0.4, 0.3), "hair": (0.05, 0.04, 0.03), "top": (0.2, 0.2, 0.25),
                "bottom": (0.1, 0.1, 0.12), "shoes": (0.03, 0.03, 0.03)}


def humanoid_materials(ctx: BuildContext) -> list:
    """The attribute-driven materials of the humanoid's slots (skin, hair, top, bottom, shoes, sleeve)."""
    return [
        attr_material(ctx, "skin", _BASE_COLORS["skin"], roughness=0.55, specular=0.4),
        attr_material(ctx, "hair", _BASE_COLORS["hair"], roughness=0.6),
        attr_material(ctx, "top", _BASE_COLORS["top"], roughness=0.85, noise_scale=25.0, noise_amount=0.12),
        attr_material(ctx, "bottom", _BASE_COLORS["bottom"], roughness=0.85, noise_scale=25.0, noise_amount=0.12),
        attr_material(ctx, "shoes", _BASE_COLORS["shoes"], roughness=0.4),
        attr_material(ctx, "sleeve", _BASE_COLORS["top"], roughness=0.85, noise_scale=25.0, noise_amount=0.12),
    ]


def clothing_colors(p: PedestrianParams) -> dict:
    """Object attributes of a humanoid's material slots from pedestrian (or rider) params."""
    colors = {"skin": _floats(p.skin), "hair": _floats(p.hair), "top": _floats(p.top),
              "bottom": _floats(p.bottom), "shoes": _floats(p.shoes)}
    if p.bag_color is not None:
        colors["bag"] = _floats(p.bag_color)
    if p.umbrella_color is not None:
        colors["umbrella"] = _floats(p.umbrella_color)
    if p.headgear_color is not None:
        colors["headgear"] = _floats(p.headgear_color)
    colors["sleeve"] = colors["top"] if p.long_sleeves else colors["skin"]
    if p.hair_style == "bald":
        colors["hair"] = colors["skin"]
    elif p.hair_style == "cap":
        colors["hair"] = colors["bottom"] if p.cap is None else _floats(p.cap)
    return colors


def _floats(rgb) -> list:
    return [float(c) for c in rgb]


def humanoid_mesh(ctx: BuildContext, p: PedestrianParams, pose: str):
    """The humanoid mesh of ``pose`` in ``p``'s clothing variant, shared by every person (and frame) using it."""
    variant = p.mesh_variant

    def make():
        mats = humanoid_materials(ctx)
        hat = p.headgear in HATS
        if p.bag != "none" or p.umbrella or hat:  # the umbrella's slot comes after the bag's, a hat's after both
            mats.append(attr_material(ctx, "bag", (0.1, 0.08, 0.06), roughness=0.6, noise_scale=20.0,
                                      noise_amount=0.1))
        if p.umbrella or hat:
            mats.append(attr_material(ctx, "umbrella", (0.02, 0.02, 0.02), roughness=0.45))
        if hat:
            mats.append(attr_material(ctx, "headgear", (0.1, 0.1, 0.1), roughness=0.9, noise_scale=30.0,
                                      noise_amount=0.15))
        return to_mesh(f"humanoid_{pose}", humanoid(pose, *variant), mats, smooth=True)
    return ctx.mesh(("humanoid", pose) + variant, make)


def humanoid_object(ctx: BuildContext, name: str, p: PedestrianParams, size: tuple, pose: str | None = None):
    """A posed humanoid object scaled to the params' height and shoulder width, fitted into ``size``."""
    pose = pose or p.pose
    scale = body_scale(p.height, p.shoulder_width, size, pose, *p.mesh_variant)
    obj = ctx.object(name, humanoid_mesh(ctx, p, pose), scale=scale)
    for attr, rgb in clothing_colors(p).items():
        obj[attr] = rgb
    return obj


@builds(PedestrianParams)
def build_pedestrian(spec: ObjectSpec, p: PedestrianParams, ctx: BuildContext) -> List[Part]:
    """A person (label ``spec.label``, normally person) standing on the ground at the origin."""
    return [Part(humanoid_object(ctx, "pedestrian", p, spec.size), spec.label)]
