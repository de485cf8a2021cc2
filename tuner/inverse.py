"""The inverse model: what the images say about each scene variable (simulation-based inference).

Renders come with the z they were drawn from, so a model can learn to read each variable back from an
image.  Per variable, a multinomial logistic regression on image features predicts the variable's *bin*
(a histogram's bins, a categorical's values, equal-width bins otherwise).  Its regularisation is chosen by
cross-fitted log loss, and the same cross-fitting measures how much an image says about the variable:
the information gain over the bin frequencies of the training renders, in bits per image
(:class:`Identifiability`).  A variable no image feature responds to gets a gain near 0.

Applied to the real images, the classifier's posteriors give the real images' distribution over the
bins by the prior-shift EM of Saerens et al. (2002): the classifier was trained under the training
renders' bin frequencies ``pi``; the real distribution ``p`` maximises the likelihood of the real
images under ``p(b | x) ~ f(b | x) p(b) / pi(b)``.  It starts at, and is shrunk toward, the current
distribution (a Dirichlet prior worth ``prior_images`` images), so a variable the images say nothing
about stays where it is instead of drifting.

Image features (:func:`image_features`): colour mean and contrast per cell of a coarse grid, with
labels also the class shares per cell and each class's colour; edge and fine-detail energy per band
(sharpness, noise) and the brightness fall-off to the corners (vignetting).  Torch, CPU.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.nn import functional as F

from scenegen.distributions import Categorical, Histogram
from scenegen.params import Variable

from .disc_models import class_color_statistics, grid_statistics

#: equal-width bins of a variable whose distribution has none of its own (truncated normal, Poisson)
DEFAULT_BINS = 8
#: L2 penalties tried by cross-fitting (per image, on standardised features)
PENALTIES = (1e-3, 1e-2, 1e-1, 1.0)
#: fewest renders per class (on average) of the bin classifier: with fewer, neighbouring bins are merged
RENDERS_PER_CLASS = 12
#: principal components of the features the classifiers read
PCA_DIM = 32
FEATURE_GRID = (3, 4)


# ----------------------------------------------------------------------------------------------
# image features
# ----------------------------------------------------------------------------------------------
def image_features(rgb: torch.Tensor, labels: Optional[torch.Tensor] = None) -> np.ndarray:
    """``(N, 3, H, W)`` prepared colour (and ``(N, K, H, W)`` label shares) -> ``(N, F)`` features."""
    x = rgb if labels is None else torch.cat([rgb, labels], dim=1)
    feats = [grid_statistics(x, FEATURE_GRID, rgb_first=True)]
    if labels is not None:
        feats.append(class_color_statistics(rgb, labels))
    feats += [_detail_energy(rgb), _vignetting(rgb)]
    return torch.cat(feats, dim=1).double().numpy()


def _detail_energy(rgb: torch.Tensor, bands: int = 3) -> torch.Tensor:
    """Per horizontal band: mean |Laplacian| of the luminance at full and half resolution, and mean
    gradient magnitude (blur lowers them, sensor noise raises the full-resolution one most)."""
    lum = rgb.mean(dim=1, keepdim=True)
    lap = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
    half = F.avg_pool2d(lum, 2) if min(lum.shape[-2:]) >= 4 else lum
    maps = [F.conv2d(lum, lap, padding=1).abs(), F.conv2d(half, lap, padding=1).abs(),
            (lum[..., :, 1:] - lum[..., :, :-1]).abs()]
    return torch.cat([F.adaptive_avg_pool2d(m, (bands, 1)).flatten(1) for m in maps], dim=1)


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


def bin_count(var: Variable) -> int:
    edges = bin_edges(var)
    return len(var.distribution.values) if edges is None else len(edges) - 1


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
@dataclass
class SoftmaxRegression:
    """Multinomial logistic regression on standardised features (L-BFGS with an analytic gradient)."""

    weight: np.ndarray
    bias: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, classes: int, penalty: float) -> "SoftmaxRegression":
        from scipy import optimize

        x = np.asarray(x, dtype=np.float64)
        mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
        z = (x - mean) / scale
        n, dim = z.shape
        onehot = np.eye(classes)[np.asarray(y, dtype=int)]
        prior = onehot.sum(axis=0) + 0.5
        start = np.concatenate([np.zeros(dim * classes), np.log(prior / prior.sum())])

        def loss(theta: np.ndarray) -> Tuple[float, np.ndarray]:
            w, b = theta[:dim * classes].reshape(dim, classes), theta[dim * classes:]
            logits = z @ w + b
            logits -= logits.max(axis=1, keepdims=True)
            log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
            diff = (np.exp(log_p) - onehot) / n
            value = -float((onehot * log_p).sum()) / n + penalty * float((w * w).sum())
            return value, np.concatenate([(z.T @ diff + 2 * penalty * w).ravel(), diff.sum(axis=0)])

        theta = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
        return cls(theta[:dim * classes].reshape(dim, classes), theta[dim * classes:], mean, scale)

    def log_proba(self, x: np.ndarray) -> np.ndarray:
        logits = ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.weight + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Identifiability:
    """How much an image says about one variable, measured on renders the classifier did not train on."""

    bits: float  # information gain over the training bin frequencies, bits per image (>= 0)
    share: float  # bits / entropy of the training bin frequencies: 0 = nothing, 1 = the bin exactly
    accuracy: float  # held-out bin accuracy
    chance: float  # accuracy of always guessing the most frequent bin
    penalty: float  # the L2 penalty cross-fitting chose

    def to_dict(self) -> Dict[str, float]:
        return {"bits": self.bits, "share": self.share, "accuracy": self.accuracy, "chance": self.chance,
                "penalty": self.penalty}


def _prior_log_loss(y_train: np.ndarray, y_test: np.ndarray, classes: int) -> float:
    freq = np.bincount(y_train, minlength=classes) + 0.5
    return float(-np.mean(np.log(freq[y_test] / freq.sum())))


def cross_fit(x: np.ndarray, y: np.ndarray, classes: int, folds: np.ndarray
              ) -> Tuple[float, Identifiability]:
    """Choose the penalty by cross-fitted log loss; the chosen penalty and the variable's identifiability."""
    best: Optional[Tuple[float, float, np.ndarray]] = None
    for penalty in PENALTIES:
        loss, pred = 0.0, np.zeros(len(y), dtype=int)
        for f in np.unique(folds):
            tr, te = folds != f, folds == f
            lp = SoftmaxRegression.fit(x[tr], y[tr], classes, penalty).log_proba(x[te])
            loss += float(-lp[np.arange(te.sum()), y[te]].sum())
            pred[te] = lp.argmax(axis=1)
        if best is None or loss < best[0]:
            best = (loss, penalty, pred)
    loss, penalty, pred = best
    prior = sum(_prior_log_loss(y[folds != f], y[folds == f], classes) * (folds == f).sum()
                for f in np.unique(folds))
    gain = max(0.0, (prior - loss) / len(y)) / np.log(2)
    freq = np.bincount(y, minlength=classes) / len(y)
    entropy = float(-np.sum(freq[freq > 0] * np.log2(freq[freq > 0])))
    return penalty, Identifiability(bits=gain, share=gain / entropy if entropy > 0 else 0.0,
                                    accuracy=float(np.mean(pred == y)), chance=float(freq.max()),
                                    penalty=penalty)


