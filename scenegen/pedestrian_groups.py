"""People in company (``pedestrian_variety`` = 1): talking groups and walking pairs on the pavements, and people
waiting at the kerb at either end of a crossing. Numpy only.

Groups gather around people already placed on the pavements (``grammar._pedestrians``), who stay where and as they
were: a standing person may be joined by 1-3 others in a loose circle, everyone facing its centre; a walking one by
a companion walking beside them, the same heading, another phase of the walking cycle. Members are drawn from the
street's ``pedestrian_groups`` stream (the wardrobe too, children included), waiting people from
``crossing_waiting``, so nobody else's draws move. Everyone goes through the placer, so nothing overlaps, and stays
on the pavement. A person in company carries its group's number (``group``, 1-based per scene) and kind
(``group_kind``: one of GROUP_KINDS) in their params.
"""
from __future__ import annotations

import dataclasses
import math
from typing import List, Sequence, Tuple

import numpy as np

from assets.pedestrians import POSES, PedestrianParams, sample_pedestrian

from .placer import Placer, boxes_overlap, footprint_box
from .spec import ObjectSpec, RoadSpec

GROUP_KINDS = ("talking", "walking", "waiting")
#: the chance that a standing person on the pavement talks in a group, and that a walking one walks with a companion;
#: with talking groups of TALK_SIZES at TALK_SIZE_WEIGHTS this puts about a third of the people on the pavements in
#: company (members go only where they fit, so a crowded or narrow pavement has smaller groups and fewer of them)
TALK_SHARE = 0.4
PAIR_SHARE = 0.16
TALK_SIZES = (2, 3, 4)
TALK_SIZE_WEIGHTS = (0.5, 0.3, 0.2)
#: centre-to-centre distance (metres) of neighbours in a talking group and of a walking pair: drawn from the first
#: two, widened in steps of SPACING_STEP_M up to the third where the people's boxes need more room
TALK_SPACING_M = (0.7, 1.0, 1.2)
PAIR_SPACING_M = (0.5, 0.7, 1.0)
SPACING_STEP_M = 0.1
#: how far round the circle (radians) and in or out (a share of its radius) a talking group's members stand from
#: even places, and how far (radians) they look past its centre
TALK_JITTER = (0.2, 0.1, 0.12)
#: people waiting at a crossing, both ends together, at even odds; how far from the kerb they stand (metres), and
#: how far (radians) they look off straight across the road
WAITING_COUNTS = (1, 2, 3, 4)
WAITING_KERB_M = (0.3, 0.7)
WAITING_YAW = 0.15
WAITING_TRIES = 8
#: clearance between the boxes of people in company, and the least distance of a box from a pavement's edges
GROUP_MARGIN = 0.02
EDGE_M = 0.05
WALK_POSES = tuple(p for p in POSES if p != "standing")

Umbrellas = Tuple[np.random.Generator, float]
Place = Tuple[float, float, float]  # x, y, yaw


def gather(road: RoadSpec, placer: Placer, people: Sequence[ObjectSpec], rng: np.random.Generator,
           umbrellas: Umbrellas | None) -> None:
    """Turn some of ``people`` (pedestrians on the pavements, already placed; a pram follows its owner) into
    talking groups or walking pairs; every draw from ``rng`` (umbrellas of the members at ``umbrellas``' share).
    Someone waiting with a pram stays alone."""
    for person, after in zip(people, list(people[1:]) + [None]):
        if person.family != "pedestrian" or person.params.get("group") is not None:
            continue
        if after is not None and after.family == "pram":
            continue
        standing = person.params["pose"] == "standing"
        if rng.random() >= (TALK_SHARE if standing else PAIR_SHARE):
            continue
        if standing:
            size = int(rng.choice(TALK_SIZES, p=TALK_SIZE_WEIGHTS))
            _talking_group(road, placer, person, size, rng, umbrellas)
        else:
            _walking_pair(road, placer, person, rng, umbrellas)


