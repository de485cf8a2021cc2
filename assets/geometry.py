"""Numpy-only mesh primitives for asset builders: every function returns ``(verts, faces, mat)``.

``verts`` is an (n, 3) float array, ``faces`` a list of vertex-index lists and ``mat``
a per-face material-slot array.  Pieces are combined with :func:`merge`;
``assets.blender.geom.to_mesh`` turns the result into a Blender mesh.  No bpy here, so
samplers can measure the geometry they describe.
"""
from __future__ import annotations

from typing import Callable, List, Sequence, Tuple

import numpy as np



class Faces:
    """Polygons as one flat vertex-index array plus the corner count of each polygon."""

    __slots__ = ("idx", "sizes")

    def __init__(self, idx: np.ndarray, sizes: np.ndarray) -> None:
        self.idx = np.asarray(idx, dtype=np.int64)
        self.sizes = np.asarray(sizes, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.sizes)

    def tolist(self) -> List[List[int]]:
        return [a.tolist() for a in np.split(self.idx, np.cumsum(self.sizes)[:-1])] if len(self) else []


def triangles(faces) -> np.ndarray:
    """(T, 3) vertex indices: every polygon of ``faces`` split into a fan of triangles."""
    f = as_faces(faces)
    starts = np.cumsum(f.sizes) - f.sizes
    rows = [np.stack([np.full(k - 2, s), s + np.arange(1, k - 1), s + np.arange(2, k)], -1)
            for s, k in zip(starts, f.sizes) if k >= 3]
    corners = np.concatenate(rows) if rows else np.zeros((0, 3), dtype=np.int64)
    return f.idx[corners]


FaceLike = "Faces | np.ndarray | Sequence[Sequence[int]]"
Geo = Tuple[np.ndarray, "Faces | np.ndarray | List[List[int]]", np.ndarray]


def as_faces(faces) -> Faces:
    """Faces from a Faces, an (F, k) index array or a list of index lists."""
    if isinstance(faces, Faces):
        return faces
    if isinstance(faces, np.ndarray):
        if faces.size == 0:
            return Faces(np.zeros(0), np.zeros(0))
        return Faces(faces.ravel(), np.full(len(faces), faces.shape[1]))
    sizes = np.fromiter((len(f) for f in faces), dtype=np.int64, count=len(faces))
    idx = np.fromiter((i for f in faces for i in f), dtype=np.int64, count=int(sizes.sum()))
    return Faces(idx, sizes)


def geo(verts: np.ndarray | Sequence, faces, mat: int = 0) -> Geo:
    """Wrap vertices and faces as a Geo with every face in material slot ``mat``."""
    faces = as_faces(faces)
    return np.asarray(verts, dtype=float).reshape(-1, 3), faces, np.full(len(faces), mat, dtype=np.int32)


def empty() -> Geo:
    """A Geo with no vertices."""
    return np.zeros((0, 3)), Faces(np.zeros(0), np.zeros(0)), np.zeros(0, dtype=np.int32)


def merge(pieces: Sequence[Geo]) -> Geo:
    """Concatenate pieces into one Geo, offsetting face indices."""
    if not pieces:
        return empty()
    verts, idx, sizes, mats, off = [], [], [], [], 0
    for v, f, m in pieces:
        f = as_faces(f)
        verts.append(np.asarray(v, dtype=float).reshape(-1, 3))
        idx.append(f.idx + off)
        sizes.append(f.sizes)
        mats.append(np.asarray(m, dtype=np.int32))
        off += len(verts[-1])
    return np.concatenate(verts), Faces(np.concatenate(idx), np.concatenate(sizes)), np.concatenate(mats)


def transform(g: Geo, matrix: np.ndarray | None = None, offset: Sequence[float] = (0, 0, 0),
              scale: Sequence[float] | float = 1.0) -> Geo:
    """Scale, then apply a 3x3 ``matrix``, then translate by ``offset``."""
    v = g[0] * np.asarray(scale, dtype=float)
    if matrix is not None:
        v = v @ np.asarray(matrix, dtype=float).T
    return v + np.asarray(offset, dtype=float), g[1], g[2]


def with_mat(g: Geo, mat: int) -> Geo:
    """The same geometry with every face in slot ``mat``."""
    return g[0], g[1], np.full(len(g[1]), mat, dtype=np.int32)


