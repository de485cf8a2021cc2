"""What to render: one FrameRequest per frame, each with its seed and optional explicit z."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from scenegen.layout import FrameId
from scenegen.seeding import FrameSeed
from pathlib import Path


@dataclass(frozen=True)
class FrameRequest:
    """One frame: its seed identity and, optionally, explicit scene variables (else drawn from the space)."""

    seed: FrameSeed
    variables: Optional[Mapping[str, float]] = None

    def frame_id(self, root: Path, split: str, city: str) -> FrameId:
        """Where this frame's files go: sequence = tuning iteration, frame = frame index."""
        return FrameId(Path(root), split, city, self.seed.iteration, self.seed.frame_index)

    def to_dict(self) -> Dict[str, Any]:
        return {"run_seed": self.seed.run_seed, "iteration": self.seed.iteration,
                "frame_index": self.seed.frame_index,
                "variables": dict(self.variables) if self.variables is not None else None}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "FrameRequest":
        v = d.get("variables")
        return cls(FrameSeed(int(d["run_seed"]), int(d["iteration"]), int(d["frame_index"])),
                   dict(v) if v is not None else None)


def plan_frames(seed: int, count: int, iteration: int = 0, start: int = 0,
                variables: Sequence[Mapping[str, float]] | None = None) -> List[FrameRequest]:
    """Requests for frames ``start .. start+count-1`` of one run (and iteration)."""
    reqs = []
    for i in range(count):
        z = dict(variables[i]) if variables is not None else None
        reqs.append(FrameRequest(FrameSeed(seed, iteration, start + i), z))
    return reqs
