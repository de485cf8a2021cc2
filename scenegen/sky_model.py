"""The diffuse skylight colour of a sun/sky spec, and what haze takes from the sun (pure)."""
from __future__ import annotations

import math
from typing import Tuple

from .spec import SkySpec, SunSpec

_CLEAR = (0.30, 0.42, 0.70)
_HAZE = (0.55, 0.58, 0.62)
_CLOUD = (0.52, 0.53, 0.56)
#: at full ``sky_haze`` (turbidity 8, a milky sky) the direct sun loses this share of its beam to scattering, and
#: the skylight gains this share (the scattered light; clear-sky measurements give a 30-50 % beam loss there)
HAZE_SUN_LOSS = 0.45
HAZE_SKY_GAIN = 0.35


def haze_sun_transmittance(haze: float) -> float:
    """The share of the direct sun's light that passes through a haze of ``haze`` (0..1)."""
    return 1.0 - HAZE_SUN_LOSS * haze


def ambient_rgb(sun: SunSpec, sky: SkySpec) -> Tuple[float, float, float]:
    """Linear radiance of the skylight: blue when clear, whiter and brighter with haze, grey when overcast,
    dimmer when the sun is low."""
    blend = 0.25 + 0.6 * sky.haze
    rgb = [c * (1 - blend) + w * blend for c, w in zip(_CLEAR, _HAZE)]
    rgb = [c * (1 - sky.overcast) + g * sky.overcast for c, g in zip(rgb, _CLOUD)]
    day = 0.45 + 0.55 * math.sin(math.radians(max(sun.elevation_deg, 3.0)))
    gain = day * sky.strength * (1.0 + HAZE_SKY_GAIN * sky.haze)
    return (rgb[0] * gain, rgb[1] * gain, rgb[2] * gain)


def luminance(rgb) -> float:
    """Rec. 709 luminance of a linear RGB triple."""
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
