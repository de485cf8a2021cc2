"""Branching street trees (tree_branching = 1): the numpy crowns, the grammar, the geometry, real renders."""
import dataclasses

import numpy as np
import pytest

from assets.branching import EVERGREEN, FORMS, PIPE_EXPONENT, envelope, form_of, grow_crown
from assets.vegetation import TREE_SHAPES, N_VARIANTS, sample_tree
from scenegen.grammar import frame_scene
from scenegen.labels import label_id
from scenegen.params import default_space
from scenegen.seeding import FrameSeed
from scenegen.spec import ObjectSpec
from scene_checks import box_iou, inside_box, mask_box, points_box, projected_box, render_each_alone

CROWNS = [(form, variant) for form in FORMS for variant in range(N_VARIANTS)]
MASK_CASES = tuple((form, 1.0 if form in EVERGREEN else 0.0) for form in FORMS)  # every form, in winter


@pytest.mark.parametrize("form, variant", CROWNS)
def test_a_crown_is_one_connected_tapering_tree_filling_its_unit_box(form, variant):
    c = grow_crown(form, variant)
    roots = c.parent < 0
    assert roots.any() and np.allclose(c.starts[roots], 0.0)  # every limb leaves the top of the trunk
    kids = ~roots
    assert np.allclose(c.starts[kids], c.ends[c.parent[kids]], atol=1e-9)  # and every branch leaves a branch
    assert (c.parent[kids] < np.nonzero(kids)[0]).all()
    assert (c.r1 <= c.r0 + 1e-12).all()
    tips = np.setdiff1d(np.arange(len(c.parent)), c.parent)
    assert np.allclose(c.r1[tips], c.r1[tips][0]) and c.r1[tips][0] == c.r1.min()  # every twig ends alike
    # pipe model: the cross-section at a joint carries the branches beyond it
    for i in np.unique(c.parent[kids]):
        beyond = (c.r1[c.parent == i] ** PIPE_EXPONENT).sum()
        assert c.r1[i] ** PIPE_EXPONENT == pytest.approx(beyond, rel=1e-6)
    pts = np.vstack([c.starts, c.ends, c.clump_centres + c.clump_radii, c.clump_centres - c.clump_radii])
    assert (np.abs(pts[:, :2]) <= 0.5 + 1e-9).all() and pts[:, 2].min() >= -1e-9
    assert max(np.abs(pts[:, 0]).max(), np.abs(pts[:, 1]).max()) == pytest.approx(0.5)
    assert pts[:, 2].max() == pytest.approx(1.0)
    assert len(c.clump_centres) >= 5


def test_crowns_are_deterministic_and_differ_between_variants_and_forms():
    grow_crown.cache_clear()
    a = grow_crown("round", 1)
    grow_crown.cache_clear()
    b = grow_crown("round", 1)
    assert np.array_equal(a.ends, b.ends) and np.array_equal(a.r0, b.r0)
    assert not np.array_equal(grow_crown("round", 0).ends[:5], a.ends[:5])
    assert len(grow_crown("vase", 1).ends) != len(grow_crown("conifer", 1).ends)


def test_branches_grow_inside_their_envelope():
    inside = envelope("conifer")
    assert inside(np.array([[0.0, 0.0, 0.5]]))[0] and not inside(np.array([[0.45, 0.0, 1.4]]))[0]
    for form in FORMS:
        c = grow_crown(form, 0)
        assert (c.order.max() >= 1) and len(c.ends) > 10


def test_every_legacy_shape_and_variant_has_a_form_and_conifers_stay_green():
    forms = {form_of(shape, v) for shape in TREE_SHAPES for v in range(N_VARIANTS)}
    assert forms == set(FORMS)
    assert EVERGREEN == {"conifer"} and form_of("conical", 2) == "conifer"


def test_the_tree_model_draws_nothing_so_the_same_seed_plants_the_same_trees():
    for seed in range(5):
        plain = sample_tree(np.random.default_rng(seed), 0.3, 1.2)
        branching = sample_tree(np.random.default_rng(seed), 0.3, 1.2, branching=1)
        assert branching == dataclasses.replace(plain, branching=1)
    space = default_space()
    z = space.sample(FrameSeed(0, 0, 3).entropy())
    scenes = {b: frame_scene(space, FrameSeed(0, 0, 3), {**z, "tree_branching": b}) for b in (0, 1)}
    trees = {b: [(o.location, o.size) for o in s.objects if o.family == "tree"] for b, s in scenes.items()}
    assert trees[0] and trees[0] == trees[1]


def _tree(form: str, leaf_cover: float):
    rng = np.random.default_rng(7)
    while True:
        t = sample_tree(rng, leaf_cover, 1.3, branching=1)
        if form_of(t.shape, t.variant) == form:
            return t


@pytest.fixture(scope="module")
def tree_frames():
    """One branching tree 26 m ahead of the camera in clear air, for (form, leaf cover), rendered in-process with
    the world coordinates of every vertex Blender drew for it."""
    base = frame_scene(default_space(), FrameSeed(0, 0, 0))
    objects = {}
    for form, cover in MASK_CASES + (("round", 1.0), ("conifer", 0.0)):
        t = _tree(form, cover)
        d = 2 * t.crown_radius
        objects[form, cover] = ObjectSpec("tree", "vegetation", (base.road.carriageway_half_width + 1.0, 26.0, 0.0),
                                          0.0, (d, d, t.height), params=t.to_dict())
    return render_each_alone(base, objects, 160, 120, samples=4,
                             drawn=lambda name: name in ("trunk", "limbs", "crown"))


@pytest.mark.parametrize("key", MASK_CASES)
def test_a_branching_trees_mask_matches_the_projection_of_its_3d_box(tree_frames, key):
    settings, frames = tree_frames
    spec, tree, frame, verts = frames[key]
    mask = frame.label_ids == label_id("vegetation")
    assert mask.sum() > 300
    got, box = mask_box(mask), projected_box(spec, tree, settings.width, settings.height)
    # a crown is rounder than its box, whose near face also projects larger than the crown's middle
    assert box_iou(box, got) > 0.6, (box, got)
    assert box[0] - 1 <= got[0] and box[1] - 1 <= got[1] and got[2] <= box[2] + 1 and got[3] <= box[3] + 1
    assert len(verts) > 1000 and inside_box(verts, tree)  # trunk, limbs and clumps inside the box
    drawn = points_box(spec, settings.width, settings.height, verts)
    assert np.abs(np.subtract(got, drawn)).max() <= 1.5, (got, drawn)  # and labelled where they are drawn


def test_bare_deciduous_crowns_show_the_sky_while_conifers_keep_their_needles(tree_frames):
    _, frames = tree_frames
    veg = label_id("vegetation")

    def crown_look(key):
        frame = frames[key][2]
        mask = frames[("round", 1.0)][2].label_ids == veg if key[0] == "round" else frame.label_ids == veg
        px = frame.rgb[mask].astype(float)
        return px.mean(), (px[:, 1] - px[:, [0, 2]].mean(1)).mean(), (frame.label_ids == veg).sum()

    (lum_leafy, green_leafy, n_leafy), (lum_bare, green_bare, n_bare) = crown_look(("round", 1.0)), \
        crown_look(("round", 0.0))
    assert lum_bare > lum_leafy + 6 and green_bare < green_leafy
    assert abs(n_bare - n_leafy) < 0.1 * n_leafy  # the whole crown stays labelled vegetation
    (_, green_summer, _), (_, green_winter, _) = crown_look(("conifer", 1.0)), crown_look(("conifer", 0.0))
    assert green_winter == pytest.approx(green_summer, abs=1.0)
