"""Ray executor: the same work units as Ray tasks, on a cluster or a local Ray instance."""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import socket
from dataclasses import dataclass
from typing import Any, Dict, Optional

from scenegen.errors import UserError
from scenegen.params import ParameterSpace
from scenegen.render_settings import RenderSettings

from .parallelism import local_cores, plan_parallelism
from .scheduler import UnitQueue
from .worker import OutputTarget, RendererFactory, render_unit_cached

CONNECT_TIMEOUT = 10.0  # seconds to reach a cluster's address before giving up
STOP_TIMEOUT = 30.0  # seconds to wait for force-cancelled tasks
LOCAL_OBJECT_STORE = 256 * 2**20  # units and results are small


@dataclass
class RayExecutor:
    """Runs work units as Ray tasks, at most ``workers`` at a time, each asking for ``threads`` CPUs.

    Connects to ``address`` (a running cluster) or starts a local Ray instance with this machine's cores.
    A Ray worker process keeps its Blender session between tasks and is replaced after about
    ``frames_per_worker`` frames (Ray's ``max_calls``).
    """

    space: ParameterSpace
    settings: RenderSettings
    target: OutputTarget
    factory: RendererFactory
    workers: Optional[int]
    frames_per_worker: int
    address: Optional[str] = None
    num_cpus: Optional[int] = None  # local instance only; default: this machine's cores
    workers_used: int = 0
    threads_used: int = 0
    _own: bool = False

    name = "ray"

    def start(self) -> None:
        """Connect to the cluster at ``address``, or start a local Ray instance (unless one is running)."""
        import ray

        if not ray.is_initialized():
            self._init(ray)
            self._own = True

    def close(self) -> None:
        """Shut down the Ray instance this executor started."""
        if self._own:
            import ray

            ray.shutdown()
            self._own = False

    def cores(self) -> int:
        import ray

        return int(ray.cluster_resources().get("CPU", 1))

    def run(self, queue: UnitQueue, units: int, unit_size: int) -> None:
        """Render every unit of ``queue``; on KeyboardInterrupt cancel running tasks first, then re-raise."""
        import ray

        k, t = plan_parallelism(self.cores(), self.workers, self.settings.threads, units)
        self.workers_used, self.threads_used = k, t
        settings = dataclasses.replace(self.settings, threads=t)
        calls = max(1, self.frames_per_worker // max(1, unit_size))
        task = ray.remote(num_cpus=t, max_calls=calls, max_retries=0, retry_exceptions=False)(render_unit_cached)
        shared = [ray.put(x) for x in (self.space, settings, self.target, self.factory)]
        self._loop(ray, queue, task, shared, k)

    def _init(self, ray: Any) -> None:
        kwargs: Dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
        if self.address:
            check_reachable(self.address)
            try:
                ray.init(address=self.address, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as e:
                hint = "" if os.environ.get("RAY_AUTH_MODE") or self.address == "auto" else \
                    "; a cluster with token authentication also needs RAY_AUTH_MODE=token and its token " \
                    "(~/.ray/auth_token or RAY_AUTH_TOKEN)"
                raise UserError(f"--ray-address {self.address}: cannot connect to a Ray cluster "
                                f"({str(e).splitlines()[0] if str(e) else type(e).__name__}){hint}") from None
        else:
            # "local": a private instance even when RAY_ADDRESS is set or `ray start` ran on this machine
            ray.init(address="local", num_cpus=self.num_cpus or local_cores(),
                     object_store_memory=LOCAL_OBJECT_STORE, **kwargs)

    def _loop(self, ray: Any, queue: UnitQueue, task: Any, shared: list, k: int) -> None:
        inflight: Dict[Any, Any] = {}
        try:
            while not queue.finished:
                while queue.has_pending() and len(inflight) < k:
                    unit = queue.take()
                    for r in unit.requests:
                        queue.started(r.key)
                    inflight[task.remote(*shared, unit)] = unit
                ready, _ = ray.wait(list(inflight), num_returns=1)
                for ref in ready:
                    unit = inflight.pop(ref)
                    try:
                        results, error = ray.get(ref)
                    except ray.exceptions.RayError as e:
                        queue.end(unit.uid, _describe(e))
                        continue
                    for r in results:
                        queue.result(r)
                    queue.end(unit.uid, _frame_error(error) if error else None)
        except BaseException:
            for ref in inflight:
                ray.cancel(ref, force=True)
            if inflight:
                ray.wait(list(inflight), num_returns=len(inflight), timeout=STOP_TIMEOUT)
            self.close()  # a local instance takes its worker processes down with it before clean-up
            raise


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """UserError unless something listens at a ``host:port`` (or ``ray://host:port``) address; ray.init
    itself retries an unreachable address for many minutes. ``auto`` is left to Ray."""
    m = re.fullmatch(r"(?:ray://)?\[?([^\]/]+?)\]?:(\d+)/?", address.strip())
    if not m:
        if address.strip() == "auto":
            return
        raise UserError(f"--ray-address {address}: expected HOST:PORT (e.g. 10.0.0.1:6379), ray://HOST:PORT or auto")
    try:
        socket.create_connection((m[1], int(m[2])), timeout=timeout).close()
    except OSError as e:
        raise UserError(f"--ray-address {address}: no Ray cluster reachable there "
                        f"({e.strerror or type(e).__name__}); start one with `ray start --head`") from None


def _frame_error(error: Any) -> str:
    key, tb = error
    where = f"frame {key[1]} (iteration {key[0]})" if key else "starting the renderer"
    return f"{where}: {tb.strip()}"


def _describe(e: BaseException) -> str:
    text = str(e).strip()
    return f"Ray task failed: {type(e).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")
