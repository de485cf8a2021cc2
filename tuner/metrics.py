"""Tuning metrics: discriminator accuracy and ROC AUC, KID, class-proportion L1, recovery error.

All functions are numpy-only; features for KID come from :mod:`tuner.features`.
"""
from __future__ import annotations

from typing import Dict, Iterable, Mapping, Sequence, Tuple

import numpy as np
from scipy import stats

from scenegen.distributions import Histogram, TruncatedNormal
from scenegen.labels import IGNORE
from scenegen.params import ParameterSpace, Variable


# ----------------------------------------------------------------------------------------------
# discriminator quality
# ----------------------------------------------------------------------------------------------
def accuracy(real_scores: Sequence[float], fake_scores: Sequence[float], threshold: float = 0.5) -> float:
    """Fraction of images classified right (real: score >= threshold, rendered: below)."""
    r, f = np.asarray(real_scores, dtype=float), np.asarray(fake_scores, dtype=float)
    n = r.size + f.size
    if n == 0:
        return float("nan")
    return float((np.sum(r >= threshold) + np.sum(f < threshold)) / n)


def roc_auc(real_scores: Sequence[float], fake_scores: Sequence[float]) -> float:
    """Area under the ROC curve for "real" as the positive class (Mann-Whitney U, ties count 1/2)."""
    r, f = np.asarray(real_scores, dtype=float), np.asarray(fake_scores, dtype=float)
    if r.size == 0 or f.size == 0:
        return float("nan")
    ranks = stats.rankdata(np.concatenate([r, f]))
    u = ranks[: r.size].sum() - r.size * (r.size + 1) / 2.0
    return float(u / (r.size * f.size))


# ----------------------------------------------------------------------------------------------
# KID
# ----------------------------------------------------------------------------------------------
def _poly_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = a.shape[1]
    return (a @ b.T / d + 1.0) ** 3


