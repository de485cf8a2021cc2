"""The street grammar: one draw of the scene variables z -> a concrete SceneSpec.

Objects are laid out by point processes along the street (cars per lane, parked cars
per curb, pedestrians per sidewalk, trees, lamps and signs per side) through the placer
(scenegen.placer), buildings in rows (scenegen.building_rows); a junction (scenegen.junction),
a bend (scenegen.curve) and left-hand traffic (scenegen.driving_side) shape the layout.  Every
subsystem draws from its own named stream, so changing how one is sampled never shifts another.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Callable, Dict, List, Mapping, Sequence, Tuple

import numpy as np

from assets.buildings import with_climbers, with_facade_materials, with_rooflines, with_shops
from assets.catalog import FAMILY as CAD_FAMILY, Catalog
from assets.colors import hsv_linear, jitter
from assets.furniture import sample_sign, sample_street_lamp, sample_traffic_light
from assets.markings import sample_marking_style, sample_reserved_lanes
from assets.pedestrians import UMBRELLA_SHARE, sample_pedestrian
from assets.prams import PRAM_GAP, PRAM_SHARE, sample_pram
from assets.street_furniture import FURNITURE_LABELS, sample_kind, sample_street_furniture
from assets.trams import TRAM_SHARE, sample_tram, track_centres
from assets.vegetation import sample_bush, sample_tree
from assets.vehicles import (CAR_FAMILIES, LARGE_FAMILIES, PAINT_NAMES, VEHICLE_FAMILIES, VehicleParams,
                             sample_two_wheeler, sample_vehicle, vary_family, with_details)

from . import curve, grade, junction, parking, pedestrian_groups
from .building_rows import boundary, cross_street_rows, street_rows
from .driving_side import mirror_scene, side_of
from .params import ParameterSpace
from .placer import FAR_Y, NEAR_Y, ROAD_Y_END, ROAD_Y_START, Placer, poisson_positions, straight_piece
from .seeding import FrameSeed, named_stream, stable_key
from .sky_model import haze_sun_transmittance
from .spec import CameraSpec, FogSpec, RoadSpec, SceneSpec, SkySpec, SunSpec

CURB_HEIGHT = 0.15
#: the narrowest parking strip cars park in; narrower (and absent) strips take pavement parking or none
MIN_PARKING_STRIP_M = 1.8
CROSSWALK_DEPTH = 4.0
#: Fog thins out with height (a ground fog or haze layer), so a low density leaves the sky blue.
FOG_SCALE_HEIGHT_M = 100.0
_CHROMATIC_PAINTS = ("red", "blue", "green", "brown")
#: Classes a CAD catalog model may stand in for: those of the objects placed through ``Placer.add_asset`` (people,
#: vehicles, two-wheelers, trams, prams, bushes, pavement furniture) and street trees. Bus shelters, labelled
#: building, stay procedural, so that a catalog's buildings are not mistaken for shelters.
CAD_CLASSES = tuple(sorted({"person", "vegetation", "bicycle", "motorcycle", "train", "dynamic",
                            *(f.label for f in VEHICLE_FAMILIES.values()),
                            *(label for label in FURNITURE_LABELS.values() if label != "building")}))


def sample_scene(space: ParameterSpace, rng: np.random.Generator, catalog: Catalog | None = None,
                 cad_share: float = 0.5) -> SceneSpec:
    """Draw z from ``space`` and lay out a scene; all randomness from ``rng``'s child streams."""
    base = [int(v) for v in rng.integers(0, 2**32, size=2)]
    z = space.sample(base + [stable_key("variables")])
    return layout_scene(z, base + [stable_key("layout")], catalog, cad_share)


def frame_scene(space: ParameterSpace, seed: FrameSeed, variables: Mapping[str, float] | None = None,
                catalog: Catalog | None = None, cad_share: float = 0.5) -> SceneSpec:
    """The scene of one frame: z drawn from ``space`` (or given), layout from the frame's streams."""
    z = dict(variables) if variables is not None else frame_variables(space, seed)
    return layout_scene(z, seed.entropy() + [stable_key("layout")], catalog, cad_share)


