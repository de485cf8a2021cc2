"""The diffuse skylight colour of a sun/sky spec (pure): lights the scene and tints the fog."""
from __future__ import annotations

import math
from typing import Tuple

from .spec import SkySpec, SunSpec

_CLEAR = (0.30, 0.42, 0.70)
_HAZE = (0.55, 0.58, 0.62)
_CLOUD = (0.52, 0.53, 0.56)


def ambient_rgb(sun: SunSpec, sky: SkySpec) -> Tuple[float, float, float]:
    """Linear radiance of the skylight: blue when clear, whiter with haze, grey when overcast,
    dimmer when the sun is low."""
    blend = 0.25 + 0.6 * sky.haze
    rgb = [c * (1 - blend) + w * blend for c, w in zip(_CLEAR, _HAZE)]
    rgb = [c * (1 - sky.overcast) + g * sky.overcast for c, g in zip(rgb, _CLOUD)]
    day = 0.45 + 0.55 * math.sin(math.radians(max(sun.elevation_deg, 3.0)))
    return (rgb[0] * day * sky.strength, rgb[1] * day * sky.strength, rgb[2] * day * sky.strength)


def luminance(rgb) -> float:
    """Rec. 709 luminance of a linear RGB triple."""
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