def _kernel_blocks(x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel matrices within ``x``, within ``y`` and between them (at least two samples on each side)."""
    if x.shape[0] < 2 or y.shape[0] < 2:
        raise ValueError("KID needs at least two samples on each side")
    return _poly_kernel(x, x), _poly_kernel(y, y), _poly_kernel(x, y)


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 with the cubic polynomial kernel k(a, b) = (a.b/d + 1)^3."""
    m, n = x.shape[0], y.shape[0]
    kxx, kyy, kxy = _kernel_blocks(x, y)
    sxx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(sxx + syy - 2.0 * kxy.mean())


def mmd_witness(x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The MMD witness function (cubic polynomial kernel) at every point of ``x`` and of ``y``: its mean kernel to
    ``y`` minus its mean kernel to ``x``, each point left out of its own set's mean. High: the point sits where
    ``y`` has more mass than ``x`` (a render that looks real, for x renders and y real images); low: where ``x``
    has more (a render unlike the real ones, or a real image the renders leave uncovered)."""
    m, n = x.shape[0], y.shape[0]
    kxx, kyy, kxy = _kernel_blocks(x, y)
    at_x = kxy.mean(1) - (kxx.sum(1) - np.diag(kxx)) / (m - 1)
    at_y = (kyy.sum(1) - np.diag(kyy)) / (n - 1) - kxy.mean(0)
    return at_x, at_y


def kid(x: np.ndarray, y: np.ndarray, rng: np.random.Generator | None = None, subsets: int = 20,
        subset_size: int = 500) -> Tuple[float, float]:
    """Kernel Inception Distance (on any features): mean and std of MMD^2 over random subsets.

    With both sets no larger than ``subset_size`` a single estimate on all samples is returned
    (std 0) and ``rng`` is not used.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    size = min(subset_size, x.shape[0], y.shape[0])
    if x.shape[0] <= subset_size and y.shape[0] <= subset_size:
        return mmd2_unbiased(x, y), 0.0
    if rng is None:
        raise ValueError("kid: pass an explicit numpy Generator to draw subsets")
    vals = [mmd2_unbiased(x[rng.choice(x.shape[0], size, replace=False)],
                          y[rng.choice(y.shape[0], size, replace=False)]) for _ in range(subsets)]
    return float(np.mean(vals)), float(np.std(vals))


# ----------------------------------------------------------------------------------------------
# class pixel proportions (paper Fig. 4)
# ----------------------------------------------------------------------------------------------
def class_pixel_counts(labels: Iterable[np.ndarray], num_classes: int, ignore: int = IGNORE) -> np.ndarray:
    """Summed pixel counts per class over label images already mapped to ``num_classes`` (ignore skipped)."""
    counts = np.zeros(num_classes, dtype=np.int64)
    for lab in labels:
        v = np.asarray(lab).ravel()
        v = v[(v != ignore) & (v < num_classes)]
        counts += np.bincount(v.astype(np.int64), minlength=num_classes)[:num_classes]
    return counts


def class_proportions(labels: Iterable[np.ndarray], num_classes: int, ignore: int = IGNORE) -> np.ndarray:
    """Share of (non-ignored) pixels per class, pooled over all label images."""
    c = class_pixel_counts(labels, num_classes, ignore).astype(float)
    return c / c.sum() if c.sum() > 0 else c


def proportion_l1(p: Sequence[float], q: Sequence[float]) -> float:
    """L1 distance between two class-proportion vectors (0..2)."""
    return float(np.abs(np.asarray(p, dtype=float) - np.asarray(q, dtype=float)).sum())


def standardized_mean_gap(x: np.ndarray, ref: np.ndarray) -> float:
    """Mean over features of |mean(x) - mean(ref)| / sd(ref): how far the average image statistics of
    ``x`` (N, F) are from those of ``ref`` (M, F), in units of the reference's spread (sd floored at 1e-3)."""
    x, ref = np.asarray(x, dtype=float), np.asarray(ref, dtype=float)
    sd = np.maximum(ref.std(axis=0), 1e-3)
    return float(np.mean(np.abs(x.mean(axis=0) - ref.mean(axis=0)) / sd))


# ----------------------------------------------------------------------------------------------
# parameter recovery
# ----------------------------------------------------------------------------------------------
def _value_cdf(var: Variable, x: np.ndarray) -> np.ndarray:
    """CDF of the *variable's values* (after flooring for integer variables) at ``x``."""
    dist = var.distribution
    if var.dtype == "int" and isinstance(dist, (Histogram, TruncatedNormal)):
        # value k <=> underlying draw in [k, k+1): P(K <= k) = F(k + 1); the top value also
        # collects draws clipped to it.
        k = np.floor(x)
        out = np.asarray(dist.cdf(k + 1.0), dtype=float)
        return np.where(k >= var.support[1], 1.0, out)
    return np.asarray(dist.cdf(x), dtype=float)


def wasserstein1(a: Variable, b: Variable, grid: int = 4001) -> float:
    """W1 between the value distributions of two versions of one variable: integral of |F_a - F_b|."""
    if var_key(a) != var_key(b):
        raise ValueError(f"cannot compare variable {a.name!r} with {b.name!r}")
    lo, hi = a.support
    if a.dtype == "int":
        ks = np.arange(int(lo), int(hi))  # F at each integer k in [lo, hi); F(hi) = 1 for both
        return float(np.abs(_value_cdf(a, ks.astype(float)) - _value_cdf(b, ks.astype(float))).sum())
    x = np.linspace(lo, hi, grid)
    return float(np.trapz(np.abs(_value_cdf(a, x) - _value_cdf(b, x)), x))


def var_key(v: Variable) -> tuple:
    return (v.name, tuple(v.support), v.dtype)


def normalized_w1(a: Variable, b: Variable) -> float:
    """W1 divided by the support width (0 = equal, 1 = all mass at opposite ends)."""
    lo, hi = a.support
    return wasserstein1(a, b) / (hi - lo)


def recovery_errors(tuned: ParameterSpace, target: ParameterSpace) -> Dict[str, float]:
    """Normalised W1 per variable of ``target`` (variables missing from ``tuned`` raise KeyError)."""
    names = set(tuned.names)
    out = {}
    for var in target:
        if var.name not in names:
            raise KeyError(f"variable {var.name!r} of the target is not in the tuned space")
        out[var.name] = normalized_w1(tuned[var.name], var)
    return out


def mean_recovery_error(tuned: ParameterSpace, target: ParameterSpace,
                        only: Sequence[str] | None = None) -> float:
    """Mean normalised W1 over the target's variables (or over ``only``)."""
    errs = recovery_errors(tuned, target)
    keys = list(only) if only else list(errs)
    return float(np.mean([errs[k] for k in keys]))


def summarize(values: Mapping[str, float]) -> Dict[str, float]:
    """Round floats for JSON output."""
    return {k: (round(float(v), 6) if isinstance(v, (float, np.floating)) else v) for k, v in values.items()}
