"""User CAD models in a run: a loaded catalog, the share of objects it replaces, and what to record.

``load_cad`` validates everything before a run writes a file: the catalog itself (``assets.catalog``),
that the street grammar places objects of each of its classes, and the share. No bpy here.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

from assets.catalog import Catalog, CatalogError, catalog_labels, load_catalog

from .errors import UserError
from .grammar import CAD_CLASSES

DEFAULT_CAD_SHARE = 0.5


@dataclass(frozen=True)
class CadOptions:
    """A validated CAD catalog and the probability that a placed object of one of its classes comes from it."""

    catalog: Catalog
    share: float = DEFAULT_CAD_SHARE
    source: str = ""  # the catalog file (absolute path)
    digest: str = ""  # content hash of the entries and model files (part of a render's run key)

    def record(self) -> Dict[str, Any]:
        """What the manifest and each scene JSON say about the catalog."""
        return {"catalog": self.source, "digest": self.digest, "share": self.share,
                "models": len(self.catalog.models), "classes": catalog_labels([self.catalog])}


def catalog_digest(catalog: Catalog) -> str:
    """Hash of every entry (file name, format, class, axes, scale, weight, size) and each model file's bytes."""
    h = hashlib.sha256()
    for m in catalog.models:
        entry = {"file": Path(m.path).name, "format": m.format, "label": m.label, "scale": m.scale, "up": m.up,
                 "forward": m.forward, "weight": m.weight, "size": list(m.size)}
        h.update(json.dumps(entry, sort_keys=True).encode())
        h.update(hashlib.sha256(Path(m.path).read_bytes()).digest())
    return h.hexdigest()[:12]


def check_share(share: Any, where: str = "--cad-share") -> float:
    """A share in [0, 1]; UserError naming ``where`` otherwise."""
    try:
        value = float(share) if not isinstance(share, bool) else math.nan
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise UserError(f"{where} must be a number in [0, 1], got {share!r}")
    return value


def load_cad(path: str | Path, share: Any = DEFAULT_CAD_SHARE, where: str = "--catalog",
             share_where: str = "--cad-share") -> CadOptions:
    """Load and check a catalog for a run; UserError (one line, prefixed by ``where``, or ``share_where`` for
    the share) for any problem."""
    share = check_share(share, share_where)
    try:
        catalog = load_catalog(path)
    except CatalogError as e:
        raise UserError(f"{where} {e}") from None
    for k, m in enumerate(catalog.models):
        if m.label not in CAD_CLASSES:
            raise UserError(f"{where} {path}: models[{k}]: the street grammar places no {m.label!r} objects; "
                            f"catalog classes it can use: {', '.join(CAD_CLASSES)}")
    try:
        digest = catalog_digest(catalog)
    except OSError as e:
        raise UserError(f"{where} {path}: cannot read a model file ({e})") from None
    return CadOptions(catalog, share, str(Path(path).resolve()), digest)
