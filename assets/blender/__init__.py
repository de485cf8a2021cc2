"""Blender builders of every asset family; importing this package fills ``BUILDERS_BY_PARAMS``."""
from . import (barriers, building, cad, furniture, pedestrian, pram, road, street_furniture,  # noqa: F401
               tram, two_wheeler, vegetation, vehicles)
from .base import BUILDERS_BY_PARAMS, BuildContext, Part, build_object, builds  # noqa: F401
from .road import build_road  # noqa: F401
