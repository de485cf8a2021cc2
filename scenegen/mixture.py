"""Mixtures of parameter spaces: each frame draws its scene variables from one of several spaces.

A tuned space is a product of one distribution per variable, so it cannot say "either dusk with wet roads or a
sunny afternoon with bare trees"; a dataset filmed in several recordings is such a mixture. A mixture file names
its parts and their weights (any positive numbers, e.g. each recording's frame count)::

    name: camvid-recordings
    description: one tune per CamVid training recording, in the training set's shares
    mixture:
      - {params: tune_0001TP.yaml, weight: 62}    # a path relative to this file
      - {params: tune_0006R0.yaml, weight: 101}
      - {params: tune_0016E5.yaml, weight: 204}

Each frame picks its part from a stream of its own seed (so the same seed draws the same part on any executor)
and then draws z exactly as a render of that part alone would: frame i of a mixture is frame i of its part. A
part may also be written inline (``space: {variables: ...}``), as in the copy a render writes to its output
folder's params.yaml, so that copy loads on its own. Mixtures render and sample; a tune starts from one space.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .errors import ParamsError
from .params import (ParameterSpace, SpaceDocument, Variable, complete_with_defaults, load_space,
                     space_from_dict)
from .seeding import FrameSeed, named_stream
from .yamlfile import read_yaml

#: the most parts a mixture file may name
MAX_PARTS = 64
_MIXTURE_KEYS = {"name", "description", "mixture"}
_PART_KEYS = {"params", "space", "weight"}


@dataclass(frozen=True)
class MixtureSpace(SpaceDocument):
    """Parameter spaces with weights; a frame draws z from one part, chosen by its seed."""

    name: str
    parts: Tuple[ParameterSpace, ...]
    weights: Tuple[float, ...]
    description: str = ""
    source: str = ""

    @property
    def shares(self) -> np.ndarray:
        """The weights normalised to sum to 1."""
        w = np.asarray(self.weights, float)
        return w / w.sum()

    def part_index(self, seed_entropy: Sequence[int]) -> int:
        """Which part the frame with this entropy draws from."""
        u = float(named_stream(list(seed_entropy) + [0x5A], "mixture-part").random())
        return int(min(np.searchsorted(np.cumsum(self.shares), u, side="right"), len(self.parts) - 1))

    def sample(self, seed_entropy: list) -> Dict[str, float | int]:
        """Draw z from the part this entropy picks, as that part alone would draw it."""
        return self.parts[self.part_index(seed_entropy)].sample(seed_entropy)

    def validate_values(self, z: Mapping[str, Any], where: str = "", complete: bool = True) -> None:
        """Check explicit variable values against every part (each may narrow a support)."""
        for part in self.parts:
            part.validate_values(z, where, complete)

    @property
    def variables(self) -> Tuple[Variable, ...]:
        """The variables of the first part (every part has the same names, each its own distributions)."""
        return self.parts[0].variables

    @property
    def names(self) -> Tuple[str, ...]:
        return self.parts[0].names

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def __getitem__(self, name: str) -> Variable:
        return self.parts[0][name]

    def to_dict(self) -> Dict[str, Any]:
        d: Dict[str, Any] = {"name": self.name}
        if self.description:
            d["description"] = self.description
        d["mixture"] = [{"weight": w, "space": p.to_dict()} for p, w in zip(self.parts, self.weights)]
        return d


def drawn_part(space: Any, seed: FrameSeed) -> Optional[int]:
    """The part of a mixture the frame of ``seed`` draws its variables from (None for one space)."""
    from .grammar import variables_entropy

    return space.part_index(variables_entropy(seed)) if isinstance(space, MixtureSpace) else None


def is_mixture(d: Any) -> bool:
    """Whether a parsed parameter file is a mixture file."""
    return isinstance(d, Mapping) and "mixture" in d


def mixture_from_dict(d: Mapping[str, Any], source: str, folder: Path | None = None) -> MixtureSpace:
    """Validate and build a mixture from its dict form; ``params`` paths are taken from ``folder``."""
    extra = set(d) - _MIXTURE_KEYS
    if extra:
        raise ParamsError(f"{source}: unknown top-level key(s) {sorted(extra)}; allowed: {sorted(_MIXTURE_KEYS)}")
    entries = d.get("mixture")
    if not isinstance(entries, list) or not entries:
        raise ParamsError(f"{source}: 'mixture' must be a non-empty list of parts ({{params: FILE, weight: W}})")
    if len(entries) > MAX_PARTS:
        raise ParamsError(f"{source}: {len(entries)} parts; a mixture takes at most {MAX_PARTS}")
    parts: List[ParameterSpace] = []
    weights: List[float] = []
    for i, entry in enumerate(entries):
        space, weight = _part(entry, f"{source}: mixture[{i}]", folder)
        parts.append(space)
        weights.append(weight)
    return MixtureSpace(name=str(d.get("name", Path(source).stem)), parts=tuple(parts), weights=tuple(weights),
                        description=str(d.get("description", "")), source=source)


def _part(entry: Any, where: str, folder: Path | None) -> Tuple[ParameterSpace, float]:
    if not isinstance(entry, Mapping):
        raise ParamsError(f"{where} must be a mapping with 'params' (or 'space') and 'weight'")
    extra = set(entry) - _PART_KEYS
    if extra:
        raise ParamsError(f"{where}: unknown key(s) {sorted(extra)}; allowed: {sorted(_PART_KEYS)}")
    if ("params" in entry) == ("space" in entry):
        raise ParamsError(f"{where}: give exactly one of 'params' (a file) and 'space' (inline)")
    weight = entry.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight < float("inf"):
        raise ParamsError(f"{where}: 'weight' must be a positive number, got {weight!r}")
    if "space" in entry:
        if is_mixture(entry["space"]):
            raise ParamsError(f"{where}: a part cannot itself be a mixture")
        return complete_with_defaults(space_from_dict(entry["space"], where)), float(weight)
    ref = entry["params"]
    if not isinstance(ref, str) or not ref.strip():
        raise ParamsError(f"{where}: 'params' must be a file path, got {ref!r}")
    path = Path(ref) if folder is None or Path(ref).is_absolute() else folder / ref
    if is_mixture(read_yaml(path, "parameter file", ParamsError)):
        raise ParamsError(f"{where}: {path} is itself a mixture; a part must be one parameter space")
    return load_space(path), float(weight)


def load_params(path: str | Path | None = None) -> ParameterSpace | MixtureSpace:
    """A parameter file that may be a mixture (``load_space`` for one space); None: the built-in space."""
    if path is None:
        return load_space(None)
    d = read_yaml(path, "parameter file", ParamsError)
    if is_mixture(d):
        return mixture_from_dict(d, str(path), Path(path).parent)
    return load_space(path)
