"""Blender side of the mesh primitives: Geo -> bpy mesh, and geometry hashes of built objects."""
from __future__ import annotations

from typing import Sequence

import bpy
import numpy as np

from assets.geometry import Geo, as_faces


def to_mesh(name: str, g: Geo, materials: Sequence["bpy.types.Material"] = (), smooth: bool = False) -> "bpy.types.Mesh":
    """A Blender mesh from a Geo.

    Writes the attribute arrays directly (position, .corner_vert, material_index): one
    memcpy each, about 100x faster than the per-item ``vertices``/``loops`` paths.
    """
    verts, faces, mats = g
    faces = as_faces(faces)
    mesh = bpy.data.meshes.new(name)
    starts = np.zeros(len(faces), dtype=np.int32)
    np.cumsum(faces.sizes[:-1], out=starts[1:])
    mesh.vertices.add(len(verts))
    mesh.attributes["position"].data.foreach_set("vector", np.ascontiguousarray(verts, dtype=np.float32).ravel())
    mesh.loops.add(len(faces.idx))
    mesh.attributes[".corner_vert"].data.foreach_set("value", faces.idx.astype(np.int32))
    mesh.polygons.add(len(faces))
    mesh.polygons.foreach_set("loop_start", starts)
    for m in materials:
        mesh.materials.append(m)
    if len(materials) > 1:
        attr = mesh.attributes.new("material_index", "INT", "FACE")
        attr.data.foreach_set("value", np.asarray(mats, dtype=np.int32))
    mesh.update(calc_edges=True)
    if smooth:
        mesh.shade_smooth()
    return mesh


def local_verts(obj: "bpy.types.Object") -> np.ndarray:
    """Vertex coordinates of ``obj`` in the asset's local frame (its own transform applied)."""
    mesh = obj.data
    co = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
    mesh.vertices.foreach_get("co", co)
    m = np.array(obj.matrix_basis)
    return co.reshape(-1, 3).astype(float) @ m[:3, :3].T + m[:3, 3]


def geometry_hash(objects: Sequence["bpy.types.Object"]) -> str:
    """sha256 of the asset-frame vertex coordinates and face indices of ``objects``."""
    import hashlib
    h = hashlib.sha256()
    for obj in objects:
        mesh = obj.data
        h.update(np.round(local_verts(obj), 5).astype(np.float64).tobytes())
        idx = np.empty(len(mesh.loops), dtype=np.int32)
        mesh.loops.foreach_get("vertex_index", idx)
        h.update(idx.tobytes())
    return h.hexdigest()
