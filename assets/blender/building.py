"""Building builder: a block whose street facade (local -X) has a recessed window grid,
a ground floor with a door and optional shop front and fascia, sills, optional cornice
and floor bands, and a flat or gable roof.  The facade is generated with numpy in one
mesh per building (no per-window objects); materials are shared per facade material
kind, colours come from object attributes."""
from __future__ import annotations

from typing import List, Tuple

import numpy as np

from scenegen.seeding import generator
from scenegen.spec import ObjectSpec

from assets import geometry as geom
from assets.buildings import CHIMNEY_HEIGHT, BuildingParams, terrace_roof_height

from .base import BuildContext, Part, builds
from .geom import to_mesh
from .materials import attr_material, brick_material, glass_material, set_weathering

FACADE, GLASS, FRAME, ROOF, TRIM = range(5)
#: the slots of a shop row's three fascia colours (after the five above; only shop rows have them)
FASCIA = (5, 6, 7)
#: how far an awning reaches out from the shop front, and how far it drops there (m)
AWNING_DEPTH, AWNING_DROP = 0.9, 0.45
_SETBACK = 0.12  # facade plane behind the box's -X side, so sills and cornices stay inside
_RECESS = 0.14

# Window-reveal template: front corners 0-3 on the facade plane, back corners 4-7 recessed.
_REVEAL_FACES = np.array([[0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7], [4, 5, 6, 7]])


def _rects_to_reveals(fx: float, rects: np.ndarray, pane_mats: np.ndarray) -> geom.Geo:
    """Recessed openings: rects (n, 4) = (y0, y1, z0, z1) on the plane x = fx."""
    n = len(rects)
    if n == 0:
        return geom.empty()
    y0, y1, z0, z1 = rects.T
    ys = np.stack([y0, y1, y1, y0], axis=1)
    zs = np.stack([z0, z0, z1, z1], axis=1)
    front = np.stack([np.full_like(ys, fx), ys, zs], axis=2)
    back = front + np.array([_RECESS, 0.0, 0.0])
    verts = np.concatenate([front, back], axis=1).reshape(-1, 3)
    faces = (_REVEAL_FACES[None] + 8 * np.arange(n)[:, None, None]).reshape(-1, 4)
    mats = np.tile(np.array([FACADE] * 4 + [0]), n)
    mats[4::5] = pane_mats
    return verts, faces, mats.astype(np.int32)


def _wall_with_holes(fx: float, ylines: np.ndarray, zlines: np.ndarray, rects: np.ndarray) -> geom.Geo:
    """The facade plane x = fx as a grid over the given lines, minus cells inside ``rects``.

    Every rect edge must be one of the lines.
    """
    ny, nz = len(ylines), len(zlines)
    yy, zz = np.meshgrid(ylines, zlines, indexing="ij")
    verts = np.stack([np.full(yy.size, fx), yy.ravel(), zz.ravel()], axis=1)
    cover = np.zeros((ny + 1, nz + 1), dtype=np.int32)  # 2D difference array of rect coverage
    if len(rects):
        yi = np.searchsorted(ylines, rects[:, :2])
        zi = np.searchsorted(zlines, rects[:, 2:])
        np.add.at(cover, (yi[:, 0], zi[:, 0]), 1)
        np.add.at(cover, (yi[:, 1], zi[:, 0]), -1)
        np.add.at(cover, (yi[:, 0], zi[:, 1]), -1)
        np.add.at(cover, (yi[:, 1], zi[:, 1]), 1)
    solid = cover.cumsum(0).cumsum(1)[: ny - 1, : nz - 1] == 0
    i, j = np.nonzero(solid)
    faces = np.stack([i * nz + j, i * nz + j + 1, (i + 1) * nz + j + 1, (i + 1) * nz + j], axis=1)
    return verts, faces, np.full(len(faces), FACADE, dtype=np.int32)


