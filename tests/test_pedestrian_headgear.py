"""Hats and hoods of the pedestrians' wardrobe (pedestrian_variety = 1): shares and determinism, the draws they leave
alone, geometry inside the person's box, and rendered people labelled person inside the projection of their box."""
import dataclasses
import math

import numpy as np
import pytest

import assets.pedestrians as peds
from assets.humanoid import GAIT_STEPS, HATS, HEADGEAR, body_scale, humanoid
from assets.pedestrians import COAT_SHARE, HAT_SHARES, HEADGEAR_BOX, HOOD_SHARE, POSES, sample_pedestrian
from scenegen.spec import ObjectSpec
from scenegen.walkers import walker_vertices
from scene_checks import street

HAT_FIELDS = ("headgear", "headgear_color", "width", "length")  # what headgear may change of a person


def _crowd(n: int = 600, seed: int = 0):
    rng, wardrobe = np.random.default_rng(seed), np.random.default_rng(seed + 100)
    return [sample_pedestrian(rng, wardrobe=wardrobe) for _ in range(n)]


def _without_headgear(monkeypatch) -> None:
    monkeypatch.setattr(peds, "_headgear", lambda rng, coat: {})


def test_the_wardrobe_draws_every_headgear_at_its_share_and_the_same_again():
    crowd = _crowd()
    assert crowd == _crowd()
    kinds = [p.headgear for p in crowd]
    assert set(kinds) == set(HEADGEAR)
    hooded = COAT_SHARE * HOOD_SHARE
    assert abs(kinds.count("hood") / len(kinds) - hooded) < 0.04 and all(p.coat for p in crowd if p.headgear == "hood")
    for kind, share in zip(HATS, HAT_SHARES[1:]):
        assert abs(kinds.count(kind) / len(kinds) - (1 - hooded) * share) < 0.04
    assert all((p.headgear in HATS) == (p.headgear_color is not None) for p in crowd)
    assert all(p.box_height == pytest.approx(p.height * HEADGEAR_BOX[p.headgear], abs=1e-4) for p in crowd)
    plain = np.random.default_rng(0)
    assert all(q.headgear == "none" and q.box_height == q.height for q in (sample_pedestrian(plain) for _ in range(50)))


def test_headgear_leaves_every_other_draw_of_the_wardrobe_as_it_was(monkeypatch):
    dressed = _crowd(300)
    _without_headgear(monkeypatch)
    bare = _crowd(300)
    for a, b in zip(bare, dressed):
        assert dataclasses.replace(b, **{f: getattr(a, f) for f in HAT_FIELDS}) == a
        assert b.width >= a.width and b.length >= a.length


def _people(variety: int):
    s = street(1, pedestrian_density=30.0, crossing_pedestrians=6, pedestrian_variety=variety, umbrellas=0, prams=0)
    return [o for o in s.objects if o.family == "pedestrian"]


def test_on_the_street_headgear_changes_no_one_elses_draws_and_none_without_the_variable(monkeypatch):
    plain, dressed = _people(0), _people(1)
    assert all(o.params["headgear"] == "none" and o.size[2] == o.params["height"] for o in plain)
    assert {o.params["headgear"] for o in dressed} > {"none"}
    assert all(o.size[2] == pytest.approx(o.params["height"] * HEADGEAR_BOX[o.params["headgear"]], abs=1e-4)
               for o in dressed)
    _without_headgear(monkeypatch)
    bare = _people(1)
    rest = lambda o: (o.location, o.yaw, {k: v for k, v in o.params.items() if k not in HAT_FIELDS})
    assert [rest(o) for o in bare] == [rest(o) for o in dressed]


def _dressed(kind: str, pose: str, seed: int = 3):
    """A sampled person in ``pose`` wearing ``kind``."""
    rng = np.random.default_rng(seed)
    return next(q for q in (sample_pedestrian(rng, pose, wardrobe=rng) for _ in range(500)) if q.headgear == kind)


@pytest.mark.parametrize("kind", HEADGEAR[1:])
def test_headgear_sits_on_the_head_inside_the_persons_box(kind):
    for pose in POSES:
        p = _dressed(kind, pose)
        size = (p.width, p.length, p.box_height)
        scale = np.asarray(body_scale(p.height, p.shoulder_width, size, pose, *p.mesh_variant))
        assert scale[2] == pytest.approx(p.height)  # the person keeps their height under the hat
        v = humanoid(pose, *p.mesh_variant)[0] * scale
        assert (np.abs(v[:, :2]) <= np.array([p.width, p.length]) / 2 + 1e-6).all()
        assert v[:, 2].min() >= -1e-9 and v[:, 2].max() <= p.box_height
        body = humanoid(pose, *p.mesh_variant[:5])[0] * scale
        worn = v[len(body):]  # the headgear's vertices come last
        assert body[:, 2].max() == pytest.approx(p.height) and worn[:, 2].max() > p.height
        assert worn[:, 2].min() > 0.8 * p.height
        if kind == "brimmed":  # the brim is wider than the head
            assert np.ptp(worn[:, 0]) > 1.4 * np.ptp(body[body[:, 2] > 0.9 * p.height, 0])
    walker = ObjectSpec("pedestrian", "person", (0.0, 0.0, 0.0), 0.0, (p.width, p.length, p.box_height), 1,
                        p.to_dict())
    assert max(walker_vertices(walker, f"gait_{k:02d}", (0.0, 0.0))[:, 2].max() for k in range(GAIT_STEPS)) \
        <= p.box_height


def test_blender_draws_each_headgear_labelled_person_inside_the_box():
    import bpy

    from scenegen.blender.render import Renderer
    from scenegen.labels import label_id
    from scenegen.render_settings import RenderSettings
    from scenegen.spec import FogSpec
    from scene_checks import box_iou, drawn_vertices, inside_box, mask_box, points_box, projected_box

    base = street(0, pedestrian_density=0.0, crossing_pedestrians=0)
    settings = RenderSettings(width=160, height=120, samples=1, denoise=False)
    renderer = Renderer(settings)
    try:
        for kind in HEADGEAR[1:]:
            p = _dressed(kind, "walk_b")
            obj = ObjectSpec("pedestrian", "person", (base.camera.location[0] - 0.8, 6.0, 0.0), -math.pi / 2,
                             (p.width, p.length, p.box_height), instance=1, params=p.to_dict())
            spec = dataclasses.replace(base, objects=(obj,), fog=FogSpec(0.0, (1, 1, 1)))
            frame = renderer.render(spec)
            verts = drawn_vertices([max(bpy.data.objects, key=lambda o: o.pass_index)])
            worn = verts[len(humanoid("walk_b", *p.mesh_variant[:5])[0]):]
            assert len(worn) and inside_box(verts, obj, tol=1e-4) and inside_box(worn, obj, tol=1e-4), kind
            assert worn[:, 2].max() > p.height, kind
            mask = frame.label_ids == label_id("person")  # the hat or hood labelled with its wearer
            got, box = mask_box(mask), projected_box(spec, obj, settings.width, settings.height)
            assert box[0] <= got[0] and box[1] <= got[1] and got[2] <= box[2] and got[3] <= box[3], kind
            assert box_iou(got, box) > 0.7, kind
            assert box_iou(got, points_box(spec, settings.width, settings.height, verts)) > 0.85, kind
    finally:
        renderer.close()
