"""Cross-fitting: every draw is scored by a discriminator that never trained on it.

The batch of rendered draws is split into ``k`` folds.  Discriminator ``f`` trains on the real
images plus all renders *outside* fold ``f`` (and, optionally, renders from earlier iterations,
which are never scored again), then scores fold ``f``.  Without this the scores of the draws a
discriminator has memorised would be biased toward "rendered", and the update rule would chase
noise.
"""
from __future__ import annotations

from typing import Callable, List, Sequence

import numpy as np


def fold_ids(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Balanced random fold labels 0..k-1 for ``n`` items (sizes differ by at most one)."""
    if k < 2:
        raise ValueError("cross-fitting needs at least 2 folds")
    if n < k:
        raise ValueError(f"cannot split {n} draws into {k} folds")
    ids = np.arange(n) % k
    return ids[rng.permutation(n)]


def crossfit_scores(folds: np.ndarray,
                    train_and_score: Callable[[int, np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Run ``train_and_score(fold, train_idx, test_idx) -> scores of test_idx`` for each fold.

    Returns one score per item, each from the model of the fold that held the item out.
    """
    folds = np.asarray(folds)
    scores = np.full(folds.size, np.nan)
    for f in sorted(set(folds.tolist())):
        test = np.flatnonzero(folds == f)
        train = np.flatnonzero(folds != f)
        s = np.asarray(train_and_score(int(f), train, test), dtype=float)
        if s.shape != test.shape:
            raise ValueError(f"fold {f}: expected {test.size} scores, got shape {s.shape}")
        scores[test] = s
    return scores


def split_holdout(n: int, frac: float, rng: np.random.Generator, min_each: int = 2) -> tuple:
    """Random (train_idx, heldout_idx) split of ``n`` items with about ``frac`` held out."""
    if n < 2 * min_each:
        raise ValueError(f"need at least {2 * min_each} items to hold some out, got {n}")
    k = int(round(n * frac))
    k = min(max(k, min_each), n - min_each)
    perm = rng.permutation(n)
    return np.sort(perm[k:]), np.sort(perm[:k])


def mean_over_models(predictions: Sequence[np.ndarray]) -> np.ndarray:
    """Average the scores several fold models give the same items (e.g. held-out real images)."""
    return np.mean(np.stack(list(predictions)), axis=0)


__all__: List[str] = ["fold_ids", "crossfit_scores", "split_holdout", "mean_over_models"]
