"""Per-family gallery: every asset family alone on a neutral street, its label overlay beside it.

    python -m assets.gallery --out docs/gallery.png [--samples 16] [--cell 192x144]

Specs come from the numpy samplers with fixed seeds, so the gallery is reproducible.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
from pathlib import Path
from typing import List, Tuple

import numpy as np

from scenegen.seeding import generator
from scenegen.spec import CameraSpec, FogSpec, ObjectSpec, RoadSpec, SceneSpec, SkySpec, SunSpec

from .buildings import MORE_MATERIALS, sample_building, sample_terrace, with_facade_materials, with_rooflines
from .furniture import sample_fence, sample_sign, sample_street_lamp, sample_traffic_light, sample_wall
from .humanoid import HEADGEAR
from .pedestrians import POSES, sample_pedestrian
from .prams import sample_pram
from .street_furniture import FURNITURE_KINDS, sample_street_furniture
from .trams import sample_tram
from .branching import form_of
from .vegetation import TREE_SHAPES, TreeParams, sample_bush, sample_hedge, sample_tree
from .vehicles import FINISHES, VEHICLE_FAMILIES, VehicleParams, sample_two_wheeler, sample_vehicle, with_details

_AZIMUTH = math.radians(32.0)  # camera sits this far round from straight in front of the object
_FOV = 40.0


def _neutral_road() -> RoadSpec:
    grey = (0.18, 0.18, 0.18)
    return RoadSpec(lane_count=2, lane_width=3.5, parking_width=2.2, sidewalk_width=3.0, curb_height=0.15,
                    terrain_width=0.0, y_start=-60.0, y_end=120.0, crosswalks=(), crosswalk_depth=4.0,
                    asphalt_color=grey, asphalt_wear=0.0, marking_visibility=0.0, sidewalk_color=(0.3, 0.3, 0.3),
                    terrain_color=(0.25, 0.25, 0.25), two_way=True)


def gallery_objects() -> List[Tuple[str, ObjectSpec]]:
    """(caption, ObjectSpec at the origin facing +Y) for every family and its main variants."""
    rng = generator(2024)
    out: List[Tuple[str, ObjectSpec]] = []

    def add(caption: str, family: str, label: str, size, params: dict) -> None:
        out.append((caption, ObjectSpec(family, label, (0.0, 0.0, 0.0), 0.0, tuple(size), 1, params)))

    for fam in VEHICLE_FAMILIES:
        v = sample_vehicle(rng, fam)
        add(fam, fam, v.label, (v.width, v.length, v.height), v.to_dict())
    for fam in ("bicycle", "motorcycle"):
        t = sample_two_wheeler(rng, fam)
        add(f"{fam} + rider", fam, fam, (t.width, t.length, t.height), t.to_dict())
    for pose in POSES:
        p = sample_pedestrian(rng, pose=pose)
        add(f"person {pose}", "pedestrian", "person", (p.width, p.length, p.height), p.to_dict())
    for caption, want in (("coat + shoulder bag", lambda q: q.coat and q.bag == "shoulder"),
                          ("child + backpack", lambda q: q.height < 1.45 and q.bag == "backpack")):
        p = next(q for q in (sample_pedestrian(rng, "walk_a", wardrobe=rng) for _ in range(500)) if want(q))
        add(f"person {caption}", "pedestrian", "person", (p.width, p.length, p.box_height), p.to_dict())
    for mat in ("plaster", "brick", "concrete", "glass"):
        for _ in range(50):
            b = sample_building(rng, 14.0, float(rng.uniform(9, 16)), 0.6, 0.35, 0.45)
            if b.material == mat:
                break
        add(f"building {b.material}", "building", "building", (b.depth, b.width, b.height), b.to_dict())
    t = sample_terrace(rng, 17.0, 2, 0.6, 0.5, 0.4, 0.3)
    add("terraced houses", "building", "building", (t.depth, t.width, t.height), t.to_dict())
    for shape in TREE_SHAPES:
        for _ in range(50):
            t = sample_tree(rng)
            if t.shape == shape:
                break
        add(f"tree {shape}", "tree", "vegetation", (2 * t.crown_radius, 2 * t.crown_radius, t.height), t.to_dict())
    for form, leaf_cover in (("round", 0.0), ("round", 1.0), ("vase", 0.0), ("pollarded", 0.0), ("conifer", 0.0),
                             ("columnar", 0.4)):
        t = _branching_tree(rng, form, leaf_cover)
        add(f"{form} tree {'bare' if leaf_cover == 0 else 'in leaf'}", "tree", "vegetation",
            (2 * t.crown_radius, 2 * t.crown_radius, t.height), t.to_dict())
    b = sample_bush(rng)
    add("bush", "bush", "vegetation", (b.width, b.length, b.height), b.to_dict())
    h = sample_hedge(rng, 5.0)
    add("hedge", "hedge", "vegetation", (h.width, h.length, h.height), h.to_dict())
    for k in range(2):
        fe = sample_fence(rng, 4.0)
        add(f"fence {fe.style}", "fence", "fence", (0.1, fe.length, fe.height), fe.to_dict())
    wa = sample_wall(rng, 4.0)
    add(f"wall {wa.material}", "wall", "wall", (wa.thickness, wa.length, wa.height), wa.to_dict())
    for kind in FURNITURE_KINDS:
        f = sample_street_furniture(rng, kind)
        add(kind.replace("_", " "), kind, f.label, (f.width, f.length, f.height), f.to_dict())
    lamp = sample_street_lamp(rng)
    add("street lamp", "street_lamp", "pole", (0.5, 2 * (lamp.arm_length + 0.6), lamp.height), lamp.to_dict())
    seen = set()
    while len(seen) < 5:
        s = sample_sign(rng)
        if s.shape not in seen:
            seen.add(s.shape)
            add(f"sign {s.shape}", "sign", "traffic sign", (s.size, 0.1, s.post_height + s.size), s.to_dict())
    for arm in (False, True):
        for _ in range(50):
            tl = sample_traffic_light(rng)
            if (tl.overhead_arm > 0) == arm:
                break
        w = max(tl.head_width, 0.3) + 2 * tl.overhead_arm
        add("traffic light" + (" arm" if arm else ""), "traffic_light", "traffic light",
            (w, 0.4, tl.post_height + tl.head_height), tl.to_dict())
    return out + _dressed_objects()


def _dressed_objects() -> List[Tuple[str, ObjectSpec]]:
    """The dressings (scene variables umbrellas, vehicle_details with its paint finishes, rooflines,
    facade_materials), trams and prams, from a generator of their own."""
    rng = generator(2025)
    p = sample_pedestrian(rng, "walk_a", umbrellas=(rng, 1.0))
    v = with_details(rng, sample_vehicle(rng, "hatchback"))
    out = [("person + umbrella", ObjectSpec("pedestrian", "person", (0.0, 0.0, 0.0), 0.0,
                                            (p.width, p.length, p.box_height), 1, p.to_dict())),
           ("hatchback + plates, mirrors", ObjectSpec("hatchback", v.label, (0.0, 0.0, 0.0), 0.0,
                                                      (v.width, v.length, v.height), 1, v.to_dict()))]
    for kind in ("mansard", "rooftop"):
        flat = (dataclasses.replace(sample_building(rng, 14.0, 15.0, 0.6, 0.35, 0.45), roof="flat") for _ in range(200))
        b = next(d for d in (with_rooflines(rng, f) for f in flat) if d.roofline == kind)
        out.append((f"building {kind}", ObjectSpec("building", "building", (0.0, 0.0, 0.0), 0.0,
                                                   (b.depth, b.width, b.height), 1, b.to_dict())))
    t = sample_tram(rng)
    out.append(("tram", ObjectSpec("tram", "train", (0.0, 0.0, 0.0), 0.0, (t.width, t.length, t.box_height), 1,
                                   t.to_dict())))
    pr = sample_pram(rng)
    out.append(("pram", ObjectSpec("pram", "dynamic", (0.0, 0.0, 0.0), 0.0, (pr.width, pr.length, pr.height), 0,
                                   pr.to_dict())))
    for kind in MORE_MATERIALS:
        blocks = (sample_building(rng, 14.0, 12.0, 0.6, 0.35, 0.45) for _ in range(300))
        b = next(d for d in (with_facade_materials(rng, f) for f in blocks) if d.material == kind)
        out.append((f"building {kind}", ObjectSpec("building", "building", (0.0, 0.0, 0.0), 0.0,
                                                   (b.depth, b.width, b.height), 1, b.to_dict())))
    out += _headgear_objects(rng)
    return out + _finish_objects(v)


def _finish_objects(v: VehicleParams) -> List[Tuple[str, ObjectSpec]]:
    """The dressed vehicle ``v`` in every paint finish, clean, and in its own finish under heavy winter dirt."""
    looks = [(f"{v.family} {finish}", finish, 0.0) for finish in FINISHES] + [(f"{v.family} dirty", v.finish, 0.8)]
    return [(caption, ObjectSpec(v.family, v.label, (0.0, 0.0, 0.0), 0.0, (v.width, v.length, v.height), 1,
                                 dataclasses.replace(v, finish=finish, dirt=dirt).to_dict()))
            for caption, finish, dirt in looks]


def _headgear_objects(rng: np.random.Generator) -> List[Tuple[str, ObjectSpec]]:
    """A standing person of the wardrobe in each headgear (hats and the raised hood)."""
    out = []
    for kind in HEADGEAR[1:]:
        dressed = (sample_pedestrian(rng, "standing", wardrobe=rng) for _ in range(500))
        p = next(q for q in dressed if q.headgear == kind)
        out.append((f"person + {kind}", ObjectSpec("pedestrian", "person", (0.0, 0.0, 0.0), 0.0,
                                                   (p.width, p.length, p.box_height), 1, p.to_dict())))
    return out


def _branching_tree(rng: np.random.Generator, form: str, leaf_cover: float) -> TreeParams:
    """A mature branching street tree of ``form`` (assets.branching.FORMS)."""
    for _ in range(200):
        t = sample_tree(rng, leaf_cover, 1.6, branching=1)
        if form_of(t.shape, t.variant) == form:
            return t
    raise ValueError(f"no tree of form {form!r} drawn")


def _staged(obj: ObjectSpec) -> Tuple[ObjectSpec, CameraSpec]:
    """The object turned to show its front three-quarter view, and a camera framing it."""
    w, l, h = obj.size
    fam = obj.family
    if fam == "building" or fam in FURNITURE_KINDS:
        yaw = math.pi / 2 - _AZIMUTH  # facade or front (-X) towards the camera
    elif fam == "street_lamp":
        yaw = -math.pi / 2 - _AZIMUTH  # arm across the view
    elif fam in ("fence", "wall"):
        yaw = math.pi / 2 - _AZIMUTH + math.radians(20)
    elif fam in ("sign", "traffic_light"):
        yaw = math.pi - _AZIMUTH
    else:
        yaw = math.pi - _AZIMUTH + math.radians(40)
    radius = 0.5 * math.sqrt(w * w + l * l + h * h)
    vfov = 2 * math.atan(math.tan(math.radians(_FOV) / 2) * 0.75)
    d = radius / math.tan(vfov / 2) * 1.05
    cam_h = min(h * 0.5, 1.6) if fam != "building" else 1.6
    centre = h * 0.5
    loc = (-d * math.sin(_AZIMUTH), -d * math.cos(_AZIMUTH), cam_h)
    pitch = math.degrees(math.atan2(centre - cam_h, d))
    cam = CameraSpec(location=loc, pitch_deg=pitch, yaw_deg=-math.degrees(_AZIMUTH), roll_deg=0.0, fov_deg=_FOV,
                     exposure_ev=0.0)
    return dataclasses.replace(obj, yaw=yaw), cam


def render_gallery(out: Path, samples: int = 16, cell: Tuple[int, int] = (192, 144), columns: int = 6) -> None:
    """Render every gallery object alone and write one PNG grid (RGB above, label overlay below)."""
    import cv2

    from scenegen.blender.render import Renderer
    from scenegen.labels import colorize
    from scenegen.render_settings import RenderSettings

    road = _neutral_road()
    sun = SunSpec(elevation_deg=45.0, azimuth_deg=215.0, strength=3.5, angle_deg=3.0)
    sky = SkySpec(haze=0.2, overcast=0.3, strength=1.0)
    renderer = Renderer(RenderSettings(width=cell[0], height=cell[1], samples=samples, device="cpu"))
    cells = []
    try:
        for caption, obj in gallery_objects():
            staged, cam = _staged(obj)
            spec = SceneSpec(road=road, sun=sun, sky=sky, fog=FogSpec(0.0, (0.7, 0.7, 0.7)), camera=cam,
                             objects=(staged,))
            frame = renderer.render(spec)
            overlay = (0.45 * frame.rgb + 0.55 * colorize(frame.label_ids)).astype(np.uint8)
            tile = np.concatenate([frame.rgb, overlay], axis=0)
            cv2.putText(tile, caption, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
            cells.append(tile)
    finally:
        renderer.close()
    blank = np.zeros_like(cells[0])
    rows = [np.concatenate((cells[i:i + columns] + [blank] * columns)[:columns], axis=1)
            for i in range(0, len(cells), columns)]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".tmp.png")
    sheet = np.concatenate(rows, axis=0) // 6 * 6  # coarser levels: a much smaller PNG, no visible change
    cv2.imwrite(str(tmp), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    tmp.replace(out)


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/gallery.png"))
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--cell", default="192x144", help="WxH of each rendered cell")
    ap.add_argument("--columns", type=int, default=6)
    a = ap.parse_args(argv)
    w, h = (int(v) for v in a.cell.lower().split("x"))
    render_gallery(a.out, a.samples, (w, h), a.columns)
    print(a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