def frame_variables(space: ParameterSpace, seed: FrameSeed) -> Dict[str, float]:
    """The scene variables z of one frame, drawn from ``space``."""
    return space.sample(variables_entropy(seed))


def variables_entropy(seed: FrameSeed) -> list:
    """The entropy a frame's scene variables are drawn from."""
    return seed.entropy() + [stable_key("variables")]


def layout_scene(z: Mapping[str, float], entropy: Sequence[int], catalog: Catalog | None = None,
                 cad_share: float = 0.5) -> SceneSpec:
    """Turn scene variables ``z`` into a SceneSpec; ``entropy`` seeds the per-subsystem streams.

    With a ``catalog``, objects of its classes are drawn from it with probability ``cad_share``.
    """
    def stream(name: str) -> np.random.Generator:
        return named_stream(list(entropy), name)

    road = _road(z, stream("road"))
    road = dataclasses.replace(road, **sample_marking_style(stream("markings"), z))
    road = dataclasses.replace(road, **sample_reserved_lanes(stream("reserved_lanes"), z))
    road = dataclasses.replace(road, **junction.junction_fields(z, road, stream("junction")))
    road = dataclasses.replace(road, **curve.bend_fields(z, road, stream("curve")))
    road = dataclasses.replace(road, **grade.grade_fields(z, road, stream("grade")))
    placer = Placer(catalog=catalog, cad_share=cad_share, cad_rng=stream("cad"), bend=curve.Bend.of(road))
    wardrobe = int(z.get("pedestrian_variety", 0)) == 1
    umbrellas = (stream("umbrellas"), UMBRELLA_SHARE * float(z.get("road_wetness", 0.0))) \
        if int(z.get("umbrellas", 0)) else None
    _crossing(z, road, placer, stream("crossing"), stream("crossing_wardrobe") if wardrobe else None, umbrellas)
    if road.tram_tracks:
        _tram(road, placer, stream("trams"))
    fleet = int(z.get("vehicle_variety", 0)) == 1
    _traffic(z, road, placer, stream("traffic"), stream("traffic_fleet") if fleet else None)
    _cross_traffic(z, road, placer, stream("cross_traffic"), stream("cross_traffic_fleet") if fleet else None)
    placer.footprints.extend(junction.keep_out_boxes(road))
    _two_wheelers(z, road, placer, stream("two_wheelers"))
    _parked(z, road, placer, stream("parked"), stream("parked_fleet") if fleet else None, stream("parking_kerb"),
            stream("parking_rows") if int(z.get("kerbside_parking", 0)) else None)
    if int(z.get("vehicle_details", 0)):
        _vehicle_details(placer, stream("vehicle_details"))
    on_pavements = len(placer.objects)
    _pedestrians(z, road, placer, stream("pedestrians"), stream("pedestrian_wardrobe") if wardrobe else None,
                 umbrellas, stream("prams") if int(z.get("prams", 0)) else None)
    if wardrobe:  # people in company: talking groups and walking pairs, people waiting at the crossing
        pedestrian_groups.gather(road, placer, placer.objects[on_pavements:], stream("pedestrian_groups"), umbrellas)
        pedestrian_groups.wait_at_crossing(road, placer, stream("crossing_waiting"), umbrellas)
    _furniture(z, road, placer, stream("furniture"))
    _trees(z, road, placer, stream("trees"))
    _bushes(z, road, placer, stream("bushes"))
    _street_furniture(z, road, placer, stream("street_furniture"))
    _front_boundaries(z, road, placer, stream("boundaries"))
    dressing = _building_dressings(z, stream)
    street_rows(z, road, placer, stream("buildings"), dressing)
    cross_street_rows(z, road, placer, stream("cross_buildings"), dressing)
    sun, sky, fog = _atmosphere(z, stream("sky"), stream("sun_cover") if int(z.get("sky_clouds", 0)) else None)
    camera = _camera(z, road, stream("camera"))
    spec = SceneSpec(road=road, sun=sun, sky=sky, fog=fog, camera=camera, objects=tuple(placer.objects),
                     variables=dict(z))
    spec = curve.bend_scene(grade.grade_scene(spec))
    return mirror_scene(spec) if side_of(z) == "left" else spec


