"""Street sequences (``render --sequence-length N --fps F``): one scene per sequence, the ego camera driving
along the street, and optical flow from each frame's depth and the known camera motion. Pure numpy.

A sequence's scene is the one frame 0 of the sequence would get (its seed ``(run, sequence, 0)``), on a
straight street (``road_curve`` is set to 0: scenegen.curve bends are for still frames); then
things move, each straight along its heading (an object's local +Y) at a constant speed drawn from the scene
seed's ``motion`` stream: the ego camera and the traffic of its direction at one speed (so the camera keeps
its distance to the car ahead), the oncoming traffic at another, ridden bicycles and motorcycles at a riding
speed, walking pedestrians at a walking pace (those on a crossing cross; a walking pair keeps together), their legs
and arms swinging in a walking cycle whose cadence follows their speed and height (``assets.humanoid.gait_angles``);
standing pedestrians, parked vehicles, parked bicycles and everything else stand. The flow of a pixel is where its
surface point (from the depth) is in the other frame, moved with the object the pixel shows (on a walker: with the
closest spot of its body mesh, so a swinging leg's pixels follow the leg), projected into that frame's camera.

Flow files (``flow/<split>/<city>/<stem>_flow_forward.npy`` and ``_flow_backward.npy``): float32 (H, W, 4):
``(du, dv, valid, occluded)``, in pixels, from this frame to the next (forward) or the previous (backward)
frame, ``u`` to the right and ``v`` down, so a pixel centre ``(x, y)`` moves to ``(x + du, y + dv)``. ``valid``
is 1 where the pixel sees a surface that is in front of the other camera and projects inside its image (0 at
the sky, at points leaving the view, and for the forward flow of a sequence's last frame and the backward flow
of its first). ``occluded`` is 1 where a nearer surface of this frame lands on the same pixel of the other
frame (a z-buffer of this frame's points; surfaces this frame does not see are not counted).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Sequence, Tuple

import numpy as np

from assets.humanoid import WALK_PHASES

from . import curve, grade
from .camera_model import intrinsics_matrix, world_to_camera_cv
from .grammar import frame_variables
from .labels import label_id
from .params import ParameterSpace
from .seeding import FrameSeed
from .spec import PART_INSTANCES, CameraSpec, ObjectSpec, SceneSpec
from .surface import surface_motion
from .walkers import gait_poses, walker_triangles, walker_vertices

#: speed ranges, m/s: the ego camera and traffic (walking pace to a 40 km/h street), riders, pedestrians
EGO_SPEED_MPS = (2.0, 11.0)
RIDE_SPEED_MPS = (2.5, 6.0)
WALK_SPEED_MPS = (0.8, 1.7)
#: classes of vehicles that drive when they stand on the carriageway (parked ones stand beside it)
DRIVING_CLASSES = ("car", "truck", "bus", "train", "caravan", "trailer")


def sequence_variables(space: ParameterSpace, seed: FrameSeed,
                       variables: Mapping[str, float] | None = None) -> Dict[str, float]:
    """The scene variables of the sequence of ``seed``: given, or drawn as for a still frame, with the street
    straight and level (the motion model moves everything straight along its heading, which a bend or a grade
    would leave)."""
    z = dict(variables) if variables is not None else frame_variables(space, scene_seed(seed))
    for name in (curve.VARIABLE, grade.VARIABLE):
        if name in z:
            z[name] = 0
    return z


def scene_seed(seed: FrameSeed) -> FrameSeed:
    """The seed a sequence frame's scene is drawn from: frame 0 of its sequence."""
    return FrameSeed(seed.run_seed, seed.iteration, 0)


def ego_speed(seed: FrameSeed) -> float:
    """The ego camera's speed (m/s) in the sequence of ``seed``, the speed of the traffic in its direction."""
    lo, hi = EGO_SPEED_MPS
    return round(float(scene_seed(seed).stream("ego").uniform(lo, hi)), 4)


def object_speeds(spec: SceneSpec, seed: FrameSeed) -> Tuple[float, ...]:
    """Speed (m/s along its heading) of each object of ``spec`` in the sequence of ``seed`` (0: it stands)."""
    rng = scene_seed(seed).stream("motion")
    oncoming = float(rng.uniform(*EGO_SPEED_MPS))
    draws = rng.uniform(0.0, 1.0, size=len(spec.objects))  # one per object, whether it moves or not
    half = spec.road.lane_count * spec.road.lane_width / 2
    speeds, paces = [], {}
    for obj, u in zip(spec.objects, draws):
        if obj.label in DRIVING_CLASSES and abs(obj.location[0]) < half:
            speeds.append(ego_speed(seed) if _heading(obj)[1] > 0 else oncoming)
        elif obj.family in ("bicycle", "motorcycle") and obj.params.get(PART_INSTANCES):
            speeds.append(RIDE_SPEED_MPS[0] + u * (RIDE_SPEED_MPS[1] - RIDE_SPEED_MPS[0]))
        elif obj.family == "pedestrian" and obj.params["pose"] in WALK_PHASES:
            if obj.params.get("group") is not None:  # a walking group keeps the pace of its first member
                u = paces.setdefault(obj.params["group"], u)
            speeds.append(WALK_SPEED_MPS[0] + u * (WALK_SPEED_MPS[1] - WALK_SPEED_MPS[0]))
        else:
            speeds.append(0.0)
    return tuple(round(v, 4) for v in speeds)


