"""Which iteration's distribution a tuning run hands on: the one whose renders came closest to the real
training images, in the terms its discriminator compares.

A tune can pass its best point and drift away again (the discriminator keeps separating the domains
after the statistics it sees match), so the last ``params_iter{N}.yaml`` is not always the best one.
Iteration ``k`` renders from ``params_iter{k-1}.yaml``; its ``metrics_iter{k}.json`` holds the distance
of those renders to the discriminator's real *training* images:

* ``image_statistics.gap_train`` (``--disc stats``): the mean standardised gap between the image
  statistics the discriminator reads (colour mean and contrast per grid cell; with labels also the
  class shares and each class's colour);
* with ``--kid`` (another discriminator): ``kid.train``, the KID of the renders' Lite0 features against
  the real training images (also without labels);
* otherwise ``class_proportions.l1_train``: the L1 distance of the paper-7 class proportions.

Only the training images are used for the choice: the evaluation images (``--real-val``) stay unseen.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from scenegen.io import atomic_write_bytes, atomic_write_json

from .run_folder import RunFolder

CRITERION = "class-proportion L1 of the renders to the real training images (paper 7 classes)"
STATS_CRITERION = ("mean standardised gap between the image statistics of the renders and of the real "
                   "training images (those the stats discriminator reads: colour mean and contrast per grid "
                   "cell, with labels also class shares and each class's colour)")
KID_CRITERION = ("KID on Lite0 features of the renders against the real training images (runs with --kid "
                 "and a discriminator other than stats)")

#: (metrics section, key, short name, description), first match wins
CRITERIA: Tuple[Tuple[str, str, str, str], ...] = (
    ("image_statistics", "gap_train", "image-statistics gap", STATS_CRITERION),
    ("kid", "train", "KID", KID_CRITERION),
    ("class_proportions", "l1_train", "class L1", CRITERION),
)


def best_iteration(metrics: Sequence[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The params iteration whose renders were closest to the real training images (smallest value of
    the first criterion of :data:`CRITERIA` the run measured), with the value per params iteration;
    ``None`` when no iteration measured any."""
    for section, key, short, description in CRITERIA:
        scores: List[Optional[float]] = [None] * max(len(metrics) - 1, 0)
        for m in metrics:
            k = int(m.get("iteration", 0))
            value = m.get(section, {}).get(key)
            if k >= 1 and value is not None and k - 1 < len(scores):
                scores[k - 1] = float(value)
        measured = [(v, k) for k, v in enumerate(scores) if v is not None]
        if not measured:
            continue
        value, k = min(measured)
        return {"params_iteration": k, "params": RunFolder.params_name(k), key: value, "value": value,
                "measure": short, f"{key}_per_params_iteration": scores, "criterion": description}
    return None


def write_best(run: RunFolder, metrics: Sequence[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """Copy the best iteration's parameters to ``params_best.yaml`` and describe the choice in
    ``best.json``; returns that description, or ``None`` (and writes nothing) when there is no criterion."""
    best = best_iteration(metrics)
    if best is None:
        return None
    atomic_write_bytes(run.best_params, run.params(best["params_iteration"]).read_bytes())
    atomic_write_json(run.best_file, best)
    return best