#: building dressings in the order they apply: (scene variable, dressing, its stream)
DRESSINGS = (("shopfronts", with_shops, "shops"), ("rooflines", with_rooflines, "rooflines"),
             ("facade_materials", with_facade_materials, "facade_materials"),
             ("facade_climbers", with_climbers, "climbers"))


def _building_dressings(z: Mapping[str, float], stream: Callable[[str], np.random.Generator]) -> List[Callable]:
    """The dressings the street's variables turn on, each drawing from a stream of its own."""
    return [functools.partial(dress, stream(name)) for variable, dress, name in DRESSINGS if int(z.get(variable, 0))]


def _road(z: Mapping[str, float], rng: np.random.Generator) -> RoadSpec:
    lanes = int(z["lane_count"])
    crosswalks: Tuple[float, ...] = ()
    if rng.random() < z["crosswalk_probability"]:
        crosswalks = (round(float(rng.uniform(14.0, 60.0)), 3),)
    wear = float(z["road_wear"])
    return RoadSpec(
        lane_count=lanes, lane_width=float(z["lane_width_m"]), parking_width=float(z["parking_lane_width_m"]),
        sidewalk_width=float(z["sidewalk_width_m"]), curb_height=CURB_HEIGHT,
        terrain_width=float(z["terrain_strip_width_m"]), y_start=ROAD_Y_START, y_end=ROAD_Y_END,
        crosswalks=crosswalks, crosswalk_depth=CROSSWALK_DEPTH,
        asphalt_color=jitter(rng, (z["road_brightness"],) * 3, 0.03), asphalt_wear=wear,
        marking_visibility=round(1.0 - 0.7 * wear, 4),
        sidewalk_color=hsv_linear(float(rng.uniform(0.05, 0.12)), float(rng.uniform(0.0, 0.15)),
                                  float(z["sidewalk_brightness"]) * float(rng.uniform(0.92, 1.08))),
        terrain_color=hsv_linear(float(rng.uniform(0.17, 0.3)), float(rng.uniform(0.35, 0.7)),
                                 float(rng.uniform(0.25, 0.5))),
        two_way=lanes >= 2 and int(z.get("one_way", 0)) == 0,
        wetness=float(z["road_wetness"]),
        surface="setts" if int(z.get("cobbles", 0)) else "asphalt",
        tram_tracks=bool(int(z.get("tram_tracks", 0))) and lanes >= 2 and int(z.get("one_way", 0)) == 0,
    )


def _crossing(z, road: RoadSpec, placer: Placer, rng: np.random.Generator,
              wardrobe: np.random.Generator | None, umbrellas: Tuple[np.random.Generator, float] | None) -> None:
    if not road.crosswalks:
        return
    n = int(z["crossing_pedestrians"])
    half = road.carriageway_half_width
    y_c = road.crosswalks[0]
    for _ in range(n):
        p = sample_pedestrian(rng, wardrobe=wardrobe, umbrellas=umbrellas)
        x = float(rng.uniform(-half + 0.4, half - 0.4))
        y = y_c + float(rng.uniform(-1.2, 1.2))
        yaw = math.pi / 2 if rng.random() < 0.5 else -math.pi / 2
        placer.add_asset("pedestrian", "person", (x, y, 0.0), yaw, (p.width, p.length, p.box_height), p, 0.2)


def _tram(road: RoadSpec, placer: Placer, rng: np.random.Generator) -> None:
    """A tram on one of the tracks (on TRAM_SHARE of the streets that have them), 12-90 m ahead, on the straight
    before any bend."""
    if rng.random() >= TRAM_SHARE:
        return
    tram = sample_tram(rng)
    x = track_centres(road.lanes_half_width, road.lane_width)[int(rng.integers(2))]
    y = float(rng.uniform(12.0, 90.0)) + tram.length / 2
    if road.curve_radius:
        y = min(y, road.curve_start_y - tram.length / 2)
    if y - tram.length / 2 >= NEAR_Y:
        placer.add_asset("tram", "train", (x, y, 0.0), 0.0 if x > 0 else math.pi,
                         (tram.width, tram.length, tram.box_height), tram, 0.8)


