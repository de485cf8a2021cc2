"""User CAD models: a YAML catalog of OBJ, glTF or .blend files with a class name and scale.

Catalog file::

    models:
      - path: models/my_car.obj      # relative to the catalog file
        class: car                   # a Cityscapes label name
        scale: 1.0                   # metres per model unit (default 1)
        up: z                        # model up axis: z (default) or y (glTF/most OBJ exports use y)
        forward: y                   # model axis that becomes local +Y (front): x, y, -x, -y (default y)
        weight: 1.0                  # relative draw probability within its class
        size: [1.8, 4.5, 1.5]        # optional (x, y, z) metres; required for .blend files

Sampling gives a ``CadModel``: the ``cad`` family's params type and size; the Blender builder
(``assets.blender.cad``) loads the file and fits it into that size.  No bpy here: OBJ and
glTF extents are read from the files themselves.  .blend files are loaded by the builder
with Python auto-execution off.
"""
from __future__ import annotations

import json
import math
import struct
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from scenegen.errors import UserError
from scenegen.labels import NAME_TO_ID
from scenegen.limits import MAX_MODEL_FILE_BYTES
from scenegen.yamlfile import read_yaml

from .params import AssetParams

FORMATS = {".obj": "obj", ".gltf": "gltf", ".glb": "gltf", ".blend": "blend"}
FAMILY = "cad"
_KEYS = ("path", "class", "scale", "up", "forward", "weight", "size")


class CatalogError(UserError):
    """A CAD catalog file or one of its entries is invalid."""


@dataclass(frozen=True)
class CadModel(AssetParams):
    """One catalog model; also the params of each placement of it (family ``cad``)."""

    FAMILIES = (FAMILY,)

    path: str  # absolute
    format: str
    label: str
    scale: float
    up: str
    forward: str
    weight: float
    size: Tuple[float, float, float]  # metres in the asset's local frame (x width, y length, z height)


@dataclass(frozen=True)
class Catalog:
    models: Tuple[CadModel, ...]

    def labels(self) -> List[str]:
        return sorted({m.label for m in self.models})

    def sample(self, rng: np.random.Generator, label: str | None = None) -> CadModel:
        """Draw a model (of ``label`` if given) by weight."""
        pool = [m for m in self.models if label is None or m.label == label]
        if not pool:
            raise CatalogError(f"CAD catalog has no model of class {label!r}")
        w = np.array([m.weight for m in pool], dtype=float)
        return pool[int(rng.choice(len(pool), p=w / w.sum()))]


def to_local(v: np.ndarray, up: str, forward: str) -> np.ndarray:
    """Model coordinates -> asset local frame (+Z up, +Y forward)."""
    v = np.asarray(v, dtype=float).reshape(-1, 3)
    if up == "y":  # (x, y, z) with y up and -z forward in glTF convention -> z up
        v = np.column_stack([v[:, 0], -v[:, 2], v[:, 1]])
    sign = -1.0 if forward.startswith("-") else 1.0
    axis = forward.lstrip("-")
    if axis == "x":  # model +x (or -x) becomes +y: rotate about z
        v = np.column_stack([-sign * v[:, 1], sign * v[:, 0], v[:, 2]])
    elif sign < 0:
        v = np.column_stack([-v[:, 0], -v[:, 1], v[:, 2]])
    return v


