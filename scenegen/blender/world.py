"""Sun lamp and sky: a physical sky model, dimmed and greyed by cloud cover."""
from __future__ import annotations

import math

import bpy

from scenegen.spec import SkySpec, SunSpec


def build_world(scene: "bpy.types.Scene", sun: SunSpec, sky: SkySpec) -> None:
    """Create the world background (sky) and a sun lamp matching the spec."""
    world = bpy.data.worlds.new("sky")
    scene.world = world
    nt = world.node_tree
    nt.nodes.clear()
    tex = nt.nodes.new("ShaderNodeTexSky")
    tex.sky_type = "SINGLE_SCATTERING"
    tex.sun_disc = False
    tex.sun_elevation = math.radians(sun.elevation_deg)
    # Blender measures sun rotation counter-clockwise from +X; the spec's azimuth is clockwise from +Y.
    tex.sun_rotation = math.radians(90.0 - sun.azimuth_deg)
    tex.air_density = 1.0 + 2.0 * sky.haze
    tex.aerosol_density = 0.5 + 4.5 * sky.haze
    tex.ozone_density = 1.0
    clear = nt.nodes.new("ShaderNodeBackground")
    clear.inputs["Strength"].default_value = 0.12 * sky.strength
    nt.links.new(tex.outputs["Color"], clear.inputs["Color"])
    cloud = nt.nodes.new("ShaderNodeBackground")
    grey = 0.55 * (0.35 + 0.65 * math.sin(math.radians(max(sun.elevation_deg, 5.0))))
    cloud.inputs["Color"].default_value = (grey, grey, grey * 1.03, 1.0)
    cloud.inputs["Strength"].default_value = 1.0
    mix = nt.nodes.new("ShaderNodeMixShader")
    mix.inputs["Fac"].default_value = sky.overcast
    nt.links.new(clear.outputs["Background"], mix.inputs[1])
    nt.links.new(cloud.outputs["Background"], mix.inputs[2])
    out = nt.nodes.new("ShaderNodeOutputWorld")
    nt.links.new(mix.outputs["Shader"], out.inputs["Surface"])

    lamp = bpy.data.lights.new("sun", "SUN")
    lamp.energy = sun.strength
    lamp.angle = math.radians(sun.angle_deg)
    obj = bpy.data.objects.new("sun", lamp)
    # The lamp shines along its local -Z: tilt it down by the elevation, turn it to the azimuth.
    obj.rotation_euler = (math.radians(90.0 - sun.elevation_deg), 0.0, math.radians(180.0 - sun.azimuth_deg))
    scene.collection.objects.link(obj)
