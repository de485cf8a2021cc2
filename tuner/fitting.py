"""Re-estimate a variable's distribution from (weighted) accepted draws.

The paper's posterior re-estimation: after rejection sampling, each variable's density is
fitted to the kept values, one variable at a time.

* histogram: weighted counts per bin + a pseudo-count, optional neighbour smoothing, and a
  floor so that no bin ever dies (a dead bin can never be drawn again, so never recover),
* categorical: weighted counts + pseudo-count + floor,
* truncated normal: weighted moments (mean, std), std kept above a small fraction of the support,
* Poisson: the rate whose *truncated* mean equals the weighted sample mean.

``damp`` then mixes the new distribution with the previous one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import optimize

from scenegen.distributions import Categorical, Distribution, Histogram, Poisson, TruncatedNormal
from scenegen.params import Variable

from .observe import categorical_indices, continuous_values, histogram_responsibilities


@dataclass(frozen=True)
class FitOptions:
    """Knobs of the re-estimation.

    ``pseudo_count``: added to every bin / category (Laplace smoothing), in units of draws.
    ``smooth``: weight given to each neighbouring bin in a [s, 1-2s, s] kernel (histograms).
    ``floor``: minimum bin/category probability as a fraction of the uniform one (0.05 -> no
    bin below 5 % of 1/bins).  ``min_std_frac``: truncnormal std floor, fraction of the support.
    ``min_weight``: with less total weight than this the old distribution is kept.
    """

    pseudo_count: float = 0.25
    smooth: float = 0.05
    floor: float = 0.05
    min_std_frac: float = 0.02
    min_weight: float = 2.0


def apply_floor(w: np.ndarray, floor: float) -> np.ndarray:
    """Normalise ``w`` and lift every entry to at least ``floor / len(w)``, keeping the sum 1."""
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    if floor <= 0:
        return w
    f = min(floor, 1.0) / w.size
    # Mix with the uniform distribution just enough that the smallest entry reaches f.
    m = w.min()
    if m >= f:
        return w
    u = 1.0 / w.size
    lam = (f - m) / (u - m)  # (1-lam) m + lam u = f
    return (1.0 - lam) * w + lam * u


def smooth_bins(counts: np.ndarray, s: float) -> np.ndarray:
    """Convolve counts with a [s, 1-2s, s] kernel, reflecting mass at the ends (sum preserved)."""
    if s <= 0 or counts.size < 2:
        return counts
    c = np.asarray(counts, dtype=float)
    out = (1 - 2 * s) * c
    out[1:] += s * c[:-1]
    out[:-1] += s * c[1:]
    out[0] += s * c[0]
    out[-1] += s * c[-1]
    return out


def fit_histogram(hist: Histogram, values: Sequence[float], weights: np.ndarray, is_int: bool,
                  opts: FitOptions) -> Histogram:
    """Weighted counts per bin of ``values`` (responsibilities for integer cells), smoothed and floored."""
    r = histogram_responsibilities(hist, values, is_int)
    counts = (np.asarray(weights, dtype=float)[:, None] * r).sum(axis=0)
    counts = smooth_bins(counts, opts.smooth) + opts.pseudo_count
    w = apply_floor(counts, opts.floor)
    return Histogram(hist.edges, tuple(float(x) for x in w))


def fit_categorical(cat: Categorical, values: Sequence[float], weights: np.ndarray,
                    opts: FitOptions) -> Categorical:
    """Weighted counts per value + pseudo-count, floored."""
    idx = categorical_indices(cat, values)
    counts = np.bincount(idx, weights=np.asarray(weights, dtype=float), minlength=len(cat.values))
    w = apply_floor(counts + opts.pseudo_count, opts.floor)
    return Categorical(cat.values, tuple(float(x) for x in w))


def fit_truncnormal(tn: TruncatedNormal, x: np.ndarray, weights: np.ndarray, opts: FitOptions) -> TruncatedNormal:
    """Weighted sample mean and std (std floored at ``min_std_frac`` of the support width)."""
    w = np.asarray(weights, dtype=float)
    mean = float(np.sum(w * x) / w.sum())
    var = float(np.sum(w * (x - mean) ** 2) / w.sum())
    width = tn.high - tn.low
    std = min(max(math.sqrt(var), opts.min_std_frac * width), 10.0 * width)
    mean = min(max(mean, tn.low), tn.high)
    return TruncatedNormal(mean, std, tn.low, tn.high)


def truncated_poisson_mean(rate: float, low: int, high: int) -> float:
    """Mean of a Poisson(rate) restricted to the integers in [low, high]."""
    return Poisson(rate, low, high).mean()


def fit_poisson(po: Poisson, values: Sequence[float], weights: np.ndarray) -> Poisson:
    """The rate whose truncated mean matches the weighted sample mean (root-find on log-rate)."""
    w = np.asarray(weights, dtype=float)
    target = float(np.sum(w * np.asarray(values, dtype=float)) / w.sum())
    lo_rate, hi_rate = 1e-3, 10.0 * po.high + 10.0
    f = lambda lr: truncated_poisson_mean(math.exp(lr), po.low, po.high) - target  # noqa: E731
    a, b = math.log(lo_rate), math.log(hi_rate)
    fa, fb = f(a), f(b)
    if fa >= 0:
        rate = lo_rate
    elif fb <= 0:
        rate = hi_rate
    else:
        rate = math.exp(optimize.brentq(f, a, b, xtol=1e-10))
    return Poisson(float(rate), po.low, po.high)


def fit_variable(var: Variable, values: Sequence[float], weights: np.ndarray, opts: FitOptions) -> Distribution:
    """Re-estimate ``var``'s distribution (same family, same bins/support) from weighted values."""
    w = np.asarray(weights, dtype=float)
    dist = var.distribution
    if len(values) == 0 or w.sum() < opts.min_weight:
        return dist
    if isinstance(dist, Histogram):
        return fit_histogram(dist, values, w, var.dtype == "int", opts)
    if isinstance(dist, Categorical):
        return fit_categorical(dist, values, w, opts)
    if isinstance(dist, TruncatedNormal):
        return fit_truncnormal(dist, continuous_values(var, values), w, opts)
    if isinstance(dist, Poisson):
        return fit_poisson(dist, values, w)
    raise TypeError(f"variable {var.name!r}: no fit for distribution {type(dist).__name__}")


