"""Checking and creating output folders before any work starts."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, List

from .errors import UserError


def missing_folders(path: str | Path) -> List[Path]:
    """The folders of ``path`` (itself included) that do not exist yet, deepest first."""
    missing = []
    probe = Path(path)
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    return missing


@contextlib.contextmanager
def removed_on_user_error(path: str | Path) -> Iterator[None]:
    """Run the block; if it raises UserError, delete the folders of ``path`` that did not exist before it
    (with whatever the block wrote into them), so bad input leaves nothing behind."""
    created = missing_folders(path)
    try:
        yield
    except UserError:
        if created:
            shutil.rmtree(created[-1], ignore_errors=True)
        raise


def prepare_output_dir(path: str | Path) -> Path:
    """Create ``path`` (and parents) and prove it is writable; UserError otherwise, leaving nothing behind."""
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise UserError(f"--out {root}: exists and is not a folder")
    with removed_on_user_error(root):
        try:
            root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".write-probe-", dir=root)
            os.close(fd)
            os.unlink(tmp)
        except OSError as e:
            raise UserError(f"--out {root}: cannot write there ({e.strerror or e})") from None
    return root
