"""Hands work units to executors and keeps each frame's final outcome; retries failed units."""
from __future__ import annotations

from collections import deque
from typing import Callable, Deque, Dict, Iterable, List, Optional, Set

from .frames import FrameKey, FrameRequest, WorkUnit
from .worker import FrameResult


class UnitQueue:
    """Pending and running units; a unit that ends with frames left over is retried up to ``max_attempts``.

    ``on_result`` is called once per frame with its final result (rendered or failed);
    ``on_retry(unit, error)`` whenever a unit is queued again.
    """

    def __init__(self, units: Iterable[WorkUnit], max_attempts: int,
                 on_result: Optional[Callable[[FrameResult], None]] = None,
                 on_retry: Optional[Callable[[WorkUnit, str], None]] = None) -> None:
        self._pending: Deque[WorkUnit] = deque(units)
        self._running: Dict[int, WorkUnit] = {}
        self._final: Dict[FrameKey, FrameResult] = {}
        self._touched: Set[FrameKey] = set()
        self._next_uid = max((u.uid for u in self._pending), default=-1) + 1
        self.max_attempts = max(1, max_attempts)
        self.on_result = on_result
        self.on_retry = on_retry
        self.retries = 0

    def has_pending(self) -> bool:
        return bool(self._pending)

    @property
    def finished(self) -> bool:
        return not self._pending and not self._running

    @property
    def running(self) -> List[WorkUnit]:
        return list(self._running.values())

    def take(self) -> WorkUnit:
        """The next unit to run (marked running until :meth:`end`)."""
        unit = self._pending.popleft()
        self._running[unit.uid] = unit
        return unit

    def started(self, key: FrameKey) -> None:
        """A worker began writing the frame ``key``."""
        self._touched.add(key)

    def result(self, result: FrameResult) -> None:
        """A frame of a running unit finished."""
        key = result.request.key
        self._touched.add(key)
        if key not in self._final:
            self._final[key] = result
            if self.on_result:
                self.on_result(result)

    def end(self, uid: int, error: Optional[str] = None) -> None:
        """Unit ``uid`` stopped: cleanly (``error`` None) or with an error. Frames it did not finish are
        queued again as a new unit, or recorded as failed once the unit has used all its attempts."""
        unit = self._running.pop(uid, None)
        if unit is None:
            return
        left = [r for r in unit.requests if r.key not in self._final]
        if not left:
            return
        error = error or "the worker stopped without rendering these frames"
        if unit.attempt < self.max_attempts:
            retry = WorkUnit(self._next_uid, tuple(left), unit.attempt + 1)
            self._next_uid += 1
            self._pending.appendleft(retry)
            self.retries += 1
            if self.on_retry:
                self.on_retry(retry, error)
            return
        for req in left:
            self.result(FrameResult(req, "failed", error=error, attempts=unit.attempt))

    def fail_pending(self, error: str) -> None:
        """Give up: the frames of every unit not yet started fail with ``error``, and units still running
        are not retried."""
        self.max_attempts = 0
        while self._pending:
            for req in self._pending.popleft().requests:
                self.result(FrameResult(req, "failed", error=error, attempts=0))

    def touched(self) -> Set[FrameKey]:
        """Frames some worker started to write in this run."""
        return set(self._touched)

    def results(self, requests: Iterable[FrameRequest]) -> List[FrameResult]:
        """Final results in the order of ``requests``; frames never finished are ``pending``."""
        return [self._final.get(r.key) or FrameResult(r, "pending", attempts=0) for r in requests]
