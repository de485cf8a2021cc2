"""Discriminator, preprocessing and cross-fitting on tiny tensors (real torch, CPU)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from scenegen.errors import UserError
from tuner import crossfit, metrics, preprocess
from tuner.discriminator import DiscConfig, Discriminator, load_checkpoint, resolve_device

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("one_torch_thread")]



def toy_domains(n: int, seed: int, h: int = 16):
    """'Real' images are brighter at the top; 'rendered' ones at the bottom (plus noise)."""
    g = torch.Generator().manual_seed(seed)
    ramp = torch.linspace(-0.5, 0.5, h).view(1, 1, h, 1)
    real = (-ramp + 0.3 * torch.randn(n, 3, h, 2 * h, generator=g)).clamp(-1, 1)
    fake = (ramp + 0.3 * torch.randn(n, 3, h, 2 * h, generator=g)).clamp(-1, 1)
    return real, fake


def test_small_discriminator_learns_a_visible_difference():
    real, fake = toy_domains(64, 0)
    d = Discriminator(DiscConfig(width=8, lr=3e-3), seed=1)
    before = metrics.roc_auc(d.predict(real[32:]), d.predict(fake[32:]))
    d.fit(real[:32], fake[:32], steps=40, gen=torch.Generator().manual_seed(2))
    pr, pf = d.predict(real[32:]), d.predict(fake[32:])
    assert metrics.roc_auc(pr, pf) > 0.95
    assert metrics.accuracy(pr, pf) > 0.8
    assert before < 0.95 or metrics.roc_auc(pr, pf) >= before


def test_training_is_deterministic_given_seeds_and_checkpoint_resumes_exactly(tmp_path):
    real, fake = toy_domains(32, 3)

    def run(split: bool):
        d = Discriminator(DiscConfig(width=8), seed=5)
        g = torch.Generator().manual_seed(9)
        if split:
            d.fit(real, fake, 5, g)
            d.save(tmp_path / "d.pt")
            d = Discriminator.load(tmp_path / "d.pt")
            g2 = torch.Generator().manual_seed(9)
            g2.set_state(g.get_state())
            g = g2
            d.fit(real, fake, 5, g)
        else:
            d.fit(real, fake, 10, g)
        return d.predict(real)

    a, b = run(False), run(True)
    assert np.array_equal(a, b)


def test_checkpoint_config_mismatch_and_missing_file_are_user_errors(tmp_path):
    d = Discriminator(DiscConfig(width=8), seed=0)
    d.save(tmp_path / "d.pt")
    other = Discriminator(DiscConfig(width=16), seed=0)
    with pytest.raises(UserError):
        other.load_state(load_checkpoint(tmp_path / "d.pt")["discriminators"][0])
    with pytest.raises(UserError):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    with pytest.raises(UserError):
        load_checkpoint(tmp_path / "junk.pt")


def test_device_resolution():
    dev, amp = resolve_device("auto")
    assert dev in ("cpu", "cuda")
    assert amp == (dev == "cuda")
    assert resolve_device("cpu") == ("cpu", False)
    with pytest.raises(UserError):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(UserError):
            resolve_device("cuda")


def test_unknown_backbone_is_user_error():
    with pytest.raises(UserError):
        DiscConfig(backbone="resnet")


def test_preprocessing_is_identical_for_both_domains_and_matches_aspect():
    rng = np.random.default_rng(0)
    wide = rng.integers(0, 256, (120, 480, 3), dtype=np.uint8)  # 4:1
    tall = rng.integers(0, 256, (360, 480, 3), dtype=np.uint8)  # 4:3
    a = preprocess.prepare_image(wide, (64, 32))
    b = preprocess.prepare_image(tall, (64, 32))
    assert a.shape == b.shape == (3, 32, 64)
    assert a.dtype == np.float32 and a.min() >= -1 and a.max() <= 1
    # a constant image maps to the same constant regardless of its size
    c1 = preprocess.prepare_image(np.full((100, 200, 3), 255, np.uint8), (64, 32))
    c2 = preprocess.prepare_image(np.full((30, 40, 3), 255, np.uint8), (64, 32))
    assert np.allclose(c1, 1.0) and np.allclose(c2, 1.0)
    crop = preprocess.center_crop_to_aspect(tall, 64, 32)
    assert crop.shape[:2] == (240, 480)
    assert preprocess.default_input_size((256, 128)) == (128, 64)
    assert preprocess.default_input_size((64, 32)) == (64, 32)
    with pytest.raises(ValueError):
        preprocess.prepare_image(np.zeros((4, 4), np.uint8), (8, 8))


def test_crossfit_never_scores_a_draw_with_a_model_that_trained_on_it():
    folds = crossfit.fold_ids(10, 2, np.random.default_rng(0))
    assert sorted(np.bincount(folds).tolist()) == [5, 5]
    seen = {}

    def train_and_score(f, train, test):
        assert not set(train) & set(test)
        seen[f] = set(train)
        return np.full(test.size, float(f))

    s = crossfit.crossfit_scores(folds, train_and_score)
    assert np.array_equal(s, folds.astype(float))
    for i, f in enumerate(folds):
        assert i not in seen[f]
    with pytest.raises(ValueError):
        crossfit.fold_ids(1, 2, np.random.default_rng(0))
    tr, ho = crossfit.split_holdout(10, 0.2, np.random.default_rng(1))
    assert len(ho) == 2 and len(tr) == 8 and not set(tr) & set(ho)


def test_lite0_features_load_offline_and_are_deterministic():
    from tuner.lite0 import FEATURE_DIM, extract_features

    x = torch.zeros(2, 3, 32, 64)
    x[1] += 0.5
    f1 = extract_features(x)
    f2 = extract_features(x)
    assert f1.shape == (2, FEATURE_DIM)
    assert torch.equal(f1, f2)
    assert not torch.allclose(f1[0], f1[1])


def test_lite0_head_discriminator_trains_on_features():
    real, fake = toy_domains(24, 4, h=64)
    d = Discriminator(DiscConfig(backbone="lite0", lr=3e-3), seed=0)
    er, ef = d.embed(real), d.embed(fake)
    assert er.shape == (24, 3 * 1280)  # three horizontal bands
    d.fit(er[:16], ef[:16], steps=30, gen=torch.Generator().manual_seed(0))
    assert metrics.roc_auc(d.predict(er[16:]), d.predict(ef[16:])) > 0.9


def test_platt_scaling_recovers_the_scale_of_an_over_confident_model():
    from tuner.discriminator import platt_scaling

    rng = np.random.default_rng(0)
    # Calibrated log-ratio l ~ N(+-1, 1) per class; the model reports 4 l + 1.
    lr, lf = rng.normal(1.0, 1.0, 4000), rng.normal(-1.0, 1.0, 4000)
    # For two unit-variance Gaussians at +-1 the true log-ratio is 2 l = (m - 1) / 2 for m = 4 l + 1.
    a, b = platt_scaling(4 * lr + 1, 4 * lf + 1)
    assert abs(a - 0.5) < 0.05
    assert abs(b + 0.5) < 0.1
    assert platt_scaling(np.array([1.0]), np.array([0.0, 1.0])) == (1.0, 0.0)


def test_fit_with_validation_stops_early_keeps_the_best_weights_and_calibrates(tmp_path):
    real, fake = toy_domains(48, 4)
    cfg = DiscConfig(width=8, lr=3e-3, check_every=5, patience=2, small_bands=3)
    d = Discriminator(cfg, seed=1)
    val = (real[32:], fake[32:], None)
    stats = d.fit(real[:32], fake[:32], steps=200, gen=torch.Generator().manual_seed(2), val=val)
    assert stats["steps"] <= 200 and 0 <= stats["best_step"] <= stats["steps"]
    assert stats["val_loss"] == pytest.approx(d.validation_loss(*val), abs=1e-6)
    a, b = d.calibration
    assert 0.02 <= a <= 3.0
    p = d.predict(real[32:])
    assert np.allclose(p, 1 / (1 + np.exp(-(a * d.logits(real[32:]) + b))))
    d.save(tmp_path / "d.pt")
    assert Discriminator.load(tmp_path / "d.pt").calibration == d.calibration
    assert metrics.roc_auc(d.predict(real[32:]), d.predict(fake[32:])) > 0.9


def test_fake_weights_select_which_renders_are_negatives():
    # Only the weighted half of the 'rendered' set is ever sampled: zero weight on the rest.
    real, fake = toy_domains(32, 6)
    w = torch.zeros(32)
    w[:16] = 1.0
    gen_a, gen_b = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    a = Discriminator(DiscConfig(width=8), seed=2)
    b = Discriminator(DiscConfig(width=8), seed=2)
    a.fit(real, fake, 5, gen_a, fake_weights=w)
    fake2 = fake.clone()
    fake2[16:] = 0.0  # changing never-sampled negatives changes nothing
    b.fit(real, fake2, 5, gen_b, fake_weights=w)
    assert np.array_equal(a.predict(real), b.predict(real))


def test_label_channels_are_class_shares_of_the_labelled_pixels():
    lab = np.full((4, 8), 255, np.uint8)
    lab[:, :4] = 2
    lab[0, 0] = 255  # a void pixel inside the building: renormalised away
    lab[2:, 4:] = 6
    x = preprocess.prepare_labels(lab, (4, 2), 7)
    assert x.shape == (7, 2, 4) and x.dtype == np.float32
    np.testing.assert_allclose(x[2], [[1, 1, 0, 0], [1, 1, 0, 0]])
    np.testing.assert_allclose(x[6], [[0, 0, 0, 0], [0, 0, 1, 1]])
    np.testing.assert_allclose(x.sum(0), [[1, 1, 0, 0], [1, 1, 1, 1]])  # all-void cells stay empty
    # cropped to the aspect like the images: a 4:1 label image at 2:1 keeps its middle half
    wide = np.zeros((2, 8), np.uint8)
    wide[:, :2] = 1
    assert preprocess.prepare_labels(wide, (2, 1), 3)[1].sum() == 0
    assert preprocess.prepare_label_batch([lab, lab], (4, 2), 7).shape == (2, 7, 2, 4)
    # a non-integer shrink (CamVid's 480x360 to 128x96) keeps shares summing to 1
    big = np.random.default_rng(0).integers(0, 7, (360, 480)).astype(np.uint8)
    np.testing.assert_allclose(preprocess.prepare_labels(big, (128, 96), 7).sum(0), 1.0, atol=1e-5)


def test_label_discriminator_sees_a_layout_difference_that_rgb_hides():
    """Same RGB statistics in both domains; 'real' scenes have twice the class-0 (say, car) share."""
    g = torch.Generator().manual_seed(5)
    n, h, w = 96, 16, 32

    def domain(share: float):
        labels = torch.full((n, h, w), 1, dtype=torch.int64)
        cols = int(round(share * w))
        for i in range(n):
            x0 = int(torch.randint(0, w - cols + 1, (1,), generator=g))
            labels[i, :, x0:x0 + cols] = 0
        onehot = torch.nn.functional.one_hot(labels, 3).permute(0, 3, 1, 2).float()
        rgb = torch.randn(n, 3, h, w, generator=g).clamp(-1, 1)
        return rgb, onehot

    (real_rgb, real_lab), (fake_rgb, fake_lab) = domain(0.4), domain(0.2)
    for inputs, real, fake in (("rgb", real_rgb, fake_rgb),
                               ("rgb+labels", torch.cat([real_rgb, real_lab], 1), torch.cat([fake_rgb, fake_lab], 1))):
        d = Discriminator(DiscConfig(width=8, lr=3e-3, inputs=inputs, label_classes=3), seed=1)
        d.fit(real[:64], fake[:64], steps=60, gen=torch.Generator().manual_seed(2))
        auc = metrics.roc_auc(d.predict(real[64:]), d.predict(fake[64:]))
        if inputs == "rgb":
            assert auc < 0.8  # nothing to see
        else:
            assert auc > 0.95


def test_label_inputs_need_the_small_backbone_and_a_known_name():
    assert DiscConfig(inputs="labels").channels == 7 and DiscConfig(inputs="rgb+labels").channels == 10
    with pytest.raises(UserError, match="the lite0 discriminator reads rgb only"):
        DiscConfig(backbone="lite0", inputs="labels")
    with pytest.raises(UserError, match="unknown discriminator input"):
        DiscConfig(inputs="depth")


def test_layout_discriminator_reads_class_shares_on_a_coarse_grid():
    cfg = DiscConfig(backbone="layout", label_classes=3)
    assert cfg.inputs == "labels" and cfg.uses_labels and not cfg.uses_rgb
    with pytest.raises(UserError, match="the layout discriminator reads labels only"):
        DiscConfig(backbone="layout", inputs="rgb+labels")
    g = torch.Generator().manual_seed(0)

    def domain(n: int, sky_rows: int):
        lab = torch.zeros(n, 3, 12, 16)
        lab[:, 0, :sky_rows] = 1  # "sky" on top, "road" below: the horizon height differs by domain
        lab[:, 2, sky_rows:] = 1
        jitter = torch.rand(n, 1, 1, 1, generator=g) * 0.2
        return lab * (1 - jitter) + jitter / 3

    real, fake = domain(80, 6), domain(80, 3)
    d = Discriminator(cfg, seed=1)
    er, ef = d.embed(real), d.embed(fake)
    assert er.shape == (80, 3 * 3 * 4)  # 3 classes x 3 bands x 4 columns
    d.fit(er[:60], ef[:60], steps=80, gen=torch.Generator().manual_seed(2))
    assert metrics.roc_auc(d.predict(er[60:]), d.predict(ef[60:])) > 0.95


def test_stats_discriminator_reads_color_and_contrast_per_cell():
    from tuner.disc_models import grid_statistics

    x = torch.zeros(1, 3, 4, 4)
    x[0, 0, :2] = torch.tensor([[1.0, -1.0, 1.0, -1.0]] * 2)  # top half of red: mean 0, sd 1
    x[0, 2] = 0.5  # blue: flat
    f = grid_statistics(x, (2, 1), rgb_first=True)
    means, sds = f[0, :6].view(3, 2), f[0, 6:].view(3, 2)
    assert torch.allclose(means[0], torch.tensor([0.0, 0.0])) and torch.allclose(means[2], torch.tensor([0.5, 0.5]))
    assert torch.allclose(sds[0], torch.tensor([1.0, 0.0])) and torch.allclose(sds[2], torch.zeros(2))

    cfg = DiscConfig(backbone="stats", inputs="rgb+labels", label_classes=7)
    assert cfg.grid_features == 12 * (10 + 3) + 7 * 6
    assert DiscConfig(backbone="stats").inputs == "rgb"  # unlike layout, stats reads colour by default
    g = torch.Generator().manual_seed(0)

    def domain(n: int, contrast: float) -> torch.Tensor:  # same mean colour, different contrast (fog)
        base = torch.rand(n, 3, 12, 16, generator=g) * 2 - 1
        return (base * contrast).clamp(-1, 1)

    real, fake = domain(80, 0.9), domain(80, 0.4)
    d = Discriminator(DiscConfig(backbone="stats", grid_cols=2, grid_rows=2), seed=1)
    er, ef = d.embed(real), d.embed(fake)
    assert er.shape == (80, 2 * 2 * 6)
    d.fit(er[:60], ef[:60], steps=80, gen=torch.Generator().manual_seed(2))
    assert metrics.roc_auc(d.predict(er[60:]), d.predict(ef[60:])) > 0.95


def test_class_color_statistics_describe_each_class_region():
    from tuner.disc_models import class_color_statistics

    rgb = torch.zeros(1, 3, 4, 4)
    rgb[0, :, :2] = 0.8  # top half bright (class 0)
    rgb[0, 0, 2:] = torch.tensor([[-1.0, 1.0, -1.0, 1.0]] * 2)  # bottom half: red alternates (class 1)
    shares = torch.zeros(1, 3, 4, 4)
    shares[0, 0, :2] = 1
    shares[0, 1, 2:] = 1  # class 2 is absent
    f = class_color_statistics(rgb, shares).view(2, 3, 3)  # (mean | sd) x class x channel
    mean, sd = f[0], f[1]
    assert torch.allclose(mean[0], torch.full((3,), 0.8)) and torch.allclose(sd[0], torch.zeros(3), atol=1e-5)
    assert torch.allclose(mean[1], torch.zeros(3)) and sd[1, 0] == pytest.approx(1.0) and sd[1, 1] == 0
    assert torch.allclose(mean[2], rgb[0].flatten(1).mean(1))  # absent: the whole image's statistics
    d = Discriminator(DiscConfig(backbone="stats", inputs="rgb+labels", label_classes=3, grid_rows=1, grid_cols=1))
    assert d.embed(torch.cat([rgb, shares], dim=1)).shape == (1, 1 * (6 + 3) + 3 * 6)


def test_every_kind_has_one_registered_model_that_trains():
    from tuner.disc_kinds import KINDS
    from tuner.disc_models import KIND_MODELS

    assert set(KIND_MODELS) == set(KINDS)
    g = torch.Generator().manual_seed(0)
    for name, model in KIND_MODELS.items():
        assert model.spec is KINDS[name]
        cfg = DiscConfig(backbone=name, inputs=KINDS[name].inputs[-1], label_classes=3, grid_rows=1, grid_cols=2)
        d = Discriminator(cfg, seed=0)
        images = torch.rand(4, cfg.channels, 32, 64, generator=g)
        emb = d.embed(images)
        stats = d.fit(emb[:2], emb[2:], steps=2, gen=torch.Generator().manual_seed(1))
        assert stats["steps"] == 2 and d.predict(emb).shape == (4,)


def test_training_code_tests_no_kind_names():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "tuner"
    kind_test = re.compile(r"(backbone|disc_backbone)\s*(==|!=|in\b|not in\b)|[\"'](small|lite0|layout|stats)[\"']\s*(==|!=|in\b)")
    hits = [f"{name}:{i + 1}" for name in ("discriminator.py", "loop.py", "cli.py", "config.py")
            for i, line in enumerate((root / name).read_text().splitlines()) if kind_test.search(line)]
    assert not hits, hits


def test_checkpoints_from_before_the_grid_and_band_renames_still_load():
    new = Discriminator(DiscConfig(backbone="stats", grid_rows=1, grid_cols=1), seed=3)
    old_record = {k: v for k, v in new.state()["config"].items()
                  if k not in ("grid_rows", "grid_cols", "lite0_hidden", "lite0_bands")}
    old_record.update(bands=1, layout_cols=1, hidden=256)  # the names checkpoints were written with
    assert DiscConfig.from_record(old_record) == new.config
    lite = DiscConfig.from_record({"backbone": "lite0", "bands": 2, "layout_cols": 4, "hidden": 128})
    assert (lite.lite0_bands, lite.lite0_hidden, lite.grid_rows) == (2, 128, DiscConfig().grid_rows)


class _Foreign:
    pass


def test_a_foreign_checkpoint_is_refused_without_advice_to_load_it_unsafely(tmp_path):
    path = tmp_path / "foreign.pt"
    torch.save({"discriminators": [_Foreign()]}, path)
    with pytest.raises(UserError) as err:
        load_checkpoint(path)
    assert "not a readable discriminator checkpoint" in str(err.value) and "weights_only" not in str(err.value)
