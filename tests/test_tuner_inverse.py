"""The inverse-model update rule and the random recovery targets."""
import numpy as np
import pytest

from scenegen.distributions import Histogram
from scenegen.grammar import MIN_PARKING_STRIP_M
from scenegen.params import Variable, default_space
from tuner import inverse, targets
from tuner.loop import TuneConfig, Tuner
from tuner.report import write_report
from tuner.run_folder import RunFolder
from tuner.targets import (DEGRADATIONS, RecoveryTarget, hold_fixed, inert_variables, opened_gates,
                           random_targets)


def test_random_targets_are_deterministic_and_move_k_histogram_variables():
    space = default_space()
    a, b = random_targets(space, 4, 6, seed=3), random_targets(space, 4, 6, seed=3)
    assert [t.moved for t in a] == [t.moved for t in b]
    assert random_targets(space, 4, 6, seed=4)[0].moved != a[0].moved
    assert random_targets(space, 2, 6, seed=3)[1].moved == a[1].moved  # target i depends on (seed, k, i) only
    for t in a:
        assert len(t.variables) == 6 and all(0.1 <= c <= 0.9 for c, _ in t.moved.values())
        start, target = t.start(space), t.target(space)
        for var in space:
            if var.name in t.variables:
                assert start[var.name].distribution == var.distribution  # uniform in the start
                w = np.asarray(target[var.name].distribution.weights)
                assert isinstance(target[var.name].distribution, Histogram) and w.max() > 2.5 / len(w)
            else:  # held at one value, the same in start and target
                assert target[var.name].distribution == start[var.name].distribution
    with pytest.raises(ValueError):
        random_targets(space, 1, 0, seed=0)


def test_the_clear_hold_keeps_image_degradations_at_their_lowest_bin():
    space = default_space()
    t = random_targets(space, 1, 6, seed=0)[0]
    fixed, clear = t.start(space, "fixed"), t.start(space, "clear")
    for var in space:
        if var.name in t.variables:
            assert clear[var.name].distribution == var.distribution
            continue
        weights = np.asarray(clear[var.name].distribution.weights) if hasattr(var.distribution, "weights") else None
        if var.name in DEGRADATIONS:
            assert weights[0] == 1.0, var.name
            assert np.asarray(fixed[var.name].distribution.weights)[0] == 0.0
        else:
            assert clear[var.name].distribution == fixed[var.name].distribution
    assert t.target(space, "clear")["fog_density"].distribution == clear["fog_density"].distribution
    with pytest.raises(ValueError, match="nuisance hold"):
        t.start(space, "foggy")


def test_a_variable_the_holds_leave_without_effect_is_reported_inert(monkeypatch):
    space = default_space()
    t = RecoveryTarget(0, {"parked_car_density": (0.5, 0.12), "car_density": (0.3, 0.12)})
    # the middle bin of the parking strip (1.3 m) takes no car and pavement parking is held off: no parked cars
    monkeypatch.setattr(targets, "GATES", {})
    assert inert_variables(t, space) == ["parked_car_density"]
    wide_strip = RecoveryTarget(0, {"parked_car_density": (0.5, 0.12), "parking_lane_width_m": (0.9, 0.12)})
    assert inert_variables(wide_strip, space) == []  # a target with a wide strip (about 2.3 m) parks cars in it


def test_a_target_that_moves_parked_cars_holds_the_parking_strip_open():
    space = default_space()
    t = RecoveryTarget(0, {"parked_car_density": (0.5, 0.12), "car_density": (0.3, 0.12)})
    assert opened_gates(t.variables) == {"parking_lane_width_m": 2.2}
    strip = t.start(space)["parking_lane_width_m"].distribution
    lo, hi = (strip.edges[i] for i in (int(np.argmax(strip.weights)), int(np.argmax(strip.weights)) + 1))
    assert max(strip.weights) == 1.0 and lo <= 2.2 < hi and lo >= MIN_PARKING_STRIP_M
    assert t.target(space)["parking_lane_width_m"].distribution == strip
    assert inert_variables(t, space) == []
    other = RecoveryTarget(0, {"car_density": (0.3, 0.12)})  # every other target's hold is as before
    held = hold_fixed(space)["parking_lane_width_m"].distribution
    assert other.start(space)["parking_lane_width_m"].distribution == held
    assert opened_gates(other.variables) == {}


