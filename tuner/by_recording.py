"""``scenegen tune --by-recording``: one tune per recording of the real set, and a mixture of the tunes.

A tuned space draws each variable on its own, so it cannot say "either dusk with wet roads or a sunny afternoon
with bare trees"; a real set filmed on different days can. This runs the same tune toward each recording of
``--real`` alone (``SPEC@RECORDING``, the recording being a frame's file name up to its first underscore) and
writes a mixture file (:mod:`scenegen.mixture`) that draws each frame from one tune, in the shares of the
recordings' frames::

    OUT/by_recording.json the settings (as a single run's run.json holds them), written first
    OUT/<RECORDING>/      one tuning run per recording, each resumable on its own
    OUT/mixture.yaml      each run's params_best.yaml (its last iteration where it has none), weighted by the
                          recording's frame count; `scenegen render --params OUT/mixture.yaml` renders it
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Dict, Optional

from scenegen import datasets
from scenegen.errors import UserError
from scenegen.mixture import load_params

from .run_folder import RunFolder

SETTINGS_FILE = "by_recording.json"
MIXTURE_FILE = "mixture.yaml"
#: a real set with fewer recordings than this has nothing to mix
MIN_RECORDINGS = 2


def recording_counts(real: str) -> Dict[str, int]:
    """Frames per recording of the real set ``real`` (a dataset spec without ``@RECORDING``), sorted by name."""
    if real.startswith("params:"):
        raise UserError("--by-recording needs a real dataset (--real KIND:PATH#SPLIT), not a params: target")
    spec = datasets.parse_dataset_spec(real)
    if spec.recording:
        raise UserError(f"--real {real}: --by-recording tunes every recording; drop '@{spec.recording}'")
    counts: Dict[str, int] = {}
    for sample in datasets.list_samples(spec):
        name = datasets.recording_of(sample)
        counts[name] = counts.get(name, 0) + 1
    if len(counts) < MIN_RECORDINGS:
        raise UserError(f"--real {real}: holds one recording ({next(iter(counts))}); --by-recording needs "
                        f"at least {MIN_RECORDINGS}")
    return dict(sorted(counts.items()))


def check_sizes(counts: Dict[str, int], config) -> None:
    """UserError, before any tune starts, when a recording has fewer frames than a tune takes."""
    from .realdata import min_real_images

    least = min_real_images(bool(config.real_val))
    small = [name for name, n in counts.items() if n < least]
    if small:
        hint = "" if config.real_val else " (some are held out; --real-val SPEC keeps them all)"
        raise UserError(f"--real {config.real}: recording {small[0]} has {counts[small[0]]} frames; a tune takes "
                        f"at least {least}{hint}")


def part_config(config, recording: str):
    """The TuneConfig of one recording's tune: the same settings toward that recording, in its own folder."""
    spec = datasets.parse_dataset_spec(config.real)
    split = datasets.resolve_split(spec)
    if split is None:
        raise UserError(f"--real {config.real}: --by-recording needs a split (…#SPLIT)")
    real = str(dataclasses.replace(spec, split=split, recording=recording))
    return dataclasses.replace(config, real=real, out=str(Path(config.out) / recording))


def check_parent(out: Path, recordings: Dict[str, int], resume: bool) -> None:
    """UserError unless ``out`` is new or empty, or (with ``resume``) holds these recordings' runs and nothing
    else."""
    from scenegen.outdir import check_output_dir

    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: --out exists and is not a folder")
    if RunFolder(out).is_run():
        raise UserError(f"{out}: holds a single tuning run; choose another --out for --by-recording")
    present = {p.name for p in out.iterdir() if not p.name.startswith(".")} if out.is_dir() else set()
    stray = sorted(present - set(recordings) - {MIXTURE_FILE, SETTINGS_FILE})
    if stray:
        raise UserError(f"{out}: --out holds {stray[0]!r}, which is not a recording of --real; choose a new --out")
    if present and not resume:
        raise UserError(f"{out}: already holds tunes by recording; pass --resume to continue them or choose a "
                        f"new --out")
    check_output_dir(out)


def mixture_text(counts: Dict[str, int], chosen: Dict[str, str]) -> str:
    """The mixture file of the recordings' tunes: ``chosen`` maps each recording to its params file, relative
    to the mixture file's folder."""
    import yaml

    doc = {"name": "by-recording",
           "description": f"{len(counts)} tunes, one per recording, weighted by their {sum(counts.values())} real "
                          f"frames",
           "mixture": [{"params": chosen[name], "weight": count} for name, count in counts.items()]}
    return ("# One tune per recording of the real set (scenegen tune --by-recording); each frame draws from one\n"
            "# of them in the share of that recording's frames. Render: scenegen render --params THIS_FILE\n"
            + yaml.safe_dump(doc, sort_keys=False, width=100))


def stored_settings(out: Path) -> Optional[Dict]:
    """The settings a by-recording folder was started with (None when ``out`` is not one)."""
    import json

    path = out / SETTINGS_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())["config"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UserError(f"{path}: unreadable settings ({e}); move the folder away or choose a new --out") from None


def tune_by_recording(config, resume: bool, tune: Callable[[object, bool], RunFolder]) -> Path:
    """Run ``tune(part_config, resume)`` for every recording in turn, then write and check the mixture file;
    returns its path."""
    from scenegen.io import atomic_write_json, atomic_write_text
    from scenegen.settings import require_same_settings

    from .config import TuneConfig

    out = Path(config.out)
    counts = recording_counts(config.real)
    check_sizes(counts, config)
    check_parent(out, counts, resume)
    parts = {name: part_config(config, name) for name in counts}
    for part in parts.values():
        part.validate()
    stored = stored_settings(out)
    if stored is not None:
        require_same_settings(out / SETTINGS_FILE, TuneConfig.from_dict(stored).to_dict(), config.to_dict(),
                              "resume", ignore=TuneConfig.NON_SEMANTIC)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / SETTINGS_FILE, {"config": config.to_dict(), "recordings": counts})
    chosen = {}
    for name, part in parts.items():
        again = resume and RunFolder(part.out).is_run()
        RunFolder(part.out).check_for(part, again)
        run = tune(part, again)
        params = run.best_params if run.best_params.is_file() else run.params(run.finished_iterations())
        chosen[name] = params.relative_to(out).as_posix()
    path = out / MIXTURE_FILE
    atomic_write_text(path, mixture_text(counts, chosen))
    load_params(path)  # the file it hands on loads
    return path