def rot_x(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def box(size: Sequence[float], center: Sequence[float] = (0, 0, 0), mat: int = 0,
        skip: Sequence[str] = ()) -> Geo:
    """Axis-aligned box; ``skip`` drops faces named by side: '-x', '+x', '-y', '+y', '-z', '+z'."""
    sx, sy, sz = (float(s) / 2 for s in size)
    c = np.asarray(center, dtype=float)
    v = np.array([[dx, dy, dz] for dz in (-sz, sz) for dy in (-sy, sy) for dx in (-sx, sx)]) + c
    named = {"-z": [0, 2, 3, 1], "+z": [4, 5, 7, 6], "-y": [0, 1, 5, 4], "+y": [2, 6, 7, 3],
             "-x": [0, 4, 6, 2], "+x": [1, 3, 7, 5]}
    return geo(v, [f for k, f in named.items() if k not in skip], mat)


def quad(corners: Sequence[Sequence[float]], mat: int = 0) -> Geo:
    """One quad from 4 corners (counter-clockwise seen from the side it faces)."""
    return geo(np.asarray(corners, dtype=float), [[0, 1, 2, 3]], mat)


def lathe(profile: Sequence[Tuple[float, float]], n: int = 12, mat: int = 0, cap_bottom: bool = True,
          cap_top: bool = True) -> Geo:
    """Surface of revolution about +Z of ``profile`` = [(radius, z), ...] from bottom to top."""
    prof = np.asarray(profile, dtype=float)
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = np.stack([np.cos(a), np.sin(a)], axis=1)
    verts = np.concatenate([np.column_stack([ring * r, np.full(n, z)]) for r, z in prof])
    faces: List[List[int]] = []
    for k in range(len(prof) - 1):
        b, t = k * n, (k + 1) * n
        faces.extend([[b + i, b + (i + 1) % n, t + (i + 1) % n, t + i] for i in range(n)])
    if cap_bottom and prof[0, 0] > 0:
        faces.append(list(range(n))[::-1])
    if cap_top and prof[-1, 0] > 0:
        faces.append([(len(prof) - 1) * n + i for i in range(n)])
    return geo(verts, faces, mat)


def cylinder(radius: float, z0: float, z1: float, n: int = 12, mat: int = 0, radius_top: float | None = None) -> Geo:
    """Capped (optionally tapered) cylinder along +Z."""
    return lathe([(radius, z0), (radius if radius_top is None else radius_top, z1)], n, mat)


def segment(p0: Sequence[float], p1: Sequence[float], r0: float, r1: float, n: int = 8, mat: int = 0) -> Geo:
    """A tapered, capped cylinder from point ``p0`` (radius r0) to ``p1`` (radius r1)."""
    p0, p1 = np.asarray(p0, dtype=float), np.asarray(p1, dtype=float)
    d = p1 - p0
    length = float(np.linalg.norm(d))
    g = lathe([(r0, 0.0), (r1, length)], n, mat)
    return transform(g, align_z(d / max(length, 1e-9)), p0)


def align_z(d: np.ndarray) -> np.ndarray:
    """Rotation taking +Z to unit vector ``d``."""
    z = np.array([0.0, 0.0, 1.0])
    v = np.cross(z, d)
    c = float(np.dot(z, d))
    if np.linalg.norm(v) < 1e-9:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + k + k @ k * (1 / (1 + c))


def icosphere(subdiv: int = 1, mat: int = 0) -> Geo:
    """Unit icosphere (radius 1) with ``subdiv`` loop subdivisions."""
    t = (1 + 5 ** 0.5) / 2
    v = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t),
         (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    f = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2),
         (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11),
         (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    verts = [np.asarray(p, dtype=float) / np.linalg.norm(p) for p in v]
    faces = [list(x) for x in f]
    for _ in range(subdiv):
        cache: dict = {}

        def mid(a: int, b: int) -> int:
            key = (min(a, b), max(a, b))
            if key not in cache:
                m = verts[a] + verts[b]
                verts.append(m / np.linalg.norm(m))
                cache[key] = len(verts) - 1
            return cache[key]

        new = []
        for a, b, c in faces:
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            new += [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]
        faces = new
    return geo(np.array(verts), faces, mat)


def extrude_yz(poly: Sequence[Tuple[float, float]], half_width: float | Callable[[np.ndarray], np.ndarray],
               mat_side: int = 0, mat_caps: int = 0, side_mats: Sequence[int] | None = None) -> Geo:
    """Extrude a (y, z) polygon (counter-clockwise seen from +X) symmetrically along X.

    ``half_width`` is a number or a function of the vertices' z giving their half width,
    so a car's greenhouse can lean inward.  ``side_mats`` sets the slot of each perimeter
    quad (edge k runs from vertex k to k+1).
    """
    p = np.asarray(poly, dtype=float)
    n = len(p)
    hw = half_width(p[:, 1]) if callable(half_width) else np.full(n, float(half_width))
    right = np.column_stack([hw, p])
    left = np.column_stack([-hw, p])
    verts = np.concatenate([right, left])
    faces = [list(range(n)), [n + i for i in range(n)][::-1]]
    mats = [mat_caps, mat_caps]
    for k in range(n):
        j = (k + 1) % n
        faces.append([k, n + k, n + j, j])
        mats.append(mat_side if side_mats is None else side_mats[k])
    return verts, faces, np.asarray(mats, dtype=np.int32)


def extrude_xz(poly: Sequence[Tuple[float, float]], y0: float, y1: float, mat_front: int = 0,
               mat_back: int = 0, mat_side: int = 0) -> Geo:
    """Extrude an (x, z) polygon (counter-clockwise in the (x, z) plane) from y0 (back) to y1 (front, +Y)."""
    p = np.asarray(poly, dtype=float)
    n = len(p)
    front = np.column_stack([p[:, 0], np.full(n, y1), p[:, 1]])
    back = np.column_stack([p[:, 0], np.full(n, y0), p[:, 1]])
    verts = np.concatenate([front, back])
    faces = [list(range(n))[::-1], [n + i for i in range(n)]]
    mats = [mat_front, mat_back]
    for k in range(n):
        j = (k + 1) % n
        faces.append([k, j, n + j, n + k])
        mats.append(mat_side)
    return verts, faces, np.asarray(mats, dtype=np.int32)


def regular_polygon(n: int, radius: float, phase: float = 0.0) -> np.ndarray:
    """(x, z) corners of a regular polygon, counter-clockwise in the (x, z) plane."""
    a = phase + np.arange(n) * 2 * np.pi / n
    return np.column_stack([radius * np.cos(a), radius * np.sin(a)])


_BOX_FACES = np.array([[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]])
_BOX_CORNERS = np.array([[dx, dy, dz] for dz in (0, 1) for dy in (0, 1) for dx in (0, 1)], dtype=bool)


def boxes(lo: np.ndarray, hi: np.ndarray, mat: int = 0) -> Geo:
    """Many axis-aligned boxes at once from corner arrays ``lo``, ``hi`` of shape (n, 3)."""
    lo, hi = np.asarray(lo, dtype=float).reshape(-1, 3), np.asarray(hi, dtype=float).reshape(-1, 3)
    n = len(lo)
    if n == 0:
        return empty()
    verts = np.where(_BOX_CORNERS[None], hi[:, None, :], lo[:, None, :]).reshape(-1, 3)
    faces = (_BOX_FACES[None] + 8 * np.arange(n)[:, None, None]).reshape(-1, 4)
    return verts, faces, np.full(len(faces), mat, dtype=np.int32)


def subdivide_along_y(g: Geo, step: float, start: float) -> Geo:
    """``g`` with each quad that runs along y past ``start`` cut there and into pieces at most ``step`` long
    beyond it, so that a smooth map of y (a street's bend, scenegen.curve) can carry it piece by piece.

    The quads must have their corners on two y values (the surfaces of a straight street do); other faces stay.
    """
    v, faces, mats = g
    v = np.asarray(v, dtype=float).reshape(-1, 3)
    out_v: List[np.ndarray] = [v]
    out_f: List[List[int]] = []
    out_m: List[int] = []
    n = len(v)
    for face, mat in zip(as_faces(faces).tolist(), np.asarray(mats).tolist()):
        ys = v[face, 1]
        lo, hi = float(ys.min()), float(ys.max())
        if len(face) != 4 or hi <= start or hi - lo <= 0.0:
            out_f.append(face)
            out_m.append(mat)
            continue
        first = max(lo, start)
        cuts = ([lo] if lo < start else []) + list(np.linspace(first, hi, int(np.ceil((hi - first) / step)) + 1))
        at_lo = ys == lo
        for y0, y1 in zip(cuts, cuts[1:]):
            piece = v[face].copy()
            piece[:, 1] = np.where(at_lo, y0, y1)
            out_v.append(piece)
            out_f.append(list(range(n, n + 4)))
            out_m.append(mat)
            n += 4
    return np.concatenate(out_v), as_faces(out_f), np.asarray(out_m, dtype=np.int32)
