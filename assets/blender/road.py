"""Road builder: asphalt with lane markings and crosswalks (road), raised sidewalks with
curbs (sidewalk), terrain strips and a ground plane reaching ~1 km past the buildings
(terrain); at a junction the cross street's asphalt, pavements and markings (scenegen.junction); on a curved
street every surface but the ground follows the bend (scenegen.curve).  Appearance (asphalt colour and wear,
marking visibility, paving and grass colours) comes from the RoadSpec; wear drives noise and voronoi textures."""
from __future__ import annotations

from typing import List, Sequence

import bpy
import numpy as np

from scenegen import grade
from scenegen.curve import Bend
from scenegen.grade import Grade
from scenegen.spec import RoadSpec

from assets import geometry as geom
from assets.markings import GREEN, RED, WHITE, YELLOW, box_hatch, lane_surfaces, markings, side_stretches
from assets.trams import tram_rails

from .base import BuildContext, Part, principled
from .geom import to_mesh

GROUND_REACH = 1000.0
#: on a curved street the ground beyond the street lies this far below the road, under the bent street (m)
BENT_GROUND_DROP = 0.03
#: the longest piece of a surface along the street that a bend carries as a straight piece (m)
BEND_STEP = 1.0
_MARK_Z = 0.004
#: reserved lanes' coloured surfacing lies between the asphalt and the paint; tram rails over both
_SURFACING_Z = 0.002
_RAIL_Z = 0.005
#: linear colours of fresh white and yellow paint and of green and red lane surfacing (assets.markings' slots)
PAINT = {WHITE: (0.75, 0.75, 0.72), YELLOW: (0.72, 0.45, 0.03), GREEN: (0.03, 0.13, 0.04), RED: (0.22, 0.03, 0.02)}


def _quad_xy(x0: float, x1: float, y0: float, y1: float, z: float, mat: int = 0) -> geom.Geo:
    return geom.quad([(x0, y0, z), (x1, y0, z), (x1, y1, z), (x0, y1, z)], mat)


def _rects_xy(rects: np.ndarray, z: float) -> geom.Geo:
    """Many horizontal quads from rows (x0, x1, y0, y1, material slot)."""
    if len(rects) == 0:
        return geom.empty()
    x0, x1, y0, y1, slots = np.asarray(rects, dtype=float).T
    corners = np.stack([np.stack([x0, y0], 1), np.stack([x1, y0], 1), np.stack([x1, y1], 1), np.stack([x0, y1], 1)], 1)
    return _quads_xy(corners, z, slots)


def _quads_xy(quads: np.ndarray, z: float, slots) -> geom.Geo:
    """Horizontal quads from (N, 4, 2) corners in material ``slots`` (one, or one per quad)."""
    if len(quads) == 0:
        return geom.empty()
    v = np.concatenate([quads, np.full(quads.shape[:2] + (1,), z)], axis=2).reshape(-1, 3)
    faces = np.arange(len(quads))[:, None] * 4 + np.arange(4)[None]
    return v, faces, np.broadcast_to(np.asarray(slots).astype(np.int32), (len(quads),)).copy()


