"""Helpers shared by the asset tests: a default-space street with chosen variables, a building set across it and
an in-process render of a scene, the box of a label mask against the projection of an object's 3D box, and the
world vertices Blender drew."""
from __future__ import annotations

import dataclasses
import math
from typing import Callable, Dict, Hashable, Iterable, Mapping, Optional, Tuple

import numpy as np

from scenegen.grammar import frame_scene
from scenegen.params import default_space
from scenegen.seeding import FrameSeed
from scenegen.spec import FogSpec, ObjectSpec, RoadSpec, SceneSpec

Box = Tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


def street(seed: int, **variables) -> SceneSpec:
    """The scene of frame seed (0, 0, ``seed``) in the built-in space with ``variables`` set; a variable given
    as None is left out, as a parameter file from before it would."""
    space = default_space()
    z = {**space.sample(FrameSeed(0, 0, seed).entropy()), **variables}
    return frame_scene(space, FrameSeed(0, 0, seed), {k: v for k, v in z.items() if v is not None})


def building_ahead(params, distance: float) -> ObjectSpec:
    """A building of ``params`` (assets.buildings.BuildingParams) across the street ``distance`` metres ahead,
    its facade toward the camera."""
    return ObjectSpec("building", "building", (0.0, distance + params.depth / 2, 0.0), math.pi / 2,
                      (params.depth, params.width, params.height), params=params.to_dict())


def render_still(spec: SceneSpec, width: int, height: int, samples: int = 1, drawn: Optional[str] = None):
    """``spec`` rendered in-process without denoising: (frame, settings, vertices), the vertices being the world
    coordinates Blender drew for the objects whose names start with ``drawn`` (None without it)."""
    from scenegen.blender.render import Renderer
    from scenegen.render_settings import RenderSettings

    settings = RenderSettings(width=width, height=height, samples=samples, denoise=False)
    renderer = Renderer(settings)
    try:
        frame = renderer.render(spec)
        if drawn is None:
            return frame, settings, None
        import bpy

        return frame, settings, drawn_vertices([o for o in bpy.data.objects if o.name.startswith(drawn)])
    finally:
        renderer.close()


def render_each_alone(base: SceneSpec, objects: Mapping[Hashable, ObjectSpec], width: int, height: int,
                      samples: int = 2, drawn: Optional[Callable[[str], bool]] = None):
    """Each of ``objects`` alone in ``base`` in clear air, rendered in-process without denoising: (settings,
    {key: (spec, object, frame, vertices)}), the vertices the world coordinates Blender drew for the meshes whose
    base name ``drawn`` accepts (None without ``drawn``)."""
    from scenegen.blender.render import Renderer
    from scenegen.render_settings import RenderSettings

    settings = RenderSettings(width=width, height=height, samples=samples, denoise=False)
    renderer = Renderer(settings)
    out: Dict[Hashable, tuple] = {}
    try:
        for key, obj in objects.items():
            spec = dataclasses.replace(base, objects=(obj,), fog=FogSpec(0.0, (1, 1, 1)))
            frame = renderer.render(spec)
            out[key] = (spec, obj, frame, _drawn_by_name(drawn) if drawn else None)
    finally:
        renderer.close()
    return settings, out


def _drawn_by_name(accept: Callable[[str], bool]) -> np.ndarray:
    import bpy

    return drawn_vertices([o for o in bpy.data.objects if o.type == "MESH" and accept(o.name.split(".")[0])])


def on_cross_street(road: RoadSpec, obj: ObjectSpec) -> bool:
    """Whether ``obj`` stands on the carriageway of the scene's cross street (scenegen.junction)."""
    x, y = obj.location[:2]
    side = int(np.sign(x)) * (-1 if road.driving_side == "left" else 1)  # sides are the right-hand layout's
    lo, hi = road.junction_band()
    return side in road.junction_sides and abs(x) > road.carriageway_half_width and lo < y < hi


def footprint(obj: ObjectSpec, shrink: float = 1e-3) -> np.ndarray:
    """The 4 corners (x, y) of ``obj``'s footprint on the ground, its rectangle shrunk by ``shrink`` on each side."""
    c, s = np.cos(obj.yaw), np.sin(obj.yaw)
    hw, hl = obj.size[0] / 2 - shrink, obj.size[1] / 2 - shrink
    local = np.array([[-hw, -hl], [hw, -hl], [hw, hl], [-hw, hl]])
    return local @ np.array([[c, s], [-s, c]]) + np.asarray(obj.location[:2])


def footprints_overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two convex footprints (corners in order) overlap: no edge normal of either separates them."""
    for poly in (a, b):
        for k in range(len(poly)):
            edge = poly[(k + 1) % len(poly)] - poly[k]
            normal = np.array([-edge[1], edge[0]])
            pa, pb = a @ normal, b @ normal
            if pa.max() <= pb.min() or pb.max() <= pa.min():
                return False
    return True


def mask_box(mask: np.ndarray) -> Box:
    """The pixel box of a boolean mask."""
    ys, xs = np.nonzero(mask)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def projected_box(spec: SceneSpec, obj: ObjectSpec, width: int, height: int) -> Box:
    """The box of ``obj``'s 3D box corners projected by the scene's camera, clipped to the frame."""
    return points_box(spec, width, height, np.array(obj.box_corners()))


def points_box(spec: SceneSpec, width: int, height: int, points: np.ndarray) -> Box:
    """The box of world ``points`` (N, 3; e.g. the vertices Blender drew) projected by the scene's camera, clipped
    to the frame."""
    from scenegen.camera_model import project

    uv, depth = project(spec.camera, width, height, points)
    assert (depth > 0).all()  # every point is in front of the camera
    return max(uv[:, 0].min(), 0), max(uv[:, 1].min(), 0), min(uv[:, 0].max(), width), min(uv[:, 1].max(), height)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two pixel boxes."""
    inter = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def inside_box(verts: np.ndarray, obj: ObjectSpec, tol: float = 0.02) -> bool:
    """Whether every world vertex lies inside ``obj``'s axis-aligned 3D box (within ``tol`` metres)."""
    corners = np.array(obj.box_corners())
    return bool(((verts >= corners.min(axis=0) - tol) & (verts <= corners.max(axis=0) + tol)).all())


def drawn_vertices(objects: Iterable) -> np.ndarray:
    """World coordinates of every vertex of the evaluated meshes of Blender ``objects``."""
    import bpy

    depsgraph = bpy.context.evaluated_depsgraph_get()
    verts = []
    for obj in objects:
        mesh = obj.evaluated_get(depsgraph).to_mesh()
        verts += [tuple(obj.matrix_world @ v.co) for v in mesh.vertices]
    return np.array(verts)
