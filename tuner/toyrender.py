"""A numpy stand-in renderer: a flat street picture whose look depends on the scene variables.

Not a street model, a test double.  It exists so that the tuning loop, resume and the report
can be exercised in seconds without Blender, and so that the update rules can be checked on a
problem where the "real" images come from known variables (parameter recovery).  It reads the
variables of the default space it knows (others are ignored) and draws:

* sky (color from sun elevation, overcast, haze), horizon from camera pitch,
* a road trapezoid whose width follows camera height, with brightness ``road_brightness``,
* building blocks whose height follows ``building_height_m`` and tone ``facade_brightness``,
* trees (``tree_density``), cars (``car_density``) and pedestrians (``pedestrian_density``) as
  blobs and boxes,
* fog (``fog_density``) blending toward grey, exposure (``camera_exposure_ev``), sensor noise.

Labels are Cityscapes ids, as the Blender renderer writes them.  Layout randomness comes from the
frame's ``FrameSeed`` stream ``"toy"``.
"""
from __future__ import annotations

import math
from typing import Mapping, Tuple

import numpy as np

from scenegen.labels import label_id

SKY, ROAD, SIDEWALK, BUILDING, VEGETATION, CAR, PERSON = (
    label_id("sky"), label_id("road"), label_id("sidewalk"), label_id("building"),
    label_id("vegetation"), label_id("car"), label_id("person"))

DEFAULTS = {
    "sun_elevation_deg": 40.0, "overcast": 0.3, "sky_haze": 0.3, "camera_pitch_deg": -3.0,
    "camera_height_m": 1.6, "road_brightness": 0.12, "building_height_m": 18.0, "facade_brightness": 0.5,
    "tree_density": 6.0, "car_density": 3.0, "pedestrian_density": 10.0, "fog_density": 0.5,
    "camera_exposure_ev": 0.0, "lane_count": 2,
}


def _get(z: Mapping[str, float], name: str) -> float:
    return float(z.get(name, DEFAULTS[name]))


