"""Shared materials whose per-object colours come from object custom properties.

One material serves every object of a kind (all car paint, all skin): its base colour
is read in the shader from an object attribute (``obj["paint"] = (r, g, b)``), so a
scene compiles few shaders and meshes can be instanced across objects.
"""
from __future__ import annotations

from typing import Mapping, Sequence, Tuple

import bpy

from .base import BuildContext, principled

RGB = Tuple[float, float, float]


def _bsdf(mat: "bpy.types.Material") -> "bpy.types.ShaderNode":
    return mat.node_tree.nodes["Principled BSDF"]


def _object_attr(nt: "bpy.types.NodeTree", name: str) -> "bpy.types.ShaderNode":
    """An Attribute node reading the object custom property ``name`` (unset reads as 0)."""
    node = nt.nodes.new("ShaderNodeAttribute")
    node.attribute_type = "OBJECT"
    node.attribute_name = name
    return node


def attr_material(ctx: BuildContext, attr: str, fallback: Sequence[float] = (0.5, 0.5, 0.5),
                  roughness: float = 0.5, metallic: float = 0.0, specular: float = 0.5,
                  noise_scale: float = 0.0, noise_amount: float = 0.0, coat: float = 0.0) -> "bpy.types.Material":
    """A cached Principled material whose base colour is the object attribute ``attr``.

    With ``noise_amount`` > 0 the colour is modulated by object-space noise of
    ``noise_scale`` (dirt, weathering).  ``fallback`` shows where the attribute is unset.
    """
    key = ("attr", attr, roughness, metallic, specular, noise_scale, noise_amount, coat)

    def make() -> "bpy.types.Material":
        mat = principled(f"attr_{attr}", fallback, roughness=roughness, metallic=metallic, specular=specular)
        nt = mat.node_tree
        bsdf = _bsdf(mat)
        color_out = _object_attr(nt, attr).outputs["Color"]
        if noise_amount > 0:
            color_out = _noisy(nt, color_out, noise_scale, noise_amount)
        nt.links.new(color_out, bsdf.inputs["Base Color"])
        if coat:
            bsdf.inputs["Coat Weight"].default_value = coat
            bsdf.inputs["Coat Roughness"].default_value = COAT_ROUGHNESS
        return mat

    return ctx.material(key, make)


#: roughness of every clear coat; linear colour and roughness of winter road grime (slush and salt spray)
COAT_ROUGHNESS = 0.05
GRIME = (0.15, 0.135, 0.11)
GRIME_ROUGHNESS = 0.85


def finish_material(ctx: BuildContext, fallback: Sequence[float], specular: float) -> "bpy.types.Material":
    """Car paint with a per-object finish, one material shared by every finished body.

    Object attributes: colour ``paint``, ``paint_metallic``, ``paint_roughness``, ``paint_coat`` (coat weight),
    ``paint_film`` (thin-film thickness in nm: the colour shift of pearl paint) and ``dirt`` (0..1): grime in
    object-space noise, thickest low on the body (object z 0 at the ground), dulling the paint where it lies.
    """
    def make() -> "bpy.types.Material":
        mat = principled("paint_finish", fallback, specular=specular)
        nt = mat.node_tree
        bsdf = _bsdf(mat)

        def attr(name: str) -> "bpy.types.NodeSocket":
            return _object_attr(nt, name).outputs["Fac"]

        grime = _grime(nt, attr("dirt"))
        color = nt.nodes.new("ShaderNodeMix")
        color.data_type = "RGBA"
        nt.links.new(grime, color.inputs["Factor"])
        nt.links.new(_object_attr(nt, "paint").outputs["Color"], color.inputs["A"])
        color.inputs["B"].default_value = (*GRIME, 1.0)
        nt.links.new(color.outputs["Result"], bsdf.inputs["Base Color"])
        clean = node_math(nt, "SUBTRACT", 1.0, grime)
        nt.links.new(node_math(nt, "MULTIPLY", attr("paint_metallic"), clean), bsdf.inputs["Metallic"])
        nt.links.new(node_math(nt, "MULTIPLY", attr("paint_coat"), clean), bsdf.inputs["Coat Weight"])
        rough = node_math(nt, "MULTIPLY", node_math(nt, "SUBTRACT", GRIME_ROUGHNESS, attr("paint_roughness")), grime)
        nt.links.new(node_math(nt, "ADD", attr("paint_roughness"), rough), bsdf.inputs["Roughness"])
        nt.links.new(attr("paint_film"), bsdf.inputs["Thin Film Thickness"])
        bsdf.inputs["Coat Roughness"].default_value = COAT_ROUGHNESS
        return mat

    return ctx.material(("paint_finish", specular), make)