# ----------------------------------------------------------------------------------------------
# the real images' distribution over the bins
# ----------------------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class Reading:
    """What the images say about one variable: each render's bin, the training renders' bin frequencies,
    the real images' bin distribution, and how much the images say at all."""

    bins: np.ndarray
    train_prior: np.ndarray
    real: np.ndarray
    identifiability: Identifiability

    def render_weights(self) -> np.ndarray:
        """Importance weights q_real(bin) / pi(bin) that make the renders a sample of the real images."""
        return self.real[self.bins] / self.train_prior[self.bins]


def reduced(evidence: Evidence, dim: int = PCA_DIM) -> Evidence:
    """The evidence with its features projected on the renders' first ``dim`` principal components
    (of the standardised features): fewer parameters per classifier, less room to chase noise."""
    x = np.asarray(evidence.features, dtype=np.float64)
    mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
    z = (x - mean) / scale
    _, _, vt = np.linalg.svd(z, full_matrices=False)
    basis = vt[:min(dim, vt.shape[0])].T
    real = (np.asarray(evidence.real, dtype=np.float64) - mean) / scale
    return replace(evidence, features=z @ basis, real=real @ basis)


def read_variable(var: Variable, evidence: Evidence, folds: np.ndarray, prior_images: float) -> Reading:
    """Train the inverse model of one variable on the renders and read the real images with it.  With few
    renders the variable's bins are merged into groups of neighbours (at least :data:`RENDERS_PER_CLASS`
    renders per class on average), so the classifier does not chase noise; they split again as renders
    accumulate."""
    fine = bin_count(var)
    groups = int(np.clip(len(evidence.draws) // RENDERS_PER_CLASS, 2, fine))
    group_of_bin = np.arange(fine) * groups // fine
    y = group_of_bin[bin_index(var, [z[var.name] for z in evidence.draws])]
    penalty, ident = cross_fit(evidence.features, y, groups, folds)
    model = SoftmaxRegression.fit(evidence.features, y, groups, penalty)
    train_prior = (np.bincount(y, minlength=groups) + 0.5) / (len(y) + 0.5 * groups)
    start = np.bincount(group_of_bin, weights=bin_masses(var), minlength=groups)
    real = prior_shift_em(model.log_proba(evidence.real), train_prior, start, prior_images)
    return Reading(y, train_prior, real, ident)


def split_folds(n: int, folds: int, rng: np.random.Generator) -> np.ndarray:
    """A random fold id (0..folds-1) per render, balanced."""
    ids = np.arange(n) % folds
    rng.shuffle(ids)
    return ids


def identifiability_table(report: Mapping[str, Mapping[str, float]], top: int = 0) -> List[str]:
    """Lines ``name  bits  share  accuracy (chance)`` sorted by bits, most identifiable first."""
    rows = sorted(report.items(), key=lambda kv: -kv[1]["bits"])
    rows = rows[:top] if top else rows
    return [f"{name:28s} {r['bits']:5.2f} bits  {100 * r['share']:3.0f} %  acc {r['accuracy']:.2f} "
            f"(chance {r['chance']:.2f})" for name, r in rows]