def _heading(obj: ObjectSpec) -> Tuple[float, float]:
    """The unit vector (world x, y) of an object's local +Y."""
    return -math.sin(obj.yaw), math.cos(obj.yaw)


def displacements(spec: SceneSpec, speeds: Sequence[float], seconds: float) -> Tuple[Tuple[float, float], ...]:
    """How far (world x, y, metres) each object has moved ``seconds`` after the sequence's first frame."""
    out = []
    for obj, v in zip(spec.objects, speeds):
        hx, hy = _heading(obj)
        out.append((round(hx * v * seconds, 6), round(hy * v * seconds, 6)) if v else (0.0, 0.0))
    return tuple(out)


def moved(spec: SceneSpec, moves: Sequence[Tuple[float, float]],
          poses: Sequence[str | None] | None = None) -> SceneSpec:
    """``spec`` with each object ``moves[i]`` (world x, y) away from its place and walkers in ``poses[i]``: the
    scene as a frame shows it."""
    poses = poses or (None,) * len(spec.objects)
    objects = []
    for o, m, pose in zip(spec.objects, moves, poses):
        if m != (0.0, 0.0):
            o = dataclasses.replace(o, location=(round(o.location[0] + m[0], 6), round(o.location[1] + m[1], 6),
                                                 o.location[2]))
        if pose is not None:
            o = dataclasses.replace(o, params={**o.params, "pose": pose})
        objects.append(o)
    return dataclasses.replace(spec, objects=tuple(objects))


def instance_motion(spec: SceneSpec, moves: Sequence[Tuple[float, float]]) -> Dict[int, Tuple[float, float]]:
    """Instance id (the instanceIds pixel value) -> displacement of the object it belongs to, for moving
    objects (a rider moves with its bicycle)."""
    out = {}
    for obj, move in zip(spec.objects, moves):
        if move != (0.0, 0.0):
            for label, k in obj.instance_labels():
                out[label_id(label) * 1000 + k - 1] = move
    return out


def camera_at(camera: CameraSpec, seconds: float, speed_mps: float) -> CameraSpec:
    """The sequence's camera ``seconds`` after its first frame (moved along +Y)."""
    x, y, z = camera.location
    return dataclasses.replace(camera, location=(x, round(y + speed_mps * seconds, 6), z))


#: a point counts as hidden when it lies this much (relative) behind the nearest point landing on its pixel
OCCLUSION_TOLERANCE = 0.03


def world_points(depth: np.ndarray, cam: CameraSpec) -> np.ndarray:
    """(H, W, 3) world coordinates of each pixel centre's surface point (depth along the optical axis of ``cam``;
    where it is not finite, the point at depth 1)."""
    h, w = depth.shape
    k = intrinsics_matrix(cam, w, h)
    r, t = world_to_camera_cv(cam)
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    z = np.where(np.isfinite(depth), depth, 1.0).astype(np.float64)
    pc = np.stack([(u - k[0, 2]) / k[0, 0] * z, (v - k[1, 2]) / k[1, 1] * z, z], axis=-1)
    return (pc - t) @ r


def flow(depth: np.ndarray, cam: CameraSpec, other: CameraSpec, motion: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 4) float32 ``(du, dv, valid, occluded)``: where each pixel's surface point (depth along the optical
    axis of ``cam``; non-finite at the sky), moved by ``motion`` ((H, W, 3) world metres; None: static),
    appears in ``other``'s image, and whether it is hidden there."""
    h, w = depth.shape
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    finite = np.isfinite(depth)
    world = world_points(depth, cam)
    if motion is not None:
        world += motion
    r2, t2 = world_to_camera_cv(other)
    pc2 = world @ r2.T + t2
    k2 = intrinsics_matrix(other, w, h)
    front = pc2[..., 2] > 1e-3
    z2 = np.where(front, pc2[..., 2], 1.0)
    u2 = k2[0, 0] * pc2[..., 0] / z2 + k2[0, 2]
    v2 = k2[1, 1] * pc2[..., 1] / z2 + k2[1, 2]
    valid = finite & front & (u2 >= 0) & (u2 < w) & (v2 >= 0) & (v2 < h)
    occluded = _hidden(u2, v2, pc2[..., 2], valid)
    out = np.stack([u2 - u, v2 - v, valid, occluded], axis=-1).astype(np.float64)
    out[~valid, :2] = 0.0
    return out.astype(np.float32)