def window_columns(p: BuildingParams, width: float) -> Tuple[np.ndarray, float]:
    """The y of each window column of a block's facade, and their pitch."""
    cols = max(1, p.window_columns)
    margin = min(0.6, width * 0.1)
    pitch = (width - 2 * margin) / cols
    return -width / 2 + margin + pitch * (np.arange(cols) + 0.5), pitch


def facade_layout(p: BuildingParams, width: float, height: float) -> Tuple[np.ndarray, np.ndarray, float, int]:
    """Openings of the street facade: (rects (n, 4), pane material per rect, ground height, floors)."""
    fh = p.floor_height
    shop = p.shopfront
    gh = min(1.25 * fh if shop else fh, height - 0.5)
    cols = max(1, p.window_columns)
    wf = p.window_fraction
    centres, pitch = window_columns(p, width)
    ww = pitch * float(np.clip(0.35 + 0.6 * wf, 0.3, 0.85))
    wh = fh * float(np.clip(0.35 + 0.5 * wf, 0.35, 0.7))
    top_margin = 0.8 if p.cornice else 0.5
    floors = max(0, int((height - gh - top_margin) // fh))
    rects, mats = [], []
    for k in range(floors):
        z0 = gh + k * fh + (fh - wh) * 0.55
        for c in centres:
            rects.append((c - ww / 2, c + ww / 2, z0, z0 + wh))
            mats.append(GLASS)
    door_col = cols // 2
    door_w = min(1.1, pitch * 0.8)
    door_h = min(2.3, gh - 0.3)
    for k, c in enumerate(centres):
        if k == door_col:
            rects.append((c - door_w / 2, c + door_w / 2, 0.02, door_h))
            mats.append(FRAME)
        elif shop:
            rects.append((c - pitch * 0.44, c + pitch * 0.44, 0.4, gh - 0.55))
            mats.append(GLASS)
        elif min(wh, gh - 1.4) > 0.3:
            rects.append((c - ww / 2, c + ww / 2, 0.9, 0.9 + min(wh, gh - 1.4)))
            mats.append(GLASS)
    return np.array(rects, dtype=float).reshape(-1, 4), np.array(mats, dtype=np.int32), gh, floors


def _flush_panes(fx: float, rects: np.ndarray, pane_mats: np.ndarray) -> geom.Geo:
    """Openings as flat quads just in front of the facade plane (the low-detail facade)."""
    if len(rects) == 0:
        return geom.empty()
    y0, y1, z0, z1 = rects.T
    x = np.full(len(rects), fx - 0.015)
    v = np.stack([np.stack([x, y0, z0], 1), np.stack([x, y1, z0], 1), np.stack([x, y1, z1], 1),
                  np.stack([x, y0, z1], 1)], 1).reshape(-1, 3)
    faces = np.arange(len(rects))[:, None] * 4 + np.arange(4)[None]
    return v, faces, np.asarray(pane_mats, dtype=np.int32)


#: Facades farther than this (metres along the street from y = 0) get the low-detail facade.
LOW_DETAIL_DISTANCE = 70.0


def detail_level(p: BuildingParams, location, width: float) -> str:
    """``p.detail`` if set ("full" or "low"), else "low" when the building's nearest end is
    more than LOW_DETAIL_DISTANCE along the street from the origin (where the grammar's camera is)."""
    if p.detail in ("full", "low"):
        return p.detail
    return "low" if abs(float(location[1])) - width / 2 > LOW_DETAIL_DISTANCE else "full"


def building_geo(p: BuildingParams, size: Tuple[float, float, float], detail: str = "full") -> geom.Geo:
    """All geometry of one building in its local frame (see module docstring).

    ``detail="low"``: windows are flat panes on a plain wall (no reveals, sills or bands).
    """
    if p.typology in ("terrace", "house"):
        return terrace_geo(p, size, detail)
    depth, width, height = (float(s) for s in size)
    fx = -depth / 2 + _SETBACK
    gable = p.roof == "gable" and height > 5
    roof_h = min(0.35 * depth, 0.3 * height, 5.0) if gable else 0.0
    wall_h = height - roof_h - p.roofline_height
    rects, pane_mats, gh, floors = facade_layout(p, width, wall_h)
    top = roofline_geo(p, fx, depth, width, wall_h, height)
    if detail == "low":
        pieces = [geom.box((depth / 2 - fx, width, wall_h), ((fx + depth / 2) / 2, 0, wall_h / 2), FACADE,
                           skip=("-z",)),
                  _flush_panes(fx, rects, pane_mats)]
        if p.cornice:
            c_h = min(0.4, wall_h * 0.1)
            pieces.append(geom.box((depth, width, c_h), (0, 0, wall_h - c_h / 2), TRIM, skip=("-z",)))
        if gable:
            pieces.append(geom.extrude_xz([(-depth / 2, wall_h), (depth / 2, wall_h), (0.0, height)], -width / 2,
                                          width / 2, ROOF, ROOF, ROOF))
        return geom.merge(pieces + top)
    ylines = np.unique(np.concatenate([[-width / 2, width / 2], rects[:, :2].ravel()]))
    zlines = np.unique(np.concatenate([[0.0, wall_h], rects[:, 2:].ravel()]))
    pieces = [
        _wall_with_holes(fx, ylines, zlines, rects),
        _rects_to_reveals(fx, rects, pane_mats),
        geom.box((depth / 2 - fx, width, wall_h), ((fx + depth / 2) / 2, 0, wall_h / 2), FACADE, skip=("-x", "-z")),
    ]
    win = pane_mats == GLASS
    sills = rects[win & (rects[:, 2] > 0.5)]
    if len(sills):
        lo = np.column_stack([np.full(len(sills), fx - 0.07), sills[:, 0] - 0.06, sills[:, 2] - 0.07])
        hi = np.column_stack([np.full(len(sills), fx + 0.02), sills[:, 1] + 0.06, sills[:, 2]])
        pieces.append(geom.boxes(lo, hi, TRIM))
    if p.shopfront and gh > 2.8:
        pieces.append(geom.box((0.1, width - 0.2, 0.4), (fx - 0.05, 0, gh - 0.35), FRAME))
    if p.cornice:
        c_h = min(0.4, wall_h * 0.1)
        pieces.append(geom.box((depth / 2 + depth / 2, width, c_h), (0, 0, wall_h - c_h / 2), TRIM))
        bands = gh + np.arange(floors) * p.floor_height
        bands = bands[(bands > 1.0) & (bands < wall_h - 1.0)]
        if len(bands):
            lo = np.column_stack([np.full(len(bands), fx - 0.05), np.full(len(bands), -width / 2),
                                  bands - 0.09])
            hi = np.column_stack([np.full(len(bands), fx + 0.01), np.full(len(bands), width / 2), bands + 0.09])
            pieces.append(geom.boxes(lo, hi, TRIM))
    if gable:
        prism = geom.extrude_xz([(-depth / 2, wall_h), (depth / 2, wall_h), (0.0, height)], -width / 2, width / 2,
                                ROOF, ROOF, ROOF)
        pieces.append(prism)
    return geom.merge(pieces + top)


def roofline_geo(p: BuildingParams, fx: float, depth: float, width: float, wall_h: float,
                 height: float) -> List[geom.Geo]:
    """What stands above a block's main facade (``wall_h`` up to ``height``): setback floors behind a parapet with
    a window band a floor, a mansard slope with a dormer over each window column, or boxes on the roof."""
    rise = height - wall_h
    if p.roofline == "setback":
        x0 = fx + p.roofline_setback
        floors = max(1, int(round(rise / p.floor_height)))
        bands = np.array([[-width / 2 + 0.4, width / 2 - 0.4, wall_h + (k + 0.3) * rise / floors,
                           wall_h + (k + 0.8) * rise / floors] for k in range(floors)])
        return [geom.box((depth / 2 - x0, width, rise), ((x0 + depth / 2) / 2, 0, wall_h + rise / 2), FACADE,
                         skip=("-z",)),
                _flush_panes(x0, bands, np.full(floors, GLASS, dtype=np.int32)),
                geom.box((0.15, width, min(0.9, rise)), (fx + 0.075, 0, wall_h + min(0.9, rise) / 2), TRIM,
                         skip=("-z",))]
    if p.roofline == "mansard":
        slope = geom.extrude_xz([(fx, wall_h), (depth / 2, wall_h), (depth / 2, height),
                                 (fx + p.roofline_setback, height)], -width / 2, width / 2, ROOF, ROOF, ROOF)
        centres, pitch = window_columns(p, width)
        dw, d0, d1 = min(1.2, 0.6 * pitch), wall_h + 0.2 * rise, wall_h + 0.75 * rise
        xd = fx + 0.3 * p.roofline_setback
        dormers = geom.boxes(np.column_stack([np.full(len(centres), xd), centres - dw / 2, np.full(len(centres), d0)]),
                             np.column_stack([np.full(len(centres), fx + p.roofline_setback), centres + dw / 2,
                                              np.full(len(centres), d1)]), FACADE)
        panes = np.column_stack([centres - dw / 2 + 0.12, centres + dw / 2 - 0.12, np.full(len(centres), d0 + 0.12),
                                 np.full(len(centres), d1 - 0.12)])
        return [slope, dormers, _flush_panes(xd, panes, np.full(len(centres), GLASS, dtype=np.int32))]
    if p.roofline == "rooftop":
        pieces = []
        for share, bw, bd, front, bh in p.roof_boxes:
            yc = float(np.clip(share * width, -width / 2 + bw / 2, width / 2 - bw / 2))
            pieces.append(geom.box((bd, bw, bh), (fx + front + bd / 2, yc, wall_h + bh / 2), TRIM, skip=("-z",)))
        return pieces
    return []


_BAY_DEPTH = 0.7
_DOOR_W, _DOOR_H = 0.95, 2.15


def _houses(p: BuildingParams, width: float) -> int:
    return max(1, int(round(width / p.house_width))) if p.house_width > 0 else 1


def terrace_layout(p: BuildingParams, width: float,
                   wall_h: float) -> Tuple[np.ndarray, np.ndarray, List[Tuple[float, float]]]:
    """Openings of a terrace's facade, house by house: (rects (n, 4), pane material per rect, the y span of each
    house's bay window).  Doors pair up (neighbours mirror each other); with bays, the ground-floor window
    beside the door is the bay's."""
    houses = _houses(p, width)
    hw = width / houses
    fh = p.floor_height
    cols = max(1, p.window_columns // houses)
    pitch = hw / cols
    ww = pitch * float(np.clip(0.2 + 0.6 * p.window_fraction, 0.25, 0.7))
    wh = fh * float(np.clip(0.3 + 0.5 * p.window_fraction, 0.35, 0.72))
    storeys = max(1, int((wall_h - 0.3) / fh + 0.01))
    rects, mats, bays = [], [], []
    for i in range(houses):
        y0 = -width / 2 + i * hw
        door_left = i % 2 == 0
        door_c = y0 + 0.35 + _DOOR_W / 2 if door_left else y0 + hw - 0.35 - _DOOR_W / 2
        rects.append((door_c - _DOOR_W / 2, door_c + _DOOR_W / 2, 0.3, 0.3 + min(_DOOR_H, fh - 0.3)))
        mats.append(FRAME)
        free = (door_c + _DOOR_W / 2 + 0.3, y0 + hw - 0.25) if door_left else (y0 + 0.25, door_c - _DOOR_W / 2 - 0.3)
        if p.shops and free[1] - free[0] > 0.6:  # the shop window, up to the fascia
            rects.append((free[0], free[1], 0.3 + 0.45, 0.3 + fh - 0.75))
            mats.append(GLASS)
        elif p.bay_windows and free[1] - free[0] > 1.2:
            bays.append(free)
        elif free[1] - free[0] > 0.6:
            c, w = (free[0] + free[1]) / 2, min(free[1] - free[0], 1.2 * ww + 0.4)
            rects.append((c - w / 2, c + w / 2, 0.3 + 0.6, 0.3 + 0.6 + wh))
            mats.append(GLASS)
        for k in range(1, storeys):
            z0 = 0.3 + k * fh + (fh - wh) * 0.45
            for c in y0 + pitch * (np.arange(cols) + 0.5):
                rects.append((c - ww / 2, c + ww / 2, z0, z0 + wh))
                mats.append(GLASS)
    return np.array(rects, dtype=float).reshape(-1, 4), np.array(mats, dtype=np.int32), bays


def terrace_geo(p: BuildingParams, size: Tuple[float, float, float], detail: str = "full") -> geom.Geo:
    """A row of terraced houses filling ``size``: facade (set back by the bays' depth) with a door and
    windows per house, bay windows, pilasters on the party walls, a pitched roof and chimney stacks."""
    depth, width, height = (float(s) for s in size)
    ridge = height - (CHIMNEY_HEIGHT if p.chimneys else 0.0)
    wall_h = ridge - terrace_roof_height(depth)
    fx = -depth / 2 + _SETBACK + (_BAY_DEPTH if p.bay_windows else AWNING_DEPTH if p.awnings else 0.0)
    rects, pane_mats, bays = terrace_layout(p, width, wall_h)
    pieces = [_terrace_facade(p, fx, depth, width, wall_h, rects, pane_mats, detail),
              _bay_windows(fx, bays, min(p.floor_height + 0.3, wall_h)),
              geom.extrude_xz([(-depth / 2, wall_h), (depth / 2, wall_h), (0.0, ridge)], -width / 2, width / 2,
                              ROOF, ROOF, ROOF)]
    if p.chimneys:
        stacks = np.clip(-width / 2 + np.arange(0, _houses(p, width) + 1) * p.house_width,
                         -width / 2 + 0.5, width / 2 - 0.5)
        lo = np.column_stack([np.full(len(stacks), -0.35), stacks - 0.5, np.full(len(stacks), ridge - 0.6)])
        hi = np.column_stack([np.full(len(stacks), 0.35), stacks + 0.5, np.full(len(stacks), height)])
        pieces.append(geom.boxes(lo, hi, TRIM))
    if p.shops:
        pieces.append(_shop_signs(p, fx, width))
    return geom.merge(pieces)


def _shop_signs(p: BuildingParams, fx: float, width: float) -> geom.Geo:
    """Each house's fascia sign across its shop front, proud of the facade, and with ``p.awnings`` a sloping
    awning below it, both in the house's fascia colour."""
    houses = _houses(p, width)
    hw, top = width / houses, 0.3 + p.floor_height - 0.1
    pieces = []
    for i in range(houses):
        y0, y1, slot = -width / 2 + i * hw + 0.15, -width / 2 + (i + 1) * hw - 0.15, FASCIA[i % 3]
        pieces.append(geom.box((0.08, y1 - y0, 0.5), (fx - 0.04, (y0 + y1) / 2, top - 0.25), slot))
        if p.awnings:
            z = top - 0.55
            slab = [(fx, z + 0.05), (fx - AWNING_DEPTH, z - AWNING_DROP + 0.05), (fx - AWNING_DEPTH, z - AWNING_DROP),
                    (fx, z)]  # counter-clockwise in (x, z)
            pieces.append(geom.extrude_xz(slab, y0, y1, slot, slot, slot))
    return geom.merge(pieces)


def _terrace_facade(p: BuildingParams, fx: float, depth: float, width: float, wall_h: float, rects: np.ndarray,
                    pane_mats: np.ndarray, detail: str) -> geom.Geo:
    """The walls of a terrace with its openings: flat panes (low detail), or recessed openings with sills
    and a pilaster on each party wall."""
    body = geom.box((depth / 2 - fx, width, wall_h), ((fx + depth / 2) / 2, 0, wall_h / 2), FACADE,
                    skip=("-z",) if detail == "low" else ("-x", "-z"))
    if detail == "low":
        return geom.merge([body, _flush_panes(fx, rects, pane_mats)])
    ylines = np.unique(np.concatenate([[-width / 2, width / 2], rects[:, :2].ravel()]))
    zlines = np.unique(np.concatenate([[0.0, wall_h], rects[:, 2:].ravel()]))
    win = rects[pane_mats == GLASS]
    walls = -width / 2 + np.arange(1, _houses(p, width)) * p.house_width
    sill_lo = np.column_stack([np.full(len(win), fx - 0.07), win[:, 0] - 0.06, win[:, 2] - 0.07])
    sill_hi = np.column_stack([np.full(len(win), fx + 0.02), win[:, 1] + 0.06, win[:, 2]])
    pilaster_lo = np.column_stack([np.full(len(walls), fx - 0.05), walls - 0.09, np.zeros(len(walls))])
    pilaster_hi = np.column_stack([np.full(len(walls), fx + 0.01), walls + 0.09, np.full(len(walls), wall_h)])
    return geom.merge([body, _wall_with_holes(fx, ylines, zlines, rects), _rects_to_reveals(fx, rects, pane_mats),
                       geom.boxes(sill_lo, sill_hi, TRIM), geom.boxes(pilaster_lo, pilaster_hi, TRIM)])


def _bay_windows(fx: float, bays: List[Tuple[float, float]], top: float) -> geom.Geo:
    """A box in front of the facade for each bay's y span, ``top`` high, glazed on its front."""
    pieces = []
    for y0, y1 in bays:
        pieces.append(geom.box((_BAY_DEPTH, y1 - y0, top), (fx - _BAY_DEPTH / 2, (y0 + y1) / 2, top / 2), FACADE,
                               skip=("+x", "-z")))
        pane = np.array([[y0 + 0.15, y1 - 0.15, 0.8, top - 0.35]])
        pieces.append(_flush_panes(fx - _BAY_DEPTH, pane, np.array([GLASS], dtype=np.int32)))
    return geom.merge(pieces) if pieces else geom.empty()


def _materials(ctx: BuildContext, kind: str, bond: str = "stretcher") -> list:
    if kind == "brick":
        facade = brick_material(ctx, "facade", bond)
    elif kind in ("stone", "panels"):
        facade = brick_material(ctx, "facade", kind)
    elif kind == "glass":
        facade = attr_material(ctx, "facade", roughness=0.12, metallic=0.4, specular=0.8)
    elif kind == "concrete":
        facade = attr_material(ctx, "facade", roughness=0.9, noise_scale=6.0, noise_amount=0.25)
    else:
        facade = attr_material(ctx, "facade", roughness=0.8, noise_scale=1.5, noise_amount=0.18)
    return [facade, glass_material(ctx, attr="window"),
            attr_material(ctx, "frame", roughness=0.5),
            attr_material(ctx, "roof", (0.25, 0.1, 0.08), roughness=0.7, noise_scale=3.0, noise_amount=0.2),
            attr_material(ctx, "trim", roughness=0.7, noise_scale=4.0, noise_amount=0.1)]


#: the grid a climber patch's outline is drawn on (m), and how far in front of the wall it grows (m)
CLIMBER_CELL, CLIMBER_OFFSET = 0.3, 0.04


def climber_geo(p: BuildingParams, size: Tuple[float, float, float]) -> geom.Geo:
    """The climbers on the street facade (local -X): per patch the cells of a grid where a field of random
    blobs, thinning toward the patch's top and sides, is dense enough; flat quads just in front of the wall."""
    depth, width, _ = (float(s) for s in size)
    x = -depth / 2 + _SETBACK - CLIMBER_OFFSET
    rng = generator(p.climber_seed)
    lo, hi = [], []
    for share, half, top in p.climbers:
        yc = float(np.clip(share * width, -width / 2 + half, width / 2 - half)) if 2 * half < width else 0.0
        half = min(half, width / 2)
        ys = np.arange(yc - half, yc + half - 1e-9, CLIMBER_CELL)
        zs = np.arange(0.0, top - 1e-9, CLIMBER_CELL)
        cy, cz = np.meshgrid(ys + CLIMBER_CELL / 2, zs + CLIMBER_CELL / 2, indexing="ij")
        blobs = np.column_stack([rng.uniform(yc - half, yc + half, 8), rng.uniform(0, top, 8) * rng.random(8)])
        field = sum(np.exp(-((cy - by) ** 2 + (cz - bz) ** 2) / (2 * (0.5 * half + 0.8) ** 2)) for by, bz in blobs)
        field *= (1.3 - cz / top) * (1.2 - np.abs(cy - yc) / half)
        keep = field > 0.35
        y0 = np.clip(cy[keep] - CLIMBER_CELL / 2, -width / 2, width / 2)
        y1 = np.clip(cy[keep] + CLIMBER_CELL / 2, -width / 2, width / 2)
        lo.append(np.column_stack([y0, cz[keep] - CLIMBER_CELL / 2]))
        hi.append(np.column_stack([y1, np.minimum(cz[keep] + CLIMBER_CELL / 2, top)]))
    if not lo or not len(np.concatenate(lo)):
        return geom.empty()
    lo, hi = np.concatenate(lo), np.concatenate(hi)
    v = np.stack([np.column_stack([np.full(len(lo), x), lo[:, 0], lo[:, 1]]),
                  np.column_stack([np.full(len(lo), x), hi[:, 0], lo[:, 1]]),
                  np.column_stack([np.full(len(lo), x), hi[:, 0], hi[:, 1]]),
                  np.column_stack([np.full(len(lo), x), lo[:, 0], hi[:, 1]])], axis=1).reshape(-1, 3)
    return v, np.arange(len(lo))[:, None] * 4 + np.array([0, 3, 2, 1])[None], np.zeros(len(lo), dtype=np.int32)


@builds(BuildingParams)
def build_building(spec: ObjectSpec, p: BuildingParams, ctx: BuildContext) -> List[Part]:
    """One building filling ``spec.size`` = (depth, width, height); facade faces local -X."""
    kind = p.material
    detail = detail_level(p, spec.location, float(spec.size[1]))
    materials = _materials(ctx, kind, p.bond) + ([attr_material(ctx, f"fascia_{k}", roughness=0.4) for k in range(3)]
                                         if p.shops else [])
    mesh = to_mesh("building", building_geo(p, spec.size, detail), materials)
    obj = ctx.object("building", mesh)
    for k, rgb in enumerate(p.fascia_colors):
        obj[f"fascia_{k}"] = list(rgb)
    facade = np.asarray(p.facade, dtype=float)
    obj["facade"] = facade.tolist()
    obj["window"] = list(p.window)
    obj["frame"] = list(p.frame)
    obj["roof"] = list(p.roof_color)
    obj["trim"] = np.clip(facade * 1.35 + 0.03, 0, 1).tolist()
    set_weathering(obj, p.weathering)
    parts = [Part(obj, spec.label)]
    if p.climbers:
        leaves = attr_material(ctx, "foliage", (0.05, 0.12, 0.02), roughness=0.85, noise_scale=8.0, noise_amount=0.45)
        ivy = ctx.object("climbers", to_mesh("climbers", climber_geo(p, spec.size), [leaves]))
        ivy["foliage"] = list(p.climber_color)
        parts.append(Part(ivy, "vegetation"))
    return parts
