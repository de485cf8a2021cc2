"""Update rules: move the distributions over z toward draws the discriminator scores as real.

Every rule has the same call::

    result = rule.update(space, draws, scores, rng)

``draws`` are the sampled z (one dict per rendered frame), ``scores`` the discriminator's
probability that each render is *real*, taken from a discriminator that never trained on that
draw (see :mod:`tuner.crossfit`), and ``rng`` an explicit ``numpy.random.Generator``.
``result.space`` is the new :class:`ParameterSpace`; ``result.info`` holds per-draw details
(accepted flags, advantages) for logs and reports.

Rules may also take ``history``: earlier iterations as :class:`Batch` records (distribution, draws, cross-fitted scores)
of earlier iterations, oldest first.  The rejection rule can pool them (``pool``) so that one
re-estimate rests on several iterations' renders instead of one batch.

Rules are looked up by name in :data:`RULES` (``get_rule("rejection", quantile=0.5)``); add a
rule with :func:`register_rule`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np

from scenegen.errors import UserError
from scenegen.params import ParameterSpace

from .fitting import FitOptions, apply_floor, damp, fit_variable
from .gradients import fisher_scale, get_theta, score_function, set_theta
from .observe import column, value_log_prob

EPS = 1e-4


def score_logit(scores: np.ndarray) -> np.ndarray:
    """``log D/(1-D)``: the discriminator's estimate of log p_real/p_render (D clipped away from 0, 1)."""
    d = np.clip(np.asarray(scores, dtype=float), EPS, 1 - EPS)
    return np.log(d) - np.log1p(-d)


@dataclass(frozen=True)
class Batch:
    """One earlier iteration as an update rule sees it: the distribution its draws came from, the
    draws, and their cross-fitted scores."""

    space: ParameterSpace
    draws: Sequence[Mapping[str, Any]]
    scores: np.ndarray
    groups: Optional[np.ndarray] = None  # e.g. the cross-fitting fold of each draw


@dataclass
class UpdateResult:
    """The new parameter space and per-draw details of the update."""

    space: ParameterSpace
    info: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Refit:
    """How the rules that re-estimate a variable from weighted draws (rejection, inverse) do it: the
    :class:`~tuner.fitting.FitOptions` knobs and ``damping`` toward the previous distribution."""

    damping: float = 0.0
    pseudo_count: float = 0.25
    smooth: float = 0.05
    floor: float = 0.05
    min_std_frac: float = 0.02

    name = "refit"

    def __post_init__(self) -> None:
        if not 0.0 <= self.damping <= 1.0:
            raise UserError(f"{self.name} rule: damping must be in [0, 1], got {self.damping}")

    def refit(self, var: Any, values: Sequence[Any], weights: np.ndarray) -> Any:
        """``var``'s distribution re-estimated from weighted ``values``, damped toward the old one."""
        opts = FitOptions(pseudo_count=self.pseudo_count, smooth=self.smooth, floor=self.floor,
                          min_std_frac=self.min_std_frac)
        return damp(var.distribution, fit_variable(var, values, weights, opts), self.damping)


