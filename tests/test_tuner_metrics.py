"""Metric tests with known answers."""
from __future__ import annotations

import numpy as np
import pytest

from scenegen.params import space_from_dict
from tuner import metrics


def hist_var(weights, support=(0.0, 10.0), dtype="float", name="x"):
    return space_from_dict({"variables": {name: {"support": list(support), "type": dtype,
                                                  "distribution": {"type": "histogram", "bins": len(weights),
                                                                   "weights": list(weights)}}}})[name]


def test_w1_of_two_point_like_histograms_is_the_distance_between_them():
    # all mass in bin [0,1) vs all mass in bin [9,10): uniform blocks shifted by 9
    a = hist_var([1] + [0] * 9)
    b = hist_var([0] * 9 + [1])
    assert abs(metrics.wasserstein1(a, b) - 9.0) < 1e-3
    assert abs(metrics.normalized_w1(a, b) - 0.9) < 1e-4


def test_w1_of_uniform_vs_half_shift():
    a = hist_var([1, 1])  # uniform on [0, 10]
    b = hist_var([1, 0])  # uniform on [0, 5]
    # F_a = x/10, F_b = min(x/5, 1): integral |F_a - F_b| = 2.5
    assert abs(metrics.wasserstein1(a, b) - 2.5) < 1e-3
    assert metrics.wasserstein1(a, a) == 0.0


def test_w1_integer_variables_compare_values():
    a = hist_var([1, 0, 0, 0, 0], support=(0, 4), dtype="int")
    b = hist_var([0, 0, 0, 0, 1], support=(0, 4), dtype="int")
    assert abs(metrics.wasserstein1(a, b) - 4.0) < 1e-9
    assert abs(metrics.normalized_w1(a, b) - 1.0) < 1e-9


def test_w1_across_families_uses_cdfs():
    space = space_from_dict({"variables": {
        "x": {"support": [0.0, 1.0], "distribution": {"type": "truncnormal", "mean": 0.5, "std": 0.01}}}})
    h = hist_var([1] * 100, support=(0.0, 1.0))
    # W1(point mass at 0.5, uniform on [0,1]) = 0.25
    assert abs(metrics.normalized_w1(space["x"], h) - 0.25) < 0.01


def test_recovery_errors_and_mean():
    tuned = space_from_dict({"variables": {"a": {"support": [0, 1], "distribution": {"type": "histogram", "bins": 2}},
                                           "b": {"support": [0, 1], "distribution": {"type": "histogram", "bins": 2}}}})
    target = space_from_dict({"variables": {
        "a": {"support": [0, 1], "distribution": {"type": "histogram", "bins": 2, "weights": [1, 0]}},
        "b": {"support": [0, 1], "distribution": {"type": "histogram", "bins": 2}}}})
    errs = metrics.recovery_errors(tuned, target)
    assert abs(errs["a"] - 0.25) < 1e-3 and errs["b"] == 0.0
    assert abs(metrics.mean_recovery_error(tuned, target) - 0.125) < 1e-3


def test_auc_and_accuracy_on_known_scores():
    assert metrics.roc_auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert metrics.roc_auc([0.1, 0.2], [0.9, 0.8]) == 0.0
    assert metrics.roc_auc([0.5, 0.5], [0.5, 0.5]) == 0.5
    # one of four pairs misordered
    assert metrics.roc_auc([0.9, 0.3], [0.1, 0.4]) == 0.75
    assert metrics.accuracy([0.9, 0.3], [0.1, 0.4]) == 0.75


def test_kid_is_near_zero_for_same_distribution_and_large_for_shift():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 16))
    y = rng.normal(size=(400, 16))
    z = rng.normal(loc=1.0, size=(400, 16))
    same, _ = metrics.kid(x, y)
    diff, _ = metrics.kid(x, z)
    assert abs(same) < 0.02
    assert diff > 10 * max(abs(same), 1e-3)


def test_kid_subsets_need_generator_and_are_reproducible():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(60, 4)), rng.normal(size=(60, 4))
    with pytest.raises(ValueError):
        metrics.kid(x, y, subset_size=20)
    a = metrics.kid(x, y, rng=np.random.default_rng(3), subset_size=20, subsets=5)
    b = metrics.kid(x, y, rng=np.random.default_rng(3), subset_size=20, subsets=5)
    assert a == b and a[1] > 0


def test_mmd_unbiased_matches_formula_on_tiny_case():
    x = np.array([[0.0], [1.0]])
    y = np.array([[2.0], [3.0]])
    k = lambda a, b: (a * b + 1.0) ** 3  # noqa: E731  (d = 1)
    expect = k(0, 1) + k(2, 3) - 2 * np.mean([k(a, b) for a in (0, 1) for b in (2, 3)])
    assert abs(metrics.mmd2_unbiased(x, y) - expect) < 1e-9


def test_mmd_witness_by_hand_and_its_mean_gap_is_the_unbiased_mmd():
    x = np.array([[0.0], [1.0], [0.5]])
    y = np.array([[2.0], [3.0]])
    k = lambda a, b: (a * b + 1.0) ** 3  # noqa: E731  (d = 1)
    at_x, at_y = metrics.mmd_witness(x, y)
    assert at_x[0] == pytest.approx(np.mean([k(0, 2), k(0, 3)]) - np.mean([k(0, 1), k(0, 0.5)]))
    assert at_y[1] == pytest.approx(k(3, 2) - np.mean([k(3, 0), k(3, 1), k(3, 0.5)]))
    assert at_y.mean() - at_x.mean() == pytest.approx(metrics.mmd2_unbiased(x, y))
    assert at_x.argmax() == 1  # the render nearest the real points looks most real


def test_class_proportions_and_l1():
    a = np.array([[0, 0, 1, 255]], dtype=np.uint8)
    b = np.array([[1, 1, 1, 1]], dtype=np.uint8)
    p = metrics.class_proportions([a], 3)
    assert np.allclose(p, [2 / 3, 1 / 3, 0])
    q = metrics.class_proportions([b], 3)
    assert abs(metrics.proportion_l1(p, q) - 4 / 3) < 1e-12
