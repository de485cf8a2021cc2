"""Rendering frames inside one process: the only render_jobs module that reaches bpy (lazily).

``worker_main`` is the body of a local worker process and ``render_unit_cached`` the body of a Ray
task; both render whole work units with one Blender session per process.
"""
from __future__ import annotations

import os
import signal
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from scenegen import sequence
from scenegen.cad import CadOptions
from scenegen.grammar import frame_scene
from scenegen.ground_truth import sky_as_inf
from scenegen.mixture import drawn_part
from scenegen.params import ParameterSpace
from scenegen.render_settings import RenderSettings
from scenegen.seeding import FrameSeed
from scenegen.writer import scene_record, write_frame

from .frames import FrameRequest, WorkUnit


@dataclass(frozen=True)
class OutputTarget:
    """Where frames go: output root, split and city, and which extra outputs each frame gets
    (scenegen.ground_truth.OUTPUT_KINDS)."""

    root: Path
    split: str = "train"
    city: str = "scenegen"
    outputs: Tuple[str, ...] = ()


@dataclass
class FrameResult:
    """Outcome of one frame: skipped (already complete), rendered with timings, failed, or pending
    (not reached before an interrupt)."""

    request: FrameRequest
    status: str  # "rendered" | "skipped" | "failed" | "pending"
    seconds: Dict[str, float] = field(default_factory=dict)
    error: str = ""
    attempts: int = 1
    pid: int = 0
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0