# ----------------------------------------------------------------------------------------------
# rejection (the paper)
# ----------------------------------------------------------------------------------------------
@dataclass
class RejectionRule(Refit):
    """Accept draws by score, then re-estimate every variable from the accepted draws.

    ``accept``: ``"quantile"`` keeps the draws whose score is at or above the ``quantile``-th
    quantile of the batch; ``"ratio"`` keeps each draw with probability proportional to
    r = D/(1-D), the density-ratio estimate p_real/p_render, i.e. ``min(1, r / M)`` drawn with
    ``rng``.  Exact rejection sampling needs M = max r, which with a few extreme scores keeps
    almost nothing; M is therefore the ``ratio_cap``-quantile of the batch's ratios (1.0 = the
    max, exact).  ``"weight"`` uses those probabilities as fractional counts instead of coin flips
    (the expected outcome of ``ratio``, with less noise).  ``power`` raises r to a power first
    (r**power: > 1 sharper, < 1 flatter; 1 = the plain ratio).
    ``damping`` mixes the re-estimated distribution with the previous one (0 = none).

    ``by_fold``: with ``groups`` (the cross-fitting fold of each draw) the quantile threshold, or
    the ratio cap M, is taken within each fold: every fold was scored by its own discriminator,
    and two models' scores need not share a scale or an offset.

    ``pool`` > 0 also uses the draws of up to that many earlier iterations (``history``):

    * ``ratio`` / ``weight``: each iteration's acceptance-weighted draws are a self-normalised
      importance sample of the *target* (its discriminator estimated p_real / p_that_iteration),
      so they are pooled as they are, every iteration scaled to the current batch's total weight;
    * ``quantile``: an earlier draw accepted at iteration j counts, when variable v is refitted,
      with the importance weight q_now(z_v) / q_j(z_v) of that variable alone, so the pool estimates
      "the current distribution, truncated where draws were accepted".  (The joint weight, a
      product over all tuned variables, would leave a handful of draws carrying the whole pool.)
    """

    accept: str = "quantile"
    quantile: float = 0.5
    ratio_cap: float = 0.9
    power: float = 1.0
    pool: int = 0
    by_fold: bool = False

    name = "rejection"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.accept not in ("quantile", "ratio", "weight"):
            raise UserError(f"rejection rule: accept must be 'quantile', 'ratio' or 'weight', got {self.accept!r}")
        if not 0.0 <= self.quantile < 1.0:
            raise UserError(f"rejection rule: quantile must be in [0, 1), got {self.quantile}")
        if not 0.0 < self.ratio_cap <= 1.0:
            raise UserError(f"rejection rule: ratio_cap must be in (0, 1], got {self.ratio_cap}")
        if not 0.0 < self.power <= 20.0:
            raise UserError(f"rejection rule: power must be in (0, 20], got {self.power}")
        if int(self.pool) != self.pool or self.pool < 0:
            raise UserError(f"rejection rule: pool must be a non-negative integer, got {self.pool}")

    def acceptance_probability(self, scores: np.ndarray, groups: Optional[np.ndarray] = None) -> np.ndarray:
        """Per-draw acceptance probability (0/1 for ``quantile``); within each group when ``by_fold``."""
        s = np.asarray(scores, dtype=float)
        if self.by_fold and groups is not None:
            g = np.asarray(groups)
            out = np.zeros(s.size)
            for v in np.unique(g):
                m = g == v
                out[m] = self._probability(s[m])
            return out
        return self._probability(s)

    def _probability(self, s: np.ndarray) -> np.ndarray:
        if self.accept == "quantile":
            return (s >= np.quantile(s, self.quantile)).astype(float)
        logit = self.power * score_logit(s)  # power * log D/(1-D)
        log_m = np.quantile(logit, self.ratio_cap)
        return np.exp(np.minimum(logit - log_m, 0.0))

    def acceptance(self, scores: np.ndarray, rng: np.random.Generator,
                   groups: Optional[np.ndarray] = None) -> np.ndarray:
        """Boolean mask of accepted draws (``ratio``: drawn with ``rng``; ``weight``: probability > 0)."""
        p = self.acceptance_probability(scores, groups)
        if self.accept == "ratio":
            return rng.random(p.size) < p
        return p > 0

    def _weights(self, scores: np.ndarray, accepted: np.ndarray, groups: Optional[np.ndarray] = None) -> np.ndarray:
        # "weight" keeps every draw with its acceptance probability as a fractional count: the
        # expectation of "ratio" over the coin flips (same target, less noise).
        if self.accept == "weight":
            return self.acceptance_probability(scores, groups)
        return accepted.astype(float)

    def pooled(self, space: ParameterSpace, draws: Sequence[Mapping[str, Any]], weights: np.ndarray,
               history: Sequence[Batch], rng: np.random.Generator) -> tuple:
        """Draws of the current batch plus the last ``pool`` batches of ``history``, and per variable
        their weights: ``(draws, {variable name: weights})``."""
        all_draws = list(draws)
        per_var: Dict[str, List[np.ndarray]] = {v.name: [np.asarray(weights, dtype=float)] for v in space}
        total = float(np.sum(weights))
        for b in list(history)[len(history) - min(int(self.pool), len(history)):]:
            _check_batch(b.draws, b.scores)
            acc = self.acceptance(b.scores, rng, b.groups)
            w = self._weights(b.scores, acc, b.groups)
            if self.accept != "quantile" and w.sum() > 0:
                w = w * (total / w.sum())
            for var in space:
                if self.accept == "quantile":
                    xs = column(b.draws, var.name)
                    lr = value_log_prob(var, xs) - value_log_prob(b.space[var.name], xs)
                    lr = np.nan_to_num(lr, nan=-30.0, neginf=-30.0, posinf=30.0)
                    per_var[var.name].append(w * np.exp(np.clip(lr, -30.0, 30.0)))
                else:
                    per_var[var.name].append(w)
            all_draws += list(b.draws)
        return all_draws, {n: np.concatenate(ws) for n, ws in per_var.items()}

    def update(self, space: ParameterSpace, draws: Sequence[Mapping[str, Any]], scores: np.ndarray,
               rng: np.random.Generator, history: Sequence[Batch] = (),
               groups: Optional[np.ndarray] = None) -> UpdateResult:
        """Accept (per group of ``groups`` with ``by_fold``), refit each variable from the accepted draws
        (pooled with ``history`` when ``pool`` > 0), damp toward the old distribution."""
        _check_batch(draws, scores)
        accepted = self.acceptance(scores, rng, groups)
        weights = self._weights(scores, accepted, groups)
        fit_draws, per_var = draws, {v.name: weights for v in space}
        if self.pool and history:
            fit_draws, per_var = self.pooled(space, draws, weights, history, rng)
        new = space
        for var in space:
            new = new.with_distribution(var.name, self.refit(var, column(fit_draws, var.name), per_var[var.name]))
        total = float(np.mean([np.sum(w) for w in per_var.values()])) if per_var else 0.0
        return UpdateResult(new, {"accepted": accepted.tolist(), "accept_rate": float(accepted.mean()),
                                  "pooled_draws": len(fit_draws), "pooled_weight": total})