def test_camvid11_label_features_see_classes_paper7_leaves_out(tmp_path):
    """A pole in front of unlabelled pixels: paper-7 (the default) ignores both, CamVid-11 labels do not."""
    from scenegen.datasets import Sample
    from scenegen.io import atomic_write_png as write_png
    from scenegen.labels import NAME_TO_ID

    write_png(tmp_path / "img.png", np.full((32, 64, 3), 120, np.uint8))
    samples = []
    for name, cls in (("plain", "unlabeled"), ("pole", "pole")):
        lab = np.full((32, 64), NAME_TO_ID["road"], np.uint8)
        lab[:, 20:24] = NAME_TO_ID[cls]
        write_png(tmp_path / f"{name}.png", lab)
        samples.append(Sample(tmp_path / "img.png", tmp_path / f"{name}.png", "cityscapes_ids"))
    plain, pole = inverse.sample_features(samples, (64, 32), "camvid11")
    assert not np.allclose(plain, pole)
    plain7, pole7 = inverse.sample_features(samples, (64, 32))
    shares = inverse.share_width()
    assert np.allclose(plain7[:-shares], pole7[:-shares])  # paper-7's own columns do not see the pole
    assert not np.allclose(plain7[-shares:], pole7[-shares:])  # the CamVid-11 share view does
    assert np.allclose(inverse.sample_features(samples, (64, 32), share_classes=None), plain7[:-shares])
    assert inverse.sample_features(samples, (64, 32), None).shape[1] < plain.shape[0]


def test_prior_shift_em_finds_the_real_bin_distribution_and_stays_without_evidence():
    rng = np.random.default_rng(0)
    classes, n = 4, 4000
    truth = np.array([0.1, 0.6, 0.2, 0.1])
    train_prior = np.full(classes, 0.25)
    y = rng.choice(classes, size=n, p=truth)
    # what the image shows: the true bin 70 % of the time, another one 10 % each; a calibrated classifier
    # trained under the uniform prior then gives 0.7 to the bin shown and 0.1 to each other
    shown = np.where(rng.random(n) < 0.6, y, rng.integers(0, classes, n))
    post = np.full((n, classes), 0.1)
    post[np.arange(n), shown] = 0.7
    start = np.full(classes, 0.25)
    p = inverse.prior_shift_em(np.log(post), train_prior, start, prior_images=0.0)
    assert np.abs(p - truth).max() < 0.03
    flat = inverse.prior_shift_em(np.log(np.full((n, classes), 0.25)), train_prior, start, prior_images=8.0)
    assert np.allclose(flat, start)


def test_the_reader_measures_what_the_features_say_about_a_variable_and_calibrates_bins():
    rng = np.random.default_rng(1)
    n = 240
    v = rng.uniform(0, 10, n)
    informative = np.c_[v + rng.normal(0, 0.5, n), rng.normal(size=(n, 5))]
    noise = rng.normal(size=(n, 6))
    folds = inverse.split_folds(n, 2, rng)
    good = inverse.RidgeReader.fit(informative, v, folds)
    none = inverse.RidgeReader.fit(noise, v, folds)
    assert good.identifiability.r2 > 0.9 and none.identifiability.r2 < 0.05
    points = np.linspace(0, 10, 11)[:-1, None] + 0.5  # ten bins, one point each
    lik = good.bin_log_likelihood(informative[:3], points)
    assert (np.abs(lik.argmax(axis=1) - np.floor(v[:3])) <= 1).all()  # the likeliest bin is the right one or next to it
    flat = none.bin_log_likelihood(noise[:3], points)
    assert np.ptp(flat, axis=1).max() < 0.5  # no evidence: every bin about equally likely
    held = inverse.RidgeReader.fit(informative, np.full(n, 3.0), folds)  # renders that hold it at one value
    assert held.identifiability.r2 == 0.0 and held.identifiability.bits == 0.0


