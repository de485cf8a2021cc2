"""The inverse model: what the images say about each scene variable (simulation-based inference).

Renders come with the z they were drawn from, so a model can learn to read each variable back from an
image.  Per variable, a ridge regression on image features predicts the variable's value; its penalty is
chosen by cross-fitting, and the cross-fitted predictions say how much an image tells about the variable
(:class:`Identifiability`: R^2, and the bits per image of a Gaussian channel with that R^2).  They also
calibrate the prediction: ``prediction ~ a + b * value + noise(sigma)``, which gives the likelihood of
each of the variable's bins for a predicted value.  A variable no feature responds to gets R^2 near 0 and
a flat likelihood.

Applied to the real images, the predictions give the real images' distribution over the bins by the
EM of a mixture with known components (Saerens et al. 2002 call it prior shift): the bin weights that make
the real predictions most likely.  It starts at, and is shrunk toward, the current distribution (a
Dirichlet prior worth ``prior_images`` images), so a variable the images say nothing about stays where it
is instead of drifting.  Optionally (:func:`read_variables` with ``deconfound``) a weak reader's reading is
corrected for the real images' shift in the strongly read variables its features also respond to.

Image features (:func:`image_features`): colour mean and contrast per cell of a coarse grid, with labels
(in :data:`FEATURE_CLASSES`) also the class shares per cell, each class's colour and each class's texture
(fine detail and edges inside it: windows on facades, wear on the road, blur); edge and fine-detail energy per
band (sharpness, noise) and the brightness fall-off to the corners (vignetting).  With labels, a
second view adds the whole-frame shares of the finer :data:`SHARE_CLASSES`; each reader takes it only where
cross-fitting says it reads better with it, so the extra columns cost the other readers nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.nn import functional as F

from scenegen.distributions import Categorical, Histogram
from scenegen.params import Variable

from scenegen.datasets import Sample
from scenegen.labels import class_mapping

from . import realdata
from .disc_models import class_color_statistics, grid_statistics
from .preprocess import prepare_batch, prepare_label_batch

#: equal-width bins of a variable whose distribution has none of its own (truncated normal, Poisson)
DEFAULT_BINS = 8
#: ridge penalties tried by cross-fitting (on standardised features)
PENALTIES = (0.1, 1.0, 10.0, 100.0, 1000.0)
#: points per bin at which a bin's likelihood is averaged
POINTS_PER_BIN = 5
FEATURE_GRID = (3, 4)
#: the class set of the label features.  CamVid-11 (whose pole, sign and bicyclist classes paper-7 leaves out)
#: was tried and recovered less (docs/experiments/2026-12-06-visibility.md), so paper-7 stays
FEATURE_CLASSES = "paper7"
#: the finer class set whose whole-frame shares each reader is also offered, as a second view it takes only when
#: cross-fitting says it reads better (poles, signs and two-wheelers show only there).  The choice is made on the
#: folds that also give the gate its R^2, which makes a chance reading likelier (about 5x for a variable with no
#: signal): docs/experiments/2026-12-07-haze-and-share-view.md
SHARE_CLASSES = "camvid11"
#: with deconfounding, readers at this cross-fitted R^2 or above are read as they are and correct the weaker ones
#: (chosen before it was measured: docs/experiments/2026-12-07-fold-readers.md)
STRONG_R2 = 0.5


# ----------------------------------------------------------------------------------------------
# image features
# ----------------------------------------------------------------------------------------------
def image_features(rgb: torch.Tensor, labels: Optional[torch.Tensor] = None) -> np.ndarray:
    """``(N, 3, H, W)`` prepared colour (and ``(N, K, H, W)`` label shares) -> ``(N, F)`` features."""
    x = rgb if labels is None else torch.cat([rgb, labels], dim=1)
    feats = [grid_statistics(x, FEATURE_GRID, rgb_first=True)]
    if labels is not None:
        feats += [class_color_statistics(rgb, labels), class_texture(rgb, labels)]
    feats += [_detail_energy(rgb), _vignetting(rgb)]
    return torch.cat(feats, dim=1).double().numpy()


def sample_features(samples: Sequence[Sample], size: Tuple[int, int], classes: Optional[str] = FEATURE_CLASSES,
                    share_classes: Optional[str] = SHARE_CLASSES) -> np.ndarray:
    """:func:`image_features` of dataset samples at ``size``, with their labels in the class set ``classes``
    (None: colour only), followed by :func:`class_share_features` in ``share_classes`` (when labelled; the last
    :func:`share_width` columns)."""
    rgb = prepare_batch(realdata.read_images(samples), size)
    if classes is None:
        return image_features(rgb)
    feats = [image_features(rgb, _label_shares(samples, size, classes))]
    if share_classes is not None:
        feats.append(sample_share_features(samples, size, share_classes))
    return np.concatenate(feats, axis=1)


def sample_share_features(samples: Sequence[Sample], size: Tuple[int, int],
                          share_classes: str = SHARE_CLASSES) -> np.ndarray:
    """:func:`class_share_features` of dataset samples' labels at ``size`` in the class set ``share_classes``."""
    return class_share_features(_label_shares(samples, size, share_classes))