def _grime(nt: "bpy.types.NodeTree", dirt: "bpy.types.NodeSocket") -> "bpy.types.NodeSocket":
    """Grime cover in [0, 1]: ``dirt`` * min(1, 1.2 - z) * (0.2 + 1.6 * noise), in object space."""
    coord = nt.nodes.new("ShaderNodeTexCoord").outputs["Object"]
    tex = nt.nodes.new("ShaderNodeTexNoise")
    tex.inputs["Scale"].default_value = 4.0
    tex.inputs["Detail"].default_value = 3.0
    nt.links.new(coord, tex.inputs["Vector"])
    z = nt.nodes.new("ShaderNodeSeparateXYZ")
    nt.links.new(coord, z.inputs["Vector"])
    low = node_math(nt, "MINIMUM", node_math(nt, "SUBTRACT", 1.2, z.outputs["Z"]), 1.0)
    patchy = node_math(nt, "MULTIPLY_ADD", tex.outputs["Fac"], 1.6, 0.2)
    cover = nt.nodes.new("ShaderNodeMath")
    cover.operation = "MULTIPLY"
    cover.use_clamp = True
    nt.links.new(node_math(nt, "MULTIPLY", dirt, low), cover.inputs[0])
    nt.links.new(patchy, cover.inputs[1])
    return cover.outputs["Value"]


def _noisy(nt: "bpy.types.NodeTree", color: "bpy.types.NodeSocket", scale: float, amount: float) -> "bpy.types.NodeSocket":
    """``color`` times (1 - a * noise) in object space, a = ``amount`` * (1 + obj["noise_gain"]).

    ``noise_gain`` (unset = 0) lets one shared material show more or less dirt per object.
    """
    tex = nt.nodes.new("ShaderNodeTexNoise")
    tex.inputs["Scale"].default_value = scale
    tex.inputs["Detail"].default_value = 2.0
    coord = nt.nodes.new("ShaderNodeTexCoord")
    nt.links.new(coord.outputs["Object"], tex.inputs["Vector"])
    gain = _object_attr(nt, "noise_gain")
    strength = nt.nodes.new("ShaderNodeMath")
    strength.operation = "MULTIPLY_ADD"  # (gain * amount) + amount
    nt.links.new(gain.outputs["Fac"], strength.inputs[0])
    strength.inputs[1].default_value = amount
    strength.inputs[2].default_value = amount
    low = nt.nodes.new("ShaderNodeMath")
    low.operation = "SUBTRACT"
    low.inputs[0].default_value = 1.0
    nt.links.new(strength.outputs["Value"], low.inputs[1])
    ramp = nt.nodes.new("ShaderNodeMapRange")
    nt.links.new(low.outputs["Value"], ramp.inputs["To Min"])
    ramp.inputs["To Max"].default_value = 1.0 + amount * 0.3
    nt.links.new(tex.outputs["Fac"], ramp.inputs["Value"])
    mix = nt.nodes.new("ShaderNodeMix")
    mix.data_type = "RGBA"
    mix.blend_type = "MULTIPLY"
    mix.inputs["Factor"].default_value = 1.0
    nt.links.new(color, mix.inputs["A"])
    nt.links.new(ramp.outputs["Result"], mix.inputs["B"])
    return mix.outputs["Result"]


