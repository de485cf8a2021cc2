"""Walkers of a sequence (scenegen.sequence): their walking-cycle pose per frame and their body mesh in world
axes, the same mesh Blender draws (assets.humanoid), from which the flow on their limbs is computed. Pure numpy."""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import numpy as np

from assets.geometry import triangles
from assets.humanoid import STRIDE_PER_HEIGHT, WALK_PHASES, body_scale, gait_pose, humanoid
from assets.pedestrians import mesh_variant

from .spec import ObjectSpec, SceneSpec


def gait_poses(spec: SceneSpec, speeds: Sequence[float], seconds: float) -> Tuple[str | None, ...]:
    """The walking-cycle pose of each walking pedestrian ``seconds`` after the sequence's first frame (None for
    everything else): it starts at the phase of its sampled walking pose and covers one cycle per stride."""
    out = []
    for obj, v in zip(spec.objects, speeds):
        if obj.family == "pedestrian" and v:
            phase = WALK_PHASES[obj.params["pose"]] + v * seconds / (STRIDE_PER_HEIGHT * obj.params["height"])
            out.append(gait_pose(phase))
        else:
            out.append(None)
    return tuple(out)


def walker_triangles(obj: ObjectSpec) -> np.ndarray:
    """(T, 3) vertex indices of the triangles of walker ``obj``'s body mesh (the same in every pose)."""
    return triangles(humanoid("gait_00", *mesh_variant(obj.params))[1])


def walker_vertices(obj: ObjectSpec, pose: str, move: Tuple[float, float], mirrored: bool = False) -> np.ndarray:
    """(N, 3) world coordinates of the body mesh of walker ``obj`` (as built, in its sampled pose's scale) in the
    walking-cycle ``pose``, ``move`` (world x, y) from its place; the vertex order is the same for every pose.
    ``mirrored``: the body mirrored in its local x, as a left-hand street builds it (scenegen.driving_side).

    ``obj`` is the walker as sampled (a sequence's base scene, whose params name the sampled walking pose), not
    as a frame's scene record shows it (whose params name the frame's walking-cycle pose)."""
    p = obj.params
    variant = mesh_variant(p)
    scale = body_scale(p["height"], p["shoulder_width"], obj.size, p["pose"], *variant)
    v = humanoid(pose, *variant)[0] * np.asarray(scale)
    if mirrored:
        v = v * np.array([-1.0, 1.0, 1.0])
    c, s = math.cos(obj.yaw), math.sin(obj.yaw)
    x, y = c * v[:, 0] - s * v[:, 1], s * v[:, 0] + c * v[:, 1]
    return np.stack([x + obj.location[0] + move[0], y + obj.location[1] + move[1], v[:, 2] + obj.location[2]], -1)
