"""The builder contract shared by every asset family (imports bpy).

A builder turns one ``ObjectSpec`` and its typed params into Blender objects in the
object's *local* frame (origin at the centre of its footprint on the ground, +Y forward,
+Z up) and returns them as ``Part``s, each with the Cityscapes label name of what it
depicts.  The scene builder places the parts (location and yaw) and assigns object pass
indices, so builders never deal with labels as numbers or with world placement.

Builders are registered per params dataclass (``@builds(TreeParams)``, as kubric registers
one builder per asset type) and receive that dataclass, converted strictly from
``ObjectSpec.params`` by ``assets.families.object_params``: they read its attributes
(``p.leaf_cover``) and never repeat a default.  ``build_object`` does the conversion and the
dispatch on the params type.

Builders must be deterministic: the same ObjectSpec gives the same geometry.  Shared
geometry (all wheels, all leaves of one shape) goes through ``BuildContext.mesh`` so
it is created once per scene and instanced.

Adding an asset family: see the paragraph at the top of ``assets/families.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Hashable, List, Sequence, Tuple, Type

import bpy
import numpy as np

from assets.families import object_params
from assets.params import AssetParams
from scenegen.spec import ObjectSpec

Vec3 = Tuple[float, float, float]


@dataclass
class Part:
    """One Blender object of a built asset and the label name of its pixels."""

    obj: "bpy.types.Object"
    label: str


@dataclass
class BuildContext:
    """Per-scene caches and the collection that new objects are linked into."""

    collection: "bpy.types.Collection"
    materials: Dict[Hashable, "bpy.types.Material"] = field(default_factory=dict)
    meshes: Dict[Hashable, "bpy.types.Mesh"] = field(default_factory=dict)

    def material(self, key: Hashable, make: Callable[[], "bpy.types.Material"]) -> "bpy.types.Material":
        """The material cached under ``key``, made on first use."""
        if key not in self.materials:
            self.materials[key] = make()
        return self.materials[key]

    def mesh(self, key: Hashable, make: Callable[[], "bpy.types.Mesh"]) -> "bpy.types.Mesh":
        """The mesh cached under ``key``, made on first use (shared by every object using it)."""
        if key not in self.meshes:
            self.meshes[key] = make()
        return self.meshes[key]

    def object(self, name: str, mesh: "bpy.types.Mesh", location: Vec3 = (0.0, 0.0, 0.0),
               rotation: Vec3 = (0.0, 0.0, 0.0), scale: Vec3 = (1.0, 1.0, 1.0)) -> "bpy.types.Object":
        """A new object using ``mesh``, linked into the scene collection."""
        obj = bpy.data.objects.new(name, mesh)
        obj.location = location
        obj.rotation_euler = rotation
        obj.scale = scale
        self.collection.objects.link(obj)
        return obj


Builder = Callable[[ObjectSpec, Any, BuildContext], List[Part]]
#: The registry: params dataclass -> the builder of objects with such params.
BUILDERS_BY_PARAMS: Dict[Type[AssetParams], Builder] = {}


def builds(*types: Type[AssetParams]) -> Callable[[Builder], Builder]:
    """Register a function ``(spec, params, ctx) -> parts`` as the builder of objects whose params have one of
    the given dataclass types."""
    def register(fn: Builder) -> Builder:
        for t in types:
            if t in BUILDERS_BY_PARAMS:
                raise RuntimeError(f"{t.__name__} already has a builder: {BUILDERS_BY_PARAMS[t].__name__}")
            BUILDERS_BY_PARAMS[t] = fn
        return fn
    return register


def build_object(spec: ObjectSpec, ctx: BuildContext) -> List[Part]:
    """Build one object: its params converted to their dataclass, then that type's builder."""
    params = object_params(spec)
    try:
        build = BUILDERS_BY_PARAMS[type(params)]
    except KeyError:
        raise KeyError(f"no builder registered for {type(params).__name__} (asset family {spec.family!r})"
                       ) from None
    return build(spec, params, ctx)


def mesh_from_arrays(name: str, verts: np.ndarray | Sequence, faces: Sequence[Sequence[int]],
                     materials: Sequence["bpy.types.Material"] = (), material_indices: Sequence[int] | None = None,
                     smooth: bool = False) -> "bpy.types.Mesh":
    """A mesh from vertex coordinates and polygon index lists (fast path, no operators)."""
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(np.asarray(verts, dtype=float).tolist(), [], [list(f) for f in faces])
    for m in materials:
        mesh.materials.append(m)
    if material_indices is not None:
        mesh.polygons.foreach_set("material_index", np.asarray(material_indices, dtype=np.int32))
    if smooth:
        mesh.shade_smooth()
    mesh.update()
    return mesh


def box_arrays(size: Vec3, center: Vec3 = (0.0, 0.0, 0.0)) -> Tuple[np.ndarray, List[List[int]]]:
    """Vertices and quads of an axis-aligned box of ``size`` (x, y, z) centred at ``center``."""
    sx, sy, sz = (s / 2 for s in size)
    cx, cy, cz = center
    v = np.array([[cx + dx, cy + dy, cz + dz] for dz in (-sz, sz) for dy in (-sy, sy) for dx in (-sx, sx)])
    f = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]]
    return v, f


def merge_arrays(pieces: Sequence[Tuple[np.ndarray, List[List[int]]]]) -> Tuple[np.ndarray, List[List[int]]]:
    """Concatenate several (verts, faces) pieces into one."""
    verts, faces, offset = [], [], 0
    for v, f in pieces:
        verts.append(np.asarray(v, dtype=float))
        faces.extend([[i + offset for i in face] for face in f])
        offset += len(v)
    return np.concatenate(verts) if verts else np.zeros((0, 3)), faces


def principled(name: str, color: Sequence[float], roughness: float = 0.5, metallic: float = 0.0,
               specular: float = 0.5, transmission: float = 0.0, emission: Sequence[float] | None = None,
               emission_strength: float = 0.0) -> "bpy.types.Material":
    """A Principled BSDF material with a flat colour (linear RGB)."""
    mat = bpy.data.materials.new(name)  # Blender 5 materials always have a node tree
    bsdf = mat.node_tree.nodes.get("Principled BSDF")
    bsdf.inputs["Base Color"].default_value = (*[float(c) for c in color[:3]], 1.0)
    bsdf.inputs["Roughness"].default_value = float(roughness)
    bsdf.inputs["Metallic"].default_value = float(metallic)
    bsdf.inputs["Specular IOR Level"].default_value = float(specular)
    if transmission:
        bsdf.inputs["Transmission Weight"].default_value = float(transmission)
    if emission is not None:
        bsdf.inputs["Emission Color"].default_value = (*[float(c) for c in emission[:3]], 1.0)
        bsdf.inputs["Emission Strength"].default_value = float(emission_strength)
    mat.diffuse_color = (*[float(c) for c in color[:3]], 1.0)
    return mat
