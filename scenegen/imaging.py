"""Turning render passes into a frame: exact labels from object indices, and the finished RGB.

Pure numpy, no bpy: the renderer hands over linear RGB, depth and the object-index
pass; everything here is deterministic and unit-testable.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from .labels import INSTANCE_CLASS_IDS, label_id
from .seeding import generator
from .sky_model import luminance
from .spec import CameraSpec, FogSpec

SKY_ID = label_id("sky")
#: Auto-exposure target for the log-average luminance (linear).
MIDDLE_GREY = 0.14
#: Fog radiance relative to the skylight's luminance.
FOG_BRIGHTNESS = 1.1


@dataclass(frozen=True)
class Segment:
    """What one object pass index depicts: a Cityscapes id and (for instance classes) k >= 1."""

    label_id: int
    instance: int = 0

    @property
    def instance_png_value(self) -> int:
        """The Cityscapes instanceIds value: id*1000 + (k-1) for instances, the id otherwise."""
        if self.instance > 0 and self.label_id in INSTANCE_CLASS_IDS:
            return self.label_id * 1000 + (self.instance - 1)
        return self.label_id


@dataclass(frozen=True)
class FrameArrays:
    """A finished frame: 8-bit RGB, Cityscapes label ids (uint8) and instance ids (uint16), the depth along the
    optical axis (metres, float32, 1e10 at the sky) and, when asked for, world-axes normals."""

    rgb: np.ndarray
    label_ids: np.ndarray
    instance_ids: np.ndarray
    depth: Optional[np.ndarray] = None
    normals_world: Optional[np.ndarray] = None


def decode_object_index(index: np.ndarray, segments: Sequence[Segment]) -> Tuple[np.ndarray, np.ndarray]:
    """Label and instance images from an object-index pass.

    Pass index 0 is the background (sky); index i >= 1 is ``segments[i - 1]``.  Raises
    ValueError if the pass holds a non-integer or unknown index, which would mean blended labels.
    """
    idx = np.asarray(index)
    as_int = np.rint(idx).astype(np.int64)
    if not np.array_equal(as_int, idx):
        raise ValueError("object-index pass holds non-integer values: labels would be blended")
    if as_int.min() < 0 or as_int.max() > len(segments):
        raise ValueError(f"object-index pass holds index {int(as_int.max())} but only {len(segments)} segments exist")
    label_lut = np.array([SKY_ID] + [s.label_id for s in segments], dtype=np.uint8)
    inst_lut = np.array([SKY_ID] + [s.instance_png_value for s in segments], dtype=np.uint16)
    return label_lut[as_int], inst_lut[as_int]


def ray_elevation_sines(shape: Tuple[int, int], camera: CameraSpec) -> np.ndarray:
    """Sine of each pixel ray's elevation above the horizontal (pinhole camera, no roll), HxW."""
    h, w = shape
    k = camera.intrinsics(w, h)
    up = (k["cy"] - (np.arange(h, dtype=np.float64) + 0.5)) / k["fy"]
    right = ((np.arange(w, dtype=np.float64) + 0.5) - k["cx"]) / k["fx"]
    pitch = math.radians(camera.pitch_deg)
    norm = np.sqrt(1.0 + up[:, None] ** 2 + right[None, :] ** 2)
    return (math.sin(pitch) + math.cos(pitch) * up[:, None]) / norm


def fog_optical_depth(depth: np.ndarray, fog: FogSpec, camera: CameraSpec | None = None) -> np.ndarray:
    """Fog extinction integrated along each pixel's ray up to ``depth`` (metres; sky = very large).

    ``depth`` is the renderer's Z pass, which is depth along the optical axis, not the ray length; using it as
    the ray length makes the fog thinner toward the image corners by up to 1/cos of the corner angle. Kept so,
    for now, because every shipped result was measured on these images.

    Homogeneous fog (``scale_height_m == 0``): density * depth.  Exponential height fog: the density
    falls as exp(-height / scale_height) above the ground, so a ray climbing at elevation theta
    through it collects density(camera) * H * (1 - exp(-depth sin(theta) / H)) / sin(theta): the sky
    keeps its colour through a light haze, and a ray toward the horizon sees the full fog.
    """
    s = np.minimum(depth.astype(np.float64), 1e6)
    if fog.scale_height_m <= 0 or camera is None:
        return fog.density * s
    big_h = fog.scale_height_m
    rise = s * ray_elevation_sines(depth.shape, camera) / big_h
    rise = np.maximum(rise, -30.0)  # a ray dropping far below the camera: fog is saturated anyway
    small = np.abs(rise) < 1e-6
    path_factor = np.where(small, 1.0, -np.expm1(-rise) / np.where(small, 1.0, rise))
    density_at_camera = fog.density * math.exp(-max(camera.location[2], 0.0) / big_h)
    return density_at_camera * s * path_factor