def _vehicle_family(rng: np.random.Generator, large_share: float) -> str:
    if rng.random() < large_share:
        return LARGE_FAMILIES[int(rng.integers(len(LARGE_FAMILIES)))]
    return CAR_FAMILIES[int(rng.integers(len(CAR_FAMILIES)))]


def _paint_weights(z) -> List[float]:
    """Market-share-like paint weights with the chromatic share set by ``car_colorful_share``."""
    share = float(z["car_colorful_share"])
    achromatic = [n for n in PAINT_NAMES if n not in _CHROMATIC_PAINTS]
    return [share / len(_CHROMATIC_PAINTS) if n in _CHROMATIC_PAINTS else (1 - share) / len(achromatic)
            for n in PAINT_NAMES]


def _fleet_family(family: str, fleet: np.random.Generator | None) -> str:
    """``family``, or what it becomes in the wider fleet when the scene has one (``vehicle_variety``)."""
    return family if fleet is None else vary_family(family, fleet)


def _traffic(z, road: RoadSpec, placer: Placer, rng: np.random.Generator,
             fleet: np.random.Generator | None) -> None:
    ego_lane = road.lane_count - 1
    paints = _paint_weights(z)
    for lane in range(road.lane_count):
        heading = road.lane_heading(lane)
        y0 = 8.0 if lane == ego_lane else NEAR_Y
        for y in poisson_positions(rng, z["car_density"], y0, FAR_Y):
            family = _fleet_family(_vehicle_family(rng, z["large_vehicle_share"]), fleet)
            v = sample_vehicle(rng, family, paint_weights=paints)
            x = road.lane_center_x(lane) + float(rng.normal(0, 0.15))
            yaw = heading + float(rng.normal(0, 0.015))
            y_c = float(y) + v.length / 2
            placer.add_asset(v.family, v.label, (x, y_c, 0.0), yaw, (v.width, v.length, v.height), v, 0.8)


def _cross_traffic(z, road: RoadSpec, placer: Placer, rng: np.random.Generator,
                   fleet: np.random.Generator | None) -> None:
    """Vehicles standing in the cross street's lanes, as many per metre as on the main street; the first in a lane
    toward the main street waits at the stop line."""
    paints = _paint_weights(z)
    start = road.carriageway_half_width + junction.STOP_LINE_GAP_M + junction.STOP_LINE_DEPTH_M + 0.5
    for side in road.junction_sides:
        for y_lane, heading, inbound in junction.lanes(road, side):
            along = poisson_positions(rng, z["car_density"], start, start + junction.CROSS_STREET_REACH_M / 2)
            if inbound and len(along):
                along[0] = start
            for d in along:
                family = _fleet_family(_vehicle_family(rng, z["large_vehicle_share"]), fleet)
                v = sample_vehicle(rng, family, paint_weights=paints)
                x = side * (float(d) + v.length / 2)
                y = y_lane + float(rng.normal(0, 0.15))
                yaw = heading + float(rng.normal(0, 0.015))
                placer.add_asset(v.family, v.label, (x, y, 0.0), yaw, (v.width, v.length, v.height), v, 0.8)


def _two_wheelers(z, road: RoadSpec, placer: Placer, rng: np.random.Generator) -> None:
    """Cyclists and motorcyclists near the right edge of the outer lanes; parked bicycles on sidewalks."""
    for side in (-1, 1):
        if side < 0 and not road.two_way:
            continue
        for y in poisson_positions(rng, z["two_wheeler_density"], NEAR_Y + 4, FAR_Y):
            kind = "motorcycle" if rng.random() < z["motorcycle_share"] else "bicycle"
            ridden = kind == "motorcycle" or rng.random() < 0.7
            t = sample_two_wheeler(rng, kind, ridden)
            if ridden:
                edge = road.lanes_half_width
                x = side * (edge - 0.7 - float(rng.uniform(0, 0.4)))
                yaw = 0.0 if side > 0 else math.pi
                z0 = 0.0
            else:
                inner = road.carriageway_half_width
                x = side * (inner + 0.5)
                yaw = float(rng.choice([0.0, math.pi])) + float(rng.normal(0, 0.1))
                z0 = CURB_HEIGHT
            placer.add_asset(kind, t.label, (x, float(y), z0), yaw, (t.width, t.length, t.height), t, 0.4,
                             parts=("rider",) if ridden else ())