def wait_at_crossing(road: RoadSpec, placer: Placer, rng: np.random.Generator, umbrellas: Umbrellas | None) -> None:
    """1-4 people standing on the pavement at the ends of the street's crossing (if it has one), facing the road;
    those at the same end form a ``waiting`` group."""
    if not road.crosswalks:
        return
    n = int(rng.choice(WAITING_COUNTS))
    ends = [1 if rng.random() < 0.5 else -1 for _ in range(n)]
    for side in (-1, 1):
        group = next_group(placer)
        for _ in range(ends.count(side)):
            p = _member(rng, "standing", umbrellas, group, "waiting")
            for _ in range(WAITING_TRIES):
                place = _waiting_place(road, side, p, rng)
                if _fits_on_pavement(road, placer, side, p, place):
                    _add(placer, p, place, road.curb_height)
                    break


def next_group(placer: Placer) -> int:
    """The number of the next group: one past the highest a placed person carries."""
    return 1 + max((o.params.get("group") or 0 for o in placer.objects if o.family == "pedestrian"), default=0)


def _talking_group(road: RoadSpec, placer: Placer, anchor: ObjectSpec, size: int, rng: np.random.Generator,
                   umbrellas: Umbrellas | None) -> None:
    """``anchor`` and up to ``size`` - 1 others standing round a circle in front of them, facing its centre: the
    first spacing (from TALK_SPACING_M) at which everyone fits, else a smaller group, else nobody joins."""
    group = next_group(placer)
    members = [_member(rng, "standing", umbrellas, group, "talking") for _ in range(size - 1)]
    spacing = float(rng.uniform(*TALK_SPACING_M[:2]))
    jitter = rng.uniform(-1.0, 1.0, size=(size, 3)) * np.asarray(TALK_JITTER)
    for n in range(size, 1, -1):
        for d in _spacings(spacing, TALK_SPACING_M[2]):
            places = circle_places(anchor, n, d, jitter)
            if _clear(road, placer, anchor, members[:n - 1], places):
                _join(placer, anchor, members[:n - 1], places, group, "talking")
                return


def _walking_pair(road: RoadSpec, placer: Placer, anchor: ObjectSpec, rng: np.random.Generator,
                  umbrellas: Umbrellas | None) -> None:
    """A companion walking beside ``anchor`` (on either hand, the other where it does not fit) with their heading
    and another phase of the walking cycle, at the first spacing (from PAIR_SPACING_M) at which they fit."""
    group = next_group(placer)
    pose = str(rng.choice([q for q in WALK_POSES if q != anchor.params["pose"]]))
    mate = _member(rng, pose, umbrellas, group, "walking")
    spacing = float(rng.uniform(*PAIR_SPACING_M[:2]))
    hand = 1 if rng.random() < 0.5 else -1
    for d in _spacings(spacing, PAIR_SPACING_M[2]):
        for side in (hand, -hand):
            place = beside(anchor, side * d)
            if _clear(road, placer, anchor, [mate], [place]):
                _join(placer, anchor, [mate], [place], group, "walking")
                return


def circle_places(anchor: ObjectSpec, n: int, spacing: float, jitter: np.ndarray) -> List[Place]:
    """Places (x, y, yaw) of the n - 1 others of a talking group of ``n`` around ``anchor``: on a circle through
    them whose centre is in front of them, neighbours ``spacing`` apart at even places (moved by ``jitter``: per
    place a turn round the circle, a share of its radius and a turn of the head), each facing its centre."""
    r = spacing / (2 * math.sin(math.pi / n))
    x0, y0 = anchor.location[:2]
    cx, cy = x0 - math.sin(anchor.yaw) * r, y0 + math.cos(anchor.yaw) * r
    start = math.atan2(y0 - cy, x0 - cx)
    out = []
    for k in range(1, n):
        turn, out_in, look = jitter[k]
        a = start + 2 * math.pi * k / n + turn
        x, y = cx + r * (1 + out_in) * math.cos(a), cy + r * (1 + out_in) * math.sin(a)
        out.append((x, y, math.atan2(-(cx - x), cy - y) + look))
    return out


def beside(anchor: ObjectSpec, offset: float) -> Place:
    """The place ``offset`` metres to ``anchor``'s right (its local +X; left where negative), with its heading."""
    c, s = math.cos(anchor.yaw), math.sin(anchor.yaw)
    return anchor.location[0] + c * offset, anchor.location[1] + s * offset, anchor.yaw


