"""SceneSpec: a concrete street scene as plain, frozen data (no bpy), with a JSON round-trip.

World frame: metres; the street runs along +Y from the camera, +X is to the right,
+Z is up, the road surface is z = 0.  An object's local frame has +Y forward, +X
right; ``yaw`` (radians) turns it counter-clockwise about +Z.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, Mapping, Tuple

Vec3 = Tuple[float, float, float]
RGB = Tuple[float, float, float]

SPEC_VERSION = 1
#: Key of ``ObjectSpec.params`` that numbers sub-parts of another instance class (a bicycle's rider);
#: it belongs to the ObjectSpec, not to the asset family's params.
PART_INSTANCES = "part_instances"


@dataclass(frozen=True)
class RoadSpec:
    """Cross-section of the street, symmetric about x = 0, from ``y_start`` to ``y_end``; with a cross street,
    a bend and a marking style (fields below, counted in the right-hand layout a left-hand street mirrors)."""

    lane_count: int
    lane_width: float
    parking_width: float
    sidewalk_width: float
    curb_height: float
    terrain_width: float
    y_start: float
    y_end: float
    crosswalks: Tuple[float, ...]  # y of each zebra-crossing centre
    crosswalk_depth: float
    asphalt_color: RGB
    asphalt_wear: float
    marking_visibility: float
    sidewalk_color: RGB
    terrain_color: RGB
    two_way: bool
    wetness: float = 0.0  # 0 dry .. 1 soaked: darker, glossier asphalt with puddles
    #: "right", or "left": the scene is the mirror image (x -> -x) of a right-hand layout, and every object's
    #: own geometry is mirrored in its local x (scenegen.driving_side)
    driving_side: str = "right"
    #: a cross street (scenegen.junction): the y of its centre line, the sides it opens to (-1 left, 1 right of
    #: the right-hand layout; both: a crossroads; none: no junction) and its carriageway's half width
    junction_y: float = 0.0
    junction_sides: Tuple[int, ...] = ()
    junction_half_width: float = 0.0
    #: a bend ahead (scenegen.curve): where it starts along the centre line, its signed radius (positive bends
    #: right in the right-hand layout; 0: a straight street) and how far it turns (degrees)
    curve_start_y: float = 0.0
    curve_radius: float = 0.0
    curve_angle_deg: float = 0.0
    #: a grade ahead (scenegen.grade): where it starts along the street and its rise per metre (0: level)
    grade_start_y: float = 0.0
    grade: float = 0.0
    #: the marking style (assets.markings): a two-way street's centre line ("double", "dashed" or "solid";
    #: "white" or "yellow"), solid edge lines, yellow no-waiting lines along kerbs without a parking strip
    #: ("none", "double_yellow", "single_yellow") and parking bays marked in the strip
    centre_line: str = "double"
    centre_colour: str = "white"
    edge_lines: bool = False
    kerb_lines: str = "none"
    parking_bays: bool = False
    #: reserved lanes and crossings (assets.markings): cycle lanes ("none", "advisory" behind a broken line,
    #: "mandatory" behind a solid one), bus lanes, the reserved lanes' surfacing ("none", "green", "red") and
    #: signal-controlled crossings instead of zebras; a yellow box junction across a junction's mouth
    cycle_lanes: str = "none"
    bus_lanes: bool = False
    lane_surface: str = "none"
    signal_crossing: bool = False
    box_junction: bool = False
    #: the carriageway's surface: "asphalt", or "setts" (granite cobbles, as in old European city centres)
    surface: str = "asphalt"
    #: grooved tram rails along the lane either side of the centre line (assets.trams)
    tram_tracks: bool = False

    @property
    def carriageway_half_width(self) -> float:
        """Half width of the asphalt: driving lanes plus both parking strips."""
        return self.lanes_half_width + self.parking_width

    @property
    def sidewalk_outer_x(self) -> float:
        return self.carriageway_half_width + self.sidewalk_width

    @property
    def terrain_outer_x(self) -> float:
        return self.sidewalk_outer_x + self.terrain_width

    @property
    def lanes_half_width(self) -> float:
        """Half width of the driving lanes (the carriageway less its parking strips)."""
        return self.lane_count * self.lane_width / 2

    def junction_band(self, pavements: bool = False) -> Tuple[float, float]:
        """The stretch of y the cross street takes at its mouth: its carriageway, or with ``pavements`` also its
        pavements; an empty stretch without a junction."""
        if not self.junction_sides:
            return (0.0, 0.0)
        reach = self.junction_half_width + (self.sidewalk_width if pavements else 0.0)
        return (self.junction_y - reach, self.junction_y + reach)

    def lane_center_x(self, lane: int) -> float:
        """x of lane ``lane`` counted from the left edge of the driving lanes (0-based)."""
        return -self.lane_count * self.lane_width / 2 + (lane + 0.5) * self.lane_width

    def lane_heading(self, lane: int) -> float:
        """Yaw of traffic in a lane: right half drives +Y, left half (two-way) drives -Y."""
        if not self.two_way:
            return 0.0
        return 0.0 if self.lane_center_x(lane) > 0 else math.pi


@dataclass(frozen=True)
class SunSpec:
    elevation_deg: float
    azimuth_deg: float
    strength: float  # sun lamp irradiance (W/m^2 in Blender units)
    angle_deg: float  # angular diameter; larger = softer shadows (overcast)


@dataclass(frozen=True)
class SkySpec:
    haze: float  # 0..1 -> air/dust density of the sky model
    overcast: float  # 0..1 -> mixes the clear sky with a grey overcast dome (cloud cover, with ``clouds``)
    strength: float
    #: 1: the cover is drawn as clouds with structure (broken cumulus with blue gaps when partial, a sheet of
    #: lighter and darker billows when full); 0: a flat grey dome mixed in (scene files from before the field)
    clouds: int = 0
    cloud_offset: Tuple[float, float] = (0.0, 0.0)  # where in the cloud field this sky is (metres / 1000)


@dataclass(frozen=True)
class FogSpec:
    density: float  # extinction coefficient per metre at the ground (0 = none)
    color: RGB
    #: Height over which the density falls by e (exponential height fog); 0 = homogeneous everywhere,
    #: which whitens the whole sky at any density (scene files from before this field).
    scale_height_m: float = 0.0


@dataclass(frozen=True)
class CameraSpec:
    location: Vec3
    pitch_deg: float  # positive looks up
    yaw_deg: float  # 0 looks along +Y
    roll_deg: float
    fov_deg: float  # horizontal field of view
    exposure_ev: float
    clip_end: float = 1000.0
    noise: float = 0.0  # sensor noise: standard deviation at middle grey (scenegen.imaging.add_sensor_noise)
    vignetting: float = 0.0  # light fall-off at the image corners (0..1)
    blur_px: float = 0.0  # lens blur, Gaussian sigma in pixels
    noise_seed: int = 0
    metering: str = "average"  # auto-exposure metering (scenegen.imaging.METERING)

    def intrinsics(self, width: int, height: int) -> Dict[str, float]:
        """Pinhole intrinsics (square pixels, principal point at the image centre)."""
        fx = (width / 2) / math.tan(math.radians(self.fov_deg) / 2)
        return {"fx": fx, "fy": fx, "cx": width / 2, "cy": height / 2, "width": width, "height": height}


@dataclass(frozen=True)
class ObjectSpec:
    """One placed object of an asset family.

    ``label`` is the Cityscapes name of its main part; builders may label sub-parts
    differently (a sign's post is ``pole``).  ``instance`` is the 1-based index among
    objects of the same instance class, 0 for non-instance classes.  ``size`` is the
    axis-aligned extent in the object's local frame (x width, y length, z height), with
    ``location`` the centre of its footprint on the ground.  ``params`` is the family's params
    dataclass as a plain mapping (``AssetParams.to_dict``; ``assets.families.object_params``
    converts it back, strictly), plus ``part_instances`` when the object has such parts.
    """

    family: str
    label: str
    location: Vec3
    yaw: float
    size: Vec3
    instance: int = 0
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _plain(dict(self.params)))

    def instance_labels(self) -> Tuple[Tuple[str, int], ...]:
        """(label, k) of every instance this object depicts: itself, and parts such as a rider."""
        own = ((self.label, self.instance),) if self.instance > 0 else ()
        parts = tuple((label, int(k)) for label, k in dict(self.params.get(PART_INSTANCES, {})).items() if k > 0)
        return own + parts

    def box_corners(self) -> Tuple[Vec3, ...]:
        """The 8 corners of the object's 3D bounding box in world coordinates."""
        c, s = math.cos(self.yaw), math.sin(self.yaw)
        x0, y0, z0 = self.location
        w, l, h = self.size
        out = []
        for dz in (0.0, h):
            for dx in (-w / 2, w / 2):
                for dy in (-l / 2, l / 2):
                    out.append((x0 + c * dx - s * dy, y0 + s * dx + c * dy, z0 + dz))
        return tuple(out)


@dataclass(frozen=True)
class SceneSpec:
    """Everything needed to build and render one street scene."""

    road: RoadSpec
    sun: SunSpec
    sky: SkySpec
    fog: FogSpec
    camera: CameraSpec
    objects: Tuple[ObjectSpec, ...]
    variables: Mapping[str, float] = field(default_factory=dict)
    spec_version: int = SPEC_VERSION

    def to_dict(self) -> Dict[str, Any]:
        return _plain(asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SceneSpec":
        return SceneSpec(
            road=_build(RoadSpec, d["road"]),
            sun=_build(SunSpec, d["sun"]),
            sky=_build(SkySpec, d["sky"]),
            fog=_build(FogSpec, d["fog"]),
            camera=_build(CameraSpec, d["camera"]),
            objects=tuple(_build(ObjectSpec, o) for o in d["objects"]),
            variables=dict(d.get("variables", {})),
            spec_version=int(d.get("spec_version", SPEC_VERSION)),
        )

    @classmethod
    def from_json(cls, text: str) -> "SceneSpec":
        return cls.from_dict(json.loads(text))

    def instances(self) -> Tuple[ObjectSpec, ...]:
        """Objects that depict instances (cars, persons, riders on bicycles, ...), in creation order."""
        return tuple(o for o in self.objects if o.instance_labels())


def _plain(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "item"):  # numpy scalar
        return x.item()
    return x


def _tuplify(x: Any) -> Any:
    if isinstance(x, list):
        return tuple(_tuplify(v) for v in x)
    return x


def _build(cls, d: Mapping[str, Any]):
    kwargs = {}
    for f in fields(cls):
        if f.name not in d:
            continue
        v = d[f.name]
        kwargs[f.name] = dict(v) if f.name == "params" else _tuplify(v)
    return cls(**kwargs)
