"""Progress of a render: a bar with frames per minute and ETA, and notes on retries."""
from __future__ import annotations

import sys
import time
from typing import Any, Optional

from .frames import WorkUnit
from .worker import FrameResult

_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"


class Progress:
    """Counts finished frames. ``show`` is True (own tqdm bar on stderr), False (silent), or any object
    with ``update(n)`` (e.g. the caller's tqdm bar) that is advanced once per finished frame."""

    def __init__(self, total: int, show: Any = True, desc: str = "render") -> None:
        self.total = total
        self.rendered = self.failed = 0
        self._t0 = time.perf_counter()
        self._external = show if hasattr(show, "update") else None
        self._bar = None
        self._quiet = show is False
        if show is True and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="frame", desc=desc, bar_format=_FORMAT, dynamic_ncols=True,
                             file=sys.stderr)

    def frames_per_minute(self) -> float:
        elapsed = time.perf_counter() - self._t0
        return self.rendered / elapsed * 60 if elapsed > 0 else 0.0

    def frame(self, result: FrameResult) -> None:
        """One frame reached its final state."""
        if result.status == "failed":
            self.failed += 1
        else:
            self.rendered += 1
        if self._external is not None:
            self._external.update(1)
        if self._bar is not None:
            post = f"{self.frames_per_minute():.1f} frames/min" + (f", {self.failed} failed" if self.failed else "")
            self._bar.set_postfix_str(post, refresh=False)
            self._bar.update(1)

    def retry(self, unit: WorkUnit, error: str) -> None:
        """A unit failed and is queued again."""
        self.note(f"retrying {len(unit)} frame(s), attempt {unit.attempt}: {last_line(error)}")

    def note(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        elif not self._quiet:
            print(text, file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def last_line(text: Optional[str]) -> str:
    """The last non-empty line of an error (a traceback's exception line)."""
    lines = [l for l in (text or "").splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""
