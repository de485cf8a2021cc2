"""Build a SceneSpec in the current Blender scene and assign exact object pass indices."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import bpy
from mathutils import Matrix

import assets.blender  # noqa: F401  (registers every family builder)
from assets.blender.base import BuildContext, Part, build_object
from assets.blender.pedestrian import humanoid_mesh
from assets.blender.road import build_road
from assets.families import object_params
from scenegen.imaging import Segment
from scenegen.labels import INSTANCE_CLASS_IDS, label_id
from scenegen.spec import ObjectSpec, SceneSpec

from .camera import build_camera
from .world import build_world

_DATA_COLLECTIONS = ("objects", "meshes", "materials", "lights", "cameras", "worlds", "node_groups",
                     "images", "textures", "curves", "collections")


def clear_scene(scene: "bpy.types.Scene") -> None:
    """Remove everything the previous frame created (objects and the data they used)."""
    for child in list(scene.collection.children):
        scene.collection.children.unlink(child)
    for name in _DATA_COLLECTIONS:
        ids = list(getattr(bpy.data, name))
        if ids:
            bpy.data.batch_remove(ids)


class SegmentTable:
    """Allocates pass indices: one per (class, instance); stuff classes share one per class."""

    def __init__(self) -> None:
        self.segments: List[Segment] = []
        self._index: Dict[Tuple[int, int], int] = {}

    def index_for(self, label: str, instance: int) -> int:
        cid = label_id(label)
        key = (cid, instance if cid in INSTANCE_CLASS_IDS else 0)
        if key not in self._index:
            self.segments.append(Segment(*key))
            self._index[key] = len(self.segments)  # pass index 0 is the sky
        return self._index[key]


#: the reflection x -> -x that a left-hand street applies to every object's own geometry (scenegen.driving_side)
_MIRROR_X = Matrix.Diagonal((-1.0, 1.0, 1.0, 1.0))


def _place(parts: List[Part], obj_spec: ObjectSpec, table: SegmentTable, mirrored: bool) -> List["bpy.types.Object"]:
    """Put an object's parts at its place (their geometry mirrored in local x when ``mirrored``) and give them
    pass indices; returns its root parts (those that move it)."""
    placement = Matrix.Translation(obj_spec.location) @ Matrix.Rotation(obj_spec.yaw, 4, "Z")
    if mirrored:
        placement = placement @ _MIRROR_X
    instance_of = dict(obj_spec.instance_labels())
    roots = []
    for part in parts:
        if part.obj.parent is None:
            part.obj.matrix_basis = placement @ part.obj.matrix_basis
            roots.append(part.obj)
        # Parts of another instance class (a bicycle's rider) carry their own instance number.
        part.obj.pass_index = table.index_for(part.label, instance_of.get(part.label, 0))
    return roots


@dataclass
class BuiltScene:
    """What :func:`build_scene` made: the segment table of the pass indices, and per object of the spec its
    root Blender objects with their placed matrices (a sequence moves them from there)."""

    segments: List[Segment]
    roots: List[List[Tuple["bpy.types.Object", Matrix]]]
    objects: Tuple[ObjectSpec, ...] = ()
    ctx: BuildContext | None = None

    def move(self, moves: Sequence[Tuple[float, float]]) -> None:
        """Put each object ``moves[i]`` (world x, y metres) away from where it was built."""
        for placed, (dx, dy) in zip(self.roots, moves):
            for obj, matrix in placed:
                obj.matrix_basis = Matrix.Translation((dx, dy, 0.0)) @ matrix

    def pose(self, poses: Sequence[str | None]) -> None:
        """Give each walker ``poses[i]`` (a humanoid pose; None leaves an object as it is) by swapping its mesh."""
        for spec, placed, pose in zip(self.objects, self.roots, poses):
            if pose is not None:
                placed[0][0].data = humanoid_mesh(self.ctx, object_params(spec), pose)


def build_scene(scene: "bpy.types.Scene", spec: SceneSpec) -> BuiltScene:
    """Clear the scene, build world, camera, road and every object."""
    clear_scene(scene)
    build_world(scene, spec.sun, spec.sky)
    build_camera(scene, spec.camera)
    collection = bpy.data.collections.new("street")
    scene.collection.children.link(collection)
    ctx = BuildContext(collection)
    table = SegmentTable()
    mirrored = spec.road.driving_side == "left"
    for part in build_road(spec.road, ctx):  # built for right-hand traffic about x = 0
        if mirrored and part.obj.parent is None:
            part.obj.matrix_basis = _MIRROR_X @ part.obj.matrix_basis
        part.obj.pass_index = table.index_for(part.label, 0)
    roots = []
    for obj_spec in spec.objects:  # each built by the builder registered for its params dataclass
        placed = _place(build_object(obj_spec, ctx), obj_spec, table, mirrored)
        roots.append([(o, o.matrix_basis.copy()) for o in placed])
    return BuiltScene(table.segments, roots, spec.objects, ctx)
