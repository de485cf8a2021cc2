"""The figures of a label-efficiency curve: points over seeds, paired differences, labels saved.

"Labels saved" answers: how many real images does the real-only curve need to score what a recipe
scores with k real images?  The real-only curve is read in log count: between two measured counts its
score is interpolated linearly in log(count), on the curve's running maximum (so noise that dips the
curve cannot make a score reachable twice).  The answer divided by k is the saving ratio: 2 means the
recipe's k images are worth 2k real ones.  A score at or below the first real-only point needs at most
the first count (bound ``<=``); one above the curve's highest point needs more than the last (``>``).
"""
from __future__ import annotations

import math
from typing import Dict, List, Sequence, Tuple

from scenegen.labels import PAPER7_NAMES
from segtrain.runs import mean, std
from segtrain.table import paired_global_difference


def summarize_point(runs: Sequence[Dict]) -> Dict:
    """One point of a line from its runs (one per seed): means of "global" and of the 7 classes, the
    standard error of "global" over seeds (None for one seed), and the per-seed figures."""
    g = [r["record"]["global"] for r in runs]
    sd = std(g)
    n = len([x for x in g if x is not None])
    return {"count": runs[0]["count"], "seeds": [r["seed"] for r in runs], "global": mean(g),
            "global_se": None if sd is None else sd / math.sqrt(n),
            "paper7_iou": {c: mean([r["record"]["paper7_iou"].get(c) for r in runs]) for c in PAPER7_NAMES},
            "per_seed": [{"seed": r["seed"], "global": r["record"]["global"], "run": r["run"],
                          "train_seconds": r.get("train_seconds")} for r in runs]}


def interpolate_log(counts: Sequence[float], scores: Sequence[float], count: float) -> float | None:
    """The curve's score at ``count``, linear in log(count) between measured points; None outside them."""
    if not counts or count < counts[0] or count > counts[-1]:
        return None
    for (c0, s0), (c1, s1) in zip(zip(counts, scores), zip(counts[1:], scores[1:])):
        if c0 <= count <= c1:
            t = (math.log(count) - math.log(c0)) / (math.log(c1) - math.log(c0))
            return s0 + t * (s1 - s0)
    return float(scores[0])


def labels_needed(counts: Sequence[float], scores: Sequence[float], target: float) -> Tuple[float, str]:
    """How many real images the real-only curve (``counts`` ascending, mean ``scores``) needs to reach
    ``target``, and a bound: ``""`` interpolated, ``"<="`` at most the first count, ``">"`` more than
    the last."""
    envelope = []
    for s in scores:
        envelope.append(s if not envelope else max(s, envelope[-1]))
    if target <= envelope[0]:
        return float(counts[0]), "<="
    if target > envelope[-1]:
        return float(counts[-1]), ">"
    i = next(i for i, e in enumerate(envelope) if e >= target)
    if envelope[i] == target:
        return float(counts[i]), ""
    t = (target - envelope[i - 1]) / (envelope[i] - envelope[i - 1])
    return math.exp(math.log(counts[i - 1]) + t * (math.log(counts[i]) - math.log(counts[i - 1]))), ""


def labels_saved(real_counts: Sequence[int], real_scores: Sequence[float], point: Dict) -> Dict:
    """The saving of one point (k real images) against the mean real-only curve: images needed, ratio
    to k, the ratio's range for the point's score ± one standard error, and whether k images reach what
    real-only needs 2k for (``halved``; None where 2k is beyond the curve)."""
    k, score, se = point["count"], point["global"], point["global_se"]
    needed, bound = labels_needed(real_counts, real_scores, score)
    rng = [labels_needed(real_counts, real_scores, score + d)[0] / k for d in (-(se or 0.0), se or 0.0)]
    at_k, at_2k = interpolate_log(real_counts, real_scores, k), interpolate_log(real_counts, real_scores, 2 * k)
    return {"count": k, "global": score, "needed": needed, "bound": bound, "ratio": needed / k,
            "ratio_range": rng, "real_at_k": at_k, "real_at_2k": at_2k,
            "real_climbs": None if at_k is None or at_2k is None else at_2k - at_k,
            "halved": None if at_2k is None else score >= at_2k}


def paired(runs_a: Sequence[Dict], runs_b: Sequence[Dict]) -> Dict | None:
    """b − a on "global", paired by seed (mean, standard error, wins); one seed gives no error."""
    return paired_global_difference([_flat(r) for r in runs_a], [_flat(r) for r in runs_b], min_seeds=1)


def _flat(run: Dict) -> Dict:
    return {"seed": run["seed"], "global": run["record"]["global"]}


def pooled(by_count: List[Dict | None]) -> Dict | None:
    """Differences pooled over counts: each seed's mean difference over the counts, then the mean and
    standard error over seeds (the counts of one seed share its images, so they are not independent)."""
    per_seed: Dict[int, List[float]] = {}
    for d in by_count:
        if d is None:
            continue
        for seed, diff in zip(d["seeds"], d["differences"]):
            per_seed.setdefault(seed, []).append(diff)
    if not per_seed:
        return None
    values = [sum(v) / len(v) for v in per_seed.values()]
    sd = std(values)
    return {"seeds": sorted(per_seed), "mean": sum(values) / len(values),
            "standard_error": None if sd is None else sd / math.sqrt(len(values)),
            "wins": sum(v > 0 for v in values)}
