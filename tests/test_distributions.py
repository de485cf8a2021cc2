import math

import numpy as np
import pytest

from scenegen.distributions import (Categorical, Histogram, Poisson, TruncatedNormal,
                                    distribution_from_dict)
from scenegen.errors import ParamsError


def _integral(dist, lo, hi, n=20001):
    xs = np.linspace(lo, hi, n)
    p = np.exp([dist.log_prob(x) for x in xs])
    return np.trapz(p, xs)


def test_histogram_samples_follow_weights_and_density_integrates_to_one():
    h = Histogram.create([0, 1, 2, 4], [0.2, 0.3, 0.5])
    rng = np.random.default_rng(0)
    xs = np.array([h.sample(rng) for _ in range(20000)])
    counts = np.histogram(xs, bins=h.edges)[0] / xs.size
    assert np.allclose(counts, [0.2, 0.3, 0.5], atol=0.015)
    assert _integral(h, 0, 4) == pytest.approx(1.0, abs=2e-3)
    assert h.log_prob(5.0) == -math.inf
    assert h.log_prob(3.0) == pytest.approx(math.log(0.5 / 2))


def test_truncnormal_stays_in_support_and_normalises():
    t = TruncatedNormal.create(1.0, 2.0, 0.0, 3.0)
    rng = np.random.default_rng(1)
    xs = np.array([t.sample(rng) for _ in range(2000)])
    assert xs.min() >= 0 and xs.max() <= 3
    assert _integral(t, 0, 3) == pytest.approx(1.0, abs=1e-3)


def test_categorical_and_poisson_pmfs_sum_to_one():
    c = Categorical.create([1, 2, 3], [1, 1, 2])
    assert sum(math.exp(c.log_prob(v)) for v in (1, 2, 3)) == pytest.approx(1.0)
    p = Poisson.create(2.0, 0, 6)
    assert sum(math.exp(p.log_prob(k)) for k in range(7)) == pytest.approx(1.0)
    rng = np.random.default_rng(2)
    ks = [p.sample(rng) for _ in range(3000)]
    assert min(ks) >= 0 and max(ks) <= 6
    assert np.mean(ks) == pytest.approx(p.mean(), abs=0.1)
    assert p.log_prob(2.5) == -math.inf


@pytest.mark.parametrize("d", [
    {"type": "histogram", "bins": 4},
    {"type": "histogram", "edges": [0, 5, 10], "weights": [0.25, 0.75]},
    {"type": "truncnormal", "mean": 3.0, "std": 2.0},
    {"type": "categorical", "values": [0, 5, 10], "weights": [0.2, 0.3, 0.5]},
    {"type": "poisson", "rate": 3.5},
])
def test_dict_round_trip(d):
    dist = distribution_from_dict(d, (0.0, 10.0), "x")
    again = distribution_from_dict(dist.to_dict(), (0.0, 10.0), "x")
    assert again == dist
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    assert dist.sample(rng_a) == again.sample(rng_b)


@pytest.mark.parametrize("d, fragment", [
    ({"type": "histogram", "bins": 2, "weights": [1, -1]}, "non-negative"),
    ({"type": "histogram", "bins": 2, "weights": [0, 0]}, "all be zero"),
    ({"type": "histogram", "bins": 3, "weights": [1, 1]}, "need 3 weights"),
    ({"type": "histogram", "edges": [0, 4, 9], "weights": [1, 1]}, "span the support"),
    ({"type": "truncnormal", "mean": 1, "std": 0}, "std"),
    ({"type": "truncnormal", "mean": 20, "std": 1}, "outside the support"),
    ({"type": "categorical", "values": [1, 11]}, "outside the support"),
    ({"type": "poisson", "rate": -1}, "rate"),
    ({"type": "gamma"}, "unknown distribution type"),
    ({"type": "poisson", "rate": 1, "scale": 2}, "unknown key"),
])
def test_invalid_distributions_name_the_problem(d, fragment):
    with pytest.raises(ParamsError, match=fragment):
        distribution_from_dict(d, (0.0, 10.0), "var")


def test_cdfs_are_monotone_and_end_at_one():
    for dist in (Histogram.create([0, 1, 3], [0.5, 0.5]), TruncatedNormal.create(1, 1, 0, 3),
                 Categorical.create([0, 1, 3]), Poisson.create(1.0, 0, 3)):
        xs = np.linspace(-0.5, 3.5, 50)
        f = dist.cdf(xs)
        assert np.all(np.diff(f) >= -1e-12)
        assert f[0] == pytest.approx(0.0) and f[-1] == pytest.approx(1.0)
