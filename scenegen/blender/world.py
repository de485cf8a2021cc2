"""Sun lamp and sky.

The camera sees an analytic physical sky (Hosek-Wilkie: sun position and turbidity, no
per-frame precomputation), greyed by cloud cover.  Every other ray sees a constant ambient
colour matched to that sky, so Cycles needs no importance map of the background: a
precomputed sky model plus its map costs seconds per frame, this costs nothing.
"""
from __future__ import annotations

import math

import bpy

from scenegen.sky_model import ambient_rgb
from scenegen.spec import SkySpec, SunSpec

#: Radiance scale of the camera-visible sky relative to the ambient light.
_SKY_TEXTURE_SCALE = 1.6


def build_world(scene: "bpy.types.Scene", sun: SunSpec, sky: SkySpec) -> None:
    """Create the world background (sky) and a sun lamp matching the spec."""
    world = bpy.data.worlds.new("sky")
    scene.world = world
    world.cycles.sampling_method = "NONE"
    nt = world.node_tree
    nt.nodes.clear()
    ambient = ambient_rgb(sun, sky)

    tex = nt.nodes.new("ShaderNodeTexSky")
    tex.sky_type = "HOSEK_WILKIE"
    # The sky's sun direction, as a unit vector in world axes (azimuth clockwise from +Y).
    el, az = math.radians(max(sun.elevation_deg, 1.0)), math.radians(sun.azimuth_deg)
    tex.sun_direction = (math.cos(el) * math.sin(az), math.cos(el) * math.cos(az), math.sin(el))
    tex.turbidity = 2.0 + 6.0 * sky.haze
    tex.ground_albedo = 0.3
    clear_bg = nt.nodes.new("ShaderNodeBackground")
    clear_bg.inputs["Strength"].default_value = _SKY_TEXTURE_SCALE * sky.strength
    nt.links.new(tex.outputs["Color"], clear_bg.inputs["Color"])

    cloud_bg = nt.nodes.new("ShaderNodeBackground")
    grey = sum(ambient) / 3 * 1.15
    cloud_bg.inputs["Color"].default_value = (grey, grey, grey * 1.03, 1.0)
    cloud_bg.inputs["Strength"].default_value = 1.0
    seen = nt.nodes.new("ShaderNodeMixShader")
    seen.inputs["Fac"].default_value = sky.overcast
    nt.links.new(clear_bg.outputs["Background"], seen.inputs[1])
    nt.links.new(cloud_bg.outputs["Background"], seen.inputs[2])

    ambient_bg = nt.nodes.new("ShaderNodeBackground")
    ambient_bg.inputs["Color"].default_value = (*ambient, 1.0)
    ambient_bg.inputs["Strength"].default_value = 1.0
    light_path = nt.nodes.new("ShaderNodeLightPath")
    camera_mix = nt.nodes.new("ShaderNodeMixShader")
    nt.links.new(light_path.outputs["Is Camera Ray"], camera_mix.inputs["Fac"])
    nt.links.new(ambient_bg.outputs["Background"], camera_mix.inputs[1])
    nt.links.new(seen.outputs["Shader"], camera_mix.inputs[2])
    out = nt.nodes.new("ShaderNodeOutputWorld")
    nt.links.new(camera_mix.outputs["Shader"], out.inputs["Surface"])

    lamp = bpy.data.lights.new("sun", "SUN")
    lamp.energy = sun.strength
    lamp.angle = math.radians(sun.angle_deg)
    obj = bpy.data.objects.new("sun", lamp)
    # The lamp shines along its local -Z: tilt it down by the elevation, turn it to the azimuth.
    obj.rotation_euler = (math.radians(90.0 - sun.elevation_deg), 0.0, math.radians(180.0 - sun.azimuth_deg))
    scene.collection.objects.link(obj)