def _asphalt_material(road: RoadSpec) -> "bpy.types.Material":
    """Asphalt: fine grain noise, large wear patches and voronoi crack lines scaled by wear.

    A ``wetness`` field on the RoadSpec (0 dry .. 1 soaked; absent = dry) darkens the
    asphalt, makes it glossy and fills the lowest wear patches with mirror-like puddles.
    """
    wear = float(road.asphalt_wear)
    wet = float(np.clip(getattr(road, "wetness", 0.0), 0.0, 1.0))
    dry_rough = 0.85 - 0.15 * (1 - wear)
    mat = principled("asphalt", road.asphalt_color, roughness=dry_rough * (1 - wet) + 0.15 * wet, specular=0.4)
    nt = mat.node_tree
    bsdf = nt.nodes["Principled BSDF"]
    coord = nt.nodes.new("ShaderNodeTexCoord")
    grain = _tex(nt, "ShaderNodeTexNoise", coord, {"Scale": 60.0, "Detail": 1.0})
    patches = _tex(nt, "ShaderNodeTexNoise", coord, {"Scale": 0.12, "Detail": 2.0, "Roughness": 0.6})
    cracks = _tex(nt, "ShaderNodeTexVoronoi", coord, {"Scale": 0.45})
    cracks.feature = "DISTANCE_TO_EDGE"
    # Cracks only where the wear patches are strongest, thin, and never pitch black.
    crack_lines = _math(nt, "LESS_THAN", cracks.outputs["Distance"], 0.006 + 0.01 * wear)
    crack_zone = _math(nt, "GREATER_THAN", patches.outputs["Fac"], 0.62 - 0.12 * wear)
    crack_mask = _math(nt, "MULTIPLY", crack_lines, crack_zone)
    base = _mix(nt, "MULTIPLY", (*road.asphalt_color, 1.0), _map(nt, grain.outputs["Fac"], 0.85, 1.12), 1.0)
    worn = _mix(nt, "MULTIPLY", base, _map(nt, patches.outputs["Fac"], 1 - 0.5 * wear, 1 + 0.4 * wear), 1.0)
    cracked = _mix(nt, "MULTIPLY", worn, (0.45, 0.45, 0.45, 1.0), crack_mask)
    if wet > 0:
        cracked = _mix(nt, "MULTIPLY", cracked, (1 - 0.45 * wet,) * 3 + (1.0,), 1.0)
        puddle = _math(nt, "LESS_THAN", patches.outputs["Fac"], 0.2 + 0.25 * wet)
        rough = _math(nt, "MULTIPLY", puddle, -(dry_rough * (1 - wet) + 0.15 * wet - 0.02))
        rough = _math(nt, "ADD", rough, dry_rough * (1 - wet) + 0.15 * wet)
        nt.links.new(rough, bsdf.inputs["Roughness"])
    nt.links.new(cracked, bsdf.inputs["Base Color"])
    return mat


#: granite setts: their size along and across the street (m), the joint width (m) and how much lighter than the
#: street's asphalt albedo the stone is
SETT_SIZE, SETT_JOINT, SETT_LIGHTER = (0.2, 0.12), 0.012, 1.5


def _setts_material(road: RoadSpec) -> "bpy.types.Material":
    """Granite setts laid in courses across the street (a brick texture in object space), each stone a little
    lighter or darker, dark joints; wetness darkens and glosses them."""
    wet = float(np.clip(road.wetness, 0.0, 1.0))
    stone = np.clip(np.asarray(road.asphalt_color) * SETT_LIGHTER, 0.0, 0.6) * (1 - 0.4 * wet)
    mat = principled("setts", stone, roughness=0.75 * (1 - wet) + 0.2 * wet, specular=0.4)
    _coursed(mat, stone, (SETT_SIZE[1], SETT_SIZE[0]), SETT_JOINT, 0.5, (0.75, 0.35), (40.0, 1.0, 0.85, 1.12),
             {"Mortar Smooth": 0.3})
    return mat


def _coursed(mat: "bpy.types.Material", color: Sequence[float], unit: Sequence[float], joint: float, offset: float,
             shades: Sequence[float], grain: Sequence[float], extra: dict | None = None) -> None:
    """Drive ``mat``'s base colour with units laid in courses in object space: ``unit`` (width, course height, m),
    ``joint`` wide, alternate courses shifted by ``offset``; every other unit and the joints darkened by ``shades``,
    the whole under a noise ``grain`` (scale, detail, low, high)."""
    nt = mat.node_tree
    coord = nt.nodes.new("ShaderNodeTexCoord")
    courses = nt.nodes.new("ShaderNodeTexBrick")
    courses.offset = offset
    for k, v in (("Scale", 1.0), ("Mortar Size", joint), ("Brick Width", unit[0]), ("Row Height", unit[1]),
                 *(extra or {}).items()):
        courses.inputs[k].default_value = v
    c = np.asarray(color, dtype=float)
    courses.inputs["Color1"].default_value = (*c, 1.0)
    courses.inputs["Color2"].default_value = (*(c * shades[0]), 1.0)
    courses.inputs["Mortar"].default_value = (*(c * shades[1]), 1.0)
    nt.links.new(coord.outputs["Object"], courses.inputs["Vector"])
    noise = _tex(nt, "ShaderNodeTexNoise", coord, {"Scale": grain[0], "Detail": grain[1]})
    col = _mix(nt, "MULTIPLY", courses.outputs["Color"], _map(nt, noise.outputs["Fac"], grain[2], grain[3]), 1.0)
    nt.links.new(col, nt.nodes["Principled BSDF"].inputs["Base Color"])


