"""Mixtures of parameter spaces: loading, bad files, per-frame part choice, and a real render of one."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scenegen.errors import ParamsError
from scenegen.grammar import frame_variables
from scenegen.mixture import MAX_PARTS, MixtureSpace, load_params
from scenegen.params import load_space
from scenegen.seeding import FrameSeed

CLEAR = """name: clear
variables:
  fog_density:
    support: [0.0, 2.0]
    distribution: {type: histogram, edges: [0.0, 0.2, 2.0], weights: [1.0, 0.0]}
"""
FOGGY = CLEAR.replace("name: clear", "name: foggy").replace("weights: [1.0, 0.0]", "weights: [0.0, 1.0]")


def _write_parts(folder: Path) -> None:
    (folder / "clear.yaml").write_text(CLEAR)
    (folder / "foggy.yaml").write_text(FOGGY)


def _mixture(folder: Path, body: str) -> Path:
    _write_parts(folder)
    path = folder / "mix.yaml"
    path.write_text(body)
    return path


TWO_PARTS = """name: two-days
mixture:
  - {params: clear.yaml, weight: 1}
  - {params: foggy.yaml, weight: 3}
"""


def test_each_frame_draws_from_one_part_in_the_weights_shares(tmp_path):
    mix = load_params(_mixture(tmp_path, TWO_PARTS))
    assert isinstance(mix, MixtureSpace) and [p.name for p in mix.parts] == ["clear", "foggy"]
    fogs = np.array([frame_variables(mix, FrameSeed(0, 0, i))["fog_density"] for i in range(800)])
    foggy = fogs >= 0.2
    assert not np.any((fogs > 0.2 - 1e-9) & (fogs < 0.2 + 1e-9))
    assert abs(foggy.mean() - 0.75) < 0.05  # 3 : 1 (binomial SE 0.015)


def test_a_frame_of_a_mixture_is_that_frame_of_its_part(tmp_path):
    mix = load_params(_mixture(tmp_path, TWO_PARTS))
    for i in range(20):
        seed = FrameSeed(4, 0, i)
        k = mix.part_index(seed.entropy() + [_variables_key()])
        assert frame_variables(mix, seed) == frame_variables(mix.parts[k], seed)
    again = load_params(tmp_path / "mix.yaml")
    assert [frame_variables(again, FrameSeed(4, 0, i)) for i in range(5)] == \
           [frame_variables(mix, FrameSeed(4, 0, i)) for i in range(5)]


def _variables_key() -> int:
    from scenegen.seeding import stable_key

    return stable_key("variables")


def test_the_written_copy_loads_on_its_own_with_the_same_version(tmp_path):
    mix = load_params(_mixture(tmp_path, TWO_PARTS))
    copy = tmp_path / "elsewhere" / "params.yaml"
    copy.parent.mkdir()
    mix.save(copy)
    again = load_params(copy)
    assert again.version == mix.version and again.weights == (1.0, 3.0)
    other = load_params(_mixture(tmp_path, TWO_PARTS.replace("weight: 3", "weight: 2")))
    assert other.version != mix.version


@pytest.mark.parametrize("body, message", [
    ("mixture: []\n", "non-empty list"),
    ("mixture: {params: clear.yaml}\n", "non-empty list"),
    ("mixture:\n  - {params: clear.yaml, weight: 0}\n", "positive number"),
    ("mixture:\n  - {params: clear.yaml, weight: .inf}\n", "positive number"),
    ("mixture:\n  - {params: clear.yaml, weight: true}\n", "positive number"),
    ("mixture:\n  - {params: clear.yaml}\n", "positive number"),
    ("mixture:\n  - {params: missing.yaml, weight: 1}\n", "missing.yaml"),
    ("mixture:\n  - {params: mix.yaml, weight: 1}\n", "itself a mixture"),
    ("mixture:\n  - {params: clear.yaml, space: {variables: {}}, weight: 1}\n", "exactly one of"),
    ("mixture:\n  - {params: clear.yaml, weight: 1, colour: red}\n", "unknown key"),
    ("mixture:\n  - {params: clear.yaml, weight: 1}\nvariables: {}\n", "unknown top-level key"),
    ("mixture:\n  - {space: {mixture: []}, weight: 1}\n", "cannot itself be a mixture"),
    ("mixture:\n  - 3\n", "must be a mapping"),
])
def test_bad_mixture_files_name_the_problem(tmp_path, body, message):
    with pytest.raises(ParamsError, match=message):
        load_params(_mixture(tmp_path, body))


def test_too_many_parts_and_tuning_a_mixture_are_refused(tmp_path):
    many = "mixture:\n" + "".join("  - {params: clear.yaml, weight: 1}\n" for _ in range(MAX_PARTS + 1))
    with pytest.raises(ParamsError, match=f"at most {MAX_PARTS}"):
        load_params(_mixture(tmp_path, many))
    with pytest.raises(ParamsError, match="tune each part on its own"):
        load_space(_mixture(tmp_path, TWO_PARTS))


def test_cli_validates_shows_and_renders_a_mixture(tmp_path, cli):
    path = _mixture(tmp_path, TWO_PARTS)
    r = cli("params", "validate", path)
    assert r.returncode == 0 and "a mixture of 2 parts, 25.0%, 75.0% of frames" in r.stdout, r.stderr
    r = cli("params", "show", path)
    assert r.returncode == 0 and "=== part 1: 75.0% of frames" in r.stdout, r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("mixture:\n  - {params: clear.yaml, weight: -1}\n")
    r = cli("render", "--params", bad, "--frames", "1", "--out", tmp_path / "never")
    assert r.returncode == 2 and "positive number" in r.stderr and not (tmp_path / "never").exists()

    out = tmp_path / "frames"
    args = ["render", "--params", path, "--frames", "3", "--resolution", "64x32", "--samples", "1", "--no-denoise",
            "--seed", "2", "--out", out]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    copy = load_params(out / "params.yaml")
    assert copy.version == load_params(path).version
    frames = sorted((out / "leftImg8bit").rglob("*.png"))
    assert len(frames) == 3
    _assert_parts_recorded(sorted((out / "scene").rglob("*.json")))
    r = cli(*args)  # a rerun with the same mixture finds every frame done
    assert r.returncode == 0, r.stderr
    assert sorted((out / "leftImg8bit").rglob("*.png")) == frames


def _assert_parts_recorded(records) -> None:
    """Each scene record names the part its variables came from (clear: fog under 0.2, foggy: over)."""
    assert records
    for path in records:
        record = json.loads(path.read_text())
        assert record["mixture_part"] == int(record["variables"]["fog_density"] >= 0.2)


def test_sampled_scenes_name_their_part(tmp_path, cli):
    r = cli("sample", "--params", _mixture(tmp_path, TWO_PARTS), "--count", "12", "--seed", "3",
            "--out", tmp_path / "scenes")
    assert r.returncode == 0, r.stderr
    records = sorted((tmp_path / "scenes" / "scene").rglob("*.json"))
    assert len(records) == 12
    _assert_parts_recorded(records)
    parts = {json.loads(p.read_text())["mixture_part"] for p in records}
    assert parts == {0, 1}