def _vehicle_details(placer: Placer, rng: np.random.Generator) -> None:
    """Number plates and wing mirrors on every procedural vehicle placed so far (``vehicle_details``)."""
    for k, o in enumerate(placer.objects):
        if o.family in VEHICLE_FAMILIES:
            p = with_details(rng, VehicleParams.from_mapping(o.params))
            placer.objects[k] = dataclasses.replace(o, params=p.to_dict())


def _parking_kerbs(z, rng: np.random.Generator) -> Tuple[int, ...]:
    """The kerbs cars park along: both, or (``parking_sides`` 1) one of them, either at even odds."""
    if int(z.get("parking_sides", 2)) == 2:
        return (-1, 1)
    return ((-1,) if rng.random() < 0.5 else (1,))


def _parked(z, road: RoadSpec, placer: Placer, rng: np.random.Generator, fleet: np.random.Generator | None,
            kerb_draw: np.random.Generator, rows: np.random.Generator | None) -> None:
    """Cars along the kerbs (both, or one: ``parking_sides``): in a parking strip wide enough for them, else
    (``pavement_parking``) half on the pavement, half in the strip or lane beside it, as on narrow British
    streets; with ``rows`` (``kerbside_parking``) nose to tail at the kerb (scenegen.parking)."""
    on_pavement = road.parking_width < MIN_PARKING_STRIP_M
    if on_pavement and int(z.get("pavement_parking", 0)) == 0:
        return
    if rows is not None:
        for side in _parking_kerbs(z, kerb_draw):
            _parked_row(z, road, placer, side, on_pavement, rng, fleet, rows)
        return
    lane_edge = road.lanes_half_width
    paints = _paint_weights(z)
    for side in _parking_kerbs(z, kerb_draw):
        for y in poisson_positions(rng, z["parked_car_density"], NEAR_Y - 6.0, FAR_Y):
            v = _parked_car(rng, fleet, paints)
            if on_pavement:
                x_abs = _pavement_parking_x(road, v.width)
            elif v.width > road.parking_width + 0.2:
                continue
            else:
                x_abs = lane_edge + road.parking_width / 2
            yaw = (0.0 if rng.random() < 0.5 else math.pi) + float(rng.normal(0, 0.03))
            off = float(rng.normal(0, 0.08))
            x = side * (x_abs + (float(np.clip(off, -0.1, 0.1)) if on_pavement else off))
            y_c = float(y) + v.length / 2
            placer.add_asset(v.family, v.label, (x, y_c, 0.0), yaw, (v.width, v.length, v.height), v, 0.3)


def _parked_row(z, road: RoadSpec, placer: Placer, side: int, on_pavement: bool, rng: np.random.Generator,
                fleet: np.random.Generator | None, rows: np.random.Generator) -> None:
    """One kerb's parked cars in rows: each behind the last with a short gap or a break, flank near the kerb."""
    density, paints = float(z["parked_car_density"]), _paint_weights(z)
    if density <= 0:
        return
    y = parking.first_start(rows, density, NEAR_Y - 6.0)
    while y < FAR_Y:
        v = _parked_car(rng, fleet, paints)
        if on_pavement:
            x_abs = _pavement_parking_x(road, v.width)
        else:
            x_abs = parking.kerb_x(rows, road.carriageway_half_width, road.lanes_half_width, v.width)
        if on_pavement or v.width <= road.parking_width + 0.2:
            placer.add_asset(v.family, v.label, (side * x_abs, y + v.length / 2, 0.0),
                             parking.parked_yaw(rows, side, road.two_way), (v.width, v.length, v.height), v, 0.3)
        y += v.length + parking.next_gap(rows, density)


def _parked_car(rng: np.random.Generator, fleet: np.random.Generator | None,
                paints: Sequence[float]) -> VehicleParams:
    """A car body for the kerb (one of CAR_FAMILIES, or a relative with the wider ``fleet``)."""
    family = _fleet_family(CAR_FAMILIES[int(rng.integers(len(CAR_FAMILIES)))], fleet)
    return sample_vehicle(rng, family, paint_weights=paints)