def _hidden(u2: np.ndarray, v2: np.ndarray, z2: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Points of ``valid`` that land behind a nearer point of the same frame on their target pixel."""
    h, w = valid.shape
    target = (np.floor(v2).clip(0, h - 1) * w + np.floor(u2).clip(0, w - 1)).astype(np.int64)
    nearest = np.full(h * w, np.inf)
    np.minimum.at(nearest, target[valid], z2[valid])
    return valid & (z2 > nearest[target] * (1.0 + OCCLUSION_TOLERANCE))


def pixel_motion(instance_ids: np.ndarray, motion: Mapping[int, Tuple[float, float]],
                 other: Mapping[int, Tuple[float, float]]) -> np.ndarray:
    """(H, W, 3): each pixel's world displacement from ``motion`` (this frame) to ``other`` (the other frame),
    instance id -> (x, y) displacement since the first frame; 0 for pixels of things that stand."""
    out = np.zeros((*instance_ids.shape, 3))
    for iid in set(motion) | set(other):
        mask = instance_ids == iid
        if mask.any():
            a, b = motion.get(iid, (0.0, 0.0)), other.get(iid, (0.0, 0.0))
            out[mask, :2] = (b[0] - a[0], b[1] - a[1])
    return out


def no_flow(shape: Tuple[int, int]) -> np.ndarray:
    """The flow of a frame with no neighbour on that side: all invalid."""
    return np.zeros((*shape, 4), dtype=np.float32)


@dataclass(frozen=True)
class SequenceScene:
    """One sequence: its scene at the first frame, its seed, length and frame rate, and everything that
    follows from them per frame (camera, object displacements, the scene as a frame shows it, flow)."""

    base: SceneSpec
    seed: FrameSeed  # the sequence's scene seed (frame 0)
    length: int
    fps: float
    speeds: Tuple[float, ...]

    @classmethod
    def start(cls, base: SceneSpec, seed: FrameSeed, length: int, fps: float) -> "SequenceScene":
        return cls(base, scene_seed(seed), length, fps, object_speeds(base, seed))

    def camera(self, t: int) -> CameraSpec:
        return camera_at(self.base.camera, t / self.fps, ego_speed(self.seed))

    def moves(self, t: int) -> Tuple[Tuple[float, float], ...]:
        return displacements(self.base, self.speeds, t / self.fps)

    def poses(self, t: int) -> Tuple[str | None, ...]:
        """Each walker's walking-cycle pose in frame ``t`` (None for every other object)."""
        return gait_poses(self.base, self.speeds, t / self.fps)

    def to_render(self, t: int) -> SceneSpec:
        """Frame ``t``'s scene to build: the objects where and as the first frame has them (the renderer moves
        them by :meth:`moves` and poses walkers by :meth:`poses`), the camera where frame ``t`` has it."""
        return dataclasses.replace(self.base, camera=self.camera(t))

    def shown(self, t: int) -> SceneSpec:
        """Frame ``t``'s scene as it shows it (objects moved, walkers posed): what its scene record describes."""
        return moved(self.to_render(t), self.moves(t), self.poses(t))

    def flows(self, t: int, depth: np.ndarray, instance_ids: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Frame ``t``'s (forward, backward) flow from its depth (``inf`` at the sky) and instance ids."""
        out = []
        for other in (t + 1, t - 1):
            if not 0 <= other < self.length:
                out.append(no_flow(depth.shape))
                continue
            out.append(flow(depth, self.camera(t), self.camera(other), self.motion(t, other, depth, instance_ids)))
        return out[0], out[1]

    def motion(self, t: int, other: int, depth: np.ndarray, instance_ids: np.ndarray) -> np.ndarray:
        """(H, W, 3) world displacement of each pixel's surface point from frame ``t`` to frame ``other``."""
        moves_t, moves_o = self.moves(t), self.moves(other)
        out = pixel_motion(instance_ids, instance_motion(self.base, moves_t), instance_motion(self.base, moves_o))
        points, mirrored = None, self.base.road.driving_side == "left"
        for obj, pose_t, pose_o, m_t, m_o in zip(self.base.objects, self.poses(t), self.poses(other), moves_t,
                                                 moves_o):
            if pose_t is None:
                continue
            mask = instance_ids == label_id(obj.label) * 1000 + obj.instance - 1
            if not mask.any():
                continue
            points = world_points(depth, self.camera(t)) if points is None else points
            out[mask] = surface_motion(points[mask], walker_vertices(obj, pose_t, m_t, mirrored),
                                       walker_vertices(obj, pose_o, m_o, mirrored), walker_triangles(obj))
        return out

    def record(self, t: int) -> Dict[str, Any]:
        """The ``sequence`` entry of frame ``t``'s scene record."""
        return {"sequence": self.seed.iteration, "frame": t, "length": self.length, "fps": self.fps,
                "time_s": round(t / self.fps, 6), "ego_speed_mps": ego_speed(self.seed),
                "object_speeds_mps": list(self.speeds)}
