"""Seed streams: every random draw comes from an explicit numpy Generator.

A frame's streams derive from ``SeedSequence([run_seed, iteration, frame_index, key])``
where ``key`` is a stable hash of the subsystem name, so adding a subsystem or a
scene variable never shifts the draws of the others.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np


def stable_key(name: str) -> int:
    """A process-independent 32-bit key for a stream name (unlike ``hash``)."""
    return zlib.crc32(name.encode("utf-8"))


@dataclass(frozen=True)
class FrameSeed:
    """The identity of one frame's randomness: run seed, tuning iteration, frame index."""

    run_seed: int
    iteration: int
    frame_index: int

    def entropy(self) -> list:
        return [int(self.run_seed), int(self.iteration), int(self.frame_index)]

    def stream(self, name: str) -> np.random.Generator:
        """An independent Generator for the named subsystem of this frame."""
        return np.random.default_rng(np.random.SeedSequence(self.entropy() + [stable_key(name)]))


def named_stream(seed_entropy: list, name: str) -> np.random.Generator:
    """An independent Generator for ``name`` below arbitrary integer entropy."""
    return np.random.default_rng(np.random.SeedSequence(list(seed_entropy) + [stable_key(name)]))


def generator(*entropy: int) -> np.random.Generator:
    """A numpy Generator seeded by ``SeedSequence(entropy)`` (the same as ``default_rng(list(entropy))``)."""
    return np.random.default_rng(np.random.SeedSequence([int(e) for e in entropy]))


def int_seed(*entropy: int, bits: int = 31) -> int:
    """A ``bits``-bit integer seed (1..32 bits) drawn from ``SeedSequence(entropy)``, for libraries that
    take an integer (torch generators, renderers)."""
    word = int(np.random.SeedSequence([int(e) for e in entropy]).generate_state(1, np.uint32)[0])
    return word >> (32 - bits)


def torch_seed(*entropy: int) -> int:
    """A 63-bit integer seed from ``SeedSequence(entropy)`` for ``torch.Generator().manual_seed``."""
    state = np.random.SeedSequence([int(e) for e in entropy]).generate_state(2, np.uint32)
    return int(state[0]) << 31 | int(state[1] >> 1)
