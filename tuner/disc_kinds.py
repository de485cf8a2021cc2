"""What each discriminator kind is and reads, torch-free (for the CLI, the recipes and the bench scripts).

The models behind the names live in :mod:`tuner.disc_models`, one class per kind, registered under the
same name.  Adding a kind: a :class:`KindSpec` here and a ``@register``-ed class there.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from scenegen.errors import UserError

#: What a discriminator reads: the RGB image, the label image (paper-7 class shares), or both.
INPUTS = ("rgb", "labels", "rgb+labels")
DEFAULT_INPUT = "rgb"


@dataclass(frozen=True)
class KindSpec:
    """A discriminator kind: its name, a one-line summary for ``--help``, the inputs it accepts, and
    whether it reads a ``rows x cols`` grid of statistics (``--disc-grid``)."""

    name: str
    summary: str
    inputs: Tuple[str, ...] = INPUTS
    grid: bool = False

    @property
    def only_input(self) -> Optional[str]:
        """The one input a kind that accepts a single one reads (``--disc`` alone switches to it)."""
        return self.inputs[0] if len(self.inputs) == 1 else None

    def resolve_input(self, inputs: str) -> str:
        """The input this kind reads when asked for ``inputs``; UserError when it cannot read it.
        A kind with one input takes the default input as a request for that one."""
        if inputs not in INPUTS:
            raise UserError(f"unknown discriminator input {inputs!r}; choose from {list(INPUTS)}")
        if inputs in self.inputs:
            return inputs
        if self.only_input is not None and inputs == DEFAULT_INPUT:
            return self.only_input
        raise UserError(f"the {self.name} discriminator reads {' or '.join(self.inputs)} only "
                        f"(--disc-input {inputs} was given)")


KINDS: Dict[str, KindSpec] = {s.name: s for s in (
    KindSpec("small", "small CNN from scratch"),
    KindSpec("lite0", "frozen EfficientNet-Lite0 + trained head", inputs=("rgb",)),
    KindSpec("layout", "grid class shares + MLP", inputs=("labels",), grid=True),
    KindSpec("stats", "grid image statistics + logistic regression", grid=True),
)}
#: Kind names in the order the CLI lists them.
BACKBONES = tuple(KINDS)


def kind_spec(name: str) -> KindSpec:
    """The :class:`KindSpec` called ``name`` (UserError naming the choices otherwise)."""
    try:
        return KINDS[name]
    except KeyError:
        raise UserError(f"unknown discriminator backbone {name!r}; choose from {list(BACKBONES)}") from None