def _label_shares(samples: Sequence[Sample], size: Tuple[int, int], classes: str) -> torch.Tensor:
    labels = realdata.read_classes(samples, classes)
    return prepare_label_batch(labels, size, len(class_mapping(classes).class_names))


def class_share_features(shares: torch.Tensor) -> np.ndarray:
    """``(N, K, H, W)`` class shares -> ``(N, 2K)``: each class's share of the frame and its square root (which
    spreads the small shares of thin and rare classes)."""
    whole = shares.double().mean(dim=(2, 3)).clamp_min(0.0)
    return torch.cat([whole, whole.sqrt()], dim=1).numpy()


def share_width(share_classes: Optional[str] = SHARE_CLASSES) -> int:
    """How many columns :func:`class_share_features` adds in the class set ``share_classes``."""
    return 0 if share_classes is None else 2 * len(class_mapping(share_classes).class_names)


def _detail_energy(rgb: torch.Tensor, bands: int = 3) -> torch.Tensor:
    """Per horizontal band: mean |Laplacian| of the luminance at full and half resolution, and mean
    gradient magnitude (blur lowers them, sensor noise raises the full-resolution one most)."""
    lum = rgb.mean(dim=1, keepdim=True)
    half = F.avg_pool2d(lum, 2) if min(lum.shape[-2:]) >= 4 else lum
    maps = [_abs_laplacian(lum), _abs_laplacian(half), (lum[..., :, 1:] - lum[..., :, :-1]).abs()]
    return torch.cat([F.adaptive_avg_pool2d(m, (bands, 1)).flatten(1) for m in maps], dim=1)


def _abs_laplacian(lum: torch.Tensor, border: str = "constant") -> torch.Tensor:
    """|Laplacian| of ``(N, 1, H, W)`` luminance, the frame padded by ``border`` (``F.pad`` mode; "constant"
    pads with 0, which makes the frame's edge an edge)."""
    lap = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], dtype=lum.dtype).view(1, 1, 3, 3)
    return F.conv2d(F.pad(lum, (1, 1, 1, 1), mode=border), lap).abs()


def _detail_maps(lum: torch.Tensor) -> List[torch.Tensor]:
    """``(N, 1, H, W)`` luminance -> per-pixel |Laplacian| at full and half resolution (brought back to full)
    and |horizontal| and |vertical| differences, each ``(N, 1, H, W)``; the frame's edge is no edge."""
    half = F.avg_pool2d(lum, 2) if min(lum.shape[-2:]) >= 4 else lum
    return [_abs_laplacian(lum, "replicate"), F.interpolate(_abs_laplacian(half, "replicate"), size=lum.shape[-2:]),
            F.pad((lum[..., :, 1:] - lum[..., :, :-1]).abs(), (0, 1)),
            F.pad((lum[..., 1:, :] - lum[..., :-1, :]).abs(), (0, 0, 0, 1))]


