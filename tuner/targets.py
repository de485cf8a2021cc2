"""Hidden targets for the parameter-recovery benchmark: known distributions the tuner should find.

A start space holds every variable but the tuned ones at one value (its middle bin: ``nuisance="fixed"``)
or leaves them uniform; a target moves each of K tuned variables to a Gaussian bump on its bins.
:func:`random_targets` draws the K variables and the bumps from a seed (deterministic, numpy only), so a
benchmark over many targets is one seed and reproducible anywhere.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np

from scenegen.distributions import Categorical, Histogram, TruncatedNormal
from scenegen.params import ParameterSpace
from scenegen.seeding import generator, stable_key

#: bump width as a share of the support (the hand-picked benchmark's)
BUMP_WIDTH = 0.12
#: the bump's centre is drawn inside this share of the support
CENTRE_RANGE = (0.1, 0.9)
#: image degradations that the ``clear`` hold keeps at their lowest bin (clean air and lens): held at
#: mid-support, fog alone hides the facades, trees and sky whose variables a target may move
DEGRADATIONS = ("fog_density", "sensor_noise", "lens_blur_px", "vignetting")
#: variables a start holds at a given value instead of their middle: the value every street had before the
#: variable existed (a straight, level asphalt street without junctions, bends or tram tracks, the old markings,
#: zebras, no reserved lanes or box junctions, two-way and right-hand traffic, parking along both kerbs and none
#: without a strip, blocks without shop rows, rooflines, climbers or new materials, crown masses, no pavement
#: furniture, a flat overcast dome, adults without coats, bags, umbrellas or prams, the six vehicle bodies without
#: plates or mirrors, cars parked at random in the strip, whole-frame metering), so the benchmark's scenes stay as
#: measured
HELD_VALUES = {"junction": 0, "road_curve": 0, "road_grade": 0, "road_markings": 0, "reserved_lanes": 0,
               "signal_crossings": 0, "box_junctions": 0, "one_way": 0, "left_hand_traffic": 0, "pavement_parking": 0,
               "parking_sides": 2, "building_typology": 0, "shopfronts": 0, "rooflines": 0, "facade_climbers": 0,
               "tree_branching": 0, "street_furniture_density": 0, "sky_clouds": 0, "pedestrian_variety": 0,
               "vehicle_variety": 0, "vehicle_details": 0, "umbrellas": 0, "facade_materials": 0,
               "exposure_metering": 0, "cobbles": 0, "tram_tracks": 0, "prams": 0, "kerbside_parking": 0}
#: held variables that gate a variable's effect, and the value they are held at instead whenever a target moves
#: that variable (and not the gate): at its middle bin (1.3 m) the parking strip takes no car (``scenegen.grammar.
#: MIN_PARKING_STRIP_M``), which left parked-car density without any effect on the scenes
GATES = {"parked_car_density": ("parking_lane_width_m", 2.2)}
#: how a start holds the variables a target does not move
NUISANCE_HOLDS = ("fixed", "clear", "uniform")


@dataclass(frozen=True)
class RecoveryTarget:
    """One hidden target: the moved variables with (centre, width) as shares of their support."""

    index: int
    moved: Mapping[str, Tuple[float, float]]

    @property
    def variables(self) -> Tuple[str, ...]:
        return tuple(self.moved)

    def start(self, space: ParameterSpace, nuisance: str = "fixed") -> ParameterSpace:
        """The start: ``space`` with every variable but the moved ones held fixed at its middle bin
        (``fixed``), the same with :data:`DEGRADATIONS` at their lowest (``clear``), or left as they are."""
        if nuisance not in NUISANCE_HOLDS:
            raise ValueError(f"unknown nuisance hold {nuisance!r}; choose from {list(NUISANCE_HOLDS)}")
        if nuisance == "uniform":
            return space
        return hold_fixed(space, keep=self.variables, lowest=DEGRADATIONS if nuisance == "clear" else (),
                          at=opened_gates(self.variables))

    def target(self, space: ParameterSpace, nuisance: str = "fixed") -> ParameterSpace:
        """The start with each moved variable's distribution replaced by its bump."""
        out = self.start(space, nuisance)
        for name, (centre, width) in self.moved.items():
            out = out.with_distribution(name, bump(out, name, centre, width))
        return out

    def to_dict(self) -> Dict[str, List[float]]:
        return {name: [float(c), float(w)] for name, (c, w) in self.moved.items()}


def opened_gates(moved: Sequence[str]) -> Dict[str, float]:
    """The :data:`GATES` a start that moves ``moved`` holds open: gate variable -> the value it is held at."""
    return {gate: value for name, (gate, value) in GATES.items() if name in moved and gate not in moved}


