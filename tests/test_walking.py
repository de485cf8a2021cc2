"""Walkers in sequences: a walking cycle (numpy), drawn by Blender where the flow model puts it (real renders)."""
import dataclasses
import math

import numpy as np
import pytest

from assets.humanoid import GAIT_STEPS, POSE_ANGLES, STRIDE_PER_HEIGHT, WALK_PHASES, gait_angles, humanoid
from assets.pedestrians import sample_pedestrian
from scenegen.seeding import FrameSeed
from scenegen.spec import FogSpec, ObjectSpec
from scenegen.sequence import SequenceScene
from scenegen.walkers import gait_poses, walker_vertices

FPS = 5.0
WALK_MPS = 1.4


def test_the_walking_cycle_passes_through_the_named_walking_poses_and_repeats():
    for name, phase in WALK_PHASES.items():
        gait, named = gait_angles(phase), POSE_ANGLES[name]
        assert max(abs(gait[k] - named[k]) for k in named) < 9.0, name
    assert gait_angles(0.3) == pytest.approx(gait_angles(1.3))
    right_later = gait_angles(0.2)
    assert right_later["hip_r"] == pytest.approx(gait_angles(0.7)["hip_l"])  # the legs half a cycle apart
    heads = [humanoid(f"gait_{k:02d}")[0][:, 2].max() for k in range(GAIT_STEPS)]
    assert 0.015 < np.ptp(heads) < 0.04  # the head bobs a few centimetres at 1.7 m, the body keeps its size


def test_a_walker_covers_one_cycle_per_stride_and_a_standing_person_stands():
    rng = np.random.default_rng(1)
    walker, stander = sample_pedestrian(rng, "walk_a"), sample_pedestrian(rng, "standing")
    spec = _street((_person(walker, 0.0, 8.0), _person(stander, 2.0, 8.0, instance=2)))
    seq = SequenceScene.start(spec, FrameSeed(0, 0, 0), 8, FPS)
    assert seq.speeds[0] > 0 and seq.speeds[1] == 0.0
    stride_s = STRIDE_PER_HEIGHT * walker.height / seq.speeds[0]
    assert gait_poses(spec, seq.speeds, 0.0) == ("gait_00", None)
    assert gait_poses(spec, seq.speeds, stride_s)[0] == "gait_00"
    assert gait_poses(spec, seq.speeds, stride_s / 4)[0] == f"gait_{GAIT_STEPS // 4:02d}"
    assert seq.shown(3).objects[0].params["pose"] == seq.poses(3)[0]  # the scene record names the frame's pose
    assert seq.shown(3).objects[1].params["pose"] == "standing"


def _street(objects):
    from scenegen.grammar import frame_scene
    from scenegen.params import default_space

    base = frame_scene(default_space(), FrameSeed(0, 0, 0))
    return dataclasses.replace(base, objects=tuple(objects), fog=FogSpec(0.0, (1, 1, 1)))


def _person(p, x: float, y: float, instance: int = 1) -> ObjectSpec:
    """A pedestrian walking towards +x (across the street), seen from the side by the camera."""
    return ObjectSpec("pedestrian", "person", (x, y, 0.0), -math.pi / 2, (p.width, p.length, p.height),
                      instance=instance, params=p.to_dict())


def _render_walker(seq: SequenceScene, count: int):
    """Frames 0..count-1 of ``seq`` rendered in-process, with the world coordinates of every vertex Blender drew
    for its one walker in each frame."""
    import bpy

    from scenegen.blender.render import Renderer
    from scenegen.render_settings import RenderSettings

    renderer = Renderer(RenderSettings(width=256, height=128, samples=1, denoise=False))
    frames, drawn = [], []
    try:
        for t in range(count):
            frames.append(renderer.render(seq.to_render(t), step=t > 0, moves=seq.moves(t), poses=seq.poses(t)))
            walker = max(bpy.data.objects, key=lambda o: o.pass_index)  # the only instance-class object
            depsgraph = bpy.context.evaluated_depsgraph_get()
            evaluated = walker.evaluated_get(depsgraph)
            mesh = evaluated.to_mesh()
            drawn.append(np.array([tuple(evaluated.matrix_world @ v.co) for v in mesh.vertices]))
            evaluated.to_mesh_clear()
    finally:
        renderer.close()
    return frames, drawn