def class_texture(rgb: torch.Tensor, shares: torch.Tensor, min_pixels: float = 4.0) -> torch.Tensor:
    """``(N, 3, H, W)`` colour and ``(N, K, H, W)`` class shares -> ``(N, 4K)``: per class the log of the
    share-weighted mean of each :func:`_detail_maps` map inside it.  As in
    :func:`~tuner.disc_models.class_color_statistics`, a class with fewer than ``min_pixels`` pixels in an
    image gets the whole image's value.  Measured on stored recovery renders it reads road wear, window
    density and lens blur better than the frame-wide energies (docs/experiments/2026-12-07-class-texture.md)."""
    maps = torch.cat(_detail_maps(rgb.mean(dim=1, keepdim=True)), dim=1).flatten(2)  # N, M, P
    w = shares.flatten(2).to(maps.dtype)  # N, K, P
    mass = w.sum(dim=2, keepdim=True)  # N, K, 1
    inside = torch.einsum("nkp,nmp->nkm", w, maps) / mass.clamp_min(1e-6)
    inside = torch.where(mass >= min_pixels, inside, maps.mean(dim=2)[:, None, :])
    return torch.log(inside + 1e-3).flatten(1)


def _vignetting(rgb: torch.Tensor) -> torch.Tensor:
    """Mean luminance of the four corner cells of a 4x4 grid minus that of the four centre cells."""
    cells = F.adaptive_avg_pool2d(rgb.mean(dim=1, keepdim=True), (4, 4))[:, 0]
    corners = (cells[:, 0, 0] + cells[:, 0, 3] + cells[:, 3, 0] + cells[:, 3, 3]) / 4
    return (corners - cells[:, 1:3, 1:3].mean(dim=(1, 2)))[:, None]


# ----------------------------------------------------------------------------------------------
# bins
# ----------------------------------------------------------------------------------------------
def bin_edges(var: Variable) -> Optional[np.ndarray]:
    """The bin edges a variable is read in (None for a categorical: its values are the bins)."""
    d = var.distribution
    if isinstance(d, Categorical):
        return None
    if isinstance(d, Histogram):
        return np.asarray(d.edges, dtype=float)
    return np.linspace(var.support[0], var.support[1], DEFAULT_BINS + 1)


def bin_index(var: Variable, values: Sequence[float]) -> np.ndarray:
    """The bin of each value of ``var``."""
    v = np.asarray(values, dtype=float)
    edges = bin_edges(var)
    if edges is None:
        cats = np.asarray(var.distribution.values, dtype=float)
        return np.abs(v[:, None] - cats[None, :]).argmin(axis=1)
    return np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)


def bin_masses(var: Variable) -> np.ndarray:
    """The probability of each bin under the variable's current distribution."""
    d = var.distribution
    if isinstance(d, (Categorical, Histogram)):
        return np.asarray(d.weights, dtype=float) / float(np.sum(d.weights))
    edges = bin_edges(var)
    cdf = np.array([d.cdf(e) for e in edges])
    m = np.maximum(np.diff(cdf), 1e-9)
    return m / m.sum()


# ----------------------------------------------------------------------------------------------
# the classifier
# ----------------------------------------------------------------------------------------------
def bin_points(var: Variable) -> np.ndarray:
    """``(bins, POINTS_PER_BIN)`` values spread evenly inside each bin (a categorical: its values)."""
    edges = bin_edges(var)
    if edges is None:
        return np.asarray(var.distribution.values, dtype=float)[:, None]
    frac = (np.arange(POINTS_PER_BIN) + 0.5) / POINTS_PER_BIN
    return edges[:-1, None] + frac[None, :] * np.diff(edges)[:, None]


