"""The pedestrians' wardrobe (pedestrian_variety = 1): children, coats, bags and backpacks; sampler, geometry,
layout and a walker drawn where the flow model puts it."""
import dataclasses
import math

import numpy as np
import pytest

from assets.humanoid import BAGS, body_scale, humanoid
from assets.pedestrians import CHILD_SHARE, COAT_SHARE, mesh_variant, sample_pedestrian
from scenegen.seeding import FrameSeed
from scenegen.walkers import walker_vertices
from scene_checks import street

RNG_FIELDS = ("pose", "skin", "hair", "top", "bottom", "shoes", "long_sleeves", "hair_style", "skirt")


def _crowd(n: int = 400, seed: int = 0):
    rng, wardrobe = np.random.default_rng(seed), np.random.default_rng(seed + 100)
    return [sample_pedestrian(rng, wardrobe=wardrobe) for _ in range(n)]


def test_the_wardrobe_draws_children_coats_and_bags_and_leaves_the_rest_of_the_draw_alone():
    crowd = _crowd()
    plain_rng = np.random.default_rng(0)
    plain = [sample_pedestrian(plain_rng) for _ in range(len(crowd))]
    for a, b in zip(plain, crowd):
        assert all(getattr(a, f) == getattr(b, f) for f in RNG_FIELDS)
        assert not a.coat and a.bag == "none" and a.bag_color is None
    children = [p for p in crowd if p.height < 1.45]
    assert abs(len(children) / len(crowd) - CHILD_SHARE) < 0.05 and min(p.height for p in children) >= 1.0
    assert abs(np.mean([p.coat for p in crowd]) - COAT_SHARE) < 0.07
    assert {p.bag for p in crowd} == set(BAGS) and all((p.bag == "none") == (p.bag_color is None) for p in crowd)
    assert _crowd(20) == _crowd(20)


@pytest.mark.parametrize("pose", ["standing", "walk_a", "walk_c"])
def test_coats_and_bags_stay_inside_the_persons_box(pose):
    rng = np.random.default_rng(1)
    for _ in range(60):
        p = sample_pedestrian(rng, pose, wardrobe=rng)
        size = (p.width, p.length, p.height)
        v = humanoid(pose, *p.mesh_variant)[0] * np.asarray(body_scale(p.height, p.shoulder_width, size, pose,
                                                                         *p.mesh_variant))
        assert (np.abs(v[:, 0]) <= p.width / 2 + 1e-6).all() and (np.abs(v[:, 1]) <= p.length / 2 + 1e-6).all()
        assert v[:, 2].min() >= -1e-9 and v[:, 2].max() == pytest.approx(p.height, abs=1e-6)


def test_a_coat_and_a_bag_add_to_the_mesh_and_old_records_read_as_before():
    bare, dressed = humanoid("walk_b"), humanoid("walk_b", False, False, True, "backpack")
    assert len(dressed[0]) > len(bare[0])
    assert mesh_variant({"hair_style": "long", "skirt": True}) == (True, True, False, "none")


def _street(variety: int | None, seed: int = 1):
    return street(seed, pedestrian_density=30.0, crossing_pedestrians=6, pedestrian_variety=variety)


def test_the_variable_dresses_the_same_people_at_the_same_places():
    plain, none, dressed = _street(0), _street(None), _street(1)
    assert plain.objects == none.objects
    people = lambda s: [o for o in s.objects if o.family == "pedestrian"]
    assert len(people(plain)) > 10
    assert [o.params["pose"] for o in people(plain)] == [o.params["pose"] for o in people(dressed)]
    assert any(o.params["coat"] for o in people(dressed)) and any(o.params["bag"] != "none" for o in people(dressed))
    assert not any(o.params["coat"] or o.params["bag"] != "none" for o in people(plain))


def test_blender_draws_a_dressed_walker_where_the_flow_model_puts_it():
    import bpy

    from scenegen.blender.render import Renderer
    from scenegen.render_settings import RenderSettings
    from scenegen.sequence import SequenceScene
    from scenegen.spec import FogSpec, ObjectSpec

    rng = np.random.default_rng(4)
    p = next(q for q in (sample_pedestrian(rng, "walk_b", wardrobe=rng) for _ in range(200))
             if q.coat and q.bag == "shoulder")
    base = _street(0)
    walker = ObjectSpec("pedestrian", "person", (base.camera.location[0] - 0.8, 7.0, 0.0), -math.pi / 2,
                        (p.width, p.length, p.height), instance=1, params=p.to_dict())
    seq = SequenceScene(dataclasses.replace(base, objects=(walker,), fog=FogSpec(0.0, (1, 1, 1))),
                        FrameSeed(0, 0, 0), 2, 10.0, (1.4,))
    renderer = Renderer(RenderSettings(width=128, height=64, samples=1, denoise=False))
    try:
        for t in range(2):
            renderer.render(seq.to_render(t), step=t > 0, moves=seq.moves(t), poses=seq.poses(t))
            drawn = max(bpy.data.objects, key=lambda o: o.pass_index)
            mesh = drawn.evaluated_get(bpy.context.evaluated_depsgraph_get()).to_mesh()
            verts = np.array([tuple(drawn.matrix_world @ v.co) for v in mesh.vertices])
            model = walker_vertices(seq.base.objects[0], seq.poses(t)[0], seq.moves(t)[0])
            assert model.shape == verts.shape and np.abs(model - verts).max() < 1e-4
            assert len(drawn.data.materials) == 7  # the bag's colour has its slot
    finally:
        renderer.close()
