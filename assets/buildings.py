"""Building family: sampler of facade and massing parameters (numpy only; builder in assets/blender/building.py)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colors import RGB, hsv_linear, jitter
from .params import AssetParams

MATERIALS = ("plaster", "brick", "concrete", "glass")


@dataclass(frozen=True)
class BuildingParams(AssetParams):
    """A building (family ``building``): massing in metres, facade look, colours linear RGB."""

    FAMILIES = ("building",)

    width: float  # along the street
    depth: float
    height: float
    floor_height: float
    window_columns: int
    window_fraction: float
    material: str
    facade: RGB
    window: RGB
    frame: RGB
    shopfront: bool
    cornice: bool
    roof: str = "flat"  # flat or gable (ridge along the street)
    roof_color: RGB = (0.2, 0.07, 0.05)
    weathering: float = 0.25  # facade dirt: 0 clean .. 1 grimy (texture noise amplitude)
    #: Facade level of detail, "full" or "low"; None (never written by the sampler): chosen by distance.
    detail: str | None = None


def sample_building(rng: np.random.Generator, width: float, height: float, brightness: float,
                    saturation: float, window_density: float, weathering: float | None = None) -> BuildingParams:
    """Sample a building of given frontage and height whose look follows the facade variables.

    ``weathering`` (0..1, e.g. a scene variable) centres the facade dirt; drawn when None.
    """
    material = MATERIALS[int(rng.choice(len(MATERIALS), p=[0.45, 0.25, 0.22, 0.08]))]
    hue = float(rng.uniform(0.02, 0.14) if rng.random() < 0.8 else rng.random())
    value = float(np.clip(brightness + rng.normal(0, 0.08), 0.05, 0.95))
    if material == "brick":
        facade = hsv_linear(float(rng.uniform(0.0, 0.06)), 0.45 + 0.3 * saturation, value * 0.8)
    elif material == "glass":
        facade = hsv_linear(float(rng.uniform(0.5, 0.62)), 0.2, 0.25 + 0.3 * value)
    else:
        facade = hsv_linear(hue, saturation * float(rng.uniform(0.5, 1.2)), value)
    floor_height = float(rng.uniform(2.9, 3.6))
    window_w = float(rng.uniform(1.0, 1.8))
    columns = max(1, int(width * window_density / window_w + 0.5))
    return BuildingParams(
        width=round(width, 4), depth=round(float(rng.uniform(10, 20)), 4), height=round(height, 4),
        floor_height=round(floor_height, 4), window_columns=columns,
        window_fraction=round(float(np.clip(window_density + rng.normal(0, 0.05), 0.05, 0.8)), 4),
        material=material, facade=facade,
        window=jitter(rng, (0.03, 0.04, 0.05), 0.2),
        frame=hsv_linear(0.0, 0.0, float(rng.choice([0.1, 0.85, 0.5]))),
        shopfront=bool(rng.random() < 0.5), cornice=bool(rng.random() < 0.6),
        roof="gable" if height < 16 and rng.random() < 0.5 else "flat",
        roof_color=hsv_linear(float(rng.choice([0.03, 0.05, 0.6])), float(rng.uniform(0.1, 0.6)),
                              float(rng.uniform(0.15, 0.45))),
        weathering=round(float(np.clip((float(rng.uniform(0.1, 0.5)) if weathering is None else weathering)
                                       + rng.normal(0, 0.08), 0, 1)), 4),
    )
