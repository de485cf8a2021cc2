"""Local executor: spawned worker processes, each with one Blender session, recycled after N frames."""
from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing as mp
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Dict, List, Optional

from scenegen.params import ParameterSpace
from scenegen.render_settings import RenderSettings

from .frames import FrameKey, WorkUnit
from .parallelism import local_cores, plan_parallelism
from .scheduler import UnitQueue
from .worker import OutputTarget, RendererFactory, worker_main

STOP_TIMEOUT = 10.0  # seconds a terminated worker gets before SIGKILL
START_FAILURES_FATAL = 3  # workers in a row that cannot even start a renderer end the run


@contextlib.contextmanager
def _sigint_ignored():
    """A second Ctrl-C must not cut the clean-up short (only the main thread may change handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


# numpy's and OpenCV's OpenBLAS start one spinning thread per core in every worker; with K workers that
# is K x cores busy-waiting threads beside the render threads (measured: frames took twice as long with
# 2 workers on 2 cores). The geometry they multiply is small, so one thread each. Ray sets the same for
# its workers (OMP_NUM_THREADS = the task's CPUs).
_BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _blas_single_threaded():
    """Environment for a worker about to be spawned: one BLAS/OpenMP thread unless the user set one."""
    added = [k for k in _BLAS_ENV if k not in os.environ]
    for k in added:
        os.environ[k] = "1"
    try:
        yield
    finally:
        for k in added:
            os.environ.pop(k, None)


def _blender_script_paths() -> List[str]:
    """sys.path entries that importing bpy added (its bundled ``scripts/`` folders), if bpy is imported."""
    spec = getattr(sys.modules.get("bpy"), "__spec__", None)
    root = os.path.dirname(spec.origin) if spec is not None and spec.origin else ""
    if not root:
        return []
    return [p for p in sys.path if os.path.abspath(p).startswith(os.path.join(root, ""))]


@contextlib.contextmanager
def _spawnable_sys_path():
    """A spawned child starts with the parent's sys.path. Once this process has imported bpy, that holds
    Blender's ``scripts/modules``, whose pure-Python ``bpy`` package would shadow the bpy wheel in the child
    (``No module named '_bpy'``); hide those entries while the child is started."""
    hidden = _blender_script_paths()
    if not hidden:
        yield
        return
    saved = list(sys.path)
    sys.path[:] = [p for p in saved if p not in hidden]
    try:
        yield
    finally:
        sys.path[:] = saved


@dataclass
class _Worker:
    process: Any
    conn: Connection
    unit: Optional[WorkUnit] = None
    frame: Optional[FrameKey] = None
    frames_done: int = 0
    error: Optional[str] = None
    retiring: bool = False
    closed: bool = False


def describe_exit(pid: int, exitcode: Optional[int]) -> str:
    """'killed by SIGKILL' / 'exited with code 3' for a finished worker process."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"worker process {pid} was killed by {name}"
    return f"worker process {pid} exited with code {exitcode}"