#: Least opacity of a bare crown between its twigs: above scenegen.blender.session.LABEL_ALPHA_THRESHOLD.
_BARE_MIN_ALPHA = 0.22


def node_math(nt: "bpy.types.NodeTree", op: str, *inputs) -> "bpy.types.NodeSocket":
    """A Math node of ``op`` in ``nt`` whose inputs are numbers or sockets, in order; its output socket."""
    node = nt.nodes.new("ShaderNodeMath")
    node.operation = op
    for i, v in enumerate(inputs):
        if isinstance(v, (int, float)):
            node.inputs[i].default_value = float(v)
        else:
            nt.links.new(v, node.inputs[i])
    return node.outputs["Value"]


def crown_material(ctx: BuildContext) -> "bpy.types.Material":
    """Tree crowns: the foliage colour (``obj["foliage"]``) mixed toward bare twigs (``obj["bark"]``
    lightened) by ``obj["bare"]`` (0 = full leaves, the default; 1 = a bare winter crown).

    Bare crowns are see-through: a net of limbs and twigs (edges of two object-space Voronoi
    patterns, nearly opaque) with alpha 0.22 between them, never lower, so the object-index pass
    (``scenegen.blender.session.LABEL_ALPHA_THRESHOLD`` = 0.2) still labels the whole crown as
    vegetation, as hand annotations of bare trees do, while the sky shows through the twigs.
    """
    def make() -> "bpy.types.Material":
        mat = principled("crown", (0.05, 0.12, 0.02), roughness=0.8)
        nt = mat.node_tree
        bsdf = _bsdf(mat)

        def math(op: str, *inputs) -> "bpy.types.NodeSocket":
            return node_math(nt, op, *inputs)

        bare = _object_attr(nt, "bare").outputs["Fac"]
        twig = nt.nodes.new("ShaderNodeMix")
        twig.data_type = "RGBA"
        twig.blend_type = "MULTIPLY"
        twig.inputs["Factor"].default_value = 1.0
        nt.links.new(_object_attr(nt, "bark").outputs["Color"], twig.inputs["A"])
        twig.inputs["B"].default_value = (2.5, 2.5, 2.5, 1.0)
        color = nt.nodes.new("ShaderNodeMix")
        color.data_type = "RGBA"
        nt.links.new(bare, color.inputs["Factor"])
        nt.links.new(_object_attr(nt, "foliage").outputs["Color"], color.inputs["A"])
        nt.links.new(twig.outputs["Result"], color.inputs["B"])
        nt.links.new(_noisy(nt, color.outputs["Result"], 4.0, 0.45), bsdf.inputs["Base Color"])

        coord = nt.nodes.new("ShaderNodeTexCoord").outputs["Object"]

        def branches(scale: float, width: float) -> "bpy.types.NodeSocket":
            """1 on the edges of an object-space Voronoi net (a lattice of branches), 0 between them."""
            cells = nt.nodes.new("ShaderNodeTexVoronoi")
            cells.feature = "DISTANCE_TO_EDGE"
            cells.inputs["Scale"].default_value = scale
            nt.links.new(coord, cells.inputs["Vector"])
            edge = nt.nodes.new("ShaderNodeMapRange")
            edge.clamp = True
            edge.inputs["From Min"].default_value = 0.0
            edge.inputs["From Max"].default_value = width
            edge.inputs["To Min"].default_value = 1.0
            edge.inputs["To Max"].default_value = 0.0
            nt.links.new(cells.outputs["Distance"], edge.inputs["Value"])
            return edge.outputs["Result"]

        # Bare: limbs and twigs (two Voronoi nets) nearly opaque, the sky or facade seen between them.
        twigs = math("MAXIMUM", branches(5.0, 0.035), branches(16.0, 0.06))
        bare_alpha = math("MULTIPLY_ADD", twigs, 1.0 - _BARE_MIN_ALPHA - 0.1, _BARE_MIN_ALPHA)
        # alpha = 1 - bare * (1 - bare_alpha)
        alpha = math("MULTIPLY_ADD", math("SUBTRACT", 1.0, bare_alpha), math("MULTIPLY", bare, -1.0), 1.0)
        nt.links.new(alpha, bsdf.inputs["Alpha"])
        return mat

    return ctx.material(("crown",), make)


