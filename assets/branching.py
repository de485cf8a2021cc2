"""Branching tree crowns (numpy only): limbs and branches grown inside a crown envelope, and the foliage clumps
at their ends. The Blender builder (assets/blender/vegetation.py) turns them into meshes.

A crown is grown in a canonical frame one unit wide whose height is the form's usual crown aspect, from the top
of the trunk at the origin, then scaled into the unit box (x, y in [-0.5, 0.5], z in [0, 1]) with the root kept
at the origin, so one mesh serves every tree of a (form, variant) scaled to its crown box. Each branch is a chain
of tapered segments; children leave it at 30-65 degrees; a branch stops where it would leave the envelope.
Radii follow the pipe model (a branch's cross-section is the sum of its children's), so limbs thin out as they
divide. The finest twigs are not geometry: the foliage clumps carry them (a see-through twig net when bare).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, List, Tuple

import numpy as np

from scenegen.seeding import generator

#: Branching forms; the legacy crown shape and the tree's variant pick one (``form_of``).
FORMS = ("round", "vase", "pollarded", "conifer", "columnar")
#: Legacy shape -> the form of each of its N_VARIANTS variants (the street mix of species).
_FORM_BY_SHAPE = {"round": ("round", "round", "vase", "pollarded"), "conical": ("conifer",) * 4,
                  "columnar": ("columnar",) * 4}
#: Forms that keep their foliage in winter.
EVERGREEN = frozenset({"conifer"})
TIP_RADIUS = 0.0035  # unit-width radius of a branch tip (about 1.5 cm on a 4 m crown)
CLUMP_FLATNESS = 0.8  # a clump's height / width
PIPE_EXPONENT = 2.3  # r_parent ** e = sum of r_child ** e (Leonardo's rule with e near 2-3)


def form_of(shape: str, variant: int) -> str:
    """The branching form of a tree drawn with crown ``shape`` and ``variant``."""
    forms = _FORM_BY_SHAPE.get(shape, _FORM_BY_SHAPE["round"])
    return forms[int(variant) % len(forms)]


@dataclass(frozen=True)
class FormRule:
    """How one form grows: crown aspect (height / width), first limbs, depth, angles and tropism."""

    aspect: float
    limbs: Tuple[int, int]  # number of first limbs leaving the trunk top (inclusive range)
    limb_tilt: Tuple[float, float]  # their angle from vertical, degrees
    depth: int  # branch orders below the limbs
    child_angle: Tuple[float, float]  # children's angle from their parent, degrees
    length_ratio: float  # child length / parent length
    upward: float  # tropism: pull of each segment toward vertical (0 = none)
    leader: bool = False  # a central leader to the top (conifers, columnar trees)
    limb_length: float = 0.85  # first limbs' length / crown height
    segments: int = 3  # segments per branch below the leader
    clump: float = 0.5  # foliage clump radius at a tip / the length of its branch


RULES: Dict[str, FormRule] = {
    "round": FormRule(0.9, (3, 5), (25, 55), 3, (30, 60), 0.62, 0.10, clump=0.85),
    "vase": FormRule(0.85, (4, 6), (20, 40), 3, (25, 45), 0.6, 0.22, clump=0.75),
    "pollarded": FormRule(0.8, (3, 5), (30, 55), 1, (10, 35), 2.2, 0.6, limb_length=0.3, segments=2,
                          clump=0.3),
    "conifer": FormRule(1.6, (0, 0), (0, 0), 1, (70, 95), 0.35, -0.05, leader=True),
    "columnar": FormRule(2.2, (4, 6), (8, 20), 1, (20, 35), 0.45, 0.3, leader=True, segments=5, clump=0.5),
}


def envelope(form: str) -> Callable[[np.ndarray], np.ndarray]:
    """Inside test of the form's crown envelope in its canonical frame (width 1, height ``aspect``)."""
    a = RULES[form].aspect

    def inside(p: np.ndarray) -> np.ndarray:
        p = np.atleast_2d(p)
        r, z = np.hypot(p[:, 0], p[:, 1]), p[:, 2]
        t = np.clip(z / a, 0.0, 1.0)
        if form == "conifer":
            width = 0.5 * (1.0 - t) + 0.02
        elif form == "vase":
            width = 0.5 * np.sqrt(np.clip(1.0 - ((t - 0.7) / 0.7) ** 2, 0.0, 1.0)) + 0.05 * (1 - t)
        else:  # ellipsoids: round, columnar, and the pollard's head of shoots
            width = 0.5 * np.sqrt(np.clip(1.0 - (2 * t - 1) ** 2, 0.0, 1.0))
        return (z >= 0) & (z <= a) & (r <= width + 1e-9)

    return inside