def apply_fog(linear: np.ndarray, depth: np.ndarray, fog: FogSpec, ambient: Sequence[float],
              camera: CameraSpec | None = None) -> np.ndarray:
    """Blend towards the fog's in-scattered light with transmittance exp(-optical depth) (Beer-Lambert);
    ``camera`` gives the ray directions a height fog needs (see :func:`fog_optical_depth`).

    Fog is lit by the skylight: its radiance is the ambient luminance in the fog's tint.
    """
    if fog.density <= 0:
        return linear
    transmittance = np.exp(-fog_optical_depth(depth, fog, camera))[..., None].astype(np.float32)
    tint = np.asarray(fog.color, dtype=np.float32) / max(float(np.mean(fog.color)), 1e-6)
    fog_radiance = np.float32(FOG_BRIGHTNESS * luminance(ambient)) * tint
    return linear * transmittance + fog_radiance * (1.0 - transmittance)


#: auto-exposure metering modes (CameraSpec.metering): the whole frame alike, or weighted toward the street below
#: the horizon as a car camera's metering is, so a bright sky burns out near white instead of darkening the street
METERING = ("average", "street")
#: "street" metering: a row's weight rises from STREET_METERING_FLOOR at the top STREET_METERING_ROWS[0] of the frame
#: to 1 at STREET_METERING_ROWS[1] of its height and below
STREET_METERING_FLOOR, STREET_METERING_ROWS = 0.1, (0.2, 0.7)


def auto_exposure_ev(linear: np.ndarray, metering: str = "average") -> float:
    """The exposure (EV) that maps the frame's log-average luminance (row-weighted with ``street`` metering) to
    middle grey, as a camera's auto-exposure does; bounded to +-8 EV."""
    lum = linear[..., 0] * 0.2126 + linear[..., 1] * 0.7152 + linear[..., 2] * 0.0722
    logs = np.log(np.maximum(lum, 1e-5))
    if metering == "street":
        rows = (np.arange(lum.shape[0]) + 0.5) / lum.shape[0]
        lo, hi = STREET_METERING_ROWS
        w = np.clip(STREET_METERING_FLOOR + (1 - STREET_METERING_FLOOR) * (rows - lo) / (hi - lo),
                    STREET_METERING_FLOOR, 1.0)
        log_avg = float(np.exp(np.sum(logs.mean(axis=1) * w) / np.sum(w)))
    else:
        log_avg = float(np.exp(np.mean(logs)))
    return float(np.clip(np.log2(MIDDLE_GREY / log_avg), -8.0, 8.0))


def encode_srgb8(x: np.ndarray) -> np.ndarray:
    """8-bit sRGB of display-linear values in [0, 1] (clipped)."""
    x = np.clip(x, 0.0, 1.0)
    srgb = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return np.rint(srgb * 255.0).astype(np.uint8)


def linear_to_srgb8(linear: np.ndarray, exposure_ev: float = 0.0) -> np.ndarray:
    """8-bit sRGB of linear RGB after an exposure change (Blender's 'Standard' view transform)."""
    return encode_srgb8(linear * np.float32(2.0 ** exposure_ev))


def apply_lens(linear: np.ndarray, vignetting: float, blur_px: float) -> np.ndarray:
    """Vignetting (quadratic fall-off to the corners) and a Gaussian lens blur; ``blur_px`` is the
    sigma at 512 pixels of image width and scales with the width."""
    out = linear
    if blur_px > 0:
        sigma = blur_px * linear.shape[1] / 512.0
        out = cv2.GaussianBlur(out, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)
    if vignetting > 0:
        h, w = linear.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx + 0.5 - w / 2) ** 2 + (yy + 0.5 - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
        out = out * (1.0 - np.float32(vignetting) * r2)[..., None]
    return out


#: Read-noise floor of :func:`add_sensor_noise`, as a variance relative to the shot noise at middle grey.
READ_NOISE_FLOOR = 0.02


def add_sensor_noise(linear: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """Shot plus read noise on exposed linear RGB: standard deviation
    ``noise * sqrt(x / MIDDLE_GREY + READ_NOISE_FLOOR)``, so ``noise`` is the standard deviation at
    middle grey.  Shot noise grows with the square root of the signal, which the sRGB curve about
    cancels: the encoded image is about equally grainy in shadows and highlights, as a daylight
    camera's is (constant noise in linear light would turn the shadows into static)."""
    if noise <= 0:
        return linear
    rng = generator(seed)
    sd = np.float32(noise) * np.sqrt(np.maximum(linear, 0.0) / np.float32(MIDDLE_GREY) + np.float32(READ_NOISE_FLOOR))
    return linear + sd * rng.standard_normal(linear.shape, dtype=np.float32)


def finish_rgb(linear: np.ndarray, depth: np.ndarray, fog: FogSpec, ambient: Sequence[float],
               camera: CameraSpec) -> np.ndarray:
    """The output image: fog, lens effects, auto-exposure plus the camera's exposure correction,
    sensor noise (seeded by the camera spec), sRGB encoding."""
    fogged = apply_fog(linear.astype(np.float32), depth, fog, ambient, camera)
    exposed = fogged * np.float32(2.0 ** (auto_exposure_ev(fogged, camera.metering) + camera.exposure_ev))
    exposed = apply_lens(exposed, camera.vignetting, camera.blur_px)
    exposed = add_sensor_noise(exposed, camera.noise, camera.noise_seed)
    return encode_srgb8(exposed)