@dataclass(frozen=True)
class Identifiability:
    """How much an image says about one variable, measured on renders the model did not train on."""

    r2: float  # share of the variable's variance the cross-fitted predictions explain (>= 0)
    bits: float  # 0.5 * log2(1 / (1 - r2)): bits per image of a Gaussian channel with that R^2
    penalty: float  # the ridge penalty cross-fitting chose

    def to_dict(self) -> Dict[str, float]:
        return {"r2": self.r2, "bits": self.bits, "penalty": self.penalty}


@dataclass(frozen=True)
class RidgeReader:
    """Ridge regressions of one variable on standardised features, one per cross-fitting fold (each trained
    without its fold), with the calibration of their held-out predictions (``prediction ~ intercept + slope *
    value``, residual ``sigma``).  New images are read by the mean of the fold models, whose readings spread no
    wider than the held-out predictions the calibration was measured on (one model trained on all the renders
    spreads wider, which the prior-shift EM would mistake for real images spread toward the support's ends)."""

    models: Tuple[Tuple[np.ndarray, float], ...]  # per fold: weights on the first len(weights) columns, offset
    mean: np.ndarray
    scale: np.ndarray
    intercept: float
    slope: float
    sigma: float
    identifiability: Identifiability
    heldout: np.ndarray  # the cross-fitted prediction of each training render

    @classmethod
    def fit(cls, x: np.ndarray, values: np.ndarray, folds: np.ndarray, extra_columns: int = 0,
            nested: bool = False) -> "RidgeReader":
        """Fit on ``x``; with ``extra_columns``, the last that many columns are a second view, used only when
        cross-fitting says the reading is better with them than without (the penalty is chosen the same way).

        By default the view and penalty are chosen once, on the folds that also measure R^2 (a little
        optimistic for a variable the images do not show).  ``nested`` chooses each fold model's by
        cross-fitting inside that model's training part instead, so the choice cannot flatter R^2; it also
        reads less of what the images do show, and recovered less (docs/experiments/2026-12-07-fold-readers.md)."""
        x, v = np.asarray(x, dtype=np.float64), np.asarray(values, dtype=np.float64)
        views = [x.shape[1]] if extra_columns <= 0 else [x.shape[1] - extra_columns, x.shape[1]]
        mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
        z = (x - mean) / scale
        width, penalty = _select(z, v, folds, views)
        pred, models = _fold_models(z, v, folds, views if nested else [width], (width, penalty), nested)
        # a variable the renders hold at one value teaches nothing (and its error is zero): no evidence
        r2 = max(0.0, 1.0 - float(np.mean((pred - v) ** 2)) / float(v.var())) if v.var() > 0 else 0.0
        slope, intercept = np.polyfit(v, pred, 1) if v.std() > 0 else (0.0, float(v.mean()))
        sigma = max(float(np.std(pred - (intercept + slope * v))), 1e-6 * (1.0 + float(np.abs(v).max())))
        ident = Identifiability(r2, 0.5 * float(np.log2(1.0 / max(1.0 - r2, 1e-6))), penalty)
        return cls(tuple(models), mean, scale, float(intercept), float(slope), sigma, ident, pred)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The reading of each row of ``x``: the mean of the fold models' predictions."""
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        return np.mean([z[:, :len(w)] @ w + offset for w, offset in self.models], axis=0)

    def bin_log_likelihood(self, x: np.ndarray, points: np.ndarray, shift: float = 0.0) -> np.ndarray:
        """``(n, bins)``: log of each bin's likelihood for each image's prediction less ``shift`` (averaged over
        ``points``)."""
        pred = self.predict(x) - shift
        resid = (pred[:, None, None] - (self.intercept + self.slope * points[None])) / self.sigma
        return np.log(np.maximum(np.exp(-0.5 * resid ** 2).mean(axis=2), 1e-300))


def _ridge(z: np.ndarray, v: np.ndarray, penalty: float) -> Tuple[np.ndarray, float]:
    centre = float(v.mean())
    w = np.linalg.solve(z.T @ z + penalty * np.eye(z.shape[1]), z.T @ (v - centre))
    return w, centre