@dataclass(frozen=True)
class Crown:
    """A grown crown in the unit box: segments (start, end, radius at each, branch order, parent segment) and
    foliage clumps (centre, semi-axes)."""

    starts: np.ndarray  # (n, 3)
    ends: np.ndarray  # (n, 3)
    r0: np.ndarray  # (n,) radius at the start
    r1: np.ndarray  # (n,) radius at the end
    order: np.ndarray  # (n,) 0 = limb or leader, 1 = its branches, ...
    parent: np.ndarray  # (n,) index of the segment it grows from, -1 at the trunk top
    clump_centres: np.ndarray  # (m, 3)
    clump_radii: np.ndarray  # (m, 3) semi-axes


class _Grower:
    """Grows one crown: a stack of branches, each a chain of segments clipped to the envelope."""

    def __init__(self, form: str, rng: np.random.Generator) -> None:
        self.form, self.rule, self.rng = form, RULES[form], rng
        self.inside = envelope(form)
        self.seg: List[Tuple[np.ndarray, np.ndarray, int, int]] = []  # start, end, order, parent
        self.tips: List[Tuple[np.ndarray, float, int]] = []  # clump centre, reach, segment

    def grow(self, start: np.ndarray, direction: np.ndarray, length: float, order: int, parent: int,
             segments: int = 0, straight: bool = False) -> None:
        """One branch from ``start`` in ``segments`` steps; its children grow recursively from each joint."""
        segments = segments or self.rule.segments
        step = length / segments
        p, d, last = start, direction, parent
        for k in range(segments):
            d = d if straight else self._bend(d)
            q = self._clip(p, p + d * step)
            if q is None:
                break
            self.seg.append((p, q, order, last))
            last = len(self.seg) - 1
            if order < self.rule.depth:
                for _ in range(self._children(order, k, segments)):
                    self.grow(q, self._child_direction(d), length * self.rule.length_ratio, order + 1, last)
            p = q
            if not self.inside(p + d * step * 0.5)[0]:
                break
        if last != parent and order == self.rule.depth:
            self.tips.append((p, length * self.rule.clump, last))

    def _bend(self, d: np.ndarray) -> np.ndarray:
        d = d + self.rng.normal(0.0, 0.18, 3) + np.array([0.0, 0.0, self.rule.upward])
        return d / np.linalg.norm(d)

    def _clip(self, p: np.ndarray, q: np.ndarray) -> np.ndarray | None:
        """``q``, or the farthest point toward it inside the envelope; None when less than a fifth remains."""
        if self.inside(q)[0]:
            return q
        t = np.linspace(0.0, 1.0, 9)[::-1][1:]
        ok = self.inside(p + t[:, None] * (q - p))
        if not ok.any() or t[int(np.argmax(ok))] < 0.2:
            return None
        return p + t[int(np.argmax(ok))] * (q - p)

    def _children(self, order: int, joint: int, segments: int) -> int:
        if self.rule.leader and order == 0 and self.form == "conifer":
            return 3 + int(self.rng.integers(2))  # a whorl at every joint of the leader
        if self.form == "pollarded":  # a knuckle at each limb's end, sprouting straight shoots
            return 0 if joint < segments - 1 else int(self.rng.integers(4, 8))
        return int(self.rng.integers(1, 3)) if joint < segments - 1 or order == 0 else 1

    def _child_direction(self, d: np.ndarray) -> np.ndarray:
        a = np.radians(self.rng.uniform(*self.rule.child_angle))
        side = np.cross(d, self.rng.normal(size=3))
        side /= np.linalg.norm(side) + 1e-12
        c = np.cos(a) * d + np.sin(a) * side
        return c / np.linalg.norm(c)