def _pavement_parking_x(road: RoadSpec, car_width: float) -> float:
    """Distance from the street axis of a car parked with its kerb-side wheels on the pavement: as much of it
    in the strip as fits, but at least 45 % (the rest narrows the lane beside it)."""
    on_road = float(np.clip(road.parking_width, 0.45 * car_width, car_width))
    return road.carriageway_half_width + car_width / 2 - on_road


def _pedestrians(z, road: RoadSpec, placer: Placer, rng: np.random.Generator,
                 wardrobe: np.random.Generator | None, umbrellas: Tuple[np.random.Generator, float] | None,
                 prams: np.random.Generator | None) -> None:
    """People on the pavements; with ``prams``, some standing adults wait with a pram in front of them."""
    inner = road.carriageway_half_width
    for side in (-1, 1):
        for y in poisson_positions(rng, z["pedestrian_density"], NEAR_Y, FAR_Y * 0.8):
            p = sample_pedestrian(rng, wardrobe=wardrobe, umbrellas=umbrellas)
            x = side * float(rng.uniform(inner + 0.4, inner + max(road.sidewalk_width - 0.4, 0.5)))
            yaw = float(rng.choice([0.0, math.pi])) + float(rng.normal(0, 0.3))
            person = placer.add_asset("pedestrian", "person", (x, float(y), CURB_HEIGHT), yaw,
                                      (p.width, p.length, p.box_height), p, 0.15)
            if prams is not None and person is not None and p.pose == "standing" and p.height >= 1.45:
                _pram(placer, person, prams)


def _pram(placer: Placer, person, rng: np.random.Generator) -> None:
    """On PRAM_SHARE of the calls, a pram in front of ``person`` (its handle toward them), where it fits."""
    if rng.random() >= PRAM_SHARE:
        return
    pram = sample_pram(rng)
    ahead = person.size[1] / 2 + PRAM_GAP + pram.length / 2
    x = person.location[0] - math.sin(person.yaw) * ahead
    y = person.location[1] + math.cos(person.yaw) * ahead
    placer.add_asset("pram", "dynamic", (x, y, person.location[2]), person.yaw, (pram.width, pram.length, pram.height),
                     pram, 0.05)


def _furniture(z, road: RoadSpec, placer: Placer, rng: np.random.Generator) -> None:
    curb_x = road.carriageway_half_width + 0.45
    for side in (-1, 1):
        spacing = float(z["pole_spacing_m"])
        y = float(rng.uniform(0, spacing)) + NEAR_Y
        while y < FAR_Y + 60:
            lamp = sample_street_lamp(rng)
            yaw = math.pi / 2 if side > 0 else -math.pi / 2  # the arm (local +Y) reaches over the road
            if placer.fits(side * curb_x, y, 0.3, 0.3, 0.0, 0.3):
                placer.add("street_lamp", "pole", (side * curb_x, y, CURB_HEIGHT), yaw,
                           (0.5, 2 * (lamp.arm_length + 0.6), lamp.height), lamp, footprint=(0.3, 0.3))
            y += spacing
        for y in poisson_positions(rng, z["sign_density"], NEAR_Y + 3, FAR_Y):
            sign = sample_sign(rng)
            if placer.fits(side * curb_x, float(y), 0.3, 0.3, 0.0, 0.4):
                placer.add("sign", "traffic sign", (side * curb_x, float(y), CURB_HEIGHT), math.pi,
                           (sign.size, 0.1, sign.post_height + sign.size), sign)
    signals_at_crossing = road.signal_crossing and bool(road.crosswalks)
    if rng.random() < z["traffic_light_probability"] or signals_at_crossing:
        y_tl = road.crosswalks[0] + road.crosswalk_depth if road.crosswalks else float(rng.uniform(25, 70))
        if road.junction_sides and not signals_at_crossing:
            y_tl = road.junction_band()[0] - 1.0  # the signals guard the junction
        for side in (-1, 1):
            tl = sample_traffic_light(rng, side)
            yaw = math.pi  # heads face the camera
            x = side * curb_x
            if placer.fits(x, y_tl, 0.4, 0.4, 0.0, 0.2):
                placer.add("traffic_light", "traffic light", (x, y_tl, CURB_HEIGHT), yaw,
                           (max(tl.head_width, 0.3) + tl.overhead_arm * 2, 0.4, tl.post_height + tl.head_height),
                           tl)


