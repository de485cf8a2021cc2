"""The run manifest: what was rendered, with which inputs and software, and how it went."""
from __future__ import annotations

import datetime as _dt
import json
import platform
import socket
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from scenegen.cad import CadOptions
from scenegen.errors import UserError
from scenegen.io import atomic_write_json
from scenegen.layout import MANIFEST
from scenegen.render_settings import EXECUTION_ONLY

from .worker import FrameResult

_PACKAGES = ("scenegen", "bpy", "numpy", "opencv-python-headless", "OpenEXR", "torch", "ray")


def software_versions() -> Dict[str, str]:
    """Versions of Python and the packages that shape the output."""
    versions = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return versions


def look_settings(settings: Mapping[str, Any]) -> Dict[str, Any]:
    """Render settings that change the output (not device or thread count)."""
    return {k: v for k, v in settings.items() if k not in EXECUTION_ONLY}


def run_key(params_version: str, seed: int, settings: Mapping[str, Any], split: str, city: str,
            variables_hash: Optional[str] = None, cad: Optional[CadOptions] = None,
            outputs: Sequence[str] = (), sequence: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """The inputs that must match for a rerun into the same folder to resume rather than clash."""
    key = {"params_version": params_version, "seed": seed, "render": look_settings(settings), "split": split,
           "city": city}
    if outputs:
        key["outputs"] = list(outputs)
    if sequence:
        key["sequence"] = dict(sequence)
    if variables_hash:
        key["variables"] = variables_hash
    if cad is not None:
        key["cad"] = cad_key(cad)
    return key


def cad_key(cad: CadOptions) -> Dict[str, Any]:
    """The part of a run key that a CAD catalog sets: its content digest and share."""
    return {"digest": cad.digest, "share": cad.share}


def read_manifest(root: Path) -> Dict[str, Any] | None:
    path = Path(root) / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise UserError(f"{path}: unreadable run manifest ({e}); move it away or use a new --out") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: unreadable run manifest (not a JSON object); move it away or use a new --out")
    return data


def check_resumable(root: Path, key: Mapping[str, Any]) -> Dict[str, Any] | None:
    """The existing manifest of ``root`` if its run key matches ``key``; UserError if it differs."""
    old = read_manifest(root)
    if old is None:
        return None
    old_key = old.get("run_key", {})
    if old_key != dict(key):
        diff = sorted(k for k in set(old_key) | set(key) if old_key.get(k) != key.get(k))
        raise UserError(f"{root}: holds a run with different {', '.join(diff)}; "
                        f"use a new --out (or the same inputs to resume)")
    return old


def frame_record(r: FrameResult, params_version: Optional[str] = None) -> Dict[str, Any]:
    """The manifest entry of one frame: status, per-stage seconds, worker pid and RSS, error."""
    rec: Dict[str, Any] = {"iteration": r.request.seed.iteration, "frame_index": r.request.seed.frame_index,
                           "status": r.status}
    if params_version:
        rec["params_version"] = params_version
    if r.seconds:
        rec["seconds"] = {k: round(v, 4) for k, v in r.seconds.items()}
    if r.status in ("rendered", "failed"):
        rec["attempts"] = r.attempts
    if r.pid:
        rec["worker_pid"] = r.pid
    if r.rss_mb:
        rec["worker_rss_mb"] = r.rss_mb
    if r.peak_rss_mb:
        rec["worker_peak_rss_mb"] = r.peak_rss_mb
    if r.error:
        rec["error"] = r.error
    return rec


def write_manifest(root: Path, key: Mapping[str, Any], frames: Iterable[Mapping[str, Any]],
                   extra: Mapping[str, Any] | None = None) -> Path:
    """Write ``root/manifest.json`` atomically."""
    frames = sorted(frames, key=lambda f: (f.get("iteration", 0), f["frame_index"]))
    counts: Dict[str, int] = {}
    for f in frames:
        counts[f["status"]] = counts.get(f["status"], 0) + 1
    body: Dict[str, Any] = {
        "tool": "scenegen",
        "run_key": dict(key),
        "counts": {"requested": len(frames), **counts},
        "failures": [{k: f[k] for k in ("iteration", "frame_index", "error", "attempts") if k in f}
                     for f in frames if f["status"] == "failed"],
        "frames": frames,
        "software": software_versions(),
        "host": socket.gethostname(),
        "written_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    if extra:
        body.update(extra)
    path = Path(root) / MANIFEST
    atomic_write_json(path, body)
    return path


def merge_frames(old: List[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Per-frame records: a new record replaces an old one, except that a skip keeps the old record of a
    frame rendered earlier."""
    merged = {(f.get("iteration", 0), f["frame_index"]): dict(f) for f in old}
    for f in new:
        k = (f.get("iteration", 0), f["frame_index"])
        if f["status"] == "skipped" and k in merged and merged[k]["status"] == "rendered":
            continue
        merged[k] = dict(f)
    return list(merged.values())
