"""The pedestrians' wardrobe (pedestrian_variety = 1): children, coats, bags and backpacks; umbrellas (umbrellas =
1); sampler, geometry, layout, masks and walkers drawn where the flow model puts them."""
import dataclasses
import math

import numpy as np
import pytest

from assets.humanoid import BAGS, UMBRELLA, body_scale, humanoid
from assets.pedestrians import (CHILD_SHARE, COAT_SHARE, HEADGEAR_BOX, UMBRELLA_BOX, mesh_variant,
                              sample_pedestrian)
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
    assert mesh_variant({"hair_style": "long", "skirt": True}) == (True, True, False, "none", False, "none")


def _street(variety: int | None, seed: int = 1):
    """A busy street with the wardrobe on, off or unnamed; no umbrellas or prams (they change people's boxes, so
    who fits where: tested below and in test_prams.py)."""
    return street(seed, pedestrian_density=30.0, crossing_pedestrians=6, pedestrian_variety=variety, umbrellas=0,
                  prams=0)


def test_the_variable_dresses_the_same_people_at_the_same_places():
    plain, none, dressed = _street(0), _street(None), _street(1)
    assert plain.objects == none.objects
    people = lambda s: [o for o in s.objects if o.family == "pedestrian"]
    assert len(people(plain)) > 10
    alone = people(dressed)[:len(people(plain))]  # people in company come after (tests/test_pedestrian_groups.py)
    assert [o.params["pose"] for o in people(plain)] == [o.params["pose"] for o in alone]
    assert any(o.params["coat"] for o in people(dressed)) and any(o.params["bag"] != "none" for o in people(dressed))
    assert not any(o.params["coat"] or o.params["bag"] != "none" for o in people(plain))


def _check_walker_drawn_where_the_flow_model_puts_it(renderer, seq, materials: int) -> None:
    """Render the sequence's first two frames; the walker's drawn mesh is the flow model's, vertex for vertex, and
    has ``materials`` slots."""
    import bpy

    for t in range(2):
        renderer.render(seq.to_render(t), step=t > 0, moves=seq.moves(t), poses=seq.poses(t))
        drawn = max(bpy.data.objects, key=lambda o: o.pass_index)
        mesh = drawn.evaluated_get(bpy.context.evaluated_depsgraph_get()).to_mesh()
        verts = np.array([tuple(drawn.matrix_world @ v.co) for v in mesh.vertices])
        model = walker_vertices(seq.base.objects[0], seq.poses(t)[0], seq.moves(t)[0])
        assert model.shape == verts.shape and np.abs(model - verts).max() < 1e-4
        assert len(drawn.data.materials) == materials


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
        _check_walker_drawn_where_the_flow_model_puts_it(renderer, seq, materials=7)  # the bag's colour's slot
    finally:
        renderer.close()


WEARERS = {"coat": lambda q: q.coat and q.bag == "none", "shoulder bag": lambda q: q.bag == "shoulder",
           "backpack": lambda q: q.bag == "backpack", "child": lambda q: q.height < 1.45}


