"""Rendering frames inside one process: the only render_jobs module that imports bpy (lazily)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

from scenegen.grammar import frame_scene
from scenegen.params import ParameterSpace
from scenegen.render_settings import RenderSettings
from scenegen.writer import scene_record, write_frame

from .frames import FrameRequest


@dataclass(frozen=True)
class OutputTarget:
    """Where frames go: output root, split and city."""

    root: Path
    split: str = "train"
    city: str = "scenegen"


@dataclass
class FrameResult:
    """Outcome of one frame: skipped (already complete), rendered with timings, or failed."""

    request: FrameRequest
    status: str  # "rendered" | "skipped" | "failed"
    seconds: Dict[str, float] = field(default_factory=dict)
    error: str = ""


class FrameRenderer:
    """Renders FrameRequests into an output target, one Blender session per instance."""

    def __init__(self, space: ParameterSpace, settings: RenderSettings, target: OutputTarget) -> None:
        from scenegen.blender.render import Renderer  # bpy stays out of importers of this module

        self.space = space
        self.settings = settings
        self.target = target
        self._renderer = Renderer(settings)

    @property
    def device(self) -> str:
        return self._renderer.device

    def render(self, request: FrameRequest, skip_complete: bool = True) -> FrameResult:
        """Render one frame and write its files, unless all of them already exist."""
        fid = request.frame_id(self.target.root, self.target.split, self.target.city)
        if skip_complete and fid.is_complete():
            return FrameResult(request, "skipped")
        t0 = time.perf_counter()
        spec = frame_scene(self.space, request.seed, request.variables)
        t1 = time.perf_counter()
        frame = self._renderer.render(spec)
        t2 = time.perf_counter()
        write_frame(fid, frame, scene_record(spec, request.seed, self.space.version, self.settings))
        t3 = time.perf_counter()
        timings = {"layout": t1 - t0, **self._renderer.timings.as_dict(), "write": t3 - t2, "total": t3 - t0}
        return FrameResult(request, "rendered", seconds=timings)

    def close(self) -> None:
        self._renderer.close()


def render_in_process(requests: Iterable[FrameRequest], space: ParameterSpace, settings: RenderSettings,
                      target: OutputTarget, on_result: Optional[Callable[[FrameResult], None]] = None
                      ) -> List[FrameResult]:
    """Render requests one after another in this process; report each result as it finishes."""
    renderer = FrameRenderer(space, settings, target)
    results = []
    try:
        for req in requests:
            result = renderer.render(req)
            results.append(result)
            if on_result:
                on_result(result)
    finally:
        renderer.close()
    return results