def _crossing_walker_sequence(length: int) -> SequenceScene:
    """One walker crossing 7 m ahead of the camera."""
    p = sample_pedestrian(np.random.default_rng(5), "walk_b")
    street = _street(())
    spec = dataclasses.replace(street, objects=(_person(p, street.camera.location[0] - 0.8, 7.0),))
    return SequenceScene(spec, FrameSeed(0, 0, 0), length, FPS, (WALK_MPS,))


@pytest.fixture(scope="module")
def walker_frames():
    """Frames 0 and 1 of a sequence with one walker crossing 7 m ahead, rendered in-process, with the world
    coordinates of every vertex Blender drew for the walker in each frame."""
    seq = _crossing_walker_sequence(2)
    frames, drawn = _render_walker(seq, 2)
    return seq, frames, drawn


def test_blender_draws_the_walker_where_the_flow_model_puts_its_body(walker_frames):
    seq, _, drawn = walker_frames
    assert seq.poses(0) != seq.poses(1)
    for t in range(2):
        model = walker_vertices(seq.base.objects[0], seq.poses(t)[0], seq.moves(t)[0])
        assert model.shape == drawn[t].shape
        assert np.abs(model - drawn[t]).max() < 1e-4  # the same vertices in the same order
    limbs = np.linalg.norm(drawn[1] - drawn[0] - (seq.moves(1)[0] + (0.0,)), axis=1)
    assert limbs.max() > 0.1  # besides walking on, a limb swung by more than 10 cm


def test_a_left_hand_streets_walker_is_drawn_mirrored_where_the_flow_model_puts_it():
    from scenegen.driving_side import mirror_scene

    right = _crossing_walker_sequence(1)
    seq = SequenceScene(mirror_scene(right.base), right.seed, 1, FPS, right.speeds)
    assert seq.base.road.driving_side == "left" and seq.poses(0)[0] is not None
    _, drawn = _render_walker(seq, 1)
    obj, pose, move = seq.base.objects[0], seq.poses(0)[0], seq.moves(0)[0]
    assert np.abs(walker_vertices(obj, pose, move, mirrored=True) - drawn[0]).max() < 1e-4
    assert np.abs(walker_vertices(obj, pose, move) - drawn[0]).max() > 0.05  # a walking pose is not symmetric


def test_the_flow_follows_the_swinging_limbs(walker_frames):
    from scenegen.ground_truth import sky_as_inf
    from scenegen.sequence import flow, instance_motion, pixel_motion

    seq, frames, _ = walker_frames
    ids0, ids1 = frames[0].instance_ids, frames[1].instance_ids
    iid = int(ids0.max())
    mask = ids0 == iid
    assert mask.sum() > 150
    depth = sky_as_inf(frames[0].depth)
    fw, _ = seq.flows(0, depth, ids0)
    rigid = flow(depth, seq.camera(0), seq.camera(1),
                 pixel_motion(ids0, instance_motion(seq.base, seq.moves(0)), instance_motion(seq.base, seq.moves(1))))

    def lands_on_walker(f):
        h, w = ids0.shape
        v, u = np.nonzero(mask & (f[..., 2] > 0) & (f[..., 3] == 0))
        u2 = np.floor(u + 0.5 + f[v, u, 0]).astype(int).clip(0, w - 1)
        v2 = np.floor(v + 0.5 + f[v, u, 1]).astype(int).clip(0, h - 1)
        return (ids1[v2, u2] == iid).mean()

    articulated = lands_on_walker(fw)
    assert articulated > 0.9
    assert articulated > lands_on_walker(rigid) + 0.03
    differs = np.linalg.norm(fw[..., :2] - rigid[..., :2], axis=-1)[mask]
    assert np.percentile(differs, 90) > 1.0  # on the limbs the two disagree by pixels


def test_a_point_on_a_mesh_moves_with_its_closest_spot():
    from assets.geometry import icosphere, triangles
    from scenegen.surface import surface_motion

    verts, faces, _ = icosphere(1)
    tris = triangles(faces)
    rng = np.random.default_rng(0)
    k = rng.integers(len(tris), size=50)
    bary = rng.dirichlet((1, 1, 1), size=50)
    points = (bary[:, :, None] * verts[tris[k]]).sum(1)  # points on the surface
    affine = np.array([[1.1, 0.2, 0.0], [0.0, 0.9, 0.1], [0.05, 0.0, 1.2]])
    moved = verts @ affine.T + (0.3, -0.2, 0.5)
    assert np.allclose(surface_motion(points, verts, moved, tris), points @ affine.T + (0.3, -0.2, 0.5) - points)
    assert np.allclose(surface_motion(points + 1e-3, verts, verts, tris), 0.0)  # no motion, nothing moves
