"""Tree builder: a tapered trunk plus a crown, either one mass of lumpy foliage blobs or (``branching``) limbs and
branches (assets/branching.py) under foliage clumps at their ends.

Crown meshes are built in a unit box (x, y in [-0.5, 0.5], z in [0, 1]) once per
(shape or form, variant) and scaled per tree, so a street of trees instances a dozen meshes.
The lumps come from a Generator seeded by (shape, variant) only: deterministic.
"""
from __future__ import annotations

from functools import lru_cache
from typing import List, Tuple

import numpy as np

from scenegen.seeding import generator
from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets.branching import EVERGREEN, form_of, grow_crown
from assets.vegetation import TREE_SHAPES, BushParams, TreeParams

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, crown_material

_BLOB = geom.icosphere(2)
_CLUMP = geom.icosphere(1)
LIMB_SIDES = 6  # polygon sides of a limb or branch


def _lumpy_blob(rng: np.random.Generator, center, radii, amount: float = 0.18, blob: geom.Geo = _BLOB) -> geom.Geo:
    """An icosphere displaced radially by a few random low-frequency waves."""
    v, f, m = blob
    k = rng.normal(size=(4, 3)) * 2.5
    phase = rng.uniform(0, 2 * np.pi, 4)
    disp = 1 + amount * np.mean(np.sin(v @ k.T + phase), axis=1)
    return v * disp[:, None] * np.asarray(radii) + np.asarray(center), f, m


@lru_cache(maxsize=64)
def crown_geo(shape: str, variant: int) -> geom.Geo:
    """Unit-box crown of ``shape`` (round, conical, columnar)."""
    rng = generator(TREE_SHAPES.index(shape) if shape in TREE_SHAPES else 0, int(variant))
    blobs = []
    if shape == "conical":
        tiers = 5
        for t in range(tiers):
            z = 0.12 + 0.8 * t / tiers
            r = 0.5 * (1 - t / (tiers + 0.6))
            blobs.append(_lumpy_blob(rng, (0, 0, z), (r, r, 0.16), 0.22))
        blobs.append(_lumpy_blob(rng, (0, 0, 0.93), (0.08, 0.08, 0.1), 0.1))
    elif shape == "columnar":
        for t in range(4):
            z = 0.15 + 0.22 * t
            r = 0.42 - 0.04 * abs(t - 1.5)
            blobs.append(_lumpy_blob(rng, (rng.normal(0, 0.03), rng.normal(0, 0.03), z), (r, r, 0.2)))
    else:
        blobs.append(_lumpy_blob(rng, (0, 0, 0.5), (0.38, 0.38, 0.36)))
        for a in np.linspace(0, 2 * np.pi, 6, endpoint=False) + rng.uniform(0, 1):
            rr = rng.uniform(0.18, 0.28)
            c = (0.26 * np.cos(a), 0.26 * np.sin(a), rng.uniform(0.35, 0.65))
            blobs.append(_lumpy_blob(rng, c, (rr, rr, rr * 0.9)))
        blobs.append(_lumpy_blob(rng, (0, 0, 0.72), (0.26, 0.26, 0.24)))
    v, f, m = geom.merge(blobs)
    lo, hi = v.min(axis=0), v.max(axis=0)
    v = (v - lo) / (hi - lo)  # fill the unit box exactly
    v[:, :2] -= 0.5
    return v, f, m


@lru_cache(maxsize=32)
def branching_geo(form: str, variant: int) -> Tuple[geom.Geo, geom.Geo]:
    """Unit-box limbs (tapered tubes) and foliage clumps (lumpy blobs at the branch ends) of a branching crown,
    scaled together so that the drawn surfaces, lumps included, fill the box with the root at the origin."""
    c = grow_crown(form, variant)
    limbs = geom.merge([geom.segment(a, b, r0, r1, LIMB_SIDES) for a, b, r0, r1 in zip(c.starts, c.ends, c.r0, c.r1)])
    rng = generator(12, int(variant), len(c.clump_radii))
    clumps = geom.merge([_lumpy_blob(rng, centre, radii, 0.2, _CLUMP)
                         for centre, radii in zip(c.clump_centres, c.clump_radii)])
    v = np.vstack([limbs[0], clumps[0]])
    scale = np.array([0.5 / np.abs(v[:, :2]).max()] * 2 + [1.0 / v[:, 2].max()])
    return (limbs[0] * scale, *limbs[1:]), (clumps[0] * scale, *clumps[1:])


def _bark(ctx: BuildContext) -> "bpy.types.Material":
    return attr_material(ctx, "bark", (0.05, 0.035, 0.02), roughness=0.9, noise_scale=12.0, noise_amount=0.3)


def _trunk(ctx: BuildContext, radius: float, height: float, taper: float) -> "bpy.types.Object":
    mesh = ctx.mesh(("trunk", taper), lambda: to_mesh("trunk", geom.cylinder(1.0, 0.0, 1.0, 8, radius_top=taper),
                                                      [_bark(ctx)], smooth=True))
    return ctx.object("trunk", mesh, scale=(radius, radius, height))


def _paint(p: TreeParams, parts: List["bpy.types.Object"], bare: float) -> None:
    for obj in parts:
        obj["foliage"] = list(p.foliage)
        obj["bark"] = list(p.bark)
    parts[-1]["bare"] = bare


