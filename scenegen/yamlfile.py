"""Settings files: one YAML mapping, read with a size limit and strict keys (UserError naming the file)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable

import yaml

from .errors import UserError
from .limits import MAX_INPUT_FILE_BYTES


def read_mapping(path: str | Path, what: str, allowed: Iterable[str]) -> Dict[str, Any]:
    """The top-level mapping of the YAML file ``path`` (a ``what``, e.g. "curve config"), keys in ``allowed``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: {what} does not exist")
    if path.stat().st_size > MAX_INPUT_FILE_BYTES:
        raise UserError(f"{path}: {what} is larger than {MAX_INPUT_FILE_BYTES >> 20} MB")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read the {what} ({e})") from None
    except yaml.YAMLError as e:
        raise UserError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: expected a mapping at the top level")
    allowed = set(allowed)
    unknown = sorted(str(k) for k in set(raw) - allowed)
    if unknown:
        raise UserError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return raw


def relative_to_file(spec: str, base: Path) -> str:
    """A path or ``KIND:PATH[#SPLIT]`` spec read from a file in ``base``: a relative path is taken from
    ``base``, and a ``KIND:`` prefix (a dataset kind or ``params``) stays in front."""
    from .cli_types import normalised_spec
    from .datasets import KINDS  # datasets imports OpenCV: only when a spec is resolved

    kind, sep, rest = spec.partition(":")
    if sep and kind in (*KINDS, "params"):
        return f"{kind}:{relative_to_file(rest, base)}"
    path = spec if Path(spec).expanduser().is_absolute() else str(Path(base) / spec)
    return normalised_spec(path)