def _paint_material(road: RoadSpec, slot: int = WHITE) -> "bpy.types.Material":
    """Road paint faded towards the asphalt colour by marking visibility and worn in patches."""
    vis = float(np.clip(road.marking_visibility, 0, 1))
    col = np.asarray(road.asphalt_color) + vis * (np.array(PAINT[slot]) - np.asarray(road.asphalt_color))
    mat = principled("road_paint", col, roughness=0.6)
    nt = mat.node_tree
    coord = nt.nodes.new("ShaderNodeTexCoord")
    patches = _tex(nt, "ShaderNodeTexNoise", coord, {"Scale": 1.5, "Detail": 2.0})
    fade = _mix(nt, "MIX", (*col, 1.0), (*road.asphalt_color, 1.0),
                _map(nt, patches.outputs["Fac"], -0.8 + road.asphalt_wear, 0.2 + road.asphalt_wear, clamp=True))
    nt.links.new(fade, nt.nodes["Principled BSDF"].inputs["Base Color"])
    return mat


def _paint_materials(road: RoadSpec, g: geom.Geo) -> list:
    """A paint material for every slot up to the highest ``g`` uses."""
    return [_paint_material(road, slot) for slot in range(int(g[2].max(initial=0)) + 1)]


def _tiles_material(name: str, color: Sequence[float], tile: float, mortar: float, roughness: float) -> "bpy.types.Material":
    """Square paving (brick texture with no offset) in world-ish object space."""
    mat = principled(name, color, roughness=roughness)
    _coursed(mat, color, (tile, tile), mortar, 0.0, (0.88, 0.6), (3.0, 2.0, 0.8, 1.15))
    return mat


def _grass_material(name: str, color: Sequence[float]) -> "bpy.types.Material":
    """Grass / ground: colour broken up by two noise scales and voronoi clumps."""
    mat = principled(name, color, roughness=0.95, specular=0.3)
    nt = mat.node_tree
    coord = nt.nodes.new("ShaderNodeTexCoord")
    big = _tex(nt, "ShaderNodeTexNoise", coord, {"Scale": 0.05, "Detail": 2.0})
    clumps = _tex(nt, "ShaderNodeTexVoronoi", coord, {"Scale": 6.0})
    c = _mix(nt, "MULTIPLY", (*color, 1.0), _map(nt, big.outputs["Fac"], 0.6, 1.3), 1.0)
    c = _mix(nt, "MULTIPLY", c, _map(nt, clumps.outputs["Distance"], 0.8, 1.1), 1.0)
    nt.links.new(c, nt.nodes["Principled BSDF"].inputs["Base Color"])
    return mat


def _tex(nt, kind: str, coord, inputs: dict):
    node = nt.nodes.new(kind)
    for k, v in inputs.items():
        node.inputs[k].default_value = v
    nt.links.new(coord.outputs["Object"], node.inputs["Vector"])
    return node


def _math(nt, op: str, a, b):
    """Math node of socket ``a`` and ``b`` (a socket or a constant)."""
    node = nt.nodes.new("ShaderNodeMath")
    node.operation = op
    nt.links.new(a, node.inputs[0])
    if isinstance(b, bpy.types.NodeSocket):
        nt.links.new(b, node.inputs[1])
    else:
        node.inputs[1].default_value = b
    return node.outputs["Value"]