def test_the_reader_takes_the_second_view_only_where_it_reads_better():
    rng = np.random.default_rng(2)
    n = 240
    v = rng.uniform(0, 1, n)
    plain = rng.normal(size=(n, 8))
    telling = np.c_[v + rng.normal(0, 0.1, n), rng.normal(size=(n, 3))]
    folds = inverse.split_folds(n, 2, rng)
    seen_there = inverse.RidgeReader.fit(np.c_[plain, telling], v, folds, extra_columns=4)
    assert all(len(w) == 12 for w, _ in seen_there.models) and seen_there.identifiability.r2 > 0.8
    assert inverse.RidgeReader.fit(np.c_[plain, telling], v, folds).identifiability.r2 > 0.8  # one view: all
    seen_here = inverse.RidgeReader.fit(np.c_[telling, rng.normal(size=(n, 40))], v, folds, extra_columns=40)
    assert all(len(w) == 4 for w, _ in seen_here.models)  # forty columns of noise left out
    assert seen_here.predict(np.c_[telling, rng.normal(size=(n, 40))]).shape == (n,)


def test_image_features_respond_to_blur_noise_and_vignetting():
    import torch

    g = torch.Generator().manual_seed(0)
    base = torch.rand(2, 3, 32, 64, generator=g) * 0.2 + 0.4
    noisy = base + 0.2 * torch.randn(base.shape, generator=g)
    f_base, f_noisy = inverse.image_features(base), inverse.image_features(noisy)
    detail = slice(f_base.shape[1] - 10, f_base.shape[1] - 1)  # the detail energies
    assert (f_noisy[:, detail] > f_base[:, detail]).all()
    labels = torch.zeros(2, 7, 32, 64)
    labels[:, 0] = 1
    assert inverse.image_features(base, labels).shape[1] > f_base.shape[1]


def test_the_inverse_rule_finds_what_the_images_show_and_leaves_the_rest(tmp_path):
    """Toy renderer: it draws fog, building height and camera pitch, and ignores the trees' leaf cover."""

    moved = {"fog_density": (0.2, 0.12), "building_height_m": (0.75, 0.12), "camera_pitch_deg": (0.3, 0.12),
             "tree_leaf_cover": (0.8, 0.12)}
    target = RecoveryTarget(0, moved)
    space = default_space()
    target.start(space).save(tmp_path / "start.yaml")
    target.target(space).save(tmp_path / "target.yaml")
    cfg = TuneConfig(real=f"params:{tmp_path / 'target.yaml'}", params=str(tmp_path / "start.yaml"),
                     out=str(tmp_path / "run"), iterations=3, batch=48, resolution=(96, 48), method="inverse",
                     variables=target.variables, backend="toy", device="cpu", disc_steps=5, kid=False,
                     real_count=96)
    Tuner(cfg, progress=False, log=lambda s: None).run()
    ms = RunFolder(tmp_path / "run").load_metrics()
    start, end = ms[0]["recovery"]["per_variable"], ms[-1]["recovery"]["per_variable"]
    for name in ("fog_density", "building_height_m", "camera_pitch_deg"):
        assert end[name] < 0.6 * start[name], (name, start[name], end[name])
    assert abs(end["tree_leaf_cover"] - start["tree_leaf_cover"]) < 0.02
    r2 = {name: [m["identifiability"][name]["r2"] for m in ms[1:]] for name in moved}
    assert max(r2["tree_leaf_cover"]) < 0.05 and min(r2["building_height_m"]) > 0.3
    page = write_report(tmp_path / "run")
    assert (page.parent / "identifiability.png").read_bytes()[:4] == b"\x89PNG"
    assert "Identifiability at the first iteration" in page.read_text()


def test_a_weak_reader_does_not_spread_real_images_that_match_the_renders_to_the_ends():
    # real images drawn as the renders were: the reading should stay near uniform.  A model trained on all the
    # renders spreads its readings wider than the held-out predictions its calibration came from, which put
    # about half the mass in the two end bins of eight (0.25 is right); the mean of the fold models does not
    points = (np.arange(8)[:, None] + (np.arange(5) + 0.5)[None] / 5) / 8
    uniform = np.full(8, 1 / 8)
    ends, r2 = [], []
    for seed in range(10):
        rng = np.random.default_rng(seed)

        def images(k):
            v = rng.uniform(0, 1, k)
            return v, np.c_[v + rng.normal(0, 0.3, k), rng.normal(size=(k, 40))]

        v, x = images(128)
        reader = inverse.RidgeReader.fit(x, v, inverse.split_folds(128, 2, rng))
        real = inverse.prior_shift_em(reader.bin_log_likelihood(images(192)[1], points), uniform, uniform, 8.0)
        ends.append(real[0] + real[-1])
        r2.append(reader.identifiability.r2)
    assert 0.1 < np.mean(r2) < 0.4  # a weak reader, as two-wheelers' are
    assert np.mean(ends) < 0.35