def _first_limbs(g: _Grower) -> None:
    rule, rng = g.rule, g.rng
    origin = np.zeros(3)
    if rule.leader:
        g.grow(origin, np.array([0.0, 0.0, 1.0]), rule.aspect, 0, -1, segments=8, straight=True)
    n = int(rng.integers(rule.limbs[0], rule.limbs[1] + 1))
    phase = rng.uniform(0, 2 * np.pi)
    for i in range(n):
        az = phase + 2 * np.pi * (i + rng.uniform(-0.2, 0.2)) / n
        tilt = np.radians(rng.uniform(*rule.limb_tilt))
        d = np.array([np.sin(tilt) * np.cos(az), np.sin(tilt) * np.sin(az), np.cos(tilt)])
        g.grow(origin, d, rule.aspect * rule.limb_length * rng.uniform(0.9, 1.1), 0, -1)


def _pipe_radii(parent: np.ndarray) -> np.ndarray:
    """End radius of each segment: a tip has TIP_RADIUS; a joint carries the pipes of everything beyond it."""
    area = np.zeros(len(parent))
    for i in range(len(parent) - 1, -1, -1):  # children always come after their parent
        area[i] = max(area[i], TIP_RADIUS ** PIPE_EXPONENT)
        if parent[i] >= 0:
            area[parent[i]] += area[i]
    return area ** (1.0 / PIPE_EXPONENT)


@lru_cache(maxsize=64)
def grow_crown(form: str, variant: int) -> Crown:
    """The crown of ``form`` and ``variant``, deterministic, in the unit box with its root at the origin."""
    g = _Grower(form, generator(11, FORMS.index(form), int(variant)))
    _first_limbs(g)
    starts, ends = np.array([s[0] for s in g.seg]), np.array([s[1] for s in g.seg])
    order, parent = np.array([s[2] for s in g.seg]), np.array([s[3] for s in g.seg])
    r_end = _pipe_radii(parent)
    # A branch's first segment starts a little swollen; later ones start as thick as the segment they continue.
    first = np.array([parent[i] < 0 or order[parent[i]] != order[i] for i in range(len(parent))])
    r_start = np.where(first, r_end * 1.2, r_end[np.maximum(parent, 0)])
    centres = np.array([t[0] for t in g.tips])
    reach = np.minimum(np.maximum([t[1] for t in g.tips], 0.08), centres[:, 2] / CLUMP_FLATNESS)
    radii = reach[:, None] * np.array([1.0, 1.0, CLUMP_FLATNESS])
    return _to_unit_box(Crown(starts, ends, r_start, r_end, order, parent, centres, radii))


def _to_unit_box(c: Crown) -> Crown:
    """Scale a canonical crown so that it, clumps included, reaches each side of the unit box it faces farthest
    (x and y scaled apart, so that a lopsided crown still fills its box) with its root at the origin."""
    pts = np.vstack([c.ends, c.clump_centres + c.clump_radii, c.clump_centres - c.clump_radii])
    half = np.abs(pts[:, :2]).max(axis=0)
    s = np.array([0.5 / half[0], 0.5 / half[1], 1.0 / pts[:, 2].max()])
    k = 0.5 / half.max()  # branch radii scale with the crown's larger width
    return Crown(c.starts * s, c.ends * s, c.r0 * k, c.r1 * k, c.order, c.parent, c.clump_centres * s,
                 c.clump_radii * s)