def _tree_row_x(road: RoadSpec) -> float:
    """Distance from the street axis of a side's row of street trees: the middle of a grass strip wide
    enough for a tree, else pits in the sidewalk about a metre from the curb."""
    if road.terrain_width >= 1.2:
        return road.sidewalk_outer_x + road.terrain_width / 2
    return road.carriageway_half_width + min(1.0, road.sidewalk_width / 2)


def _trees(z, road: RoadSpec, placer: Placer, rng: np.random.Generator) -> None:
    x_abs = _tree_row_x(road)
    for side in (-1, 1):
        for y in poisson_positions(rng, z["tree_density"], NEAR_Y, FAR_Y + 60):
            t = sample_tree(rng, z.get("tree_leaf_cover", 1.0), z.get("tree_size", 1.0),
                            int(z.get("tree_branching", 0)))
            if placer.fits(side * x_abs, float(y), 0.5, 0.5, 0.0, 0.6):
                d, model = 2 * t.crown_radius, placer.cad_model("vegetation")
                family, size, params = ("tree", (d, d, t.height), t) if model is None else \
                    (CAD_FAMILY, model.size, model)
                placer.add(family, "vegetation", (side * x_abs, float(y), CURB_HEIGHT),
                           float(rng.uniform(0, 2 * math.pi)), size, params, solid=True)


def _bushes(z, road: RoadSpec, placer: Placer, rng: np.random.Generator) -> None:
    """Shrubs in the grass strips."""
    if road.terrain_width < 1.0:
        return
    for side in (-1, 1):
        for y in poisson_positions(rng, z["bush_density"], NEAR_Y, FAR_Y + 60):
            b = sample_bush(rng)
            half = min(b.width, road.terrain_width) / 2
            x = side * (road.sidewalk_outer_x + half + float(rng.random()) * max(road.terrain_width - 2 * half, 0.0))
            placer.add_asset(b.shape, "vegetation", (x, float(y), CURB_HEIGHT), float(rng.uniform(0, 2 * math.pi)),
                             (b.width, b.length, b.height), b, 0.1)


BOLLARD_PITCH_M = 1.4  # between the bollards of a row
WALKWAY_M = 1.2  # pavement left free beside furniture at the back of the pavement


def _street_furniture(z, road: RoadSpec, placer: Placer, rng: np.random.Generator) -> None:
    """Bollard rows, bins and cycle stands at the kerb; benches, shelters, phone boxes and pillars at the back of
    the pavement where it leaves a walkway beside them; fronts toward the road."""
    kerb = road.carriageway_half_width
    for side in (-1, 1):
        yaw = 0.0 if side > 0 else math.pi  # local -X (the front) toward the road
        for y in poisson_positions(rng, z.get("street_furniture_density", 0.0), NEAR_Y, FAR_Y):
            kind = sample_kind(rng)
            p = sample_street_furniture(rng, kind)
            at_kerb = kind in ("bollard", "bin", "cycle_stands")
            if not at_kerb and road.sidewalk_width < p.width + WALKWAY_M:
                continue
            x = side * (kerb + 0.3 + p.width / 2 if at_kerb else road.sidewalk_outer_x - p.width / 2 - 0.1)
            rows = int(rng.integers(3, 7)) if kind == "bollard" else 1
            for k in range(rows):
                placer.add_asset(kind, p.label, (x, float(y) + k * BOLLARD_PITCH_M, CURB_HEIGHT), yaw,
                                 (p.width, p.length, p.height), p, 0.1)


