"""Distributions over one scene variable: sample, log-density, dict round-trip.

Four families, as the parameter-space file names them:

* ``histogram``  piecewise-constant density over bins (uniform at the start; the form
  the paper's rejection-sampling tuner re-estimates),
* ``truncnormal`` a normal truncated to the variable's support,
* ``categorical`` a finite set of values with weights,
* ``poisson``    a count with a rate, truncated to the support.

Every sampler takes an explicit ``numpy.random.Generator``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Dict, Mapping, Sequence, Tuple

import numpy as np

from .errors import ParamsError
from .limits import MAX_BINS


def _check_weights(weights: Sequence[float], what: str) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise ParamsError(f"{what}: weights must be a non-empty list of numbers")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ParamsError(f"{what}: weights must be finite and non-negative, got {list(weights)}")
    if w.sum() <= 0:
        raise ParamsError(f"{what}: weights must not all be zero")
    return w / w.sum()


@dataclass(frozen=True)
class Histogram:
    """Piecewise-constant density: ``weights[i]`` is the probability of bin ``[edges[i], edges[i+1])``."""

    edges: Tuple[float, ...]
    weights: Tuple[float, ...]

    @classmethod
    def uniform(cls, low: float, high: float, bins: int) -> "Histogram":
        edges = tuple(float(e) for e in np.linspace(low, high, bins + 1))
        return cls(edges, tuple([1.0 / bins] * bins))

    @classmethod
    def create(cls, edges: Sequence[float], weights: Sequence[float], what: str = "histogram") -> "Histogram":
        e = np.asarray(edges, dtype=float)
        if e.ndim != 1 or e.size < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
            raise ParamsError(f"{what}: edges must be at least two strictly increasing numbers")
        if len(weights) != e.size - 1:
            raise ParamsError(f"{what}: {e.size - 1} bins need {e.size - 1} weights, got {len(weights)}")
        w = _check_weights(weights, what)
        return cls(tuple(float(x) for x in e), tuple(float(x) for x in w))

    @property
    def support(self) -> Tuple[float, float]:
        return self.edges[0], self.edges[-1]

    def sample(self, rng: np.random.Generator) -> float:
        i = int(rng.choice(len(self.weights), p=np.asarray(self.weights)))
        return float(rng.uniform(self.edges[i], self.edges[i + 1]))

    def log_prob(self, x: float) -> float:
        e = np.asarray(self.edges)
        if not (e[0] <= x <= e[-1]):
            return -math.inf
        i = min(int(np.searchsorted(e, x, side="right")) - 1, len(self.weights) - 1)
        w = self.weights[i]
        return math.log(w / (e[i + 1] - e[i])) if w > 0 else -math.inf

    def mean(self) -> float:
        e = np.asarray(self.edges)
        return float(np.dot(self.weights, (e[:-1] + e[1:]) / 2))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Cumulative distribution at ``x`` (array), linear within each bin."""
        e = np.asarray(self.edges)
        cum = np.concatenate([[0.0], np.cumsum(self.weights)])
        return np.interp(np.asarray(x, dtype=float), e, cum)

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "histogram", "edges": list(self.edges), "weights": list(self.weights)}