def set_weathering(obj: "bpy.types.Object", weathering: float) -> None:
    """Per-object dirt for attribute materials: 0 clean, 0.25 the materials' default, 1 four times it."""
    obj["noise_gain"] = float(4.0 * weathering - 1.0)


def flat_material(ctx: BuildContext, name: str, color: Sequence[float], roughness: float = 0.5,
                  metallic: float = 0.0, specular: float = 0.5, emission: Sequence[float] | None = None,
                  emission_strength: float = 0.0) -> "bpy.types.Material":
    """A cached flat-colour Principled material (for colours that never vary)."""
    key = ("flat", name, tuple(round(float(c), 4) for c in color), roughness, metallic, specular,
           None if emission is None else tuple(emission), emission_strength)
    return ctx.material(key, lambda: principled(name, color, roughness=roughness, metallic=metallic,
                                                specular=specular, emission=emission,
                                                emission_strength=emission_strength))


def glass_material(ctx: BuildContext, name: str = "glass", attr: str | None = None,
                   fallback: Sequence[float] = (0.02, 0.025, 0.03)) -> "bpy.types.Material":
    """Dark, glossy, opaque glass (cheap to render; reflections give the look)."""
    if attr:
        return attr_material(ctx, attr, fallback, roughness=0.12, specular=1.0)
    return flat_material(ctx, name, fallback, roughness=0.12, specular=1.0)


#: what a see-through pane lets through: its colour attribute (dark, as opaque glass) times this gain
GLASS_TINT_GAIN = 12.0
#: the clear coat giving a see-through pane its reflections
GLASS_COAT_IOR = 1.5


def see_through_glass_material(ctx: BuildContext, attr: str = "glass",
                               fallback: Sequence[float] = (0.02, 0.025, 0.03)) -> "bpy.types.Material":
    """Tinted see-through glass for thin single-sided panes (vehicle interiors).

    Camera rays go straight through (IOR 1: a thin pane does not bend the view) tinted by the object attribute
    ``attr`` times GLASS_TINT_GAIN, under a clear coat that reflects the sky, so the glass stays dark from outside;
    being transmissive, not transparent, the pane is what the label passes see.  Shadow rays pass through a
    Transparent BSDF of the same tint (transparent shadows), so sun and sky light what is behind the glass.
    """
    def make() -> "bpy.types.Material":
        mat = principled(f"see_through_{attr}", [c * GLASS_TINT_GAIN for c in fallback], roughness=0.0,
                         transmission=1.0)
        nt = mat.node_tree
        bsdf = _bsdf(mat)
        bsdf.inputs["IOR"].default_value = 1.0
        bsdf.inputs["Coat Weight"].default_value = 1.0
        bsdf.inputs["Coat Roughness"].default_value = 0.02
        bsdf.inputs["Coat IOR"].default_value = GLASS_COAT_IOR
        tint = nt.nodes.new("ShaderNodeVectorMath")
        tint.operation = "SCALE"
        nt.links.new(_object_attr(nt, attr).outputs["Vector"], tint.inputs[0])
        tint.inputs["Scale"].default_value = GLASS_TINT_GAIN
        nt.links.new(tint.outputs["Vector"], bsdf.inputs["Base Color"])
        clear = nt.nodes.new("ShaderNodeBsdfTransparent")
        nt.links.new(tint.outputs["Vector"], clear.inputs["Color"])
        mix = nt.nodes.new("ShaderNodeMixShader")
        nt.links.new(nt.nodes.new("ShaderNodeLightPath").outputs["Is Shadow Ray"], mix.inputs["Fac"])
        nt.links.new(bsdf.outputs["BSDF"], mix.inputs[1])
        nt.links.new(clear.outputs["BSDF"], mix.inputs[2])
        out = next(n for n in nt.nodes if n.type == "OUTPUT_MATERIAL")
        nt.links.new(mix.outputs["Shader"], out.inputs["Surface"])
        return mat

    return ctx.material(("see_through_glass", attr), make)


