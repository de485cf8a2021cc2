"""Render a list of frame requests with an executor: skip complete frames, retry, clean up, report."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from scenegen.errors import UserError
from scenegen.params import ParameterSpace
from scenegen.render_settings import RenderSettings

from .cleanup import remove_partial_frames, remove_stale_temp, repair_damaged
from .defaults import DEFAULT_FRAMES_PER_WORKER, DEFAULT_RETRIES, EXECUTORS
from .frames import FrameRequest, check_unique, make_units, unit_size
from .progress import Progress
from .scheduler import UnitQueue
from .worker import FrameRenderer, FrameResult, OutputTarget, RendererFactory


@dataclass(frozen=True)
class ExecOptions:
    """How to run: executor, worker count (None = all cores), recycling, retries, progress display."""

    executor: str = "local"
    workers: Optional[int] = None
    ray_address: Optional[str] = None
    frames_per_worker: int = DEFAULT_FRAMES_PER_WORKER
    retries: int = DEFAULT_RETRIES
    progress: Any = True

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise UserError(f"executor must be one of {list(EXECUTORS)}, got {self.executor!r}")
        if self.workers is not None and self.workers < 1:
            raise UserError(f"workers must be at least 1, got {self.workers}")
        if self.frames_per_worker < 1:
            raise UserError(f"frames_per_worker must be at least 1, got {self.frames_per_worker}")
        if self.retries < 0:
            raise UserError(f"retries must be >= 0, got {self.retries}")
        if self.ray_address and self.executor != "ray":
            raise UserError("a Ray address needs the ray executor (--executor ray)")


@dataclass
class Outcome:
    """What a render did, frame by frame (in request order), and how it ran."""

    results: List[FrameResult]
    interrupted: bool = False
    wall_seconds: float = 0.0
    executor: str = "local"
    workers: int = 0
    threads: int = 0
    unit_size: int = 0
    units_retried: int = 0
    temp_files_removed: int = 0
    partial_frames_removed: int = 0
    extra: Dict[str, Any] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def frames_per_minute(self) -> float:
        n = self.count("rendered")
        return n / self.wall_seconds * 60 if self.wall_seconds > 0 and n else 0.0

    def execution(self) -> Dict[str, Any]:
        """The manifest's description of how the frames were run."""
        return {"executor": self.executor, "workers": self.workers, "threads_per_worker": self.threads,
                "frames_per_unit": self.unit_size, "units_retried": self.units_retried,
                "temp_files_removed": self.temp_files_removed,
                "partial_frames_removed": self.partial_frames_removed, **self.extra}


def make_executor(space: ParameterSpace, settings: RenderSettings, target: OutputTarget, options: ExecOptions,
                  factory: RendererFactory = FrameRenderer) -> Any:
    """The executor named by ``options`` (not yet started)."""
    if options.executor == "ray":
        from .ray_executor import RayExecutor

        return RayExecutor(space, settings, target, factory, options.workers, options.frames_per_worker,
                           address=options.ray_address)
    from .local import LocalExecutor

    return LocalExecutor(space, settings, target, factory, options.workers, options.frames_per_worker)


class RenderEngine:
    """Renders requests into one output target. Use as a context manager: entering starts the executor
    (a Ray connection can fail there, before anything is written), leaving stops it."""

    def __init__(self, space: ParameterSpace, settings: RenderSettings, target: OutputTarget,
                 options: ExecOptions, factory: RendererFactory = FrameRenderer) -> None:
        self.space, self.settings, self.target, self.options = space, settings, target, options
        self.executor = make_executor(space, settings, target, options, factory)

    def __enter__(self) -> "RenderEngine":
        self.executor.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.executor.close()

    def execute(self, requests: Sequence[FrameRequest]) -> Outcome:
        """Render every request whose frame is not complete. Never raises for failed frames (they are in
        the outcome); on Ctrl-C stops the workers, removes partial frames and returns ``interrupted``."""
        check_unique(requests)
        root, split, city = Path(self.target.root), self.target.split, self.target.city
        t0 = time.perf_counter()
        stale = remove_stale_temp(root, split, city)
        done = {r.key for r in requests if r.frame_id(root, split, city).is_complete()}
        done -= repair_damaged(root, split, city, [r for r in requests if r.key in done], self.settings)
        todo = [r for r in requests if r.key not in done]
        hint = self.options.workers or self.executor.cores()
        size = unit_size(len(todo), hint, self.options.frames_per_worker)
        units = make_units(todo, size)
        progress = Progress(len(todo), self.options.progress)
        queue = UnitQueue(units, self.options.retries + 1, on_result=progress.frame, on_retry=progress.retry)
        interrupted = False
        try:
            if units:
                self.executor.run(queue, len(units), size)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            progress.close()
            touched = queue.touched() | {r.key for u in queue.running for r in u.requests}
            failed = {r.request.key for r in queue.results(todo) if r.status == "failed"}
            partial = remove_partial_frames(root, split, city, sorted(touched | failed))
            stale += remove_stale_temp(root, split, city)
        finished = {r.request.key: _settled(r, target=self.target) for r in queue.results(todo)}
        results = [finished.get(r.key) or FrameResult(r, "skipped") for r in requests]
        return Outcome(results, interrupted, time.perf_counter() - t0, self.executor.name,
                       self.executor.workers_used, self.executor.threads_used, size, queue.retries, stale, partial,
                       extra={"frames_per_worker": self.options.frames_per_worker,
                              "retries_allowed": self.options.retries,
                              **({"ray_address": self.options.ray_address} if self.options.ray_address else {})})


def _settled(r: FrameResult, target: OutputTarget) -> FrameResult:
    """A frame still ``pending`` after an interrupt whose files all exist was finished by a worker whose
    report was cut off (e.g. a Ray task completing while being cancelled): count it as rendered."""
    if r.status == "pending" and r.request.frame_id(target.root, target.split, target.city).is_complete():
        return FrameResult(r.request, "rendered", attempts=1)
    return r