@dataclass(frozen=True)
class TruncatedNormal:
    """A normal with ``mean`` and ``std`` truncated to ``[low, high]``."""

    mean_: float
    std: float
    low: float
    high: float

    @classmethod
    def create(cls, mean: float, std: float, low: float, high: float, what: str = "truncnormal") -> "TruncatedNormal":
        if not math.isfinite(mean):
            raise ParamsError(f"{what}: mean must be a finite number, got {mean}")
        if not (math.isfinite(std) and std > 0):
            raise ParamsError(f"{what}: std must be a positive number, got {std}")
        if not low < high:
            raise ParamsError(f"{what}: support [{low}, {high}] is empty")
        return cls(float(mean), float(std), float(low), float(high))

    @property
    def support(self) -> Tuple[float, float]:
        return self.low, self.high

    def _mass(self) -> Tuple[float, float]:
        unit = NormalDist()
        return unit.cdf((self.low - self.mean_) / self.std), unit.cdf((self.high - self.mean_) / self.std)

    def sample(self, rng: np.random.Generator) -> float:
        lo, hi = self._mass()
        u = float(rng.uniform(lo, hi))
        x = self.mean_ + self.std * NormalDist().inv_cdf(min(max(u, 1e-300), 1 - 1e-16))
        return float(min(max(x, self.low), self.high))

    def log_prob(self, x: float) -> float:
        if not self.low <= x <= self.high:
            return -math.inf
        lo, hi = self._mass()
        z = (x - self.mean_) / self.std
        return -0.5 * z * z - math.log(self.std * math.sqrt(2 * math.pi)) - math.log(max(hi - lo, 1e-300))

    def mean(self) -> float:
        lo, hi = self._mass()
        unit = NormalDist()
        a, b = (self.low - self.mean_) / self.std, (self.high - self.mean_) / self.std
        return self.mean_ + self.std * (unit.pdf(a) - unit.pdf(b)) / max(hi - lo, 1e-300)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        lo, hi = self._mass()
        unit = NormalDist()
        xs = np.clip(np.asarray(x, dtype=float), self.low, self.high)
        f = np.vectorize(lambda v: unit.cdf((v - self.mean_) / self.std))(xs)
        return np.clip((f - lo) / max(hi - lo, 1e-300), 0.0, 1.0)

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "truncnormal", "mean": self.mean_, "std": self.std}


@dataclass(frozen=True)
class Categorical:
    """A finite set of values with probabilities."""

    values: Tuple[Any, ...]
    weights: Tuple[float, ...]

    @classmethod
    def create(cls, values: Sequence[Any], weights: Sequence[float] | None = None,
               what: str = "categorical") -> "Categorical":
        if not values:
            raise ParamsError(f"{what}: values must be a non-empty list")
        if len(set(map(repr, values))) != len(values):
            raise ParamsError(f"{what}: values must be distinct, got {list(values)}")
        if weights is None:
            weights = [1.0] * len(values)
        if len(weights) != len(values):
            raise ParamsError(f"{what}: {len(values)} values need {len(values)} weights, got {len(weights)}")
        w = _check_weights(weights, what)
        return cls(tuple(values), tuple(float(x) for x in w))

    @property
    def support(self) -> Tuple[Any, Any]:
        numeric = [v for v in self.values if isinstance(v, (int, float))]
        return (min(numeric), max(numeric)) if len(numeric) == len(self.values) else (None, None)

    def sample(self, rng: np.random.Generator) -> Any:
        v = self.values[int(rng.choice(len(self.values), p=np.asarray(self.weights)))]
        return v.item() if hasattr(v, "item") else v

    def log_prob(self, x: Any) -> float:
        for v, w in zip(self.values, self.weights):
            if v == x:
                return math.log(w) if w > 0 else -math.inf
        return -math.inf

    def mean(self) -> float:
        return float(np.dot(self.weights, np.asarray(self.values, dtype=float)))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        vals = np.asarray(self.values, dtype=float)
        order = np.argsort(vals)
        cum = np.cumsum(np.asarray(self.weights)[order])
        idx = np.searchsorted(vals[order], np.asarray(x, dtype=float), side="right")
        return np.concatenate([[0.0], cum])[idx]

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "categorical", "values": list(self.values), "weights": list(self.weights)}


