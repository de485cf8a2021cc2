"""The registry of asset families: every params dataclass once, the family names each serves, and the
one place that turns an ``ObjectSpec``'s stored params mapping back into its dataclass (no bpy).

Adding an asset family touches:

1. ``assets/<family>.py``: a frozen dataclass subclassing ``assets.params.AssetParams`` with
   ``FAMILIES = ("<family>",)``, every field typed (defaults only here or in the sampler), and
   a sampler ``sample_<family>(rng, ...) -> <Family>Params`` (numpy only);
2. ``assets/families.py``: the dataclass in ``PARAMS_TYPES``;
3. ``assets/blender/<family>.py``: ``@builds(<Family>Params) def build_<family>(spec, p, ctx)``,
   imported in ``assets/blender/__init__.py``;
4. ``scenegen/grammar.py``: where the street places it (``placer.add(..., params)``).

``tests/test_asset_params.py`` then checks the builder reads only fields of the dataclass,
and ``tests/test_assets.py`` builds it from sampled params.
"""
from __future__ import annotations

from typing import Dict, Tuple, Type

from scenegen.spec import PART_INSTANCES, ObjectSpec

from .buildings import BuildingParams
from .catalog import CadModel
from .furniture import FenceParams, SignParams, StreetLampParams, TrafficLightParams, WallParams
from .params import AssetParams, AssetParamsError
from .pedestrians import PedestrianParams
from .prams import PramParams
from .street_furniture import StreetFurnitureParams
from .trams import TramParams
from .vegetation import BushParams, TreeParams
from .vehicles import TwoWheelerParams, VehicleParams

#: Every params type of a placeable family; each lists its ``ObjectSpec.family`` names in ``FAMILIES``.
PARAMS_TYPES: Tuple[Type[AssetParams], ...] = (
    VehicleParams, TwoWheelerParams, PedestrianParams, BuildingParams, TreeParams, BushParams,
    StreetLampParams, SignParams, TrafficLightParams, FenceParams, WallParams, StreetFurnitureParams, TramParams,
    PramParams, CadModel,
)


def _by_family() -> Dict[str, Type[AssetParams]]:
    out: Dict[str, Type[AssetParams]] = {}
    for cls in PARAMS_TYPES:
        for family in cls.FAMILIES:
            if family in out:
                raise RuntimeError(f"asset family {family!r} claimed by {out[family].__name__} and {cls.__name__}")
            out[family] = cls
    return out


#: ``ObjectSpec.family`` -> its params dataclass.
FAMILY_PARAMS: Dict[str, Type[AssetParams]] = _by_family()


def params_type(family: str) -> Type[AssetParams]:
    """The params dataclass of an asset family; AssetParamsError for an unknown family."""
    try:
        return FAMILY_PARAMS[family]
    except KeyError:
        raise AssetParamsError(f"unknown asset family {family!r}; known: {', '.join(sorted(FAMILY_PARAMS))}"
                               ) from None


def object_params(spec: ObjectSpec) -> AssetParams:
    """``spec.params`` (as stored in scene JSON) as its family's dataclass, strictly: a missing field or an
    unknown key raises AssetParamsError naming the family and the field.  The ObjectSpec's own
    ``part_instances`` entry is not an asset parameter and is left out."""
    data = {k: v for k, v in spec.params.items() if k != PART_INSTANCES}
    return params_type(spec.family).from_mapping(data, f"asset family {spec.family!r} params")
