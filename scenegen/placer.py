"""Where things go in a street's layout: the placer that collects objects, numbers instances and keeps
footprints apart (along a bend by their own length on the bent street, scenegen.curve), and the point process
that spaces things along the street."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from assets.catalog import FAMILY as CAD_FAMILY, Catalog
from assets.params import AssetParams

from . import curve
from .labels import INSTANCE_CLASS_IDS, label_id
from .spec import PART_INSTANCES, ObjectSpec

#: Range along the street where traffic, pedestrians and furniture are placed.
NEAR_Y, FAR_Y = 2.0, 140.0
#: Extent of road and buildings (long enough that the road's end is below a pixel).
ROAD_Y_START, ROAD_Y_END = -15.0, 400.0


@dataclass
class Placer:
    """Collects objects, numbers instances per class and rejects overlapping footprints.

    With a CAD catalog, an object of a class the catalog holds is swapped, with probability
    ``cad_share``, for a catalog model of that class (drawn from its own stream).
    """

    objects: List[ObjectSpec] = field(default_factory=list)
    footprints: List[Tuple[float, float, float, float]] = field(default_factory=list)
    counters: Dict[str, int] = field(default_factory=dict)
    catalog: Optional[Catalog] = None
    cad_share: float = 0.0
    cad_rng: Optional[np.random.Generator] = None
    #: the street's bend: past its start footprints take their own length along the bent street (scenegen.curve)
    bend: Optional[curve.Bend] = None

    def ahead(self, x: float, y: float, length: float) -> float:
        """The y of the straight layout ``length`` metres along the street from (x, y), as the street is drawn."""
        return y + length if self.bend is None else self.bend.ahead(x, y, length)

    def cad_model(self, label: str):
        """A catalog model to use instead of the procedural asset of ``label``, or None."""
        if self.catalog is None or label not in self.catalog.labels():
            return None
        if self.cad_rng.random() >= self.cad_share:
            return None
        return self.catalog.sample(self.cad_rng, label)

    def fits(self, x: float, y: float, w: float, l: float, yaw: float, margin: float) -> bool:
        box = footprint_box(x, y, w, l, yaw, margin, self.bend)
        return not any(boxes_overlap(box, b) for b in self.footprints)

    def add(self, family: str, label: str, xyz: Tuple[float, float, float], yaw: float,
            size: Tuple[float, float, float], params: AssetParams, solid: bool = True,
            footprint: Tuple[float, float] | None = None, parts: Sequence[str] = ()) -> ObjectSpec:
        """Add an object of ``family`` with the sampler's ``params``; ``footprint`` (x, y) overrides the
        size used for later overlap checks.

        ``parts`` names sub-parts that are instances of their own class (a bicycle's rider); each gets
        its own instance number here, stored under ``params["part_instances"]``.
        """
        if family not in type(params).FAMILIES:
            raise ValueError(f"{type(params).__name__} are not params of asset family {family!r}")
        instance = self._next_instance(label)
        data = params.to_dict()
        if parts:
            data[PART_INSTANCES] = {part: self._next_instance(part) for part in parts}
        obj = ObjectSpec(family=family, label=label, location=tuple(round(float(v), 4) for v in xyz),
                         yaw=round(float(yaw), 5), size=tuple(round(float(v), 4) for v in size),
                         instance=instance, params=data)
        self.objects.append(obj)
        if solid:
            fw, fl = footprint or size[:2]
            self.footprints.append(footprint_box(xyz[0], xyz[1], fw, fl, yaw, 0.0, self.bend))
        return obj

    def _next_instance(self, label: str) -> int:
        if label_id(label) not in INSTANCE_CLASS_IDS:
            return 0
        self.counters[label] = self.counters.get(label, 0) + 1
        return self.counters[label]

    def add_asset(self, family: str, label: str, xyz: Tuple[float, float, float], yaw: float,
                  size: Tuple[float, float, float], params: AssetParams, margin: float,
                  parts: Sequence[str] = ()) -> Optional[ObjectSpec]:
        """Add a procedural asset, or a catalog model of the same class (without ``parts``), where it fits."""
        model = self.cad_model(label)
        if model is not None:
            family, size, params, parts = CAD_FAMILY, model.size, model, ()
        if not self.fits(xyz[0], xyz[1], size[0], size[1], yaw, margin):
            return None
        return self.add(family, label, xyz, yaw, size, params, parts=parts)


def boxes_overlap(a: Tuple[float, float, float, float], b: Tuple[float, float, float, float]) -> bool:
    """Whether two boxes (x0, y0, x1, y1) overlap (touching edges do not)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def footprint_box(x: float, y: float, w: float, l: float, yaw: float, margin: float,
                  bend: curve.Bend | None = None) -> Tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1) a thing takes in the straight layout, ``margin`` around it; along a ``bend`` its
    extent along the street is its own length on the bent street."""
    c, s = abs(math.cos(yaw)), abs(math.sin(yaw))
    hx = (c * w + s * l) / 2 + margin
    if bend is not None:
        half = (s * w + c * l) / 2
        return (x - hx, bend.ahead(x, y, -half) - margin, x + hx, bend.ahead(x, y, half) + margin)
    hy = (s * w + c * l) / 2 + margin
    return (x - hx, y - hy, x + hx, y + hy)


def poisson_positions(rng: np.random.Generator, per_100m: float, y0: float, y1: float) -> np.ndarray:
    """Sorted places along [y0, y1] of a Poisson process of ``per_100m`` things per 100 m."""
    n = int(rng.poisson(max(per_100m, 0.0) * (y1 - y0) / 100.0))
    return np.sort(rng.uniform(y0, y1, n))


def straight_piece(placer: Placer, length: float, y: float) -> float:
    """``length``, or at most the longest straight front the street's bend allows where a piece starting at ``y``
    reaches past the bend's start (scenegen.curve)."""
    if placer.bend is None or y + length <= placer.bend.start:
        return length
    return min(length, placer.bend.longest_frontage())