class _Canvas:
    """One frame being drawn: color image, label ids, pixel coordinates, the horizon and light."""

    def __init__(self, z: Mapping[str, float], width: int, height: int) -> None:
        self.z, self.W, self.H = z, int(width), int(height)
        self.img = np.zeros((self.H, self.W, 3), dtype=np.float64)
        self.lab = np.full((self.H, self.W), SKY, dtype=np.uint8)
        self.yy, self.xx = np.mgrid[0:self.H, 0:self.W].astype(np.float64)
        self.u = (self.xx + 0.5) / self.W  # 0..1 across
        self.v = (self.yy + 0.5) / self.H  # 0..1 down
        self.sin_sun = math.sin(math.radians(_get(z, "sun_elevation_deg")))
        self.overcast = _get(z, "overcast")
        self.horizon = float(np.clip(0.45 - 0.02 * _get(z, "camera_pitch_deg")
                                     + 0.12 * (_get(z, "camera_height_m") - 1.85), 0.2, 0.8))
        self.light = (0.55 + 0.45 * self.sin_sun) * (1 - 0.3 * self.overcast)  # direct sun below the sky
        self.lanes = max(1.0, _get(z, "lane_count"))
        self.below = self.v >= self.horizon
        self.depth = np.clip((self.v - self.horizon) / (1 - self.horizon), 1e-3, 1)  # 0 horizon, 1 bottom

    def sky(self) -> None:
        s, over, haze = self.sin_sun, self.overcast, _get(self.z, "sky_haze")
        sky_top = np.array([0.25 + 0.2 * (1 - s), 0.45 + 0.1 * s, 0.6 + 0.35 * s]) * (0.45 + 0.55 * s)
        grey = np.array([0.72, 0.72, 0.74]) * (0.5 + 0.5 * s)
        sky_top = (1 - over) * sky_top + over * grey
        sky_top = (1 - 0.5 * haze) * sky_top + 0.5 * haze * np.array([0.85, 0.85, 0.85])
        t = np.clip(self.v / self.horizon, 0, 1)[..., None]
        self.img[:] = (1 - 0.4 * t) * sky_top + 0.4 * t * np.array([0.95, 0.9, 0.85]) * (0.5 + 0.5 * s)

    def ground(self) -> None:
        """Sidewalk everywhere below the horizon, and the road trapezoid."""
        self.img[self.below] = np.array([0.45, 0.43, 0.4]) * self.light
        self.lab[self.below] = SIDEWALK
        half = 0.06 + (0.1 * self.lanes) * self.depth * (1.6 / _get(self.z, "camera_height_m"))
        road = self.below & (np.abs(self.u - 0.5) < half)
        self.img[road] = np.array([1.0, 1.0, 1.02]) * (0.1 + 1.5 * _get(self.z, "road_brightness")) * self.light
        self.lab[road] = ROAD

    def buildings(self, rng: np.random.Generator) -> None:
        """Blocks on both sides rising from the horizon."""
        bh, fb, horizon, u, v = _get(self.z, "building_height_m"), _get(self.z, "facade_brightness"), \
            self.horizon, self.u, self.v
        x = 0.0
        while x < 1.0:
            wdt = float(rng.uniform(0.06, 0.16))
            top = horizon - (bh / 40.0) * horizon * float(rng.uniform(0.75, 1.0))
            if abs((x + wdt / 2) - 0.5) > 0.12:
                m = (u >= x) & (u < x + wdt) & (v >= top) & (v < horizon + 0.02)
                self.img[m] = np.array([1.0, 0.92, 0.85]) * fb * self.light * float(rng.uniform(0.8, 1.2))
                win = m & (((self.xx.astype(int) // 3) % 2) == 0) & (((self.yy.astype(int) // 3) % 2) == 0)
                self.img[win] *= 0.55
                self.lab[m] = BUILDING
            x += wdt

    def blob(self, cx: float, cy: float, rx: float, ry: float, color, cls: int, box: bool = False) -> None:
        if box:
            m = (np.abs(self.u - cx) < rx) & (np.abs(self.v - cy) < ry)
        else:
            m = ((self.u - cx) / rx) ** 2 + ((self.v - cy) / ry) ** 2 < 1
        self.img[m] = color
        self.lab[m] = cls

    def trees(self, rng: np.random.Generator) -> None:
        aspect = self.W / self.H
        for _ in range(int(rng.poisson(_get(self.z, "tree_density") * 0.6))):
            cx = float(rng.choice([rng.uniform(0.0, 0.3), rng.uniform(0.7, 1.0)]))
            cy = self.horizon - float(rng.uniform(0.0, 0.15))
            r = float(rng.uniform(0.04, 0.09))
            self.blob(cx, cy, r, r * 2.0 * aspect / 2, np.array([0.15, 0.35, 0.12]) * float(rng.uniform(0.8, 1.3)),
                      VEGETATION)

    def road_users(self, rng: np.random.Generator) -> None:
        """Cars on the road and people beside it, far ones first so near ones are drawn over them."""
        objs = []
        for _ in range(int(rng.poisson(_get(self.z, "car_density") * self.lanes * 0.5))):
            objs.append((float(rng.uniform(0.1, 1.0)), CAR))
        for _ in range(int(rng.poisson(_get(self.z, "pedestrian_density") * 0.2))):
            objs.append((float(rng.uniform(0.1, 1.0)), PERSON))
        aspect = self.W / self.H
        for d, cls in sorted(objs, key=lambda o: (o[0], o[1] != CAR)):
            cy = self.horizon + d * (1 - self.horizon) * 0.9
            if cls == CAR:
                hw = 0.03 + 0.09 * d
                cx = 0.5 + float(rng.uniform(-0.8, 0.8)) * (0.06 + 0.1 * self.lanes * d)
                self.blob(cx, cy - hw * 0.35 * aspect, hw, hw * 0.35 * aspect, rng.uniform(0.05, 0.9, 3), CAR, box=True)
            else:
                hw = 0.006 + 0.012 * d
                half = half_at(d, self.lanes, self.z)
                cx = float(rng.choice([0.5 - half - 0.04, 0.5 + half + 0.04]))
                self.blob(cx, cy - hw * 3 * aspect, hw, hw * 3 * aspect,
                          np.array([0.5, 0.2, 0.25]) * float(rng.uniform(0.5, 1.5)), PERSON, box=True)

    def finish(self, rng: np.random.Generator) -> np.ndarray:
        """Fog, exposure and sensor noise; the 8-bit RGB image."""
        far = np.where(self.below, 1 - self.depth, 0.6)[..., None]
        a = 1 - np.exp(-_get(self.z, "fog_density") * (0.15 + 0.6 * far))
        img = (1 - a) * self.img + a * np.array([0.75, 0.76, 0.78])
        img = img * 2.0 ** _get(self.z, "camera_exposure_ev")
        img = img + rng.normal(0, 0.015, img.shape)
        return np.clip(np.round(img * 255), 0, 255).astype(np.uint8)


def toy_render(z: Mapping[str, float], rng: np.random.Generator, width: int, height: int
               ) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one frame: ``(HxWx3 uint8 RGB, HxW uint8 Cityscapes label ids)``."""
    canvas = _Canvas(z, width, height)
    canvas.sky()
    canvas.ground()
    canvas.buildings(rng)
    canvas.trees(rng)
    canvas.road_users(rng)
    return canvas.finish(rng), canvas.lab


def half_at(d: float, lanes: float, z: Mapping[str, float]) -> float:
    """Road half-width (fraction of the image width) at relative depth ``d``."""
    return 0.06 + 0.1 * lanes * d * (1.6 / _get(z, "camera_height_m"))
