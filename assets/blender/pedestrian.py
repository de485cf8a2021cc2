"""Pedestrian builder: the articulated humanoid of ``assets.humanoid``, one mesh per
(pose, clothing variant) shared by every person and scaled to their height; clothing,
skin and hair colours come from object attributes."""
from __future__ import annotations

from typing import List

from scenegen.spec import ObjectSpec

from assets.humanoid import SHOULDER_RATIO, humanoid

from .base import BuildContext, Part, builder
from .geom import to_mesh
from .materials import attr_material

_DEFAULTS = {"skin": (0.6, 0.4, 0.3), "hair": (0.05, 0.04, 0.03), "top": (0.2, 0.2, 0.25),
             "bottom": (0.1, 0.1, 0.12), "shoes": (0.03, 0.03, 0.03)}


def humanoid_materials(ctx: BuildContext) -> list:
    """The attribute-driven materials of the humanoid's slots (skin, hair, top, bottom, shoes, sleeve)."""
    return [
        attr_material(ctx, "skin", _DEFAULTS["skin"], roughness=0.55, specular=0.4),
        attr_material(ctx, "hair", _DEFAULTS["hair"], roughness=0.6),
        attr_material(ctx, "top", _DEFAULTS["top"], roughness=0.85, noise_scale=25.0, noise_amount=0.12),
        attr_material(ctx, "bottom", _DEFAULTS["bottom"], roughness=0.85, noise_scale=25.0, noise_amount=0.12),
        attr_material(ctx, "shoes", _DEFAULTS["shoes"], roughness=0.4),
        attr_material(ctx, "sleeve", _DEFAULTS["top"], roughness=0.85, noise_scale=25.0, noise_amount=0.12),
    ]


def clothing_colors(params: dict) -> dict:
    """Object attributes of a humanoid's material slots from pedestrian params."""
    colors = {attr: [float(c) for c in params.get(attr, default)] for attr, default in _DEFAULTS.items()}
    colors["sleeve"] = colors["top"] if params.get("long_sleeves", True) else colors["skin"]
    style = params.get("hair_style", "short")
    if style == "bald":
        colors["hair"] = colors["skin"]
    elif style == "cap":
        colors["hair"] = [float(c) for c in params.get("cap", colors["bottom"])]
    return colors


def humanoid_object(ctx: BuildContext, name: str, params: dict, size: tuple, pose: str | None = None):
    """A posed humanoid object scaled to params' height and shoulder width, fitted into ``size``."""
    pose = pose or str(params.get("pose", "standing"))
    key = (pose, params.get("hair_style", "short") == "long", bool(params.get("skirt", False)))
    mesh = ctx.mesh(("humanoid",) + key, lambda: to_mesh(f"humanoid_{pose}", humanoid(*key), humanoid_materials(ctx),
                                                        smooth=True))
    v = humanoid(*key)[0]
    h = min(float(params.get("height", size[2])), size[2])
    sx = float(params.get("shoulder_width", SHOULDER_RATIO * h)) / SHOULDER_RATIO
    sx = min(sx, size[0] / max(v[:, 0].ptp(), 1e-6))
    sy = min(h, size[1] / max(v[:, 1].ptp(), 1e-6))  # squashes the stride only if the box is too short
    obj = ctx.object(name, mesh, scale=(sx, sy, h))
    for attr, rgb in clothing_colors(params).items():
        obj[attr] = rgb
    return obj


@builder("pedestrian")
def build_pedestrian(spec: ObjectSpec, ctx: BuildContext) -> List[Part]:
    """A person (label ``spec.label``, normally person) standing on the ground at the origin."""
    return [Part(humanoid_object(ctx, "pedestrian", dict(spec.params), spec.size), spec.label)]