def _map(nt, value, lo: float, hi: float, clamp: bool = False):
    node = nt.nodes.new("ShaderNodeMapRange")
    node.clamp = clamp
    node.inputs["To Min"].default_value = lo
    node.inputs["To Max"].default_value = hi
    nt.links.new(value, node.inputs["Value"])
    return node.outputs["Result"]


def _mix(nt, blend: str, a, b, factor):
    """RGBA mix node; a, b and factor are sockets or constants."""
    node = nt.nodes.new("ShaderNodeMix")
    node.data_type = "RGBA"
    node.blend_type = blend
    for sock, val in ((node.inputs["A"], a), (node.inputs["B"], b), (node.inputs["Factor"], factor)):
        if isinstance(val, bpy.types.NodeSocket):
            nt.links.new(val, sock)
        else:
            sock.default_value = val
    return node.outputs["Result"]


def road_geometry(road: RoadSpec) -> dict:
    """Geo of each labelled surface: 'road', 'markings', 'sidewalk', 'terrain' (and 'surfacing' where reserved
    lanes are coloured)."""
    half = road.carriageway_half_width
    sw_out, t_out = road.sidewalk_outer_x, road.terrain_outer_x
    y0, y1, ch = road.y_start, road.y_end, road.curb_height
    mouth, corner = road.junction_band(), road.junction_band(pavements=True)
    bend = Bend.of(road)
    ground = ch if bend is None else -BENT_GROUND_DROP  # the flat ground would cover a street bent across it
    asphalt = [_quad_xy(-half, half, y0, y1, 0.0)]
    sidewalks, terrain, flat = [], [], set()  # flat: the terrain pieces that are the ground beyond the street
    for s in (-1, 1):
        for ya, yb in side_stretches(road, s, y0, y1, mouth):
            length = yb - ya
            # Curb stone (slot 1) along the carriageway, paving (slot 0) behind it; the curb face is sidewalk too.
            curb_x = s * (half + 0.075)
            sidewalks.append(geom.box((0.15, length, ch), (curb_x, (ya + yb) / 2, ch / 2), 1, skip=("-z",)))
            if road.sidewalk_width > 0.16:
                pa, pb = sorted((s * (half + 0.15), s * sw_out))
                sidewalks.append(geom.box((pb - pa, length, ch), ((pa + pb) / 2, (ya + yb) / 2, ch / 2), 0,
                                          skip=("-z",)))
        for ya, yb in side_stretches(road, s, y0, y1, corner):
            if road.terrain_width > 0.01:
                ta, tb = sorted((s * sw_out, s * t_out))
                terrain.append(geom.box((tb - ta, yb - ya, ch), ((ta + tb) / 2, (ya + yb) / 2, ch / 2), 0,
                                        skip=("-z",)))
        ga, gb = sorted((s * t_out, s * (t_out + GROUND_REACH)))
        for ya, yb in side_stretches(road, s, y0 - GROUND_REACH, y1 + GROUND_REACH, corner):
            flat.add(len(terrain))
            terrain.append(_quad_xy(ga, gb, ya, yb, ground, 1))
    flat.update((len(terrain), len(terrain) + 1))
    # ahead of the street's end; on a curved street from the bend on, where the street no longer runs
    terrain.append(_quad_xy(-t_out, t_out, y1, y1 + GROUND_REACH, 0.0, 1) if bend is None
                   else _quad_xy(-t_out, t_out, bend.start, y1 + GROUND_REACH, ground, 1))
    terrain.append(_quad_xy(-t_out, t_out, y0 - GROUND_REACH, y0, 0.0, 1))
    cross_asphalt, cross_pavements = _cross_street_surfaces(road)
    street = {"road": asphalt + cross_asphalt, "markings": [_rects_xy(markings(road, GROUND_REACH), _MARK_Z)],
              "sidewalk": sidewalks + cross_pavements, "terrain": terrain}
    if road.box_junction and road.junction_sides:
        street["markings"].append(_quads_xy(box_hatch(road), _MARK_Z, YELLOW))
    if road.lane_surface != "none":
        street["surfacing"] = [_rects_xy(lane_surfaces(road), _SURFACING_Z)]
    if road.tram_tracks:
        street["rails"] = [_rects_xy(tram_rails(road), _RAIL_Z)]
    if bend is not None:  # the street's surfaces follow the bend; the flat ground beyond them stays
        street = {name: [g if name == "terrain" and k in flat else _bent(g, bend) for k, g in enumerate(pieces)]
                  for name, pieces in street.items()}
    slope = Grade.of(road)
    if slope is not None:  # every surface follows a grade, the ground beyond the street too
        street = {name: [_graded(g, slope) for g in pieces] for name, pieces in street.items()}
    return {name: geom.merge(pieces) for name, pieces in street.items()}


