"""How one drawn value of a scene variable looks to the distribution that produced it.

``Variable.sample`` floors integer variables, so an integer value ``k`` drawn from a histogram
stands for the cell ``[k, k + 1)`` of the underlying continuous draw.  Fitting (rejection rule)
and log-density gradients (score rule) both need, per draw:

* histogram: *responsibilities* ``r`` over bins (``r_i = w_i a_i / sum_j w_j a_j`` where ``a_i``
  is the probability of the observed cell under bin ``i`` alone; one-hot for float values),
* categorical: the index of the value,
* truncated normal: a real number (integer cells are represented by their centre),
* Poisson: the integer count.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from scenegen.distributions import Categorical, Histogram, Poisson, TruncatedNormal
from scenegen.params import Variable


def histogram_cell_mass(hist: Histogram, value: float, is_int: bool) -> np.ndarray:
    """``a_i``: probability that a draw from bin ``i`` (alone) lands on ``value``'s cell.

    For float values this is a one-hot indicator of the bin holding ``value`` (density terms
    cancel in responsibilities); for integer values the overlap of ``[k, k+1)`` with each bin
    divided by the bin width.
    """
    e = np.asarray(hist.edges, dtype=float)
    nb = e.size - 1
    if is_int:
        lo, hi = float(value), float(value) + 1.0
        overlap = np.clip(np.minimum(e[1:], hi) - np.maximum(e[:-1], lo), 0.0, None)
        a = overlap / np.diff(e)
        if a.sum() > 0:
            return a
        # A value outside the histogram (cannot happen for valid draws): nearest bin.
    i = int(np.clip(np.searchsorted(e, float(value), side="right") - 1, 0, nb - 1))
    a = np.zeros(nb)
    a[i] = 1.0
    return a


def histogram_responsibilities(hist: Histogram, values: Sequence[float], is_int: bool) -> np.ndarray:
    """``(n, bins)`` posterior bin probabilities of each value under ``hist``."""
    w = np.asarray(hist.weights, dtype=float)
    out = np.zeros((len(values), w.size))
    for j, x in enumerate(values):
        a = histogram_cell_mass(hist, x, is_int)
        p = w * a
        s = p.sum()
        # A value in a zero-weight region: fall back to the cell geometry alone.
        out[j] = p / s if s > 0 else a / a.sum()
    return out


def categorical_indices(cat: Categorical, values: Sequence[float]) -> np.ndarray:
    """Index of each value in ``cat.values`` (raises ValueError for unknown values)."""
    idx = []
    for x in values:
        for i, v in enumerate(cat.values):
            if v == x:
                idx.append(i)
                break
        else:
            raise ValueError(f"value {x!r} is not one of the categorical values {list(cat.values)}")
    return np.asarray(idx, dtype=int)


def continuous_values(var: Variable, values: Sequence[float]) -> np.ndarray:
    """Real-valued observations for a truncated normal (integer cells -> their centre)."""
    x = np.asarray(values, dtype=float)
    if var.dtype == "int":
        x = x + 0.5
    lo, hi = var.distribution.support
    return np.clip(x, lo, hi)


def value_log_prob(var: Variable, values: Sequence[float]) -> np.ndarray:
    """Log-probability of each drawn *value* of ``var`` (-inf outside the distribution's reach).

    Histograms: float values use the density, integer values the mass of their cell ``[k, k + 1)``;
    categorical and Poisson the probability of the value; truncated normals the density (integer
    values at their cell centre).
    """
    dist = var.distribution
    out = np.empty(len(values))
    for j, x in enumerate(values):
        if isinstance(dist, Histogram) and var.dtype == "int":
            p = float(np.dot(np.asarray(dist.weights, dtype=float), histogram_cell_mass(dist, x, True)))
            out[j] = np.log(p) if p > 0 else -np.inf
        elif isinstance(dist, TruncatedNormal) and var.dtype == "int":
            out[j] = dist.log_prob(min(max(float(x) + 0.5, dist.low), dist.high))
        else:
            out[j] = dist.log_prob(x)
    return out


def column(draws: Sequence[dict], name: str) -> list:
    """The values of one variable across a list of draws z."""
    return [d[name] for d in draws]


__all__ = [
    "histogram_cell_mass", "histogram_responsibilities", "categorical_indices",
    "continuous_values", "value_log_prob", "column", "Histogram", "Categorical", "TruncatedNormal", "Poisson",
]
