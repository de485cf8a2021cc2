"""Which iteration's distribution a tuning run hands on: the one whose renders came closest to the real
training images in paper-7 class proportions.

A tune can pass its best point and drift away again (the discriminator keeps separating the domains
after the class statistics match), so the last ``params_iter{N}.yaml`` is not always the best one.
Iteration ``k`` renders from ``params_iter{k-1}.yaml``; its ``metrics_iter{k}.json`` holds the class
proportion L1 of those renders to the discriminator's real training images (``l1_train``). Only the
training images are used for the choice: the evaluation images (``--real-val``) stay unseen.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from scenegen.io import atomic_write_bytes, atomic_write_json

BEST_PARAMS = "params_best.yaml"
BEST_FILE = "best.json"
CRITERION = "class-proportion L1 of the renders to the real training images (paper 7 classes)"


def best_iteration(metrics: Sequence[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The params iteration whose renders had the smallest ``l1_train``, with the L1 per params
    iteration; ``None`` when no iteration measured it (real images without labels)."""
    scores: List[Optional[float]] = [None] * max(len(metrics) - 1, 0)
    for m in metrics:
        k = int(m.get("iteration", 0))
        l1 = m.get("class_proportions", {}).get("l1_train")
        if k >= 1 and l1 is not None and k - 1 < len(scores):
            scores[k - 1] = float(l1)
    measured = [(v, k) for k, v in enumerate(scores) if v is not None]
    if not measured:
        return None
    value, k = min(measured)
    return {"params_iteration": k, "params": f"params_iter{k}.yaml", "l1_train": value,
            "l1_train_per_params_iteration": scores, "criterion": CRITERION}


def write_best(run: Path, metrics: Sequence[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """Copy the best iteration's parameters to ``params_best.yaml`` and describe the choice in
    ``best.json``; returns that description, or ``None`` (and writes nothing) when there is no criterion."""
    run = Path(run)
    best = best_iteration(metrics)
    if best is None:
        return None
    atomic_write_bytes(run / BEST_PARAMS, (run / best["params"]).read_bytes())
    atomic_write_json(run / BEST_FILE, best)
    return best
