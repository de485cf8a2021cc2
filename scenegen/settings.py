"""One rule for "the same settings", shared by every command that reuses or resumes a run.

A stored run (a ``train-seg`` checkpoint, an experiment's finished training run, a tuning run's
``run.json``) may be continued or reused only when every setting that changes what the run computes
equals the one asked for now.  Settings that do not (output path, device, threads, progress bars) are
named by the caller in ``ignore``; settings added to a config after runs were recorded are compared
against their default (``added_later``), so older runs stay usable.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Collection, Mapping, Optional, Tuple

from .errors import UserError


def first_difference(stored: Mapping[str, Any], now: Mapping[str, Any], ignore: Collection[str] = (),
                     added_later: Mapping[str, Any] | None = None) -> Optional[Tuple[str, Any, Any]]:
    """``(name, stored value, value now)`` of the first setting (in name order) that differs, or None."""
    old = {**(added_later or {}), **stored}
    for name in sorted((set(old) | set(now)) - set(ignore)):
        if old.get(name) != now.get(name):
            return name, old.get(name), now.get(name)
    return None


def require_same_settings(where: str | Path, stored: Mapping[str, Any], now: Mapping[str, Any], action: str,
                          ignore: Collection[str] = (), added_later: Mapping[str, Any] | None = None) -> None:
    """UserError ``"<where>: cannot <action>: setting 'x' differs (... in the run, ... now)"`` when a
    compared setting differs (or the stored settings are not a mapping: a damaged or foreign record)."""
    if not isinstance(stored, Mapping):
        raise UserError(f"{where}: cannot {action}: its stored settings are unreadable (expected a mapping, found "
                        f"{type(stored).__name__}); move it away or use a new --out")
    diff = first_difference(stored, now, ignore, added_later)
    if diff is not None:
        name, old, new = diff
        raise UserError(f"{where}: cannot {action}: setting {name!r} differs ({old!r} in the run, {new!r} now)")
