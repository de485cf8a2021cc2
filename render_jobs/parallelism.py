"""How many workers, and how many render threads each, for a given number of cores."""
from __future__ import annotations

import os
from typing import Optional, Tuple


def local_cores() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan_parallelism(cores: int, workers: Optional[int], threads: int, units: int) -> Tuple[int, int]:
    """(workers, threads per worker): ``workers`` defaults to one per core and is capped by the number of
    units; each Blender gets ``max(1, cores // workers)`` threads unless ``threads`` fixes it, so K
    workers do not oversubscribe C cores."""
    k = workers if workers else max(1, cores)
    k = max(1, min(k, units)) if units else max(1, k)
    t = threads if threads else max(1, cores // k)
    return k, t
