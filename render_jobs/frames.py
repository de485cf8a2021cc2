"""What to render: one FrameRequest per frame, grouped into work units for the workers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from scenegen.errors import UserError
from scenegen.layout import FrameId
from scenegen.seeding import FrameSeed

FrameKey = Tuple[int, int]  # (iteration, frame_index): a frame's place in the output layout


@dataclass(frozen=True)
class FrameRequest:
    """One frame: its seed identity and, optionally, explicit scene variables (else drawn from the space).
    A frame of a sequence (scenegen.sequence) also carries the sequence's length and frame rate: its seed's
    iteration is the sequence, its frame index the frame within it."""

    seed: FrameSeed
    variables: Optional[Mapping[str, float]] = None
    sequence_length: Optional[int] = None
    fps: Optional[float] = None

    @property
    def key(self) -> FrameKey:
        return (self.seed.iteration, self.seed.frame_index)

    def frame_id(self, root: Path, split: str, city: str) -> FrameId:
        """Where this frame's files go: sequence = tuning iteration, frame = frame index."""
        return FrameId(Path(root), split, city, self.seed.iteration, self.seed.frame_index)

    def to_dict(self) -> Dict[str, Any]:
        d = {"run_seed": self.seed.run_seed, "iteration": self.seed.iteration, "frame_index": self.seed.frame_index,
             "variables": dict(self.variables) if self.variables is not None else None}
        if self.sequence_length is not None:
            d.update(sequence_length=self.sequence_length, fps=self.fps)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "FrameRequest":
        v = d.get("variables")
        return cls(FrameSeed(int(d["run_seed"]), int(d["iteration"]), int(d["frame_index"])),
                   dict(v) if v is not None else None, d.get("sequence_length"), d.get("fps"))


def plan_frames(seed: int, count: int, iteration: int = 0, start: int = 0,
                variables: Sequence[Mapping[str, float]] | None = None) -> List[FrameRequest]:
    """Requests for frames ``start .. start+count-1`` of one run (and iteration)."""
    reqs = []
    for i in range(count):
        z = dict(variables[i]) if variables is not None else None
        reqs.append(FrameRequest(FrameSeed(seed, iteration, start + i), z))
    return reqs


def plan_sequences(seed: int, sequences: int, length: int, fps: float) -> List[FrameRequest]:
    """Requests for ``sequences`` sequences of ``length`` frames: stems ``<city>_<sequence>_<frame>``."""
    return [FrameRequest(FrameSeed(seed, s, t), None, length, fps) for s in range(sequences) for t in range(length)]


def check_unique(requests: Sequence[FrameRequest]) -> None:
    """UserError when two requests would write the same frame files."""
    seen = set()
    for r in requests:
        if r.key in seen:
            raise UserError(f"two requests for the same frame (iteration {r.key[0]}, frame {r.key[1]})")
        seen.add(r.key)


@dataclass(frozen=True)
class WorkUnit:
    """Frames that one worker renders in order with one Blender session; retried together on failure."""

    uid: int
    requests: Tuple[FrameRequest, ...]
    attempt: int = 1

    def __len__(self) -> int:
        return len(self.requests)


def unit_size(frames: int, workers: int, frames_per_worker: int) -> int:
    """Frames per work unit: about four units per worker (load balance), at most 8 and never more than
    a worker renders before it is recycled."""
    if frames <= 0:
        return 1
    return max(1, min(math.ceil(frames / (4 * max(1, workers))), 8, frames_per_worker))


def make_units(requests: Sequence[FrameRequest], size: int, first_uid: int = 0) -> List[WorkUnit]:
    """Split ``requests`` (in order) into units of at most ``size`` frames."""
    return [WorkUnit(first_uid + i, tuple(requests[s:s + size]))
            for i, s in enumerate(range(0, len(requests), size))]
