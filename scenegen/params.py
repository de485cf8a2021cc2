"""The parameter space: named global scene variables z, their supports and distributions.

A parameter-space file is YAML::

    name: urban-default
    variables:
      sun_elevation_deg:
        group: sun
        description: Sun height above the horizon
        support: [5, 80]
        type: float              # float | int
        distribution: {type: histogram, bins: 10}

Loading validates everything and raises :class:`ParamsError` with one line naming the
file and the variable.  ``version`` is a content hash recorded with every frame.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Sequence, Tuple

import numpy as np
import yaml

from .distributions import Categorical, Distribution, distribution_from_dict
from .errors import ParamsError
from .seeding import named_stream
from .variable_ranges import PHYSICAL_RANGES
from .yamlfile import parse_yaml, read_yaml

DEFAULT_SPACE_NAME = "urban_default.yaml"
_VARIABLE_KEYS = {"group", "description", "support", "type", "distribution", "unit"}
_SPACE_KEYS = {"name", "description", "variables"}
#: Variables renamed since parameter files were written: old name -> name now.  Files with the old name
#: still load, and a renamed variable keeps drawing from its old stream, so the same seed gives the same frames.
RENAMED_VARIABLES = {"car_colourful_share": "car_colorful_share"}
_STREAM_NAMES = {new: old for old, new in RENAMED_VARIABLES.items()}


@dataclass(frozen=True)
class Variable:
    """One global scene variable."""

    name: str
    support: Tuple[float, float]
    dtype: str  # "float" or "int"
    distribution: Distribution
    group: str = ""
    description: str = ""
    unit: str = ""

    def sample(self, rng: np.random.Generator) -> float | int:
        value = self.distribution.sample(rng)
        if self.dtype == "int":
            return int(min(max(math.floor(value), self.support[0]), self.support[1]))
        return float(value)

    def check_value(self, value: Any, where: str = "") -> None:
        """Raise ParamsError when ``value`` is not a legal value of this variable."""
        prefix = f"{where}: " if where else ""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ParamsError(f"{prefix}variable {self.name!r} needs a number, got {value!r}")
        lo, hi = self.support
        if not lo <= value <= hi:
            raise ParamsError(f"{prefix}variable {self.name!r} = {value} is outside its support [{lo}, {hi}]")
        if self.dtype == "int" and value != int(value):
            raise ParamsError(f"{prefix}variable {self.name!r} is an integer, got {value}")

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {}
        if self.group:
            d["group"] = self.group
        if self.description:
            d["description"] = self.description
        if self.unit:
            d["unit"] = self.unit
        d["support"] = [self.support[0], self.support[1]]
        d["type"] = self.dtype
        d["distribution"] = self.distribution.to_dict()
        return d


class SpaceDocument:
    """What a parameter file's contents share: YAML text, a content hash and an atomic save, all from
    ``to_dict``."""

    def to_dict(self) -> Dict[str, Any]:
        raise NotImplementedError

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, default_flow_style=None, width=100)

    @property
    def version(self) -> str:
        """Content hash of the distributions (and a mixture's weights): the first 12 hex digits of a SHA-256."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=float).encode()
        return hashlib.sha256(blob).hexdigest()[:12]

    def save(self, path: str | Path) -> None:
        from .io import atomic_write_text

        atomic_write_text(Path(path), self.to_yaml())


@dataclass(frozen=True)
class ParameterSpace(SpaceDocument):
    """An ordered set of scene variables with their current distributions."""

    name: str
    variables: Tuple[Variable, ...]
    description: str = ""
    source: str = ""

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def __getitem__(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise ParamsError(f"{self.source or self.name}: unknown variable {name!r}")

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    @property
    def groups(self) -> Tuple[str, ...]:
        """The variables' scene groups ("camera", "road appearance", ...), in order of first use."""
        return tuple(dict.fromkeys(v.group for v in self.variables))

    def select(self, tokens: Sequence[str]) -> Tuple[str, ...]:
        """Variable names from ``tokens``: each a variable name or ``group:NAME`` (every variable of that
        scene group; ``_`` or ``-`` may stand for spaces, so ``group:road_appearance`` works unquoted).
        Keeps the space's order and drops repeats; an unknown name or group is a ``ParamsError``."""
        wanted = set()
        for token in (RENAMED_VARIABLES.get(t.strip(), t.strip()) for t in tokens):
            if not token:
                continue
            if token.startswith("group:"):
                group = token[len("group:"):].replace("_", " ").replace("-", " ").strip().lower()
                members = {v.name for v in self.variables if v.group.lower() == group}
                if not members:
                    raise ParamsError(f"unknown variable group {token[len('group:'):]!r} (groups: "
                                      f"{', '.join(g.replace(' ', '_') for g in self.groups)})")
                wanted |= members
            elif token in self.names:
                wanted.add(token)
            else:
                raise ParamsError(f"unknown variable {token!r} (see `scenegen params show`)")
        return tuple(n for n in self.names if n in wanted)

    def sample(self, seed_entropy: list) -> Dict[str, float | int]:
        """Draw z: each variable from its own stream below ``seed_entropy``."""
        return {v.name: v.sample(named_stream(list(seed_entropy) + [0x5A], _STREAM_NAMES.get(v.name, v.name)))
                for v in self.variables}

    def log_prob(self, z: Mapping[str, float]) -> float:
        return float(sum(v.distribution.log_prob(z[v.name]) for v in self.variables))

    def validate_values(self, z: Mapping[str, Any], where: str = "", complete: bool = True) -> None:
        """Check a dict of variable values: known names, legal values, and (optionally) all present."""
        known = set(self.names)
        unknown = sorted(set(z) - known)
        if unknown:
            raise ParamsError(f"{where + ': ' if where else ''}unknown variable {unknown[0]!r}")
        if complete:
            missing = [n for n in self.names if n not in z]
            if missing:
                raise ParamsError(f"{where + ': ' if where else ''}missing variable {missing[0]!r}")
        for name, value in z.items():
            self[name].check_value(value, where)

    def with_distribution(self, name: str, dist: Distribution) -> "ParameterSpace":
        """A copy with one variable's distribution replaced."""
        self[name]  # raises for unknown names
        return replace(self, variables=tuple(replace(v, distribution=dist) if v.name == name else v
                                             for v in self.variables))

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        d["variables"] = {v.name: v.to_dict() for v in self.variables}
        return d



def _check_physical(name: str, dtype: str, low: float, high: float, what: str, unit: str) -> None:
    """ParamsError when an integer variable's support is not whole numbers or a support leaves the
    variable's physical range."""
    if dtype == "int" and not (low.is_integer() and high.is_integer()):
        raise ParamsError(f"{what}: an integer variable needs whole-number support ends, got [{low:g}, {high:g}]")
    bounds = PHYSICAL_RANGES.get(name)
    if bounds is not None and not (bounds[0] <= low and high <= bounds[1]):
        unit = f" {unit}" if unit else ""
        raise ParamsError(f"{what}: support [{low:g}, {high:g}] leaves its physical range "
                          f"[{bounds[0]:g}, {bounds[1]:g}]{unit}")


def _variable_from_dict(name: str, d: Any, where: str) -> Variable:
    what = f"{where}: variable {name!r}"
    if not isinstance(d, Mapping):
        raise ParamsError(f"{what} must be a mapping")
    extra = set(d) - _VARIABLE_KEYS
    if extra:
        raise ParamsError(f"{what}: unknown key(s) {sorted(extra)}; allowed: {sorted(_VARIABLE_KEYS)}")
    dtype = d.get("type", "float")
    if dtype not in ("float", "int"):
        raise ParamsError(f"{what}: type must be 'float' or 'int', got {dtype!r}")
    support = d.get("support")
    if (not isinstance(support, (list, tuple)) or len(support) != 2
            or not all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in support)
            or not all(math.isfinite(s) for s in support)):
        raise ParamsError(f"{what}: support must be [low, high] with two finite numbers, got {support!r}")
    low, high = float(support[0]), float(support[1])
    if not low < high:
        raise ParamsError(f"{what}: support low {low} must be below high {high}")
    _check_physical(name, dtype, low, high, what, str(d.get("unit", "")))
    if "distribution" not in d:
        raise ParamsError(f"{what}: missing 'distribution'")
    raw = d["distribution"]
    is_int_histogram = dtype == "int" and isinstance(raw, Mapping) and raw.get("type") == "histogram"
    # An integer histogram covers [low, high + 1): bin [k, k+1) is the value k after flooring.
    dist_support = (low, high + 1.0) if is_int_histogram else (low, high)
    dist = distribution_from_dict(raw, dist_support, what)
    if isinstance(dist, Categorical):
        for v in dist.values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ParamsError(f"{what}: categorical values must be numbers, got {v!r}")
            if dtype == "int" and v != int(v):
                raise ParamsError(f"{what}: value {v} is not an integer")
    return Variable(name=name, support=(low, high), dtype=dtype, distribution=dist,
                    group=str(d.get("group", "")), description=str(d.get("description", "")),
                    unit=str(d.get("unit", "")))


def space_from_dict(d: Any, source: str = "<dict>") -> ParameterSpace:
    """Validate and build a parameter space from its dict form."""
    if not isinstance(d, Mapping):
        raise ParamsError(f"{source}: a parameter space must be a mapping with 'variables'")
    extra = set(d) - _SPACE_KEYS
    if extra:
        raise ParamsError(f"{source}: unknown top-level key(s) {sorted(extra)}; allowed: {sorted(_SPACE_KEYS)}")
    variables = d.get("variables")
    if not isinstance(variables, Mapping) or not variables:
        raise ParamsError(f"{source}: 'variables' must be a non-empty mapping of name -> variable")
    vs = tuple(_variable_from_dict(RENAMED_VARIABLES.get(str(n), str(n)), v, source) for n, v in variables.items())
    return ParameterSpace(name=str(d.get("name", Path(source).stem)), variables=vs,
                          description=str(d.get("description", "")), source=source)


def load_space(path: str | Path | None = None) -> ParameterSpace:
    """Load and validate a parameter-space YAML file; ``None`` loads the built-in default.

    Variables the file does not name keep their built-in distributions.
    """
    if path is None:
        source = f"<built-in {DEFAULT_SPACE_NAME}>"
        return space_from_dict(parse_yaml(default_space_text(), source, ParamsError), source)
    d = read_yaml(path, "parameter file", ParamsError)
    if isinstance(d, Mapping) and "mixture" in d:
        raise ParamsError(f"{path}: a mixture of parameter spaces; this needs one space (render and sample take "
                          f"mixtures; tune each part on its own)")
    return complete_with_defaults(space_from_dict(d, str(path)))


def complete_with_defaults(space: ParameterSpace) -> ParameterSpace:
    """Check ``space`` against the scene variables the grammar reads and fill in the rest.

    A parameter file may name only the variables it changes; every other variable keeps its
    built-in distribution.  A name the grammar does not know is an error.
    """
    default = default_space()
    known = set(default.names)
    for v in space:
        if v.name not in known:
            raise ParamsError(f"{space.source}: unknown variable {v.name!r} (see `scenegen params show` "
                              f"for the scene variables)")
    own = {v.name: v for v in space}
    merged = tuple(own.get(v.name, v) for v in default)
    return ParameterSpace(name=space.name, variables=merged, description=space.description, source=space.source)


def default_space_text() -> str:
    """The YAML text of the built-in default urban parameter space."""
    return resources.files("configs").joinpath(DEFAULT_SPACE_NAME).read_text(encoding="utf-8")


def default_space() -> ParameterSpace:
    """The built-in default urban parameter space (uniform distributions)."""
    return load_space(None)