def obj_arrays(path: str | Path) -> Tuple[np.ndarray, List[List[int]]]:
    """Vertices and polygons (0-based) of a Wavefront OBJ file (v / f records only)."""
    verts, faces = [], []
    with open(path, "r", encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            try:
                if line.startswith("v "):
                    xyz = [float(x) for x in line.split()[1:4]]
                    if len(xyz) != 3:
                        raise ValueError("a vertex needs x y z")
                    verts.append(xyz)
                elif line.startswith("f "):
                    idx = [int(tok.split("/")[0]) for tok in line.split()[1:]]
                    faces.append([i - 1 if i > 0 else len(verts) + i for i in idx])
            except ValueError as e:
                raise CatalogError(f"{path}: line {n}: malformed OBJ record ({e})") from None
    if not verts or not faces:
        raise CatalogError(f"{path}: no vertices or faces in OBJ file")
    if any(i < 0 or i >= len(verts) for f in faces for i in f):
        raise CatalogError(f"{path}: a face refers to a vertex that does not exist")
    return np.asarray(verts, dtype=float), faces


def _gltf_extent(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """Min and max of every POSITION accessor (node transforms ignored) of a .gltf or .glb file."""
    doc = _gltf_document(path)
    lo, hi = [], []
    try:
        for mesh in doc.get("meshes", []):
            for prim in mesh.get("primitives", []):
                acc = doc["accessors"][prim["attributes"]["POSITION"]]
                lo.append([float(x) for x in acc["min"]])
                hi.append([float(x) for x in acc["max"]])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
        raise CatalogError(f"{path}: not a readable glTF file ({type(e).__name__}: {e})") from None
    if not lo:
        raise CatalogError(f"{path}: glTF file has no mesh positions")
    return np.min(lo, axis=0), np.max(hi, axis=0)


def _gltf_document(path: Path) -> dict:
    """The JSON document of a .gltf or .glb file."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
            if head[:4] == b"glTF":  # binary glTF: only the JSON chunk, not the buffers after it
                doc = json.loads(f.read(struct.unpack_from("<I", head, 12)[0]))
            else:
                doc = json.loads(head + f.read())
    except (ValueError, struct.error) as e:
        raise CatalogError(f"{path}: not a readable glTF file ({type(e).__name__}: {e})") from None
    if not isinstance(doc, dict):
        raise CatalogError(f"{path}: not a readable glTF file (no JSON object)")
    return doc


#: first bytes of a .blend file: plain, or compressed with zstd (Blender 3+) or gzip (older)
_BLEND_MAGIC = (b"BLENDER", b"\x28\xb5\x2f\xfd", b"\x1f\x8b")


def check_model_file(path: Path, fmt: str) -> None:
    """CatalogError for a model file a render worker could not load: a .blend without the Blender header, a
    glTF whose external buffers or images are missing, an OBJ that does not parse (no bpy needed)."""
    if fmt == "blend":
        with open(path, "rb") as f:
            head = f.read(7)
        if not head.startswith(_BLEND_MAGIC):
            raise CatalogError(f"{path}: not a .blend file (no Blender header)")
    elif fmt == "gltf":
        doc = _gltf_document(path)
        for kind in ("buffers", "images"):
            for item in doc.get(kind, []) or []:
                uri = item.get("uri") if isinstance(item, dict) else None
                if isinstance(uri, str) and not uri.startswith("data:") and not (path.parent / uri).is_file():
                    raise CatalogError(f"{path}: its {kind[:-1]} file {uri!r} is missing")
    else:
        obj_arrays(path)


def model_extent(path: Path, fmt: str, scale: float, up: str, forward: str) -> Tuple[float, float, float]:
    """Size (x, y, z) in metres of a model after axis conversion and scaling, footprint-centred."""
    if fmt == "obj":
        v = obj_arrays(path)[0]
    elif fmt == "gltf":
        lo, hi = _gltf_extent(path)
        v = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    else:
        raise CatalogError(f"{path}: .blend models need an explicit size: [x, y, z] in the catalog")
    v = to_local(v, up, forward) * scale
    return tuple(float(round(x, 4)) for x in np.ptp(v, axis=0))


def _positive(where: str, entry: dict, key: str, default: float) -> float:
    """A positive, finite number (YAML may give ``1e-2`` as a string)."""
    value = entry.get(key, default)
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise CatalogError(f"{where}: {key} must be a positive number, got {value!r}")
    return number


def load_catalog(path: str | Path, load_in_blender: bool = True) -> Catalog:
    """Read and validate a catalog YAML file; paths are resolved relative to it. With ``load_in_blender``
    (the default) every glTF and .blend model is also imported once in a Blender process of its own.

    Any problem raises CatalogError (a UserError: exit code 2) with one line naming the file and entry.
    """
    path = Path(path)
    doc = read_yaml(path, "CAD catalog file", CatalogError)
    entries = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{path}: expected a non-empty 'models:' list")
    models = tuple(_model(e, path.parent, f"{path}: models[{k}]") for k, e in enumerate(entries))
    if load_in_blender:
        verify_in_blender(path, models)
    return Catalog(models)


#: seconds a Blender process may take to import a catalog's glTF and .blend models
LOAD_CHECK_TIMEOUT_S = 600


def verify_in_blender(catalog: Path, models: Sequence[CadModel]) -> None:
    """Import every glTF and .blend model once, in a Blender process of its own, as render workers will
    (a damaged file fails here, with one line, instead of in every worker). OBJ files are parsed here already."""
    todo = sorted({(m.path, m.format) for m in models if m.format in ("gltf", "blend")})
    if not todo:
        return
    bad = _blender_load_failures(tuple(todo), tuple(Path(p).stat().st_mtime_ns for p, _ in todo))
    if bad:
        path, why = bad[0]
        raise CatalogError(f"{catalog}: model file {path} does not load in Blender ({why})")


@lru_cache(maxsize=16)
def _blender_load_failures(models: Tuple[Tuple[str, str], ...], mtimes: Tuple[int, ...]) -> List[List[str]]:
    """``[[path, why], ...]`` from ``assets.blender.check_models`` run on ``models`` (cached per file version)."""
    import subprocess
    import sys

    try:
        run = subprocess.run([sys.executable, "-m", "assets.blender.check_models"], input=json.dumps(models),
                             capture_output=True, text=True, timeout=LOAD_CHECK_TIMEOUT_S,
                             cwd=Path(__file__).resolve().parents[1])
        last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
        return json.loads(last)["bad"] if last.startswith("{") else [[models[0][0], _last_line(run.stderr)]]
    except subprocess.TimeoutExpired:
        return [[models[0][0], f"Blender took more than {LOAD_CHECK_TIMEOUT_S} s to import the models"]]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "the Blender process failed"


def _model(e: Any, base: Path, where: str) -> CadModel:
    """One catalog entry, checked (its file included)."""
    if not isinstance(e, dict) or "path" not in e or "class" not in e:
        raise CatalogError(f"{where}: each model needs 'path' and 'class'")
    unknown = sorted(str(key) for key in e if key not in _KEYS)
    if unknown:
        raise CatalogError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(_KEYS)}")
    if not isinstance(e["path"], str) or not e["path"].strip():
        raise CatalogError(f"{where}: path must be a file name, got {e['path']!r}")
    file = (base / e["path"]).resolve()
    fmt = FORMATS.get(file.suffix.lower())
    if fmt is None:
        raise CatalogError(f"{where}: unsupported file type {file.suffix!r} (use .obj, .gltf, .glb or .blend)")
    if not file.is_file():
        raise CatalogError(f"{where}: model file {file} not found")
    if file.stat().st_size > MAX_MODEL_FILE_BYTES:
        raise CatalogError(f"{where}: model file {file} is larger than {MAX_MODEL_FILE_BYTES >> 20} MB "
                           "(the limit for CAD models)")
    label = str(e["class"])
    if label not in NAME_TO_ID:
        raise CatalogError(f"{where}: unknown Cityscapes class {label!r}")
    scale, weight = _positive(where, e, "scale", 1.0), _positive(where, e, "weight", 1.0)
    up, forward = str(e.get("up", "z")).lower(), str(e.get("forward", "y")).lower()
    if up not in ("y", "z") or forward not in ("x", "y", "-x", "-y"):
        raise CatalogError(f"{where}: up must be y or z, forward one of x, y, -x, -y")
    try:
        check_model_file(file, fmt)
        size = _model_size(e.get("size"), file, fmt, scale, up, forward, where)
    except CatalogError as err:
        raise CatalogError(err.args[0] if err.args[0].startswith(where) else f"{where}: {err}") from None
    except OSError as err:
        raise CatalogError(f"{where}: cannot read model file {file} ({err})") from None
    return CadModel(str(file), fmt, label, scale, up, forward, weight, size)


def _model_size(size: Any, file: Path, fmt: str, scale: float, up: str, forward: str,
                where: str) -> Tuple[float, float, float]:
    """The catalog's ``size`` (three positive numbers) or the model file's own extent."""
    if size is not None:
        if not (isinstance(size, Sequence) and not isinstance(size, str) and len(size) == 3):
            raise CatalogError(f"{where}: size must be three positive numbers [x, y, z], got {size!r}")
        return tuple(_positive(where, {"size": s}, "size", 1.0) for s in size)
    size = model_extent(file, fmt, scale, up, forward)
    if min(size) <= 0:
        raise CatalogError(f"{where}: model {file.name} is flat (size {list(size)} m); give size: [x, y, z]")
    return size


def catalog_labels(catalogs: Sequence[Catalog]) -> Dict[str, int]:
    """How many models each class has over several catalogs."""
    out: Dict[str, int] = {}
    for c in catalogs:
        for m in c.models:
            out[m.label] = out.get(m.label, 0) + 1
    return out