def inert_variables(target: RecoveryTarget, space: ParameterSpace, nuisance: str = "fixed",
                    layouts: int = 4) -> List[str]:
    """The target's moved variables that do not change the laid-out scene: for each, ``layouts`` layouts with
    the variable at 10 % and at 90 % of its support, every other variable at one draw of the target (the held
    ones at their hold, the other moved ones inside their bumps), are identical. No tuner can recover such a
    variable; the benchmark reports them."""
    from scenegen.grammar import layout_scene

    z0 = target.target(space, nuisance).sample([0, stable_key("inert-check")])

    def scene(z: Mapping[str, float], i: int) -> str:
        d = layout_scene(z, [i, stable_key("inert-check")]).to_dict()
        d.pop("variables", None)
        return json.dumps(d, sort_keys=True)

    out = []
    for name in target.variables:
        lo, hi = space[name].support
        low, high = dict(z0, **{name: lo + 0.1 * (hi - lo)}), dict(z0, **{name: lo + 0.9 * (hi - lo)})
        if all(scene(low, i) == scene(high, i) for i in range(layouts)):
            out.append(name)
    return out


def bump(space: ParameterSpace, name: str, centre: float, width: float) -> Histogram:
    """A histogram on the variable's bins with a Gaussian bump at ``centre`` (share of the support)."""
    d = space[name].distribution
    e = np.asarray(d.edges)
    c = (e[:-1] + e[1:]) / 2
    lo, hi = e[0], e[-1]
    w = np.exp(-0.5 * ((c - (lo + centre * (hi - lo))) / (width * (hi - lo))) ** 2) + 1e-3
    return Histogram(d.edges, tuple(float(x) for x in w / w.sum()))


def hold_fixed(space: ParameterSpace, keep: Sequence[str] = (), lowest: Sequence[str] = (),
               at: Mapping[str, float] | None = None) -> ParameterSpace:
    """Every variable but those in ``keep`` held at (about) one value: its middle bin or value, its value in
    :data:`HELD_VALUES`, its lowest bin for the histogram and categorical variables in ``lowest``, or for the
    histogram variables in ``at`` the bin holding the value given there."""
    at = at or {}
    for var in space:
        if var.name in keep:
            continue
        d = var.distribution
        if isinstance(d, Histogram) and var.name in at:
            space = space.with_distribution(var.name, _held_bin(d, at[var.name]))
        elif isinstance(d, Categorical) and var.name in HELD_VALUES:
            w = [float(v == HELD_VALUES[var.name]) for v in d.values]
            space = space.with_distribution(var.name, Categorical(d.values, tuple(w)))
        elif isinstance(d, (Histogram, Categorical)):
            w = [0.0] * len(d.weights)
            w[0 if var.name in lowest else len(w) // 2] = 1.0
            held = Histogram(d.edges, tuple(w)) if isinstance(d, Histogram) else Categorical(d.values, tuple(w))
            space = space.with_distribution(var.name, held)
        elif isinstance(d, TruncatedNormal):
            space = space.with_distribution(var.name, TruncatedNormal(
                (d.low + d.high) / 2, 0.02 * (d.high - d.low), d.low, d.high))
    return space


def _held_bin(d: Histogram, value: float) -> Histogram:
    """``d``'s bins with all weight on the one holding ``value``."""
    i = int(np.clip(np.searchsorted(np.asarray(d.edges), value, side="right") - 1, 0, len(d.weights) - 1))
    return Histogram(d.edges, tuple(float(j == i) for j in range(len(d.weights))))


def candidates(space: ParameterSpace) -> List[str]:
    """Variables a random target may move: those with a histogram (a bump needs bins)."""
    return [v.name for v in space if isinstance(v.distribution, Histogram)]


def random_targets(space: ParameterSpace, count: int, k: int, seed: int) -> List[RecoveryTarget]:
    """``count`` targets, each moving ``k`` variables drawn from :func:`candidates` to bumps centred at
    random inside :data:`CENTRE_RANGE`; target ``i`` depends on ``(seed, k, i)`` only."""
    names = candidates(space)
    if not 1 <= k <= len(names):
        raise ValueError(f"k must be in 1..{len(names)}, got {k}")
    out = []
    for i in range(count):
        rng = generator(seed, k, i, stable_key("recovery-target"))
        chosen = sorted(rng.choice(len(names), size=k, replace=False))
        centres = rng.uniform(*CENTRE_RANGE, size=k)
        out.append(RecoveryTarget(i, {names[j]: (float(c), BUMP_WIDTH) for j, c in zip(chosen, centres)}))
    return out
