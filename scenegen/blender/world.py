"""Sun lamp and sky.

The camera sees an analytic physical sky (Hosek-Wilkie: sun position and turbidity, no
per-frame precomputation), greyed by cloud cover.  Every other ray sees a constant ambient
colour matched to that sky, so Cycles needs no importance map of the background: a
precomputed sky model plus its map costs seconds per frame, this costs nothing.
"""
from __future__ import annotations

import math

import bpy

from assets.blender.materials import node_math
from scenegen.sky_model import ambient_rgb
from scenegen.spec import SkySpec, SunSpec

#: Radiance scale of the camera-visible sky relative to the ambient light.
_SKY_TEXTURE_SCALE = 1.6
#: Noise frequency on the cloud layer (one unit = the layer's height above the camera)
CLOUD_SCALE = 1.2


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
    if sky.clouds:
        _structured_clouds(nt, sky, cloud_bg, seen)
    else:
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


def _structured_clouds(nt, sky: SkySpec, cloud_bg, seen) -> None:
    """Cloud cover with structure on the camera-visible sky: fractal noise on a cloud layer (the view ray
    projected to a plane above the camera) cut at a level set by ``overcast``: broken clouds with blue gaps
    when partial, a closed sheet of lighter and darker billows when full. Lighting stays as for a flat dome."""
    ray = nt.nodes.new("ShaderNodeSeparateXYZ")
    nt.links.new(nt.nodes.new("ShaderNodeTexCoord").outputs["Generated"], ray.inputs["Vector"])
    up = node_math(nt, "MAXIMUM", ray.outputs["Z"], 0.04)
    layer = nt.nodes.new("ShaderNodeCombineXYZ")
    for axis, offset in zip("XY", sky.cloud_offset):
        nt.links.new(node_math(nt, "ADD", node_math(nt, "DIVIDE", ray.outputs[axis], up), offset), layer.inputs[axis])
    noise = nt.nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = CLOUD_SCALE
    noise.inputs["Detail"].default_value = 6.0
    noise.inputs["Roughness"].default_value = 0.6
    nt.links.new(layer.outputs["Vector"], noise.inputs["Vector"])
    level = 0.62 - 0.3 * sky.overcast  # the noise level above which there is cloud
    cover = nt.nodes.new("ShaderNodeMapRange")
    cover.clamp = True
    cover.inputs["From Min"].default_value = level - 0.04
    cover.inputs["From Max"].default_value = level + 0.08
    nt.links.new(noise.outputs["Fac"], cover.inputs["Value"])
    nt.links.new(cover.outputs["Result"], seen.inputs["Fac"])
    billows = nt.nodes.new("ShaderNodeMapRange")  # thicker cloud is darker underneath
    billows.inputs["From Min"].default_value = level
    billows.inputs["From Max"].default_value = 1.0
    billows.inputs["To Min"].default_value = 1.35
    billows.inputs["To Max"].default_value = 0.75
    nt.links.new(noise.outputs["Fac"], billows.inputs["Value"])
    nt.links.new(billows.outputs["Result"], cloud_bg.inputs["Strength"])