def _front_boundaries(z, road: RoadSpec, placer: Placer, rng: np.random.Generator) -> None:
    """Hedges, fences and low walls along the back of the sidewalk, in stretches of 8-30 m."""
    if road.terrain_width < 0.8:
        return
    corner = road.junction_band(pavements=True)
    for side in (-1, 1):
        y = NEAR_Y - float(rng.uniform(0, 10))
        while y < FAR_Y + 60:
            length = straight_piece(placer, float(rng.uniform(8.0, 30.0)), y)
            end = placer.ahead(side * road.sidewalk_outer_x, y, length)
            across_junction = junction.opens(road, side) and y < corner[1] and end > corner[0]
            if rng.random() < z["front_boundary_probability"] and not across_junction:
                family, label, size, p = boundary(rng, length)
                x = side * (road.sidewalk_outer_x + size[0] / 2 + 0.05)
                placer.add(family, label, (x, placer.ahead(x, y, length / 2), CURB_HEIGHT), 0.0, size, p, solid=False)
            y = placer.ahead(side * road.sidewalk_outer_x, y, length + float(rng.uniform(0.5, 6.0)))


def _atmosphere(z, rng: np.random.Generator,
                cover: np.random.Generator | None = None) -> Tuple[SunSpec, SkySpec, FogSpec]:
    """Sun, sky and fog; under clouds with structure (a ``cover`` stream) the sun is out or behind a cloud."""
    overcast = float(z["overcast"])
    sun = SunSpec(elevation_deg=float(z["sun_elevation_deg"]), azimuth_deg=float(z["sun_azimuth_deg"]),
                  strength=round(4.0 * (1.0 - 0.85 * overcast), 5), angle_deg=round(0.53 + 25.0 * overcast, 4))
    if cover is not None:
        sun = _sun_between_clouds(sun, overcast, cover)
    sun = dataclasses.replace(sun, strength=round(sun.strength * haze_sun_transmittance(float(z["sky_haze"])), 5))
    clouds = int(z.get("sky_clouds", 0))
    offset = tuple(round(float(v), 4) for v in rng.uniform(-50.0, 50.0, 2)) if clouds else (0.0, 0.0)
    sky = SkySpec(haze=float(z["sky_haze"]), overcast=overcast, strength=1.0, clouds=clouds, cloud_offset=offset)
    grey = 0.55 + 0.25 * (1 - overcast)
    fog = FogSpec(density=float(z["fog_density"]) / 100.0, color=(grey, grey * 1.01, grey * 1.04),
                  scale_height_m=FOG_SCALE_HEIGHT_M)
    return sun, sky, fog


#: under clouds with structure: the direct light left when the sun is behind a cloud, and its spread (degrees);
#: out between the clouds the sun loses a fifth of its light at full cover, for the haze
SUN_BEHIND_CLOUD, SUN_BEHIND_CLOUD_ANGLE = 0.12, 25.53


def _sun_between_clouds(sun: SunSpec, cover: float, rng: np.random.Generator) -> SunSpec:
    """The sun behind a cloud (as likely as the cover is full: dim, soft shadows) or out between the clouds
    (bright, sharp shadows), in place of the flat dome's cover-weighted average."""
    if rng.random() < cover:
        return dataclasses.replace(sun, strength=round(4.0 * SUN_BEHIND_CLOUD, 5), angle_deg=SUN_BEHIND_CLOUD_ANGLE)
    return dataclasses.replace(sun, strength=round(4.0 * (1.0 - 0.2 * cover), 5), angle_deg=0.53)


def _camera(z, road: RoadSpec, rng: np.random.Generator) -> CameraSpec:
    x = road.lane_center_x(road.lane_count - 1) + float(z["camera_lateral_m"])
    return CameraSpec(location=(round(x, 4), 0.0, float(z["camera_height_m"])), pitch_deg=float(z["camera_pitch_deg"]),
                      yaw_deg=0.0, roll_deg=0.0, fov_deg=float(z["camera_fov_deg"]),
                      exposure_ev=float(z["camera_exposure_ev"]), noise=float(z["sensor_noise"]),
                      vignetting=float(z["vignetting"]), blur_px=float(z["lens_blur_px"]),
                      noise_seed=int(rng.integers(0, 2**31)),
                      metering="street" if int(z.get("exposure_metering", 0)) else "average")
