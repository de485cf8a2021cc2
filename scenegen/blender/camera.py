"""The camera object, placed from the same pose model that the label projections use."""
from __future__ import annotations

import math

import bpy
from mathutils import Matrix

from scenegen.camera_model import camera_to_world
from scenegen.spec import CameraSpec


def build_camera(scene: "bpy.types.Scene", cam: CameraSpec) -> "bpy.types.Object":
    """Create the scene camera from a CameraSpec (horizontal field of view, centred principal point)."""
    data = bpy.data.cameras.new("camera")
    data.sensor_fit = "HORIZONTAL"
    data.angle_x = math.radians(cam.fov_deg)
    data.shift_x = data.shift_y = 0.0
    data.clip_start = 0.05
    data.clip_end = cam.clip_end
    obj = bpy.data.objects.new("camera", data)
    obj.matrix_world = Matrix(camera_to_world(cam).tolist())
    scene.collection.objects.link(obj)
    scene.camera = obj
    return obj
