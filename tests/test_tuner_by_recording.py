"""`scenegen tune --by-recording`: one tune per recording and a mixture of them (numpy toy renderer)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scenegen.io import atomic_write_png
from scenegen.mixture import MixtureSpace, load_params
from scenegen.params import load_space
from tuner import cli as tcli
from tuner.run_folder import RunFolder

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("one_torch_thread")]

#: frames per recording in the fixture's train split
RECORDINGS = {"0001TP": 2, "0016E5": 4}



def make_recordings(root: Path, recordings=RECORDINGS) -> Path:
    """A tiny CamVid-layout set whose train frames come from several recordings (file-name prefixes)."""
    rng = np.random.default_rng(0)
    for split, counts in (("train", recordings), ("val", {"0016E5": 2})):
        for name, n in counts.items():
            for i in range(n):
                img = rng.integers(0, 255, (36, 48, 3), dtype=np.uint8)
                lab = np.full((36, 48), 11, np.uint8)
                lab[18:] = 3  # road
                lab[:, :10] = 1  # building
                atomic_write_png(root / split / f"{name}_{i:05d}.png", img)
                atomic_write_png(root / f"{split}annot" / f"{name}_{i:05d}.png", lab)
    return root


def _tune(*extra: str) -> int:
    return tcli.main(["tune", *extra, "--quiet"])


def _args(cam: Path, out: Path, *extra: str) -> list:
    return ["--recipe", "paper", "--real", f"camvid:{cam}#train", "--out", str(out), "--by-recording",
            "--backend", "toy", "--resolution", "64x32", "--batch", "8", "--iterations", "1", "--disc-steps", "3",
            "--no-kid", "--device", "cpu", "--variables", "fog_density,sun_elevation_deg",
            "--real-val", f"camvid:{cam}#val", *extra]


def test_one_tune_per_recording_and_a_mixture_in_their_shares(tmp_path, capsys):
    cam = make_recordings(tmp_path / "camvid")
    out = tmp_path / "mix"
    assert _tune(*_args(cam, out)) == 0
    assert f"mixture of the tunes -> {out / 'mixture.yaml'}" in capsys.readouterr().out
    mix = load_params(out / "mixture.yaml")
    assert isinstance(mix, MixtureSpace) and mix.weights == (2.0, 4.0)
    for name, part in zip(RECORDINGS, mix.parts):
        run = RunFolder(out / name)
        stored = run.read_description()["config"]
        assert stored["real"] == f"camvid:{cam}#train@{name}" and run.finished_iterations() == 1
        chosen = run.best_params if run.best_params.is_file() else run.params(1)
        assert part.version == load_space(chosen).version

    assert _tune("--out", str(out), "--by-recording", "--resume", "--iterations", "2") == 0  # stored settings
    assert [RunFolder(out / name).finished_iterations() for name in RECORDINGS] == [2, 2]
    assert json.loads((out / "by_recording.json").read_text())["recordings"] == RECORDINGS
    assert _tune(*_args(cam, out)) == 2  # a second start without --resume
    assert "pass --resume" in capsys.readouterr().err
    assert _tune("--out", str(out), "--by-recording", "--resume", "--seed", "5") == 2  # other settings
    assert "cannot resume: setting 'seed' differs" in capsys.readouterr().err
    assert json.loads((out / "by_recording.json").read_text())["config"]["seed"] == 0


@pytest.mark.parametrize("case, message", [
    ("one recording", "holds one recording (0016E5)"),
    ("a recording named", "drop '@0016E5'"),
    ("a params target", "needs a real dataset"),
    ("a stray file", "not a recording of --real"),
    ("a single run", "holds a single tuning run"),
    ("a small recording", "recording 0001TP has 2 frames; a tune takes at least 4 (some are held out"),
])
def test_by_recording_bad_input_is_one_line_and_exit_2(tmp_path, capsys, case, message):
    cam = make_recordings(tmp_path / "camvid")
    out = tmp_path / "mix"
    args = _args(cam, out)
    if case == "one recording":
        args[3] = f"camvid:{make_recordings(tmp_path / 'one', {'0016E5': 3})}#train"
    elif case == "a recording named":
        args[3] += "@0016E5"
    elif case == "a params target":
        target = tmp_path / "target.yaml"
        target.write_text("variables: {fog_density: {support: [0.0, 2.0], distribution: {type: histogram}}}\n")
        args[3] = f"params:{target}"
    elif case == "a small recording":
        args = args[:-2]  # no --real-val: each recording's tune holds some of its frames out
    elif case == "a stray file":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    else:
        out.mkdir()
        (out / "run.json").write_text(json.dumps({"config": {}}))
    assert _tune(*args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (out / "mixture.yaml").exists() and not any(out.glob("0016E5"))
