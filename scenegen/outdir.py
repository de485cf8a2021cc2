"""Checking and creating output folders before any work starts."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import UserError


def prepare_output_dir(path: str | Path) -> Path:
    """Create ``path`` (and parents) and prove it is writable; UserError otherwise, leaving nothing behind."""
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise UserError(f"--out {root}: exists and is not a folder")
    created = []
    probe = root
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-probe-", dir=root)
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        for d in created:  # deepest first
            try:
                d.rmdir()
            except OSError:
                pass
        raise UserError(f"--out {root}: cannot write there ({e.strerror or e})") from None
    return root