# ----------------------------------------------------------------------------------------------
# score function (REINFORCE)
# ----------------------------------------------------------------------------------------------
def reinforce_gradient(space: ParameterSpace, draws: Sequence[Mapping[str, Any]],
                       advantages: np.ndarray) -> Dict[str, np.ndarray]:
    """Per variable, ``mean_j A_j * d log q(z_j) / d theta`` (the REINFORCE estimate)."""
    a = np.asarray(advantages, dtype=float)
    return {var.name: (a[:, None] * score_function(var, column(draws, var.name))).mean(axis=0)
            for var in space}


@dataclass
class ScoreRule:
    """REINFORCE with a baseline on every distribution's unconstrained parameters.

    Reward of a draw: ``log D/(1-D)`` of its render (``reward="logit"``) or ``D`` itself
    (``reward="prob"``).  Baseline: the batch mean.  ``normalize`` divides advantages by their
    std; ``natural`` preconditions with the diagonal inverse Fisher information; ``max_step``
    caps the step on any one parameter.  Histogram and categorical weights are floored after
    the step like in the rejection rule, so no bin dies.
    """

    lr: float = 1.0
    reward: str = "logit"
    normalize: bool = True
    natural: bool = True
    max_step: float = 1.0
    floor: float = 0.05

    name = "score"

    def __post_init__(self) -> None:
        if self.reward not in ("logit", "prob"):
            raise UserError(f"score rule: reward must be 'logit' or 'prob', got {self.reward!r}")
        if not self.lr > 0:
            raise UserError(f"score rule: lr must be positive, got {self.lr}")

    def advantages(self, scores: np.ndarray) -> np.ndarray:
        """Rewards minus the batch-mean baseline (optionally scaled to unit std)."""
        s = np.asarray(scores, dtype=float)
        r = score_logit(s) if self.reward == "logit" else s
        a = r - r.mean()
        if self.normalize:
            sd = a.std()
            a = a / sd if sd > 1e-12 else np.zeros_like(a)
        return a

    def update(self, space: ParameterSpace, draws: Sequence[Mapping[str, Any]], scores: np.ndarray,
               rng: np.random.Generator, history: Sequence[Batch] = ()) -> UpdateResult:
        """One gradient-ascent step on E_q[reward] for every variable's parameters."""
        _check_batch(draws, scores)
        adv = self.advantages(scores)
        grads = reinforce_gradient(space, draws, adv)
        new = space
        for var in space:
            g = grads[var.name]
            if self.natural:
                g = g * fisher_scale(var.distribution)
            step = np.clip(self.lr * g, -self.max_step, self.max_step)
            dist = set_theta(var.distribution, get_theta(var.distribution) + step)
            dist = _post(dist, var, self.floor)
            new = new.with_distribution(var.name, dist)
        return UpdateResult(new, {"advantages": adv.tolist(),
                                  "grad_norm": {k: float(np.linalg.norm(v)) for k, v in grads.items()}})


def _post(dist, var, floor: float):
    """Keep a stepped distribution legal: floored weights, mean inside the support, sane std."""
    from scenegen.distributions import Categorical, Histogram, Poisson, TruncatedNormal

    if isinstance(dist, Histogram):
        return Histogram(dist.edges, tuple(float(x) for x in apply_floor(np.asarray(dist.weights), floor)))
    if isinstance(dist, Categorical):
        return Categorical(dist.values, tuple(float(x) for x in apply_floor(np.asarray(dist.weights), floor)))
    if isinstance(dist, TruncatedNormal):
        width = dist.high - dist.low
        return TruncatedNormal(min(max(dist.mean_, dist.low), dist.high),
                               min(max(dist.std, 0.02 * width), 10 * width), dist.low, dist.high)
    if isinstance(dist, Poisson):
        return Poisson(min(max(dist.rate, 1e-3), 10.0 * dist.high + 10.0), dist.low, dist.high)
    return dist


