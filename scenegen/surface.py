"""How points on a deforming triangle mesh move: each point follows the nearest spot of the mesh (found by its
closest triangle and barycentric coordinates) from one vertex set to another of the same topology. Pure numpy."""
from __future__ import annotations

import numpy as np

#: points per block of the brute-force point-triangle search (bounds its memory)
_BLOCK = 512


def closest_triangles(points: np.ndarray, verts: np.ndarray, tris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``points`` (M, 3): the index of the triangle of (``verts``, ``tris``) nearest to it and the
    barycentric coordinates (M, 3) of its projection, clamped into that triangle."""
    a, b, c = verts[tris[:, 0]], verts[tris[:, 1]], verts[tris[:, 2]]
    e0, e1 = b - a, c - a
    d00, d01, d11 = (e0 * e0).sum(1), (e0 * e1).sum(1), (e1 * e1).sum(1)
    denom = np.where(np.abs(d00 * d11 - d01 ** 2) > 1e-18, d00 * d11 - d01 ** 2, 1e-18)
    best = np.zeros(len(points), dtype=np.int64)
    weights = np.zeros((len(points), 3))
    for lo in range(0, len(points), _BLOCK):
        p = points[lo:lo + _BLOCK, None, :] - a[None]
        d20, d21 = (p * e0).sum(-1), (p * e1).sum(-1)
        v = (d11 * d20 - d01 * d21) / denom
        w = (d00 * d21 - d01 * d20) / denom
        bary = np.clip(np.stack([1.0 - v - w, v, w], -1), 0.0, None)
        bary /= np.maximum(bary.sum(-1, keepdims=True), 1e-12)
        spot = bary[..., 1:2] * e0 + bary[..., 2:3] * e1
        k = np.argmin(((p - spot) ** 2).sum(-1), axis=1)
        best[lo:lo + _BLOCK] = k
        weights[lo:lo + _BLOCK] = bary[np.arange(len(k)), k]
    return best, weights


def surface_motion(points: np.ndarray, here: np.ndarray, there: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(M, 3) displacement of ``points`` lying on the mesh (``here``, ``tris``) when its vertices move to
    ``there``: the displacement of each point's closest spot on the mesh."""
    k, bary = closest_triangles(points, here, tris)
    moved = there[tris[k]] - here[tris[k]]  # (M, 3 corners, 3)
    return (bary[..., None] * moved).sum(1)
