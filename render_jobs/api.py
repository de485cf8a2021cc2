"""The library call: render exactly these (scene variables, seed) requests and return their frame paths."""
from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional, Sequence

from scenegen.cad import CadOptions
from scenegen.layout import FrameId
from scenegen.params import ParameterSpace
from scenegen.render_settings import RenderSettings

from .defaults import DEFAULT_FRAMES_PER_WORKER, DEFAULT_RETRIES
from .engine import ExecOptions, RenderEngine
from .frames import FrameRequest, check_unique
from .manifest import cad_key, check_resumable, frame_record, look_settings, merge_frames, write_manifest
from .progress import last_line
from .worker import FrameRenderer, OutputTarget, RendererFactory, with_cad


class RenderFailed(RuntimeError):
    """Some frames still failed after their retries; ``failures`` maps frame id to error text."""

    def __init__(self, failures: dict) -> None:
        self.failures = failures
        first = next(iter(failures.items()))
        super().__init__(f"{len(failures)} frame(s) failed to render, e.g. {first[0].stem}: {last_line(first[1])}")


def render_frames(requests: Sequence[FrameRequest], out_root: str | Path, settings: RenderSettings,
                  space: ParameterSpace, split: str = "train", city: str = "scenegen",
                  workers: Optional[int] = None, executor: str = "local", ray_address: Optional[str] = None,
                  frames_per_worker: int = DEFAULT_FRAMES_PER_WORKER, retries: int = DEFAULT_RETRIES,
                  progress: Any = True, factory: RendererFactory = FrameRenderer,
                  cad: Optional[CadOptions] = None) -> List[FrameId]:
    """Render exactly ``requests`` into the Cityscapes layout under ``out_root``; return their FrameIds in
    request order.

    Each request with explicit ``variables`` (a complete z) is checked against ``space`` first (ParamsError
    names the request). Frames whose files all exist are kept (resume); the others are rendered by
    ``workers`` processes (default: all cores) or Ray tasks. ``progress`` is True (own bar), False, or an
    object whose ``update(1)`` is called per finished frame. Raises RenderFailed when frames still fail after
    ``retries`` retries, KeyboardInterrupt after a clean stop. ``out_root/manifest.json`` records every frame
    rendered through this call into that folder. With ``cad`` (``scenegen.cad.load_cad``) scenes draw objects
    of the catalog's classes from it.
    """
    check_unique(requests)
    for i, r in enumerate(requests):
        if r.variables is not None:
            space.validate_values(r.variables, where=f"request {i} (frame {r.seed.frame_index})")
    options = ExecOptions(executor=executor, workers=workers, ray_address=ray_address,
                          frames_per_worker=frames_per_worker, retries=retries, progress=progress)
    root = Path(out_root)
    target = OutputTarget(root, split, city)
    key = {"mode": "frames", "render": look_settings(settings.to_dict()), "split": split, "city": city}
    if cad is not None:
        key["cad"] = cad_key(cad)
    old = check_resumable(root, key) if root.is_dir() else None
    fids = [r.frame_id(root, split, city) for r in requests]
    if all(f.is_complete() and f.damaged_file(settings.width, settings.height) is None for f in fids):
        return fids
    with RenderEngine(space, settings, target, options, with_cad(factory, cad)) as engine:
        root.mkdir(parents=True, exist_ok=True)
        outcome = engine.execute(requests)
    records = [frame_record(r, space.version) for r in outcome.results]
    merged = merge_frames(old.get("frames", []) if old else [], records)
    write_manifest(root, key, merged, extra={"execution": outcome.execution(), "interrupted": outcome.interrupted,
                                             **({"cad": cad.record()} if cad is not None else {})})
    if outcome.interrupted:
        raise KeyboardInterrupt
    failures = {fid: r.error for fid, r in zip(fids, outcome.results) if r.status == "failed"}
    if failures:
        raise RenderFailed(failures)
    return fids