@builds(TreeParams)
def build_tree(spec: ObjectSpec, p: TreeParams, ctx: BuildContext) -> List[Part]:
    """A tree: trunk from the ground into the crown, crown filling the top of ``spec.size``."""
    w, l, h = spec.size
    crown_h = min(p.crown_height, h * 0.9)
    trunk_top = h - crown_h
    r = min(p.trunk_radius, w / 2, l / 2)
    if p.branching:
        parts = _branching_crown(p, ctx, (w, l, crown_h), trunk_top)
        form = form_of(p.shape, p.variant)
        trunk = _trunk(ctx, r, trunk_top + 0.02 * crown_h, 0.55)
        bare = 0.0 if form in EVERGREEN else 1.0 - p.leaf_cover
    else:
        shape, variant = p.shape, p.variant
        crown_mesh = ctx.mesh(("crown", shape, variant), lambda: to_mesh(f"crown_{shape}", crown_geo(shape, variant),
                                                                         [crown_material(ctx)], smooth=True))
        trunk = _trunk(ctx, r, trunk_top + crown_h * 0.4, 0.6)
        parts = [ctx.object("crown", crown_mesh, location=(0, 0, trunk_top), scale=(w, l, crown_h))]
        bare = 1.0 - p.leaf_cover
    _paint(p, [trunk] + parts, bare)
    return [Part(obj, spec.label) for obj in [trunk] + parts]


def _branching_crown(p: TreeParams, ctx: BuildContext, box, base: float) -> List["bpy.types.Object"]:
    """Limbs, then foliage clumps, of a branching crown filling ``box`` from height ``base``."""
    form, variant = form_of(p.shape, p.variant), p.variant
    limbs_g, clumps_g = branching_geo(form, variant)
    limbs = ctx.mesh(("limbs", form, variant), lambda: to_mesh(f"limbs_{form}", limbs_g, [_bark(ctx)], smooth=True))
    clumps = ctx.mesh(("clumps", form, variant), lambda: to_mesh(f"clumps_{form}", clumps_g, [crown_material(ctx)],
                                                                 smooth=True))
    return [ctx.object(name, mesh, location=(0, 0, base), scale=box) for name, mesh in (("limbs", limbs),
                                                                                      ("crown", clumps))]


@lru_cache(maxsize=32)
def hedge_geo(variant: int, segments: int) -> geom.Geo:
    """Unit-box shrub (segments = 1: a lumpy blob) or clipped hedge (a rounded-box profile swept
    along Y, ``segments`` = length / width, lumps of equal size along and across it)."""
    rng = generator(7, int(variant), int(segments))
    if segments <= 1:
        return crown_geo("round", variant)
    else:
        a = np.linspace(0, 2 * np.pi, 20, endpoint=False)
        # Rounded rectangle (superellipse) cross-section in x, z about (0, 0.5); bottom flattened.
        px = 0.5 * np.sign(np.cos(a)) * np.abs(np.cos(a)) ** 0.4
        pz = 0.5 + 0.5 * np.sign(np.sin(a)) * np.abs(np.sin(a)) ** 0.4
        pz = np.maximum(pz, 0.02)
        rings = 5 * segments + 1
        ys = np.linspace(-0.5, 0.5, rings)
        v = np.stack([np.column_stack([px, np.full(len(a), y), pz]) for y in ys]).reshape(-1, 3)
        metric = v * np.array([1.0, segments, 1.0])
        k = rng.normal(size=(6, 3)) * 3.0
        phase = rng.uniform(0, 2 * np.pi, 6)
        lump = 1 + 0.07 * np.mean(np.sin(metric @ k.T + phase), axis=1)
        v[:, 0] *= lump
        v[:, 2] = 0.5 + (v[:, 2] - 0.5) * lump
        n = len(a)
        faces = [[r * n + i, r * n + (i + 1) % n, (r + 1) * n + (i + 1) % n, (r + 1) * n + i]
                 for r in range(rings - 1) for i in range(n)]
        faces += [list(range(n))[::-1], [(rings - 1) * n + i for i in range(n)]]
        v, f, m = geom.geo(v, faces)
    v = np.asarray(v, dtype=float)
    lo, hi = v.min(axis=0), v.max(axis=0)
    v = (v - lo) / (hi - lo)
    v[:, :2] -= 0.5
    return v, f, m


@builds(BushParams)
def build_bush(spec: ObjectSpec, p: BushParams, ctx: BuildContext) -> List[Part]:
    """A shrub or a hedge (label vegetation) filling ``spec.size``."""
    w, l, h = spec.size
    variant = p.variant
    segments = 1 if spec.family == "bush" else int(np.clip(round(l / max(w, 0.3)), 2, 24))
    foliage = attr_material(ctx, "foliage", (0.05, 0.12, 0.02), roughness=0.8, noise_scale=6.0, noise_amount=0.4)
    mesh = ctx.mesh(("hedge", variant, segments), lambda: to_mesh(spec.family, hedge_geo(variant, segments), [foliage],
                                                                  smooth=True))
    obj = ctx.object(spec.family, mesh, scale=(w, l, h))
    obj["foliage"] = list(p.foliage)
    return [Part(obj, spec.label)]
