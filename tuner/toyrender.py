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


def toy_render(z: Mapping[str, float], rng: np.random.Generator, width: int, height: int
               ) -> Tuple[np.ndarray, np.ndarray]:
    """Draw one frame: ``(HxWx3 uint8 RGB, HxW uint8 Cityscapes label ids)``."""
    W, H = int(width), int(height)
    img = np.zeros((H, W, 3), dtype=np.float64)
    lab = np.full((H, W), SKY, dtype=np.uint8)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    u = (xx + 0.5) / W  # 0..1 across
    v = (yy + 0.5) / H  # 0..1 down

    # -- sky ---------------------------------------------------------------------------------------
    elev = _get(z, "sun_elevation_deg")
    over = _get(z, "overcast")
    haze = _get(z, "sky_haze")
    s = math.sin(math.radians(elev))
    sky_top = np.array([0.25 + 0.2 * (1 - s), 0.45 + 0.1 * s, 0.6 + 0.35 * s]) * (0.45 + 0.55 * s)
    grey = np.array([0.72, 0.72, 0.74]) * (0.5 + 0.5 * s)
    sky_top = (1 - over) * sky_top + over * grey
    sky_top = (1 - 0.5 * haze) * sky_top + 0.5 * haze * np.array([0.85, 0.85, 0.85])
    cam_h = _get(z, "camera_height_m")
    horizon = float(np.clip(0.45 - 0.02 * _get(z, "camera_pitch_deg") + 0.12 * (cam_h - 1.85), 0.2, 0.8))
    light = (0.55 + 0.45 * s) * (1 - 0.3 * over)  # direct sun brightens everything below the sky
    t = np.clip(v / horizon, 0, 1)[..., None]
    img[:] = (1 - 0.4 * t) * sky_top + 0.4 * t * np.array([0.95, 0.9, 0.85]) * (0.5 + 0.5 * s)

    # -- ground: sidewalk everywhere below the horizon, road trapezoid ---------------------------
    below = v >= horizon
    img[below] = np.array([0.45, 0.43, 0.4]) * light
    lab[below] = SIDEWALK
    depth = np.clip((v - horizon) / (1 - horizon), 1e-3, 1)  # 0 at horizon, 1 at bottom (near)
    lanes = max(1.0, _get(z, "lane_count"))
    half = 0.06 + (0.1 * lanes) * depth * (1.6 / _get(z, "camera_height_m"))
    road = below & (np.abs(u - 0.5) < half)
    rb = _get(z, "road_brightness")
    img[road] = np.array([1.0, 1.0, 1.02]) * (0.1 + 1.5 * rb) * light
    lab[road] = ROAD

    # -- buildings: blocks on both sides rising from the horizon ----------------------------------
    bh = _get(z, "building_height_m")
    fb = _get(z, "facade_brightness")
    x = 0.0
    while x < 1.0:
        wdt = float(rng.uniform(0.06, 0.16))
        top = horizon - (bh / 40.0) * horizon * float(rng.uniform(0.75, 1.0))
        side = abs((x + wdt / 2) - 0.5) > 0.12
        if side:
            m = (u >= x) & (u < x + wdt) & (v >= top) & (v < horizon + 0.02)
            tint = np.array([1.0, 0.92, 0.85]) * fb * light * float(rng.uniform(0.8, 1.2))
            img[m] = tint
            win = m & (((xx.astype(int) // 3) % 2) == 0) & (((yy.astype(int) // 3) % 2) == 0)
            img[win] *= 0.55
            lab[m] = BUILDING
        x += wdt

    # -- objects -----------------------------------------------------------------------------------
    def blob(cx, cy, rx, ry, color, cls, box=False):
        if box:
            m = (np.abs(u - cx) < rx) & (np.abs(v - cy) < ry)
        else:
            m = ((u - cx) / rx) ** 2 + ((v - cy) / ry) ** 2 < 1
        img[m] = color
        lab[m] = cls

    for _ in range(int(rng.poisson(_get(z, "tree_density") * 0.6))):
        cx = float(rng.choice([rng.uniform(0.0, 0.3), rng.uniform(0.7, 1.0)]))
        cy = horizon - float(rng.uniform(0.0, 0.15))
        r = float(rng.uniform(0.04, 0.09))
        blob(cx, cy, r, r * 2.0 * W / H / 2, np.array([0.15, 0.35, 0.12]) * float(rng.uniform(0.8, 1.3)),
             VEGETATION)
    objs = []
    for _ in range(int(rng.poisson(_get(z, "car_density") * lanes * 0.5))):
        d = float(rng.uniform(0.1, 1.0))
        objs.append((d, "car"))
    for _ in range(int(rng.poisson(_get(z, "pedestrian_density") * 0.2))):
        d = float(rng.uniform(0.1, 1.0))
        objs.append((d, "person"))
    for d, kind in sorted(objs):  # far first, near ones drawn over them
        cy = horizon + d * (1 - horizon) * 0.9
        if kind == "car":
            hw = 0.03 + 0.09 * d
            cx = 0.5 + float(rng.uniform(-0.8, 0.8)) * (0.06 + 0.1 * lanes * d)
            color = rng.uniform(0.05, 0.9, 3)
            blob(cx, cy - hw * 0.35 * W / H, hw, hw * 0.35 * W / H, color, CAR, box=True)
        else:
            hw = 0.006 + 0.012 * d
            cx = float(rng.choice([0.5 - half_at(d, lanes, z) - 0.04, 0.5 + half_at(d, lanes, z) + 0.04]))
            blob(cx, cy - hw * 3 * W / H, hw, hw * 3 * W / H, np.array([0.5, 0.2, 0.25]) * float(rng.uniform(0.5, 1.5)),
                 PERSON, box=True)

    # -- fog, exposure, noise ---------------------------------------------------------------------
    fog = _get(z, "fog_density")
    far = np.where(below, 1 - depth, 0.6)[..., None]
    a = 1 - np.exp(-fog * (0.15 + 0.6 * far))
    img = (1 - a) * img + a * np.array([0.75, 0.76, 0.78])
    img = img * 2.0 ** _get(z, "camera_exposure_ev")
    img = img + rng.normal(0, 0.015, img.shape)
    rgb = np.clip(np.round(img * 255), 0, 255).astype(np.uint8)
    return rgb, lab


def half_at(d: float, lanes: float, z: Mapping[str, float]) -> float:
    """Road half-width (fraction of the image width) at relative depth ``d``."""
    return 0.06 + 0.1 * lanes * d * (1.6 / _get(z, "camera_height_m"))