def test_every_wardrobe_variant_is_labelled_person_filling_the_projection_of_its_box():
    import bpy

    from scenegen.blender.render import Renderer
    from scenegen.labels import label_id
    from scenegen.render_settings import RenderSettings
    from scenegen.spec import FogSpec, ObjectSpec
    from scene_checks import box_iou, drawn_vertices, inside_box, mask_box, points_box, projected_box

    base = street(0, pedestrian_density=0.0, crossing_pedestrians=0)
    settings = RenderSettings(width=160, height=120, samples=1, denoise=False)
    renderer = Renderer(settings)
    rng = np.random.default_rng(6)
    try:
        for name, wears in WEARERS.items():
            p = next(q for q in (sample_pedestrian(rng, "walk_b", wardrobe=rng) for _ in range(500)) if wears(q))
            obj = ObjectSpec("pedestrian", "person", (base.camera.location[0] - 0.8, 6.0, 0.0), -math.pi / 2,
                             (p.width, p.length, p.box_height), instance=1, params=p.to_dict())
            spec = dataclasses.replace(base, objects=(obj,), fog=FogSpec(0.0, (1, 1, 1)))
            frame = renderer.render(spec)
            verts = drawn_vertices([max(bpy.data.objects, key=lambda o: o.pass_index)])
            assert inside_box(verts, obj, tol=1e-4), name
            got = mask_box(frame.label_ids == label_id("person"))
            box = projected_box(spec, obj, settings.width, settings.height)
            assert box[0] <= got[0] and box[1] <= got[1] and got[2] <= box[2] and got[3] <= box[3], name
            assert box_iou(got, box) > 0.7, (name, got, box)
            assert box_iou(got, points_box(spec, settings.width, settings.height, verts)) > 0.85, name
    finally:
        renderer.close()


# ---------------------------------------------------------------- umbrellas
def test_umbrellas_come_at_their_share_from_a_generator_of_their_own():
    rng, held = np.random.default_rng(0), np.random.default_rng(9)
    under = [sample_pedestrian(rng, umbrellas=(held, 0.5)) for _ in range(300)]
    plain_rng = np.random.default_rng(0)
    for a, b in zip((sample_pedestrian(plain_rng) for _ in range(300)), under):
        assert all(getattr(a, f) == getattr(b, f) for f in RNG_FIELDS) and a.height == b.height
        assert a.box_height == a.height and not a.umbrella
    assert abs(np.mean([p.umbrella for p in under]) - 0.5) < 0.07
    assert all((p.umbrella_color is None) != p.umbrella for p in under)
    assert all(p.box_height == pytest.approx(p.height * UMBRELLA_BOX, abs=1e-4) for p in under if p.umbrella)
    dry = np.random.default_rng(1)
    assert not any(sample_pedestrian(dry, umbrellas=(dry, 0.0)).umbrella for _ in range(50))


@pytest.mark.parametrize("pose", ["standing", "walk_a", "walk_c"])
def test_an_umbrella_stays_inside_the_persons_box_over_the_head(pose):
    rng = np.random.default_rng(2)
    for _ in range(20):
        p = sample_pedestrian(rng, pose, wardrobe=rng, umbrellas=(rng, 1.0))
        size = (p.width, p.length, p.box_height)
        scale = body_scale(p.height, p.shoulder_width, size, pose, *p.mesh_variant)
        assert scale[2] == pytest.approx(p.height)  # the person keeps their height under the canopy
        v, _, mats = humanoid(pose, *p.mesh_variant)
        v = v * np.asarray(scale)
        assert (np.abs(v[:, :2]) <= np.array([p.width, p.length]) / 2 + 1e-6).all()
        assert v[:, 2].min() >= -1e-9 and v[:, 2].max() <= p.box_height
        body_top = humanoid(pose, *p.mesh_variant[:4])[0][:, 2].max() * p.height
        assert body_top == pytest.approx(p.height)


def test_a_walkers_umbrella_bobs_with_the_head_while_the_limbs_swing():
    from assets.geometry import as_faces

    poses = [humanoid(f"gait_{k:02d}", False, False, False, "none", True) for k in (0, 8, 16, 24)]
    mats = poses[0][2]
    faces = as_faces(poses[0][1])
    starts = np.concatenate([[0], np.cumsum(faces.sizes)[:-1]])
    held = np.unique(np.concatenate([faces.idx[a:a + n] for a, n, m in zip(starts, faces.sizes, mats)
                                     if m == UMBRELLA]))
    assert len(held) > 20
    v0 = poses[0][0]
    body = np.setdiff1d(np.arange(len(v0)), held)
    head = body[np.argmax(v0[body, 2])]
    for v, _, _ in poses[1:]:
        d = v[held] - v0[held]
        assert np.ptp(d, axis=0).max() < 1e-9 and np.abs(d[0, :2]).max() < 1e-9  # one vertical move for all
        assert d[0, 2] == pytest.approx(v[head, 2] - v0[head, 2], abs=1e-9)  # the head's bob
        assert np.abs(v - v0).max() > 0.05  # while the legs swing