@dataclass
class LocalExecutor:
    """Runs work units in ``workers`` spawned processes; a process is replaced after it has rendered
    ``frames_per_worker`` frames (bounded memory), after a failed frame, and when it dies."""

    space: ParameterSpace
    settings: RenderSettings
    target: OutputTarget
    factory: RendererFactory
    workers: Optional[int]
    frames_per_worker: int
    workers_used: int = 0
    threads_used: int = 0
    _pool: List[_Worker] = field(default_factory=list)

    name = "local"

    def start(self) -> None:
        """Nothing to connect to: worker processes start on demand."""

    def close(self) -> None:
        self.stop_all()

    def cores(self) -> int:
        return local_cores()

    def run(self, queue: UnitQueue, units: int, unit_size: int) -> None:
        """Render every unit of ``queue``; on KeyboardInterrupt stop all workers first, then re-raise."""
        self.workers_used, self.threads_used = plan_parallelism(local_cores(), self.workers, self.settings.threads,
                                                                units)
        self._settings = dataclasses.replace(self.settings, threads=self.threads_used)
        self._unit_size = unit_size
        self._start_failures = 0
        ctx = mp.get_context("spawn")
        try:
            while not queue.finished:
                for w in self._pool:
                    if w.unit is None and not w.retiring and queue.has_pending():
                        self._assign(w, queue.take())
                while queue.has_pending() and sum(not w.retiring for w in self._pool) < self.workers_used:
                    self._start(ctx, queue.take())
                self._wait_and_handle(queue)
        except BaseException:
            self.stop_all()
            raise
        self.stop_all()

    def _start(self, ctx: Any, unit: WorkUnit) -> None:
        parent, child = ctx.Pipe(duplex=True)
        p = ctx.Process(target=worker_main, args=(child, self.space, self._settings, self.target, self.factory),
                        name="scenegen-render-worker", daemon=True)
        with _blas_single_threaded(), _spawnable_sys_path():
            p.start()
        child.close()
        w = _Worker(p, parent)
        self._pool.append(w)
        self._assign(w, unit)

    def _assign(self, w: _Worker, unit: WorkUnit) -> None:
        w.unit, w.frame, w.error = unit, None, None
        try:
            w.conn.send(unit)
        except (BrokenPipeError, OSError):
            pass  # the process is dead: its sentinel reports it and the unit is retried

    def _wait_and_handle(self, queue: UnitQueue) -> None:
        handles = {}
        for w in self._pool:
            if not w.closed:
                handles[w.conn] = w
            handles[w.process.sentinel] = w
        for ready in wait(list(handles)):
            w = handles[ready]
            if ready is w.conn:
                self._drain(w, queue)
            elif w in self._pool:
                self._drain(w, queue)
                self._reap(w, queue)

    def _drain(self, w: _Worker, queue: UnitQueue) -> None:
        while not w.closed:
            try:
                if not w.conn.poll():
                    return
                kind, uid, payload = w.conn.recv()
            except (EOFError, OSError):
                w.closed = True
                return
            if w.unit is None or uid != w.unit.uid:
                continue
            if kind == "start":
                w.frame = payload
                queue.started(payload)
            elif kind == "frame":
                w.frames_done += 1
                self._start_failures = 0
                queue.result(payload)
            elif kind == "error":
                key, tb = payload
                where = f"frame {key[1]} (iteration {key[0]})" if key else "starting the renderer"
                w.error = f"{where}: {tb.strip()}"
                w.retiring = True  # the worker exits after a failure; its unit is settled on exit
                if key is None:
                    self._start_failures += 1
                    if self._start_failures >= START_FAILURES_FATAL:
                        queue.fail_pending(f"render workers cannot start ({self._start_failures} in a row): "
                                           f"{w.error}")
                else:
                    self._start_failures = 0
            elif kind == "done":
                queue.end(uid)
                w.unit = w.frame = None
                if w.frames_done + self._unit_size > self.frames_per_worker:
                    self._retire(w)  # another unit would take it past its frame budget

    def _retire(self, w: _Worker) -> None:
        w.retiring = True
        try:
            w.conn.send(None)
        except (BrokenPipeError, OSError):
            pass

    def _reap(self, w: _Worker, queue: UnitQueue) -> None:
        w.process.join()
        if w.unit is not None:
            error = w.error or describe_exit(w.process.pid, w.process.exitcode) + (
                f" while rendering frame {w.frame[1]} (iteration {w.frame[0]})" if w.frame else "")
            queue.end(w.unit.uid, error)
        w.conn.close()
        self._pool.remove(w)

    def stop_all(self) -> None:
        """Stop every worker: ask idle ones to exit, terminate busy ones, SIGKILL what still runs."""
        with _sigint_ignored():
            self._stop_all()

    def _stop_all(self) -> None:
        for w in self._pool:
            if w.unit is None:
                self._retire(w)
            elif w.process.is_alive():
                w.process.terminate()
        for w in self._pool:
            w.process.join(STOP_TIMEOUT)
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        self._pool.clear()