def _check_batch(draws: Sequence[Mapping[str, Any]], scores: np.ndarray) -> None:
    if len(draws) != len(np.asarray(scores)):
        raise ValueError(f"{len(draws)} draws but {len(np.asarray(scores))} scores")
    if len(draws) == 0:
        raise ValueError("an update needs at least one draw")


# ----------------------------------------------------------------------------------------------
# inverse model (simulation-based inference)
# ----------------------------------------------------------------------------------------------
@dataclass
class InverseRule(Refit):
    """Read each variable's distribution off the real images with an inverse model trained on renders
    (:mod:`tuner.inverse`), instead of from discriminator scores.

    The renders of the last ``window`` iterations (0 = all so far) train, per tuned variable, a ridge
    regression of its value on image features; its cross-fitted (``folds``) R^2 (in bits per image) is the
    variable's identifiability.  The real training images' bin distribution (prior-shift EM, shrunk toward
    the current distribution by a prior worth ``prior_images`` images) reweights the renders, and the
    variable is refitted from them (``pseudo_count``, ``smooth``, ``floor``, ``min_std_frac`` as in the
    rejection rule) and damped (``damping``).  A variable the images say less than ``min_bits`` about
    keeps its distribution.  With ``deconfound``, weakly read variables are read corrected for the real images'
    shift in the strongly read ones (:func:`tuner.inverse.read_variables`).  The discriminator's scores are not
    used (they stay a metric).
    """

    window: int = 0
    folds: int = 2
    prior_images: float = 8.0
    min_bits: float = 0.05
    deconfound: bool = False

    name = "inverse"
    uses_evidence = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if int(self.window) != self.window or self.window < 0:
            raise UserError(f"inverse rule: window must be a non-negative integer, got {self.window}")
        if int(self.folds) != self.folds or self.folds < 2:
            raise UserError(f"inverse rule: folds must be an integer >= 2, got {self.folds}")
        if not self.prior_images >= 0 or not self.min_bits >= 0:
            raise UserError("inverse rule: prior_images and min_bits must not be negative")
        if not isinstance(self.deconfound, bool):
            raise UserError(f"inverse rule: deconfound must be true or false, got {self.deconfound!r}")

    def update(self, space: ParameterSpace, draws: Sequence[Mapping[str, Any]], scores: np.ndarray,
               rng: np.random.Generator, evidence: Any = None, **_: Any) -> UpdateResult:
        """Refit each variable of ``evidence.variables`` (all when None) from the reweighted renders."""
        from .inverse import read_variables, split_folds

        if evidence is None:
            raise UserError("the inverse rule reads image features of the renders; run it in the tuning loop")
        folds = split_folds(len(evidence.draws), int(self.folds), rng)
        tuned = [var for var in space if evidence.variables is None or var.name in evidence.variables]
        readings = read_variables(tuned, evidence, folds, self.prior_images, self.deconfound)
        new, report = space, {}
        for var in tuned:
            report[var.name] = readings[var.name].identifiability.to_dict()
            new = new.with_distribution(var.name, self.step(var, evidence.draws, readings[var.name]))
        return UpdateResult(new, {"identifiability": report, "pooled_draws": len(evidence.draws)})

    def step(self, var: Any, draws: Sequence[Mapping[str, Any]], reading: Any) -> Any:
        """``var``'s new distribution from a reading of it: refitted from the reweighted ``draws``, or the old
        one when the images say less than ``min_bits`` about it."""
        if reading.identifiability.bits < self.min_bits:
            return var.distribution
        return self.refit(var, column(draws, var.name), reading.render_weights())


# ----------------------------------------------------------------------------------------------
# registry
# ----------------------------------------------------------------------------------------------
RULES: Dict[str, Callable[..., Any]] = {}


def register_rule(name: str, factory: Callable[..., Any]) -> None:
    """Make an update rule available by name (``factory(**options)`` builds it)."""
    RULES[name] = factory


register_rule("rejection", RejectionRule)
register_rule("score", ScoreRule)
register_rule("inverse", InverseRule)


def rule_options(name: str) -> List[str]:
    """Option names a rule accepts."""
    factory = RULES[name]
    return [f.name for f in fields(factory)] if hasattr(factory, "__dataclass_fields__") else []


def get_rule(name: str, **options: Any):
    """Build the update rule ``name`` with ``options``; unknown names/options raise UserError."""
    if name not in RULES:
        raise UserError(f"unknown update method {name!r}; choose from {sorted(RULES)}")
    allowed = rule_options(name)
    bad = sorted(set(options) - set(allowed)) if allowed else []
    if bad:
        raise UserError(f"update method {name!r}: unknown option(s) {bad}; allowed: {allowed}")
    return RULES[name](**options)