def test_the_variable_hands_out_umbrellas_on_wet_streets_only():
    people = lambda s: [o for o in s.objects if o.family == "pedestrian"]
    for seed in range(2):
        wet = street(seed, pedestrian_density=30.0, umbrellas=1, road_wetness=1.0)
        dry = street(seed, pedestrian_density=30.0, umbrellas=1, road_wetness=0.0)
        assert any(o.params["umbrella"] for o in people(wet))
        top = lambda o: max(UMBRELLA_BOX if o.params["umbrella"] else 1.0, HEADGEAR_BOX[o.params["headgear"]])
        assert all(o.size[2] == pytest.approx(o.params["height"] * top(o), abs=1e-4) for o in people(wet))
        assert not any(o.params["umbrella"] for o in people(dry))
        assert street(seed, umbrellas=0, road_wetness=1.0).objects == street(seed, umbrellas=None,
                                                                             road_wetness=1.0).objects


def test_an_umbrella_is_labelled_person_inside_the_box_and_drawn_where_the_flow_model_puts_it():
    import bpy

    from scenegen.blender.render import Renderer
    from scenegen.labels import label_id
    from scenegen.render_settings import RenderSettings
    from scenegen.sequence import SequenceScene
    from scenegen.spec import FogSpec, ObjectSpec
    from scene_checks import box_iou, drawn_vertices, inside_box, mask_box, points_box

    rng = np.random.default_rng(5)
    p = sample_pedestrian(rng, "walk_b", umbrellas=(rng, 1.0))
    base = _street(0)
    walker = ObjectSpec("pedestrian", "person", (base.camera.location[0] - 0.8, 6.0, 0.0), -math.pi / 2,
                        (p.width, p.length, p.box_height), instance=1, params=p.to_dict())
    spec = dataclasses.replace(base, objects=(walker,), fog=FogSpec(0.0, (1, 1, 1)))
    seq = SequenceScene(spec, FrameSeed(0, 0, 0), 2, 10.0, (1.4,))
    settings = RenderSettings(width=160, height=120, samples=1, denoise=False)
    renderer = Renderer(settings)
    try:
        frame = renderer.render(spec)
        drawn = max(bpy.data.objects, key=lambda o: o.pass_index)
        verts = drawn_vertices([drawn])
        assert inside_box(verts, walker, tol=1e-4)
        mask = frame.label_ids == label_id("person")  # the umbrella labelled with its holder
        assert box_iou(mask_box(mask), points_box(spec, settings.width, settings.height, verts)) > 0.85
        _check_walker_drawn_where_the_flow_model_puts_it(renderer, seq, materials=8)  # the umbrella's after the bag's
    finally:
        renderer.close()


def test_people_are_to_scale_against_doors_and_cars():
    from assets.blender.building import _DOOR_H
    from assets.vehicles import sample_vehicle

    rng, wardrobe = np.random.default_rng(0), np.random.default_rng(1)
    adults = np.array([sample_pedestrian(rng).height for _ in range(2000)])
    dressed = [sample_pedestrian(rng, wardrobe=wardrobe) for _ in range(2000)]
    assert 1.65 < np.median(adults) < 1.78 and adults.min() >= 1.45 and adults.max() <= 2.0
    assert np.percentile([p.box_height for p in dressed], 99) < _DOOR_H  # hats and all, under a terrace door
    children = np.median([p.height for p in dressed if p.height < 1.45])
    roofs = np.median([sample_vehicle(rng, fam).height for fam in ("sedan", "hatchback") for _ in range(200)])
    assert children < roofs < np.median(adults)  # adults look over a saloon's roof, children do not