def _unit_variable(name: str) -> Variable:
    return Variable(name, (0.0, 1.0), "float", Histogram(tuple(np.linspace(0, 1, 9)), tuple([1.0] * 8)))


def test_deconfounding_corrects_a_weak_reading_for_a_strongly_read_shift():
    # feature 2 carries the weak variable b and, more, the strong variable a (which feature 1 shows clearly); the
    # real images have b as the renders do but a shifted high.  The shrunk weak reader does not subtract all of a,
    # so it reads b too high; corrected for a's shift as read, it reads b near its true mean of 0.5
    a_var, b_var = _unit_variable("a"), _unit_variable("b")
    errors = {False: [], True: []}
    for seed in range(10):
        rng = np.random.default_rng(seed)

        def images(k, lowest_a):
            a, b = rng.uniform(lowest_a, 1, k), rng.uniform(0, 1, k)
            return a, b, np.c_[a + rng.normal(0, 0.05, k), 0.5 * b + a + rng.normal(0, 0.15, k),
                               rng.normal(size=(k, 20))]

        a, b, x = images(128, 0.0)
        evidence = inverse.Evidence(x, [{"a": u, "b": v} for u, v in zip(a, b)], images(192, 0.7)[2])
        folds = inverse.split_folds(128, 2, rng)
        readings = {d: inverse.read_variables([a_var, b_var], evidence, folds, 8.0, d) for d in (False, True)}
        assert np.array_equal(readings[False]["a"].real, readings[True]["a"].real)  # strong readers as they were
        assert readings[True]["a"].identifiability.r2 > inverse.STRONG_R2 > readings[True]["b"].identifiability.r2
        for d, r in readings.items():
            errors[d].append(inverse.reading_mean(b_var, r["b"]) - 0.5)
    assert np.mean(errors[False]) > 0.05  # confounded: b read high
    assert np.mean(np.abs(errors[True])) < 0.7 * np.mean(np.abs(errors[False]))


def test_no_shift_in_the_strong_variables_means_no_correction():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 1, 128), rng.uniform(0, 1, 128)
    x = np.c_[a + rng.normal(0, 0.05, 128), 0.5 * b + a + rng.normal(0, 0.15, 128), rng.normal(size=(128, 20))]
    reader = inverse.RidgeReader.fit(x, b, inverse.split_folds(128, 2, rng))
    assert inverse.confounding_shift(reader, b, [(a, float(a.mean()))]) == pytest.approx(0.0, abs=1e-12)
    assert inverse.confounding_shift(reader, b, []) == 0.0
    assert inverse.confounding_shift(reader, b, [(a, float(a.mean()) + 0.3)]) > 0  # a pushes b's reading up


def test_the_inverse_rule_takes_deconfound_only_as_true_or_false():
    from scenegen.errors import UserError
    from tuner.updates import get_rule

    assert get_rule("inverse", deconfound=True).deconfound is True
    with pytest.raises(UserError, match="deconfound"):
        get_rule("inverse", deconfound="maybe")


def test_class_texture_sees_detail_inside_its_class_only():
    import torch

    g = torch.Generator().manual_seed(1)
    flat = torch.full((1, 3, 32, 64), 0.5)
    shares = torch.zeros(1, 7, 32, 64)
    shares[:, 2, :12] = 1  # building above
    shares[:, 4, 16:] = 1  # road below
    windows = flat.clone()
    windows[..., 2:10, ::4] = 0.1  # dark window columns on the facade
    worn = flat + 0.05 * torch.randn(flat.shape, generator=g) * (torch.arange(32) >= 16).view(1, 1, 32, 1)
    base, facade, road = (inverse.class_texture(x, shares).view(7, 4) for x in (flat, windows, worn))
    assert (facade[2] > base[2] + 1).all() and torch.allclose(facade[4], base[4])  # road unchanged
    assert (road[4] > base[4] + 1).all() and torch.allclose(road[2], base[2])  # nor the facade
    assert torch.equal(base[0], base[1])  # absent classes get the whole image's value
    assert inverse.class_texture(windows, shares).shape == (1, 28)
