"""Builder of the ``cad`` family: a user model from the CAD catalog (``assets.catalog``).

The model is turned to the asset frame (+Z up, +Y forward), scaled, then uniformly
shrunk if needed so it fits ``spec.size``, centred on its footprint with its lowest
point on the ground.  OBJ files are parsed with numpy (fast path, cached per file);
glTF files go through Blender's importer; .blend files are appended with Python
auto-execution switched off.  Every mesh part carries the catalog class as its label.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

import bpy
import numpy as np
from mathutils import Matrix

from scenegen.spec import ObjectSpec

from assets.catalog import CadModel, obj_arrays, to_local

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material

#: Colour of OBJ models (the catalog carries no colours; glTF and .blend models keep their own materials).
OBJ_COLOR = (0.5, 0.5, 0.5)


@lru_cache(maxsize=32)
def _obj_local(path: str, mtime: float, up: str, forward: str, scale: float) -> Tuple[np.ndarray, list]:
    v, f = obj_arrays(path)
    return to_local(v, up, forward) * scale, f


def _fit(lo: np.ndarray, hi: np.ndarray, size) -> Tuple[float, np.ndarray]:
    """Uniform shrink factor and offset that put the box [lo, hi] inside ``size`` on the ground."""
    ext = np.maximum(hi - lo, 1e-9)
    k = float(min(1.0, *(np.asarray(size, dtype=float) / ext)))
    centre = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    return k, -centre * k


def _axes_matrix(up: str, forward: str) -> np.ndarray:
    """3x3 matrix of ``to_local`` (linear in the coordinates)."""
    return to_local(np.eye(3), up, forward).T


def _import_objects(path: str, fmt: str) -> List["bpy.types.Object"]:
    """Objects of a glTF or .blend file, added to the current file (not yet linked to a collection)."""
    if fmt == "blend":
        bpy.context.preferences.filepaths.use_scripts_auto_execute = False
        with bpy.data.libraries.load(path, link=False) as (src, dst):
            dst.objects = list(src.objects)
        return [o for o in dst.objects if o is not None]
    before = set(bpy.data.objects)
    bpy.ops.import_scene.gltf(filepath=path)
    new = [o for o in bpy.data.objects if o not in before]
    for o in new:
        for c in list(o.users_collection):
            c.objects.unlink(o)
    return new


def _world(o: "bpy.types.Object") -> Matrix:
    """World matrix from the parent chain (valid before any depsgraph update)."""
    if o.parent is None:
        return o.matrix_basis.copy()
    return _world(o.parent) @ o.matrix_parent_inverse @ o.matrix_basis


@builds(CadModel)
def build_cad(spec: ObjectSpec, p: CadModel, ctx: BuildContext) -> List[Part]:
    """A catalog model fitted into ``spec.size``."""
    path, fmt, label = p.path, p.format, p.label
    up, forward, scale = p.up, p.forward, p.scale
    if fmt == "obj":
        v, f = _obj_local(path, Path(path).stat().st_mtime, up, forward, scale)
        k, off = _fit(v.min(axis=0), v.max(axis=0), spec.size)
        mat = attr_material(ctx, "paint", (0.5, 0.5, 0.5), roughness=0.4)
        mesh = ctx.mesh(("cad", path, round(k, 6)), lambda: to_mesh("cad", (v * k + off, f, np.zeros(len(f), int)),
                                                                   [mat]))
        obj = ctx.object("cad", mesh)
        obj["paint"] = list(OBJ_COLOR)
        return [Part(obj, label)]
    objs = [o for o in _import_objects(path, fmt)]
    meshes = [o for o in objs if o.type == "MESH"]
    # glTF arrives Z-up from the importer; only the forward turn and scale remain.
    axes = Matrix(_axes_matrix("z" if fmt == "gltf" else up, forward).tolist()).to_4x4() @ Matrix.Scale(scale, 4)
    worlds = [axes @ _world(o) for o in meshes]
    pts = []
    for o, m in zip(meshes, worlds):
        co = np.empty(len(o.data.vertices) * 3)
        o.data.vertices.foreach_get("co", co)
        mm = np.array(m)
        pts.append(co.reshape(-1, 3) @ mm[:3, :3].T + mm[:3, 3])
    allp = np.concatenate(pts) if pts else np.zeros((1, 3))
    k, off = _fit(allp.min(axis=0), allp.max(axis=0), spec.size)
    fit = Matrix.Translation(off.tolist()) @ Matrix.Scale(k, 4)
    for o in objs:
        if o.type != "MESH":
            bpy.data.objects.remove(o)
    parts = []
    for o, m in zip(meshes, worlds):
        o.parent = None
        o.matrix_parent_inverse = Matrix.Identity(4)
        o.matrix_basis = fit @ m
        ctx.collection.objects.link(o)
        parts.append(Part(o, label))
    return parts