def _cross_fitted(z: np.ndarray, v: np.ndarray, folds: np.ndarray, penalty: float) -> float:
    """The mean squared error of cross-fitted predictions at ``penalty``."""
    pred = np.zeros_like(v)
    for f in np.unique(folds):
        tr, te = folds != f, folds == f
        w, centre = _ridge(z[tr], v[tr], penalty)
        pred[te] = z[te] @ w + centre
    return float(np.mean((pred - v) ** 2))


def _select(z: np.ndarray, v: np.ndarray, folds: np.ndarray, views: Sequence[int]) -> Tuple[int, float]:
    """(view width, penalty) with the least cross-fitted error."""
    fits = [(w, p, _cross_fitted(z[:, :w], v, folds, p)) for w in views for p in PENALTIES]
    width, penalty, _ = min(fits, key=lambda t: t[2])
    return width, penalty


def _fold_models(z: np.ndarray, v: np.ndarray, folds: np.ndarray, views: Sequence[int],
                 fallback: Tuple[int, float], nested: bool) -> Tuple[np.ndarray, List[Tuple[np.ndarray, float]]]:
    """(held-out predictions, per-fold models).  ``nested``: each fold model's view and penalty are chosen by
    cross-fitting inside its training part (as many inner folds as outer ones, alternating over its renders;
    a part too small to split keeps ``fallback``)."""
    pred, models = np.zeros_like(v), []
    ids = np.unique(folds)
    for f in ids:
        tr, te = folds != f, folds == f
        width, penalty = fallback
        if nested and tr.sum() >= 2 * len(ids):
            width, penalty = _select(z[tr], v[tr], np.arange(int(tr.sum())) % len(ids), views)
        w, centre = _ridge(z[tr][:, :width], v[tr], penalty)
        pred[te] = z[te][:, :width] @ w + centre
        models.append((w, centre))
    return pred, models


def prior_shift_em(log_posteriors: np.ndarray, train_prior: np.ndarray, start: np.ndarray,
                   prior_images: float, iterations: int = 200) -> np.ndarray:
    """The bin distribution of the real images (Saerens et al. 2002), MAP with a Dirichlet prior worth
    ``prior_images`` images centred on ``start``."""
    post = np.exp(log_posteriors - log_posteriors.max(axis=1, keepdims=True))
    post = post / post.sum(axis=1, keepdims=True) / np.maximum(train_prior, 1e-12)
    p = np.asarray(start, dtype=float).copy()
    n = post.shape[0]
    for _ in range(iterations):
        r = post * p
        r = r / np.maximum(r.sum(axis=1, keepdims=True), 1e-300)
        new = (r.sum(axis=0) + prior_images * start) / (n + prior_images)
        if np.abs(new - p).max() < 1e-9:
            p = new
            break
        p = new
    return p


@dataclass(frozen=True)
class Evidence:
    """What the inverse model learns from and is applied to: features of renders with their draws z
    (this iteration's and earlier ones'), features of the real training images, and the variables to
    read (None: all)."""

    features: np.ndarray
    draws: Sequence[Mapping[str, Any]]
    real: np.ndarray
    variables: Optional[Sequence[str]] = None
    #: how many of the last feature columns are the second view (:func:`share_width`), 0 for none
    extra_columns: int = 0


@dataclass(frozen=True)
class Reading:
    """What the images say about one variable: each render's bin, the real images' bin distribution, and
    how much the images say at all."""

    bins: np.ndarray
    render_frequency: np.ndarray
    real: np.ndarray
    identifiability: Identifiability

    def render_weights(self) -> np.ndarray:
        """Importance weights q_real(bin) / frequency in the renders(bin): the renders as a sample of the
        real images."""
        return self.real[self.bins] / self.render_frequency[self.bins]


