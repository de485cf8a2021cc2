"""Unconstrained parameters of each distribution family and the score function d log q / d theta.

=============  ==========================  ==========================================
family         theta                       d log q(x) / d theta
=============  ==========================  ==========================================
histogram      logits (w = softmax)        r(x) - w   (r = bin responsibilities)
categorical    logits                      onehot(x) - w
truncnormal    (mean, log std)             analytic, including the truncation mass
poisson        log rate                    k - E_trunc[K]
=============  ==========================  ==========================================

``fisher_scale`` gives a diagonal preconditioner (approximate inverse Fisher information) so
one learning rate suits every family (a natural-gradient step).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import stats

from scenegen.distributions import Categorical, Distribution, Histogram, Poisson, TruncatedNormal
from scenegen.params import Variable

from .observe import categorical_indices, continuous_values, histogram_responsibilities


def get_theta(dist: Distribution) -> np.ndarray:
    """The unconstrained parameter vector of ``dist``."""
    if isinstance(dist, (Histogram, Categorical)):
        w = np.maximum(np.asarray(dist.weights, dtype=float), 1e-300)
        lw = np.log(w)
        return lw - lw.mean()
    if isinstance(dist, TruncatedNormal):
        return np.array([dist.mean_, math.log(dist.std)])
    if isinstance(dist, Poisson):
        return np.array([math.log(max(dist.rate, 1e-12))])
    raise TypeError(f"no parameters for {type(dist).__name__}")


def set_theta(dist: Distribution, theta: np.ndarray) -> Distribution:
    """``dist`` with parameters ``theta`` (same family, support and bins)."""
    theta = np.asarray(theta, dtype=float)
    if isinstance(dist, (Histogram, Categorical)):
        z = theta - theta.max()
        w = np.exp(z)
        w = tuple(float(x) for x in w / w.sum())
        return Histogram(dist.edges, w) if isinstance(dist, Histogram) else Categorical(dist.values, w)
    if isinstance(dist, TruncatedNormal):
        return TruncatedNormal(float(theta[0]), float(math.exp(theta[1])), dist.low, dist.high)
    if isinstance(dist, Poisson):
        return Poisson(float(math.exp(theta[0])), dist.low, dist.high)
    raise TypeError(f"no parameters for {type(dist).__name__}")


def truncnormal_score(mean: float, std: float, low: float, high: float, x: np.ndarray) -> np.ndarray:
    """``(n, 2)`` d log q / d(mean, log std) of a normal truncated to [low, high]."""
    x = np.asarray(x, dtype=float)
    a, b = (low - mean) / std, (high - mean) / std
    z = (x - mean) / std
    mass = stats.norm.cdf(b) - stats.norm.cdf(a)
    pa, pb = stats.norm.pdf(a), stats.norm.pdf(b)
    # log q = -z^2/2 - log std - log mass + const
    d_mean = z / std - (pa - pb) / (std * mass)
    d_logstd = z ** 2 - 1.0 - (a * pa - b * pb) / mass
    return np.stack([d_mean, d_logstd], axis=1)


def score_function(var: Variable, values: Sequence[float]) -> np.ndarray:
    """``(n, P)`` gradient of log q(value) with respect to ``get_theta(var.distribution)``."""
    dist = var.distribution
    if isinstance(dist, Histogram):
        r = histogram_responsibilities(dist, values, var.dtype == "int")
        return r - np.asarray(dist.weights)[None, :]
    if isinstance(dist, Categorical):
        idx = categorical_indices(dist, values)
        onehot = np.eye(len(dist.values))[idx]
        return onehot - np.asarray(dist.weights)[None, :]
    if isinstance(dist, TruncatedNormal):
        return truncnormal_score(dist.mean_, dist.std, dist.low, dist.high, continuous_values(var, values))
    if isinstance(dist, Poisson):
        k = np.asarray(values, dtype=float)
        return (k - dist.mean())[:, None]
    raise TypeError(f"variable {var.name!r}: no score function for {type(dist).__name__}")


def fisher_scale(dist: Distribution) -> np.ndarray:
    """Diagonal approximate inverse Fisher information in theta coordinates."""
    if isinstance(dist, (Histogram, Categorical)):
        return 1.0 / np.maximum(np.asarray(dist.weights, dtype=float), 1e-3)
    if isinstance(dist, TruncatedNormal):
        return np.array([dist.std ** 2, 0.5])
    if isinstance(dist, Poisson):
        return np.array([1.0 / max(dist.rate, 1e-2)])
    raise TypeError(f"no Fisher information for {type(dist).__name__}")