def _graded(g: geom.Geo, slope: Grade) -> geom.Geo:
    """``g`` cut into pieces at most grade.STEP_M long along the street past the grade's start, lifted onto it."""
    v, faces, mats = geom.subdivide_along_y(g, grade.STEP_M, slope.start)
    return slope.points(v), faces, mats


def _bent(g: geom.Geo, bend: Bend) -> geom.Geo:
    """``g`` cut into pieces at most BEND_STEP long along the street past the bend's start, carried onto it."""
    v, faces, mats = geom.subdivide_along_y(g, BEND_STEP, bend.start)
    return bend.points(v), faces, mats


def _cross_street_surfaces(road: RoadSpec):
    """The cross street's asphalt from the main street's kerb line outward, and its pavements (kerb stones in slot
    1) from behind the main street's pavement, on each side it opens to."""
    asphalt, pavements = [], []
    mouth, ch = road.junction_band(), road.curb_height
    reach = road.terrain_outer_x + GROUND_REACH
    for s in road.junction_sides:
        xa, xb = sorted((s * road.carriageway_half_width, s * reach))
        asphalt.append(_quad_xy(xa, xb, mouth[0], mouth[1], 0.0))
        pa, pb = sorted((s * road.sidewalk_outer_x, s * reach))
        for bank in (-1, 1):
            kerb = mouth[1] if bank > 0 else mouth[0]
            kerb_top, paving = (kerb, kerb + bank * 0.15, 1), (kerb + bank * 0.15, kerb + bank * road.sidewalk_width, 0)
            for lo, hi, mat in (kerb_top, paving):
                ya, yb = sorted((lo, hi))
                pavements.append(geom.box((pb - pa, yb - ya, ch), ((pa + pb) / 2, (ya + yb) / 2, ch / 2), mat,
                                          skip=("-z",)))
    return asphalt, pavements


def build_road(road: RoadSpec, ctx: BuildContext) -> List[Part]:
    """The street surface of ``road`` as labelled Parts (road, road markings, sidewalk, terrain)."""
    g = road_geometry(road)
    side_col = np.asarray(road.sidewalk_color, dtype=float)
    ground_col = tuple(np.asarray(road.terrain_color) * np.array([1.05, 0.95, 0.85]))
    mats = {
        "road": [_setts_material(road) if road.surface == "setts" else _asphalt_material(road)],
        "markings": _paint_materials(road, g["markings"]),
        "sidewalk": [_tiles_material("paving", road.sidewalk_color, 0.3, 0.008, 0.8),
                     principled("curb", np.clip(side_col * 1.15, 0, 1), roughness=0.7)],
        "terrain": [_grass_material("grass", road.terrain_color), _grass_material("ground", ground_col)],
    }
    if "surfacing" in g:
        mats["surfacing"] = _paint_materials(road, g["surfacing"])
    if "rails" in g:
        mats["rails"] = [principled("rail_head", (0.55, 0.55, 0.56), roughness=0.25, metallic=0.9),
                         principled("rail_groove", (0.01, 0.01, 0.01), roughness=0.9)]
    labels = {"road": "road", "markings": "road", "surfacing": "road", "rails": "road", "sidewalk": "sidewalk", "terrain": "terrain"}
    parts = []
    for name, geo_ in g.items():
        if len(geo_[1]) == 0:
            continue
        obj = ctx.object(f"road_{name}", to_mesh(f"road_{name}", geo_, mats[name]))
        parts.append(Part(obj, labels[name]))
    return parts
