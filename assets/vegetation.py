"""Vegetation families: samplers of tree and bush parameters (numpy only; builders in assets/blender/vegetation.py)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .colors import RGB, hsv_linear
from .params import AssetParams

TREE_SHAPES = ("round", "conical", "columnar")
N_VARIANTS = 4


@dataclass(frozen=True)
class TreeParams(AssetParams):
    """A street tree (family ``tree``): trunk and crown dimensions in metres, colours linear RGB."""

    FAMILIES = ("tree",)

    shape: str  # one of TREE_SHAPES
    trunk_height: float
    trunk_radius: float
    crown_radius: float
    crown_height: float
    foliage: RGB
    bark: RGB
    variant: int = 0  # selects one of N_VARIANTS crown meshes of the shape (shared between trees)
    leaf_cover: float = 1.0  # 1 = full foliage, 0 = a bare winter crown (twigs, see-through)
    branching: int = 0  # 1 = limbs and branches under clumped foliage (assets/branching.py); 0 = one crown blob

    @property
    def height(self) -> float:
        return self.trunk_height + self.crown_height


def sample_tree(rng: np.random.Generator, leaf_cover: float = 1.0, size: float = 1.0,
                branching: int = 0) -> TreeParams:
    """Sample one street tree; ``leaf_cover`` (the season), ``size`` (a scale on every dimension, the age of a
    street's trees) and ``branching`` (the crown model), all shared by a scene's trees, draw nothing from
    ``rng``: a street's trees stand where they stand whatever their crowns look like."""
    shape = TREE_SHAPES[int(rng.integers(len(TREE_SHAPES)))]
    trunk_h = float(rng.uniform(1.8, 3.5))
    if shape == "round":
        r = float(rng.uniform(1.6, 3.2)); crown_h = 2 * r * float(rng.uniform(0.8, 1.0))
    elif shape == "conical":
        r = float(rng.uniform(1.2, 2.4)); crown_h = r * float(rng.uniform(2.5, 3.5))
    else:
        r = float(rng.uniform(0.8, 1.4)); crown_h = r * float(rng.uniform(3.5, 5.0))
    trunk_r = float(rng.uniform(0.12, 0.25))
    trunk_h, r, crown_h, trunk_r = (size * x for x in (trunk_h, r, crown_h, trunk_r))
    foliage = hsv_linear(float(rng.uniform(0.2, 0.33)), float(rng.uniform(0.45, 0.8)), float(rng.uniform(0.22, 0.5)))
    bark = hsv_linear(float(rng.uniform(0.05, 0.1)), 0.35, float(rng.uniform(0.2, 0.35)))
    return TreeParams(shape, round(trunk_h, 4), round(trunk_r, 4), round(r, 4), round(crown_h, 4), foliage, bark,
                      int(rng.integers(N_VARIANTS)), round(float(np.clip(leaf_cover, 0.0, 1.0)), 4), int(branching))


BUSH_SHAPES = ("bush", "hedge")


@dataclass(frozen=True)
class BushParams(AssetParams):
    """A shrub or hedge (families ``bush`` and ``hedge``, the value of ``shape``)."""

    FAMILIES = BUSH_SHAPES

    shape: str  # bush: a rounded shrub; hedge: a clipped, elongated row along local +Y
    width: float
    length: float
    height: float
    foliage: RGB
    variant: int = 0


def sample_bush(rng: np.random.Generator) -> BushParams:
    """Sample a free-standing shrub (label vegetation)."""
    d = float(rng.uniform(0.7, 2.0))
    return BushParams("bush", round(d, 4), round(d * float(rng.uniform(0.8, 1.2)), 4),
                      round(d * float(rng.uniform(0.6, 1.0)), 4),
                      hsv_linear(float(rng.uniform(0.18, 0.33)), float(rng.uniform(0.4, 0.8)),
                                 float(rng.uniform(0.2, 0.45))), int(rng.integers(N_VARIANTS)))


def sample_hedge(rng: np.random.Generator, length: float) -> BushParams:
    """Sample a clipped hedge of ``length`` metres along its local +Y (label vegetation)."""
    return BushParams("hedge", round(float(rng.uniform(0.5, 1.1)), 4), round(float(length), 4),
                      round(float(rng.uniform(0.7, 1.8)), 4),
                      hsv_linear(float(rng.uniform(0.2, 0.33)), float(rng.uniform(0.5, 0.85)),
                                 float(rng.uniform(0.18, 0.38))), int(rng.integers(N_VARIANTS)))