def _status_mb(field: str) -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (VmHWM: unlike ``ru_maxrss`` it does not
    inherit the spawning parent's peak). 0 where /proc is missing."""
    return _status_mb("VmHWM")


def rss_mb() -> float:
    """Resident memory of this process in MiB (0 where /proc is missing)."""
    return _status_mb("VmRSS")


class FrameRenderer:
    """Renders FrameRequests into an output target, one Blender session per instance; with ``cad``, scenes
    draw objects from a user CAD catalog."""

    def __init__(self, space: ParameterSpace, settings: RenderSettings, target: OutputTarget,
                 cad: Optional[CadOptions] = None) -> None:
        from scenegen.blender.render import Renderer  # bpy stays out of importers of this module

        self.space = space
        self.settings = settings
        self.cad = cad
        self.target = target
        self._renderer = Renderer(settings, outputs=tuple(target.outputs))
        self._sequence: Optional[sequence.SequenceScene] = None  # the sequence whose scene Blender holds

    @property
    def device(self) -> str:
        return self._renderer.device

    def render(self, request: FrameRequest, skip_complete: bool = True) -> FrameResult:
        """Render one frame and write its files, unless all of them already exist."""
        fid = request.frame_id(self.target.root, self.target.split, self.target.city)
        if skip_complete and fid.is_complete():
            return FrameResult(request, "skipped")
        t0, cpu0 = time.perf_counter(), time.process_time()
        spec, step, moves = self._scene(request)
        t1 = time.perf_counter()
        poses = None if moves is None else self._sequence.poses(request.seed.frame_index)
        frame = self._renderer.render(spec, step=step, moves=moves, poses=poses)
        t2 = time.perf_counter()
        flows, t = None, request.seed.frame_index
        if moves is not None:  # the record describes the frame as it shows the scene: objects moved
            spec, flows = self._sequence.shown(t), self._sequence.flows(t, sky_as_inf(frame.depth),
                                                                        frame.instance_ids)
        part = None if request.variables is not None else drawn_part(self.space, self._variables_seed(request))
        record = scene_record(spec, request.seed, self.space.version, self.settings, part)
        if self.cad is not None:
            record["cad"] = self.cad.record()
        if moves is not None:
            record["sequence"] = self._sequence.record(t)
        write_frame(fid, frame, record, self.target.outputs, flows)
        t3 = time.perf_counter()
        timings = {"layout": t1 - t0, **self._renderer.timings.as_dict(), "write": t3 - t2, "total": t3 - t0,
                   "cpu": time.process_time() - cpu0}  # all threads of this process
        return FrameResult(request, "rendered", seconds=timings)

    def _scene(self, request: FrameRequest) -> Tuple[Any, bool, Optional[Tuple]]:
        """(scene spec to render, whether Blender's scene of the last frame stays, object displacements): a
        still frame's scene, or a sequence frame's (its sequence's scene, built once per sequence)."""
        options = {"catalog": self.cad.catalog, "cad_share": self.cad.share} if self.cad else {}
        if request.sequence_length is None:
            self._sequence = None
            return frame_scene(self.space, request.seed, request.variables, **options), False, None
        seed, t = sequence.scene_seed(request.seed), request.seed.frame_index
        step = self._sequence is not None and self._sequence.seed == seed
        if not step:
            base = frame_scene(self.space, seed, sequence.sequence_variables(self.space, seed, request.variables),
                               **options)
            self._sequence = sequence.SequenceScene.start(base, seed, request.sequence_length, request.fps)
        return self._sequence.to_render(t), step, self._sequence.moves(t)

    @staticmethod
    def _variables_seed(request: FrameRequest) -> FrameSeed:
        """The seed a frame's variables are drawn from (a sequence's: its first frame's)."""
        return request.seed if request.sequence_length is None else sequence.scene_seed(request.seed)

    def close(self) -> None:
        self._renderer.close()


RendererFactory = Callable[[ParameterSpace, RenderSettings, OutputTarget], Any]


@dataclass(frozen=True)
class WithCad:
    """A renderer factory whose scenes draw from a CAD catalog: ``base(space, settings, target, cad=cad)``.

    Picklable and compared by value, so a Ray worker process keeps its Blender session between tasks.
    """

    cad: CadOptions
    base: RendererFactory = FrameRenderer

    def __call__(self, space: ParameterSpace, settings: RenderSettings, target: OutputTarget) -> Any:
        return self.base(space, settings, target, cad=self.cad)


def with_cad(factory: RendererFactory, cad: Optional[CadOptions]) -> RendererFactory:
    """``factory``, laying scenes out with ``cad`` when one is given."""
    return factory if cad is None else WithCad(cad, factory)


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


def render_unit(renderer: Any, unit: WorkUnit, emit: Callable[[str, Any], None]) -> bool:
    """Render the frames of ``unit`` in order, emitting ``("start", key)``, ``("frame", FrameResult)``
    and, on the first exception, ``("error", (key, traceback))``. False when a frame failed."""
    for req in unit.requests:
        emit("start", req.key)
        try:
            result = renderer.render(req)
        except Exception:
            emit("error", (req.key, traceback.format_exc()))
            return False
        result.attempts, result.pid = unit.attempt, os.getpid()
        result.rss_mb, result.peak_rss_mb = round(rss_mb(), 1), round(peak_rss_mb(), 1)
        emit("frame", result)
    return True


def worker_main(conn: Any, space: ParameterSpace, settings: RenderSettings, target: OutputTarget,
                factory: RendererFactory) -> None:
    """A local worker process: render the units the parent sends until it sends ``None`` or a frame fails.

    Messages to the parent are ``(kind, unit uid, payload)``; ``("done", uid, None)`` ends a unit. Ctrl-C
    is left to the parent, which stops workers itself so that no frame is cut short mid-write.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    renderer = None
    try:
        while True:
            try:
                unit = conn.recv()
            except EOFError:  # the parent is gone
                return
            if unit is None:
                return

            def emit(kind: str, payload: Any, uid: int = unit.uid) -> None:
                conn.send((kind, uid, payload))

            if renderer is None:
                try:
                    renderer = factory(space, settings, target)
                except Exception:
                    emit("error", (None, traceback.format_exc()))
                    return
            if not render_unit(renderer, unit, emit):
                return  # a fresh process (and Blender session) takes the retry
            emit("done", None)
    except (BrokenPipeError, EOFError):
        return
    finally:
        if renderer is not None:
            renderer.close()


_SESSION: Dict[str, Any] = {}


def render_unit_cached(space: ParameterSpace, settings: RenderSettings, target: OutputTarget,
                       factory: RendererFactory, unit: WorkUnit) -> Tuple[List[FrameResult], Optional[Tuple]]:
    """Body of a Ray task: render ``unit`` with this process's Blender session (kept between tasks).

    Returns the frame results and, when a frame failed, ``(key, traceback)``.
    """
    tag = (space.version, settings, target, factory)
    if _SESSION.get("tag") != tag:
        if _SESSION.get("renderer") is not None:
            _SESSION.pop("renderer").close()
        _SESSION.clear()
        _SESSION["renderer"] = factory(space, settings, target)
        _SESSION["tag"] = tag
    results: List[FrameResult] = []
    error: List[Tuple] = []

    def emit(kind: str, payload: Any) -> None:
        if kind == "frame":
            results.append(payload)
        elif kind == "error":
            error.append(payload)

    if not render_unit(_SESSION["renderer"], unit, emit):
        _SESSION.pop("renderer").close()  # start the next task with a fresh session
        _SESSION.clear()
    return results, (error[0] if error else None)
