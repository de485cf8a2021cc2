"""The physical range of every scene variable: a parameter file's support must stay inside it.

Wider than the built-in supports (users widen those on purpose), narrow enough that every value still
draws a street: no negative heights, no field of view past 170 degrees, no probability above 1.
"""
from __future__ import annotations

from typing import Dict, Tuple

_SHARE = (0.0, 1.0)

PHYSICAL_RANGES: Dict[str, Tuple[float, float]] = {
    "lane_count": (1, 8),
    "one_way": (0, 1),
    "junction": (0, 2),
    "left_hand_traffic": (0, 1),
    "lane_width_m": (2.0, 5.0),
    "parking_lane_width_m": (0.0, 4.0),
    "sidewalk_width_m": (0.5, 10.0),
    "crosswalk_probability": _SHARE,
    "vehicle_variety": (0, 1),
    "car_density": (0.0, 40.0),
    "large_vehicle_share": _SHARE,
    "two_wheeler_density": (0.0, 40.0),
    "motorcycle_share": _SHARE,
    "car_colorful_share": _SHARE,
    "parked_car_density": (0.0, 25.0),
    "pavement_parking": (0, 1),
    "pedestrian_variety": (0, 1),
    "pedestrian_density": (0.0, 200.0),
    "crossing_pedestrians": (0, 50),
    "tree_density": (0.0, 50.0),
    "tree_leaf_cover": _SHARE,
    "tree_size": (0.2, 4.0),
    "tree_branching": (0, 1),
    "terrain_strip_width_m": (0.0, 20.0),
    "bush_density": (0.0, 100.0),
    "pole_spacing_m": (3.0, 200.0),
    "sign_density": (0.0, 40.0),
    "traffic_light_probability": _SHARE,
    "street_furniture_density": (0.0, 100.0),
    "front_boundary_probability": _SHARE,
    "building_typology": (0, 1),
    "building_height_m": (3.0, 300.0),
    "building_frontage_m": (3.0, 200.0),
    "building_gap_probability": _SHARE,
    "facade_brightness": _SHARE,
    "facade_saturation": _SHARE,
    "window_density": (0.0, 0.95),
    "facade_weathering": _SHARE,
    "road_brightness": _SHARE,
    "sidewalk_brightness": _SHARE,
    "road_wear": _SHARE,
    "road_wetness": _SHARE,
    "sun_elevation_deg": (0.0, 90.0),
    "sun_azimuth_deg": (0.0, 360.0),
    "sky_haze": _SHARE,
    "overcast": _SHARE,
    "sky_clouds": (0, 1),
    "fog_density": (0.0, 20.0),
    "camera_height_m": (0.3, 10.0),
    "camera_pitch_deg": (-60.0, 45.0),
    "camera_fov_deg": (10.0, 170.0),
    "camera_lateral_m": (-5.0, 5.0),
    "camera_exposure_ev": (-6.0, 6.0),
    "sensor_noise": (0.0, 0.3),
    "vignetting": _SHARE,
    "lens_blur_px": (0.0, 10.0),
}
