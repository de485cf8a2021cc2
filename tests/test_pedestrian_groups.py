"""People in company (pedestrian_variety = 1; scenegen.pedestrian_groups): talking groups, walking pairs and people
waiting at a crossing; their sizes, spacing and headings, the pavement, no overlaps, streets without the variable as
they were, determinism, the pace of a walking pair, and a rendered group."""
import dataclasses
import math
from collections import defaultdict

import numpy as np
import pytest
from scene_checks import footprint, footprints_overlap, street

import scenegen.pedestrian_groups as groups
from scenegen.pedestrian_groups import PAIR_SPACING_M, TALK_SIZES, TALK_SPACING_M, WAITING_COUNTS, WAITING_YAW
from scenegen.seeding import FrameSeed, named_stream
from scenegen.sequence import object_speeds

#: a busy, straight and level street with a crossing (on a bend people turn with the street: tests/test_curves.py)
BUSY = {"pedestrian_density": 30.0, "crosswalk_probability": 1.0, "road_curve": 0, "road_grade": 0, "umbrellas": 0,
        "prams": 0}
#: objects whose box is more than their footprint (a crown, a lamp's arm or a sign's plate reaches over others;
#: hedges, fences and walls run behind the pavement)
GROUNDED_SKIP = ("building", "tree", "street_lamp", "traffic_light", "sign", "hedge", "fence", "wall")


def _street(seed: int, variety: int | None = 1, **variables):
    return street(seed, pedestrian_variety=variety, **{**BUSY, **variables})


def _people(scene):
    return [o for o in scene.objects if o.family == "pedestrian"]


def _groups(scene, kind: str):
    out = defaultdict(list)
    for o in _people(scene):
        if o.params.get("group_kind") == kind:
            out[o.params["group"]].append(o)
    return list(out.values())


def _forward(o) -> np.ndarray:
    return np.array([-math.sin(o.yaw), math.cos(o.yaw)])


def _angle_to(o, point) -> float:
    """The angle (radians) between where ``o`` looks and the direction to ``point``."""
    to = np.asarray(point) - np.asarray(o.location[:2])
    return math.acos(float(np.clip(_forward(o) @ to / np.linalg.norm(to), -1.0, 1.0)))


@pytest.fixture(scope="module")
def streets():
    return [_street(seed) for seed in range(8)]


def test_talking_groups_stand_close_in_a_circle_facing_its_centre(streets):
    talking = [g for s in streets for g in _groups(s, "talking")]
    sizes = {len(g) for g in talking}
    assert sizes <= set(TALK_SIZES) and {2, 3} <= sizes
    for g in talking:
        assert all(o.params["pose"] == "standing" for o in g)
        centre = np.mean([o.location[:2] for o in g], axis=0)
        for o in g:
            nearest = min(math.dist(o.location[:2], q.location[:2]) for q in g if q is not o)
            assert TALK_SPACING_M[0] - 0.15 <= nearest <= TALK_SPACING_M[2] + 0.15, g  # loosely round the circle
            assert math.dist(o.location[:2], centre) <= 0.9
            assert _angle_to(o, centre) < 0.5, g


def test_walking_pairs_walk_side_by_side_with_one_heading(streets):
    pairs = [g for s in streets for g in _groups(s, "walking")]
    assert len(pairs) >= 10 and {len(g) for g in pairs} == {2}
    for a, b in pairs:
        assert a.yaw == pytest.approx(b.yaw, abs=1e-4)
        assert a.params["pose"] != b.params["pose"] and "standing" not in (a.params["pose"], b.params["pose"])
        apart = np.subtract(b.location[:2], a.location[:2])
        assert abs(_forward(a) @ apart) < 1e-3  # beside each other, not ahead
        assert PAIR_SPACING_M[0] - 1e-3 <= np.linalg.norm(apart) <= PAIR_SPACING_M[2] + 1e-3


def test_about_a_third_of_the_people_on_the_pavements_are_in_company(streets):
    on_pavements = [o for s in streets for o in _people(s) if o.params.get("group_kind") != "waiting"
                    and o.location[2] > 0]
    company = [o for o in on_pavements if o.params.get("group")]
    assert 0.25 < len(company) / len(on_pavements) < 0.45
    assert any(o.params["height"] < 1.45 for o in company)  # children join in


@pytest.mark.parametrize("variables", [{}, {"signal_crossings": 1}, {"left_hand_traffic": 1, "junction": 2}])
def test_people_wait_at_the_kerb_at_either_end_of_the_crossing_facing_the_road(variables):
    waited = 0
    for seed in range(6):
        s = _street(seed, **variables)
        road = s.road
        assert road.crosswalks
        waiting = [o for g in _groups(s, "waiting") for o in g]
        assert len(waiting) <= max(WAITING_COUNTS)
        waited += bool(waiting)
        for o in waiting:
            side = 1 if o.location[0] > 0 else -1
            assert o.params["pose"] == "standing"
            corners = footprint(o)
            assert (side * corners[:, 0] > road.carriageway_half_width).all()  # on the pavement
            assert (side * corners[:, 0] < road.sidewalk_outer_x).all()
            assert math.dist(o.location[:2], (side * road.carriageway_half_width, road.crosswalks[0])) < 2.0
            assert _angle_to(o, (-side * 100.0, o.location[1])) <= WAITING_YAW + 1e-3  # across the road
        ends = {(o.params["group"], o.location[0] > 0) for o in waiting}  # one group per end
        assert len(ends) == len({g for g, _ in ends}) == len({e for _, e in ends})
        assert not _groups(_street(seed, crosswalk_probability=0.0, **variables), "waiting")
    assert waited >= 5