def _spacings(first: float, widest: float) -> List[float]:
    """``first``, then wider by SPACING_STEP_M each, up to ``widest``."""
    steps = max(int(math.floor((widest - first) / SPACING_STEP_M + 1e-9)), 0)
    return [first + k * SPACING_STEP_M for k in range(steps + 1)]


def _member(rng: np.random.Generator, pose: str, umbrellas: Umbrellas | None, group: int,
            kind: str) -> PedestrianParams:
    """A person in ``pose`` (the wardrobe, children included, and any umbrella from ``rng`` too) of ``group``."""
    held = (rng, umbrellas[1]) if umbrellas is not None else None
    p = sample_pedestrian(rng, pose, wardrobe=rng, umbrellas=held)
    return dataclasses.replace(p, group=group, group_kind=kind)


def _clear(road: RoadSpec, placer: Placer, anchor: ObjectSpec, members: Sequence[PedestrianParams],
           places: Sequence[Place]) -> bool:
    """Whether ``members`` at ``places`` all stand on ``anchor``'s pavement, clear of everything placed and of
    each other."""
    side = 1 if anchor.location[0] > 0 else -1
    boxes = []
    for p, place in zip(members, places):
        box = footprint_box(place[0], place[1], p.width, p.length, place[2], GROUP_MARGIN / 2, placer.bend)
        if not _fits_on_pavement(road, placer, side, p, place):
            return False
        if any(boxes_overlap(box, b) for b in boxes):
            return False
        boxes.append(box)
    return True


def _fits_on_pavement(road: RoadSpec, placer: Placer, side: int, p: PedestrianParams, place: Place) -> bool:
    """Whether person ``p`` at ``place`` stands on the pavement on ``side`` (EDGE_M inside its kerb and back edge),
    clear of everything placed."""
    x, y, yaw = place
    box = footprint_box(x, y, p.width, p.length, yaw, 0.0)
    lo, hi = sorted((side * box[0], side * box[2]))
    return lo >= road.carriageway_half_width + EDGE_M and hi <= road.sidewalk_outer_x - EDGE_M and \
        placer.fits(x, y, p.width, p.length, yaw, GROUP_MARGIN)


def _join(placer: Placer, anchor: ObjectSpec, members: Sequence[PedestrianParams], places: Sequence[Place],
          group: int, kind: str) -> None:
    """Place the ``members`` beside ``anchor`` (those that still fit: a catalog model may stand in for one) and, if
    any joined, mark ``anchor`` as one of ``group``."""
    joined = [_add(placer, p, place, anchor.location[2]) for p, place in zip(members, places)]
    if any(o is not None and o.family == "pedestrian" for o in joined):
        k = placer.objects.index(anchor)
        placer.objects[k] = dataclasses.replace(anchor, params={**anchor.params, "group": group, "group_kind": kind})


def _waiting_place(road: RoadSpec, side: int, p: PedestrianParams, rng: np.random.Generator) -> Place:
    """A place at the kerb on ``side`` beside the crossing (along its depth), facing across the road."""
    half_depth = road.crosswalk_depth / 2 - p.width / 2
    back = min(WAITING_KERB_M[1], road.sidewalk_width - 0.5)
    x = side * (road.carriageway_half_width + float(rng.uniform(WAITING_KERB_M[0], max(back, WAITING_KERB_M[0]))))
    y = road.crosswalks[0] + float(rng.uniform(-half_depth, half_depth))
    return x, y, side * math.pi / 2 + float(rng.uniform(-WAITING_YAW, WAITING_YAW))


def _add(placer: Placer, p: PedestrianParams, place: Place, z0: float) -> ObjectSpec | None:
    """Place person ``p`` at ``place``, standing at height ``z0`` (a catalog model may stand in, where it fits)."""
    x, y, yaw = place
    return placer.add_asset("pedestrian", "person", (x, y, z0), yaw, (p.width, p.length, p.box_height), p,
                            GROUP_MARGIN)