def damp(old: Distribution, new: Distribution, damping: float) -> Distribution:
    """Mix ``new`` toward ``old``: ``damping`` = 0 keeps ``new``, 1 keeps ``old``.

    Histograms and categoricals mix their weights; truncated normals their mean and std;
    Poisson rates mix geometrically (in log-rate).
    """
    if damping <= 0:
        return new
    d = min(float(damping), 1.0)
    if isinstance(new, Histogram) and isinstance(old, Histogram):
        w = (1 - d) * np.asarray(new.weights) + d * np.asarray(old.weights)
        return Histogram(new.edges, tuple(float(x) for x in w / w.sum()))
    if isinstance(new, Categorical) and isinstance(old, Categorical):
        w = (1 - d) * np.asarray(new.weights) + d * np.asarray(old.weights)
        return Categorical(new.values, tuple(float(x) for x in w / w.sum()))
    if isinstance(new, TruncatedNormal) and isinstance(old, TruncatedNormal):
        return TruncatedNormal((1 - d) * new.mean_ + d * old.mean_, (1 - d) * new.std + d * old.std,
                               new.low, new.high)
    if isinstance(new, Poisson) and isinstance(old, Poisson):
        la, lb = math.log(max(new.rate, 1e-12)), math.log(max(old.rate, 1e-12))
        return Poisson(math.exp((1 - d) * la + d * lb), new.low, new.high)
    raise TypeError(f"cannot damp {type(old).__name__} toward {type(new).__name__}")
