"""Reading YAML input files: one reader for every file a user gives (size limit, one-line errors naming the
file and, for malformed YAML, the line), and strict settings mappings."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, Type

import yaml

from .errors import UserError
from .limits import MAX_INPUT_FILE_BYTES


def read_yaml(path: str | Path, what: str, error: Type[UserError] = UserError) -> Any:
    """The YAML document in the file ``path`` (a ``what``, e.g. "job file"): it must exist, be a regular file
    under the input size limit, UTF-8 and valid YAML; otherwise ``error`` with one line naming the file."""
    path = Path(path)
    if not path.exists():
        raise error(f"{path}: {what} not found")
    if path.is_dir():
        raise error(f"{path}: is a folder, not a {what}")
    if not path.is_file():
        raise error(f"{path}: {what} is not a regular file")
    if path.stat().st_size > MAX_INPUT_FILE_BYTES:
        raise error(f"{path}: {what} is larger than {MAX_INPUT_FILE_BYTES >> 20} MB (the limit for input files)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{path}: cannot read the {what} ({e})") from None
    return parse_yaml(text, str(path), error)


def parse_yaml(text: str, source: str, error: Type[UserError] = UserError) -> Any:
    """The YAML document in ``text`` (from ``source``); malformed YAML raises ``error`` saying where."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise error(f"{source}: malformed YAML{at}: {problem}") from None


def read_mapping(path: str | Path, what: str, allowed: Iterable[str]) -> Dict[str, Any]:
    """The top-level mapping of the YAML file ``path`` (a ``what``, e.g. "curve config"), keys in ``allowed``."""
    raw = read_yaml(path, what)
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