def fit_reader(var: Variable, evidence: Evidence, folds: np.ndarray, nested: bool = False) -> RidgeReader:
    """The variable's reader, fitted on the renders' features and draws."""
    return RidgeReader.fit(evidence.features, _values(var, evidence), folds, evidence.extra_columns, nested)


def read_real(var: Variable, reader: RidgeReader, evidence: Evidence, prior_images: float,
              shift: float = 0.0) -> Reading:
    """The real images' bin distribution as ``reader`` reads them, its predictions lowered by ``shift``."""
    log_lik = reader.bin_log_likelihood(evidence.real, bin_points(var), shift)
    uniform = np.full(log_lik.shape[1], 1.0 / log_lik.shape[1])
    real = prior_shift_em(log_lik, uniform, bin_masses(var), prior_images)
    bins = bin_index(var, _values(var, evidence))
    frequency = (np.bincount(bins, minlength=len(uniform)) + 0.5) / (len(bins) + 0.5 * len(uniform))
    return Reading(bins, frequency, real, reader.identifiability)


def read_variables(variables: Sequence[Variable], evidence: Evidence, folds: np.ndarray, prior_images: float,
                   deconfound: bool = False, nested: bool = False) -> Dict[str, Reading]:
    """Each variable's reading (``nested`` as in :meth:`RidgeReader.fit`).  With ``deconfound``, a weakly read
    variable (R^2 under :data:`STRONG_R2`) is read corrected for how the real images differ in the strongly read
    ones (:func:`confounding_shift`)."""
    readers = {var.name: fit_reader(var, evidence, folds, nested) for var in variables}
    readings = {var.name: read_real(var, readers[var.name], evidence, prior_images) for var in variables}
    if not deconfound:
        return readings
    strong = [v for v in variables if readers[v.name].identifiability.r2 >= STRONG_R2]
    shifted = [(_values(v, evidence), reading_mean(v, readings[v.name])) for v in strong]
    for var in variables:
        if strong and var not in strong:
            shift = confounding_shift(readers[var.name], _values(var, evidence), shifted)
            readings[var.name] = read_real(var, readers[var.name], evidence, prior_images, shift)
    return readings


def confounding_shift(reader: RidgeReader, values: np.ndarray,
                      strong: Iterable[Tuple[np.ndarray, float]]) -> float:
    """How much of a reader's mean reading of the real images comes from their shift in other variables.

    The reader's held-out predictions on the renders are regressed on the variable's own values and on each
    strongly read variable's (``strong``: per variable, its render values and its real mean as read); each
    coefficient times the real images' shift in that variable (real mean less the renders' mean) is what that
    variable adds to the reading, which a weak reader cannot separate from its own variable."""
    others = list(strong)
    if not others:
        return 0.0
    design = np.column_stack([np.ones(len(values)), values] + [v for v, _ in others])
    coef = np.linalg.lstsq(design, reader.heldout, rcond=None)[0]
    return float(sum(g * (real_mean - v.mean()) for g, (v, real_mean) in zip(coef[2:], others)))


def reading_mean(var: Variable, reading: Reading) -> float:
    """The mean of the real images' distribution a reading gives (each bin at its centre)."""
    return float(reading.real @ bin_points(var).mean(axis=1))


def _values(var: Variable, evidence: Evidence) -> np.ndarray:
    return np.array([z[var.name] for z in evidence.draws], dtype=float)


def split_folds(n: int, folds: int, rng: np.random.Generator) -> np.ndarray:
    """A random fold id (0..folds-1) per render, balanced."""
    ids = np.arange(n) % folds
    rng.shuffle(ids)
    return ids


def identifiability_table(report: Mapping[str, Mapping[str, float]], top: int = 0) -> List[str]:
    """Lines ``name  R^2  bits`` sorted by R^2, most identifiable first."""
    rows = sorted(report.items(), key=lambda kv: -kv[1]["r2"])
    rows = rows[:top] if top else rows
    return [f"{name:28s} R^2 {r['r2']:.2f}  {r['bits']:5.2f} bits/image" for name, r in rows]
