"""Vehicle and two-wheeler families: samplers of their parameters (numpy only; builders in
assets/blender/vehicles.py and assets/blender/two_wheeler.py)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Sequence, Tuple

import numpy as np

from scenegen.seeding import generator, stable_key

from .colors import RGB, jitter, pick, srgb_to_linear
from .params import AssetParams
from .pedestrians import PedestrianParams, sample_pedestrian
from .vehicle_interiors import Driver, sample_interior


@dataclass(frozen=True)
class VehicleFamily:
    """Realistic dimension ranges (metres) and the Cityscapes label of one vehicle family."""

    label: str
    length: Tuple[float, float]
    width: Tuple[float, float]
    height: Tuple[float, float]


VEHICLE_FAMILIES: Dict[str, VehicleFamily] = {
    "sedan": VehicleFamily("car", (4.2, 4.9), (1.72, 1.88), (1.38, 1.50)),
    "hatchback": VehicleFamily("car", (3.6, 4.2), (1.62, 1.80), (1.42, 1.56)),
    "suv": VehicleFamily("car", (4.3, 4.9), (1.80, 1.98), (1.62, 1.85)),
    "van": VehicleFamily("car", (4.8, 5.6), (1.90, 2.05), (1.90, 2.40)),
    "truck": VehicleFamily("truck", (6.5, 9.0), (2.30, 2.50), (2.90, 3.50)),
    "bus": VehicleFamily("bus", (10.5, 12.5), (2.50, 2.55), (3.00, 3.30)),
    # the wider fleet (``vary_family``): Cityscapes calls a panel van a car (one body), a pickup a truck
    "estate": VehicleFamily("car", (4.5, 4.95), (1.75, 1.85), (1.45, 1.55)),
    "mpv": VehicleFamily("car", (4.3, 4.8), (1.78, 1.90), (1.62, 1.78)),
    "taxi": VehicleFamily("car", (4.6, 4.95), (1.75, 1.85), (1.55, 1.66)),  # with its roof sign
    "delivery_van": VehicleFamily("car", (5.0, 6.0), (1.95, 2.10), (2.30, 2.60)),
    "pickup": VehicleFamily("truck", (5.0, 5.5), (1.85, 1.95), (1.75, 1.90)),
    "double_decker": VehicleFamily("bus", (10.5, 11.5), (2.50, 2.55), (4.20, 4.40)),
}
CAR_FAMILIES = ("sedan", "hatchback", "suv", "van")
LARGE_FAMILIES = ("truck", "bus")
#: family -> (families it may become in the wider fleet, their shares)
WIDER_FLEET: Dict[str, Tuple[Tuple[str, ...], Tuple[float, ...]]] = {
    "sedan": (("sedan", "estate", "taxi"), (0.5, 0.35, 0.15)),
    "hatchback": (("hatchback", "mpv"), (0.6, 0.4)),
    "suv": (("suv", "pickup"), (0.7, 0.3)),
    "van": (("van", "delivery_van"), (0.5, 0.5)),
    "truck": (("truck",), (1.0,)),
    "bus": (("bus", "double_decker"), (0.5, 0.5)),
}
_TAXI_PAINTS = (srgb_to_linear((0.03, 0.03, 0.035)), srgb_to_linear((0.88, 0.84, 0.66)))  # black cab, ivory


def vary_family(family: str, rng: np.random.Generator) -> str:
    """The family a vehicle drawn as ``family`` has in the wider fleet (estates, MPVs, taxis, delivery vans,
    pickups, double-deckers), drawn from ``rng``."""
    names, shares = WIDER_FLEET[family]
    return names[int(rng.choice(len(names), p=shares))]

# Common car paint colours (sRGB) and their rough market shares; PAINT_NAMES name them so a
# parameter space can tune the shares (``sample_vehicle(..., paint_weights=...)``).
PAINT_NAMES = ("white", "black", "grey", "silver", "red", "blue", "green", "brown")
_PAINTS = [srgb_to_linear(c) for c in (
    (0.92, 0.92, 0.92), (0.08, 0.08, 0.09), (0.45, 0.46, 0.48), (0.70, 0.71, 0.73),
    (0.62, 0.08, 0.07), (0.10, 0.20, 0.48), (0.20, 0.30, 0.22), (0.55, 0.45, 0.30),
)]
_PAINT_SHARES = (0.26, 0.22, 0.17, 0.14, 0.08, 0.08, 0.03, 0.02)


@dataclass(frozen=True)
class VehicleParams(AssetParams):
    """A car, truck or bus (families: the keys of VEHICLE_FAMILIES); metres, colours linear RGB."""

    FAMILIES = tuple(VEHICLE_FAMILIES)

    family: str
    label: str
    length: float
    width: float
    height: float
    paint: RGB
    glass: RGB
    wheel_radius: float
    #: number plates front and rear (the rear one "white" or "yellow", as in British streets) and wing mirrors;
    #: the body then stands MIRROR_REACH in from each side of the box, the mirrors reaching out to it
    details: bool = False
    rear_plate: str = "white"
    #: with details, the body's paint finish (one of FINISHES) and its winter dirt (0 clean .. 1 caked); None (left
    #: out of the scene JSON) without them: the plain clear-coat look
    finish: str | None = None
    dirt: float | None = None
    #: with details, the interior seen through the (then see-through) glazing: the seats' colour, and the skin, hair
    #: and top colours of the driver when someone sits at the wheel; None (left out of the scene JSON) without them
    seats: RGB | None = None
    driver: Driver | None = None

    def __post_init__(self) -> None:
        if self.finish is not None and self.finish not in FINISHES:
            raise ValueError(f"finish {self.finish!r} is not one of {', '.join(FINISHES)}")
        if (self.finish is None) != (self.dirt is None):
            raise ValueError("finish and dirt come together")
        if self.driver is not None and self.seats is None:
            raise ValueError("a driver needs an interior (seats)")


#: how far a wing mirror reaches out from the body (m); a number plate's width and height (m)
MIRROR_REACH = 0.16
PLATE_SIZE = (0.52, 0.11)
YELLOW_REAR_PLATE_SHARE = 0.5


#: paint finishes and their shares on private cars (metallic and pearl effect paints make most new cars' colour,
#: solid gloss most of the rest, matte the weathered old vans) and on fleet vehicles (FLEET_FAMILIES: liveries are
#: solid gloss, a few faded)
FINISHES = ("solid", "metallic", "pearl", "matte")
FINISH_SHARES = (0.30, 0.55, 0.08, 0.07)
FLEET_FINISH_SHARES = (0.85, 0.05, 0.0, 0.10)
FLEET_FAMILIES = ("delivery_van", "truck", "bus", "double_decker")
#: winter road dirt on a body: Beta(a, b), mean a / (a + b) = 0.25, most cars lightly soiled, a few caked
DIRT_BETA = (1.3, 3.9)


def with_details(rng: np.random.Generator, p: VehicleParams) -> VehicleParams:
    """``p`` with number plates and wing mirrors, its rear plate white or yellow, a paint finish and dirt
    (``sample_finish``) and an interior (``assets.vehicle_interiors.sample_interior``: seats, maybe a driver), all
    from one draw of ``rng`` (the finish and the interior from generators that draw seeds, under different keys), so
    ``rng`` draws once per vehicle, as it did before finishes, and every plate and finish stays what it was."""
    u = rng.random()  # a multiple of 2**-53
    seed = int(u * 2.0 ** 53)
    finish, dirt = sample_finish(generator(seed, stable_key("paint_finish")), p.family)
    seats, driver = sample_interior(generator(seed, stable_key("vehicle_interior")), p.family)
    return replace(p, details=True, rear_plate="yellow" if u < YELLOW_REAR_PLATE_SHARE else "white", finish=finish,
                   dirt=dirt, seats=seats, driver=driver)


def sample_finish(rng: np.random.Generator, family: str) -> Tuple[str, float]:
    """A paint finish (one of FINISHES, at the private or fleet shares of ``family``) and a dirt amount in [0, 1]."""
    shares = FLEET_FINISH_SHARES if family in FLEET_FAMILIES else FINISH_SHARES
    finish = FINISHES[int(rng.choice(len(FINISHES), p=shares))]
    return finish, round(float(rng.beta(*DIRT_BETA)), 4)


def sample_vehicle(rng: np.random.Generator, family: str, paint_weights: Sequence[float] | None = None,
                   paint_jitter: float = 0.06) -> VehicleParams:
    """Sample one vehicle of ``family`` (a key of VEHICLE_FAMILIES).

    ``paint_weights`` (one per PAINT_NAMES entry, any scale) replaces the default market
    shares; ``paint_jitter`` is the relative per-channel colour spread around them.
    """
    fam = VEHICLE_FAMILIES[family]
    length = float(rng.uniform(*fam.length))
    width = float(rng.uniform(*fam.width))
    height = float(rng.uniform(*fam.height))
    weights = _PAINT_SHARES if paint_weights is None else tuple(float(w) for w in paint_weights)
    if len(weights) != len(_PAINTS) or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError(f"paint_weights needs {len(_PAINTS)} non-negative numbers, not all zero")
    paint = jitter(rng, pick(rng, _PAINTS, weights), paint_jitter)
    glass = jitter(rng, (0.02, 0.025, 0.03), 0.1)
    small = fam.label == "car" or family == "pickup"
    wheel = 0.31 + 0.04 * float(rng.random()) if small else 0.48 + 0.04 * float(rng.random())
    if family == "taxi":  # a dark paint draw makes a black cab, any other an ivory one
        paint = _TAXI_PAINTS[int(sum(paint) > 0.3)]
    return VehicleParams(family, fam.label, round(length, 4), round(width, 4), round(height, 4),
                         paint, glass, round(wheel, 4))


# ---------------------------------------------------------------- two-wheelers with riders
TWO_WHEELER_FAMILIES = ("bicycle", "motorcycle")
_BIKE_PAINTS = [srgb_to_linear(c) for c in (
    (0.08, 0.08, 0.09), (0.85, 0.85, 0.85), (0.7, 0.1, 0.08), (0.1, 0.25, 0.6), (0.15, 0.4, 0.2),
    (0.9, 0.75, 0.1), (0.5, 0.5, 0.52),
)]


@dataclass(frozen=True)
class TwoWheelerParams(AssetParams):
    """A bicycle or motorcycle (families TWO_WHEELER_FAMILIES), with its rider when ridden."""

    FAMILIES = TWO_WHEELER_FAMILIES

    family: str
    label: str
    scale: float  # uniform scale of the nominal model (rider height / 1.75)
    ridden: bool
    paint: RGB
    rider: PedestrianParams | None  # the rider's body and colours; None (stored as {}) when not ridden
    width: float
    length: float
    height: float

    def __post_init__(self) -> None:
        if self.ridden != (self.rider is not None):
            raise ValueError(f"a {'ridden' if self.ridden else 'parked'} two-wheeler "
                             f"{'needs' if self.ridden else 'has no'} rider")


def sample_two_wheeler(rng: np.random.Generator, family: str, ridden: bool = True) -> TwoWheelerParams:
    """Sample a bicycle or motorcycle (label of the same name), with a rider (label rider) when ``ridden``."""
    from .two_wheelers import NOMINAL_RIDER, extent

    rider = replace(sample_pedestrian(rng, pose="standing"), skirt=False)
    if family == "motorcycle":  # helmet: shown through the cap hair style, in a helmet colour
        rider = replace(rider, hair_style="cap", cap=pick(rng, _BIKE_PAINTS))
    scale = float(np.clip(rider.height / NOMINAL_RIDER, 0.88, 1.1))
    w, l, h = (scale * e for e in extent(family, ridden))
    return TwoWheelerParams(family, family, round(scale, 4), bool(ridden), jitter(rng, pick(rng, _BIKE_PAINTS), 0.05),
                            rider if ridden else None, round(w + 0.01, 4), round(l + 0.01, 4), round(h + 0.01, 4))
