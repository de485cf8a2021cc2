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
        _prove_writable(root, "--out", root)
    return root


def _prove_writable(folder: Path, flag: str, shown: Path) -> None:
    """Create ``folder`` (and parents) and write a probe file in it; UserError otherwise."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise UserError(f"{flag} {shown}: cannot write there ({e.strerror or e})") from None


def check_output_dir(path: str | Path, flag: str = "--out") -> Path:
    """UserError unless ``path`` is, or can be created as, a writable folder; leaves nothing behind."""
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise UserError(f"{flag} {root}: exists and is not a folder")
    created = missing_folders(root)
    try:
        _prove_writable(root, flag, root)
    finally:
        if created:
            shutil.rmtree(created[-1], ignore_errors=True)
    return root


def check_output_file(path: str | Path, flag: str = "--out") -> Path:
    """UserError unless a file can be written at ``path`` (not a folder, its folder writable); leaves
    nothing behind."""
    target = Path(path)
    if not str(path):
        raise UserError(f"{flag}: give a file name")
    if target.is_dir():
        raise UserError(f"{flag} {target}: is a folder; give a file name")
    created = missing_folders(target.parent)
    try:
        _prove_writable(target.parent, flag, target)
    finally:
        if created:
            shutil.rmtree(created[-1], ignore_errors=True)
    return target


#: files that mark a folder as holding one kind of run: file name -> what the folder holds
RUN_MARKERS = {
    "manifest.json": "a render run",
    "sample.json": "scene specs written by `scenegen sample`",
    "run.json": "a tuning run",
    "train.json": "a segmentation training run",
    "checkpoint.pt": "a segmentation training run",
    "table.json": "an experiment table",
    "curve.json": "a label-efficiency curve",
}


def refuse_other_runs(root: str | Path, own: tuple = (), flag: str = "--out") -> None:
    """One refusal rule for every command that writes a run folder: UserError when ``root`` holds a run of
    another kind (a marker file of :data:`RUN_MARKERS` not in ``own``)."""
    root = Path(root)
    if not root.is_dir():
        return
    for marker, what in RUN_MARKERS.items():
        if marker not in own and (root / marker).exists():
            raise UserError(f"{flag} {root}: holds {what} ({marker}); choose another folder")