def set_colors(obj: "bpy.types.Object", colors: Mapping[str, Sequence[float]]) -> None:
    """Store colours as object custom properties read by :func:`attr_material`."""
    for name, rgb in colors.items():
        obj[name] = [float(c) for c in rgb[:3]]


#: coursed walls: (unit width m, course height m, mortar m, offset of alternate courses, every how many courses
#: the units squash and by how much (English bond: a course of headers every other), mortar colour, roughness)
COURSES = {
    "stretcher": (0.25, 0.075, 0.012, 0.5, 1, 1.0, (0.45, 0.43, 0.4), 0.85),
    "english": (0.25, 0.075, 0.012, 0.25, 2, 0.5, (0.45, 0.43, 0.4), 0.85),
    "stack": (0.25, 0.075, 0.012, 0.0, 1, 1.0, (0.45, 0.43, 0.4), 0.85),
    "stone": (0.62, 0.32, 0.008, 0.5, 1, 1.0, (0.55, 0.53, 0.5), 0.8),
    "panels": (1.5, 1.2, 0.025, 0.0, 1, 1.0, (0.05, 0.05, 0.05), 0.4),
}


def brick_material(ctx: BuildContext, attr: str = "facade", courses: str = "stretcher") -> "bpy.types.Material":
    """Coursed walls (COURSES: brick bonds, ashlar stone, cladding panels) in object space (metres) on walls
    facing X or Y, the units' colour from ``attr``."""
    width, height, mortar, offset, squash_every, squash, mortar_rgb, rough = COURSES[courses]

    def make() -> "bpy.types.Material":
        name = f"brick_{attr}" if courses == "stretcher" else f"{courses}_{attr}"
        mat = principled(name, (0.4, 0.15, 0.1), roughness=rough)
        nt = mat.node_tree
        node = _object_attr(nt, attr)
        coord = nt.nodes.new("ShaderNodeTexCoord")
        sep = nt.nodes.new("ShaderNodeSeparateXYZ")
        nt.links.new(coord.outputs["Object"], sep.inputs["Vector"])
        add = nt.nodes.new("ShaderNodeMath")
        add.operation = "ADD"
        nt.links.new(sep.outputs["X"], add.inputs[0])
        nt.links.new(sep.outputs["Y"], add.inputs[1])
        comb = nt.nodes.new("ShaderNodeCombineXYZ")
        nt.links.new(add.outputs["Value"], comb.inputs["X"])
        nt.links.new(sep.outputs["Z"], comb.inputs["Y"])
        brick = nt.nodes.new("ShaderNodeTexBrick")
        brick.offset = offset
        if squash_every > 1:
            brick.squash = squash
            brick.squash_frequency = squash_every
        for name, val in (("Scale", 1.0), ("Mortar Size", mortar), ("Brick Width", width), ("Row Height", height),
                          ("Bias", 0.0)):
            brick.inputs[name].default_value = val
        brick.inputs["Mortar"].default_value = (*mortar_rgb, 1.0)
        nt.links.new(comb.outputs["Vector"], brick.inputs["Vector"])
        nt.links.new(node.outputs["Color"], brick.inputs["Color1"])
        dark = nt.nodes.new("ShaderNodeMix")
        dark.data_type = "RGBA"
        dark.blend_type = "MULTIPLY"
        dark.inputs["Factor"].default_value = 1.0
        dark.inputs["B"].default_value = (0.75, 0.72, 0.7, 1.0)
        nt.links.new(node.outputs["Color"], dark.inputs["A"])
        nt.links.new(dark.outputs["Result"], brick.inputs["Color2"])
        weathered = _noisy(nt, brick.outputs["Color"], 1.5, 0.15)
        nt.links.new(weathered, mat.node_tree.nodes["Principled BSDF"].inputs["Base Color"])
        return mat

    return ctx.material(("brick", attr) if courses == "stretcher" else ("brick", attr, courses), make)
