"""Blender builders of every asset family; importing this package fills ``BUILDERS``."""
from . import barriers, building, cad, furniture, pedestrian, road, two_wheeler, vegetation, vehicles  # noqa: F401
from .base import BUILDERS, BuildContext, Part, builder  # noqa: F401
from .road import build_road  # noqa: F401