@pytest.mark.parametrize("variables", [{}, {"junction": 1, "left_hand_traffic": 1}, {"junction": 2}])
def test_nothing_overlaps_and_only_the_crossing_people_are_on_the_carriageway(variables):
    for seed in range(4):
        s = _street(seed, **variables, pedestrian_density=60.0, street_furniture_density=12.0, parked_car_density=18.0)
        grounded = [o for o in s.objects if o.family not in GROUNDED_SKIP]
        shapes = [footprint(o) for o in grounded]
        clashes = [(grounded[i], grounded[j]) for i in range(len(shapes)) for j in range(i + 1, len(shapes))
                   if footprints_overlap(shapes[i], shapes[j])]
        assert not clashes, clashes[:1]
        road, crossing = s.road, s.road.crosswalks
        for o in _people(s):
            if o.params.get("group"):  # wholly on the pavement
                assert (np.abs(footprint(o)[:, 0]) > road.carriageway_half_width).all(), o
            elif abs(o.location[0]) < road.carriageway_half_width:  # crossing the road, on the crossing
                assert o.location[2] == 0.0 and crossing and abs(o.location[1] - crossing[0]) < 2.0, o


def test_without_the_variable_the_street_is_as_before(monkeypatch):
    for seed in range(6):
        plain = [_street(seed, variety=v) for v in (0, None)]
        assert plain[0].objects == plain[1].objects
        assert not any("group" in o.params or "group_kind" in o.params for o in _people(plain[0]))
    # variety 0 never opens the new streams nor runs the new code, so it draws exactly what it drew before
    import scenegen.grammar as grammar

    opened = []
    monkeypatch.setattr(grammar, "named_stream", lambda e, name: opened.append(name) or named_stream(e, name))
    _street(0, variety=1)
    assert {"pedestrian_groups", "crossing_waiting"} <= set(opened)
    opened.clear()
    monkeypatch.setattr(groups, "gather", lambda *a, **k: pytest.fail("groups at variety 0"))
    monkeypatch.setattr(groups, "wait_at_crossing", lambda *a, **k: pytest.fail("waiting at variety 0"))
    for seed in range(6):
        assert _street(seed, variety=0).objects == street(seed, pedestrian_variety=0, **BUSY).objects
    assert opened and not {"pedestrian_groups", "crossing_waiting"} & set(opened)


def test_groups_join_the_people_placed_alone_and_leave_them_as_they_were(monkeypatch):
    for seed in range(4):
        together = _people(_street(seed))
        monkeypatch.setattr(groups, "gather", lambda *a, **k: None)
        monkeypatch.setattr(groups, "wait_at_crossing", lambda *a, **k: None)
        alone = _people(_street(seed))
        monkeypatch.undo()
        strip = lambda o: dataclasses.replace(o, params={k: v for k, v in o.params.items()
                                                         if k not in ("group", "group_kind")})
        assert [strip(o) for o in together[:len(alone)]] == alone  # members and waiting people come after
        assert len(together) > len(alone)


def test_the_same_seed_gathers_the_same_groups():
    a, b = _street(3), _street(3)
    assert a.objects == b.objects and a.to_json() == b.to_json()
    assert _groups(a, "talking") and _groups(a, "walking")
    assert _street(4).objects != a.objects


def test_a_walking_pair_keeps_one_pace_in_a_sequence(streets):
    s = streets[0]
    speeds = object_speeds(s, FrameSeed(0, 0, 0))
    by_id = {id(o): v for o, v in zip(s.objects, speeds)}
    pairs = _groups(s, "walking")
    assert pairs
    for a, b in pairs:
        assert by_id[id(a)] == by_id[id(b)] > 0


def test_a_talking_group_renders_as_people_with_instances_of_their_own(streets):
    from scene_checks import render_still
    from scenegen.labels import label_id
    from scenegen.spec import FogSpec

    group = next(g for s in streets for g in _groups(s, "talking") if len(g) == 3)
    base = street(0, road_curve=0, road_grade=0, junction=0, left_hand_traffic=0, camera_pitch_deg=-8.0,
                  camera_fov_deg=50.0)
    centre = np.mean([o.location[:2] for o in group], axis=0)
    to = np.array([base.camera.location[0], 8.0]) - centre
    people = tuple(dataclasses.replace(o, location=(o.location[0] + to[0], o.location[1] + to[1], 0.0),
                                       instance=k + 1) for k, o in enumerate(group))
    spec = dataclasses.replace(base, objects=people, fog=FogSpec(0.0, (1, 1, 1)))
    frame, _, _ = render_still(spec, 160, 120, samples=1)
    person = frame.label_ids == label_id("person")
    ids = {int(v) for v in np.unique(frame.instance_ids[person])}
    assert ids == {label_id("person") * 1000 + k for k in range(3)}
    assert all((frame.instance_ids == i).sum() > 30 for i in ids)