@dataclass(frozen=True)
class Poisson:
    """A Poisson count with ``rate``, truncated to the integers in ``[low, high]``."""

    rate: float
    low: int
    high: int

    @classmethod
    def create(cls, rate: float, low: float, high: float, what: str = "poisson") -> "Poisson":
        if not (math.isfinite(rate) and rate >= 0):
            raise ParamsError(f"{what}: rate must be a non-negative number, got {rate}")
        lo, hi = int(math.ceil(low)), int(math.floor(high))
        if lo < 0 or hi < lo:
            raise ParamsError(f"{what}: support [{low}, {high}] holds no non-negative integer")
        return cls(float(rate), lo, hi)

    @property
    def support(self) -> Tuple[int, int]:
        return self.low, self.high

    def _pmf(self) -> np.ndarray:
        k = np.arange(self.low, self.high + 1)
        if self.rate == 0:
            p = (k == 0).astype(float)
            return p if p.sum() > 0 else np.eye(1, k.size, 0).ravel()
        log_factorial = np.array([math.lgamma(int(x) + 1) for x in k])
        logp = k * math.log(self.rate) - self.rate - log_factorial
        p = np.exp(logp - logp.max())
        return p / p.sum()

    def sample(self, rng: np.random.Generator) -> int:
        return int(self.low + rng.choice(self.high - self.low + 1, p=self._pmf()))

    def log_prob(self, x: float) -> float:
        if x != int(x) or not self.low <= x <= self.high:
            return -math.inf
        p = self._pmf()[int(x) - self.low]
        return math.log(p) if p > 0 else -math.inf

    def mean(self) -> float:
        return float(np.dot(self._pmf(), np.arange(self.low, self.high + 1)))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        cum = np.concatenate([[0.0], np.cumsum(self._pmf())])
        idx = np.clip(np.floor(np.asarray(x, dtype=float)).astype(int) - self.low + 1, 0, cum.size - 1)
        return cum[idx]

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "poisson", "rate": self.rate}


Distribution = Histogram | TruncatedNormal | Categorical | Poisson

_KEYS = {
    "histogram": {"type", "bins", "edges", "weights"},
    "truncnormal": {"type", "mean", "std"},
    "categorical": {"type", "values", "weights"},
    "poisson": {"type", "rate"},
}


def distribution_from_dict(d: Mapping[str, Any], support: Tuple[float, float], what: str) -> Distribution:
    """Build a distribution from its dict form, validated against the variable's support.

    ``what`` names the variable (and file) in error messages.
    """
    if not isinstance(d, Mapping):
        raise ParamsError(f"{what}: distribution must be a mapping with a 'type'")
    kind = d.get("type")
    if not isinstance(kind, str) or kind not in _KEYS:
        raise ParamsError(f"{what}: unknown distribution type {kind!r}; choose from {sorted(_KEYS)}")
    extra = set(d) - _KEYS[kind]
    if extra:
        raise ParamsError(f"{what}: unknown key(s) {sorted(extra)} for a {kind} distribution")
    low, high = support
    try:
        if kind == "histogram":
            if "edges" in d:
                if len(d["edges"]) > MAX_BINS + 1:
                    raise ParamsError(f"{what}: at most {MAX_BINS} bins, got {len(d['edges']) - 1}")
                edges = [float(x) for x in d["edges"]]
                if abs(edges[0] - low) > 1e-9 or abs(edges[-1] - high) > 1e-9:
                    raise ParamsError(f"{what}: histogram edges must span the support [{low}, {high}], "
                                      f"got [{edges[0]}, {edges[-1]}]")
            else:
                bins = d.get("bins", 10)
                if not isinstance(bins, int) or isinstance(bins, bool) or bins < 1:
                    raise ParamsError(f"{what}: bins must be a positive integer, got {bins!r}")
                if bins > MAX_BINS:
                    raise ParamsError(f"{what}: at most {MAX_BINS} bins, got {bins}")
                edges = list(np.linspace(low, high, bins + 1))
            weights = d.get("weights", [1.0] * (len(edges) - 1))
            return Histogram.create(edges, weights, what)
        if kind == "truncnormal":
            dist = TruncatedNormal.create(float(d["mean"]), float(d["std"]), low, high, what)
            if not low <= dist.mean_ <= high:
                raise ParamsError(f"{what}: mean {dist.mean_} is outside the support [{low}, {high}]")
            return dist
        if kind == "categorical":
            values = list(d["values"])
            if len(values) > MAX_BINS:
                raise ParamsError(f"{what}: at most {MAX_BINS} categorical values, got {len(values)}")
            for v in values:
                if isinstance(v, (int, float)) and not isinstance(v, bool) and not low <= v <= high:
                    raise ParamsError(f"{what}: value {v} is outside the support [{low}, {high}]")
            return Categorical.create(values, d.get("weights"), what)
        return Poisson.create(float(d["rate"]), low, high, what)
    except KeyError as e:
        raise ParamsError(f"{what}: a {kind} distribution needs the key {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise ParamsError(f"{what}: malformed {kind} distribution ({e})") from None
