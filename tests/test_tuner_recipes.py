"""Tuning recipes and --config files: defaults once, recipe < config file < flags, bad files exit 2."""
from pathlib import Path

import pytest

from scenegen.cli import build_parser
from tuner import cli as tcli
from tuner.config import TuneConfig
from tuner.recipes import DEFAULT_RECIPE, load_recipe, recipe_names

ROOT = Path(__file__).resolve().parents[1]
TARGET = f"params:{ROOT / 'configs' / 'demo_target.yaml'}"
INVERSE16 = ("fog_density,camera_pitch_deg,camera_fov_deg,camera_height_m,sun_elevation_deg,overcast,sky_haze,"
             "tree_density,tree_leaf_cover,building_height_m,parked_car_density,car_density,facade_brightness,"
             "road_brightness,sidewalk_width_m,pedestrian_density")


def config(*flags) -> TuneConfig:
    return tcli.build_config(build_parser().parse_args(["tune", *map(str, flags)]))


@pytest.mark.parametrize("name", recipe_names())
def test_every_shipped_recipe_makes_a_valid_config(name, tmp_path):
    cfg = config("--recipe", name, "--real", TARGET, "--out", tmp_path / "run")
    cfg.validate()
    assert cfg.recipe == name
    for key, value in load_recipe(name).items():
        assert getattr(cfg, key) == value, key


def test_the_default_is_the_measured_segmentation_recipe(tmp_path):
    assert DEFAULT_RECIPE == "segmentation" and {"segmentation", "appearance", "recovery", "quick"} <= set(recipe_names())
    # the command behind configs/tuned/camvid_segmentation_inverse16_s2.yaml (docs/BENCHMARKS.md, "Segmentation
    # (paper table)"; docs/experiments/2026-12-05-random-recovery.md and 2026-12-05-samples.md)
    measured = config("--recipe", "segmentation", "--real", TARGET, "--out", tmp_path / "a", "--method", "inverse",
                      "--variables", INVERSE16)
    spelled_out = config("--recipe", "paper", "--real", TARGET, "--out", tmp_path / "c", "--real-count", 0,
                         "--disc", "stats", "--disc-input", "rgb+labels", "--disc-grid", "1x1", "--disc-val", 0.2,
                         "--replay-weights", "--method", "inverse", "--disc-steps", 300, "--samples", 2,
                         "--resolution", "128x96", "--batch", 128, "--iterations", 10, "--variables", INVERSE16,
                         "--no-kid", "--params", ROOT / "configs" / "untuned_2026-12-05.yaml")
    assert measured.semantic_key() == spelled_out.semantic_key()
    default = config("--real", TARGET, "--out", tmp_path / "b")
    assert default.recipe == "segmentation"
    assert default.semantic_key() == measured.semantic_key()


def test_flags_override_the_config_file_which_overrides_the_recipe(tmp_path):
    (tmp_path / "cfg").mkdir()
    cfg_file = tmp_path / "cfg" / "tune.yaml"
    cfg_file.write_text(f"recipe: quick\nreal: {TARGET}\nout: runs/x\nbatch: 24\nsamples: 2\n"
                        "params: ../start.yaml\nvariables: [group:fog, sun_elevation_deg]\n")
    cfg = config("--config", cfg_file, "--samples", 3)
    assert cfg.recipe == "quick" and cfg.resolution == (96, 48)          # from the recipe
    assert cfg.batch == 24 and cfg.samples == 3                           # file, then the flag
    assert Path(cfg.out) == tmp_path / "cfg" / "runs" / "x"                # relative to the file
    assert Path(cfg.params) == tmp_path / "start.yaml"                          # normalised
    assert "fog_density" in cfg.variables and "sun_elevation_deg" in cfg.variables
    assert config("--config", cfg_file, "--recipe", "paper").resolution == (256, 128)


def test_a_single_input_discriminator_flag_takes_its_input(tmp_path):
    assert config("--real", TARGET, "--out", tmp_path / "r", "--disc", "layout").disc_input == "labels"
    assert config("--real", TARGET, "--out", tmp_path / "r", "--disc", "lite0").disc_input == "rgb"
    assert config("--real", TARGET, "--out", tmp_path / "r", "--method", "score").method_options == {}


@pytest.mark.parametrize("text, flags, fragment", [
    (None, ["--recipe", "fastest"], "unknown recipe 'fastest'"),
    ("batch: 8\ncolour: red\n", [], "unknown key(s) colour"),
    ("batch: eight\n", [], "batch must be a whole number"),
    ("resolution: 12by8\n", [], "resolution"),
    ("variables: [no_such_variable]\n", [], "no_such_variable"),
    ("method_options: [1, 2]\n", [], "method_options must be a mapping"),
    ("- a list\n", [], "expected a mapping"),
    ("batch: [\n", [], "malformed YAML at line"),
])
def test_bad_recipes_exit_2_with_one_line(tmp_path, capsys, text, flags, fragment):
    if text is not None:
        (tmp_path / "r.yaml").write_text(text)
        flags = ["--recipe", tmp_path / "r.yaml"]
    out = tmp_path / "run"
    code = tcli.main(["tune", "--real", TARGET, "--out", str(out), "--backend", "toy", "--quiet", *map(str, flags)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and fragment in err, err
    assert not out.exists()


def test_a_config_file_without_out_or_real_is_refused(tmp_path, capsys):
    (tmp_path / "c.yaml").write_text("batch: 8\n")
    assert tcli.main(["tune", "--config", str(tmp_path / "c.yaml"), "--quiet"]) == 2
    assert "--out is required" in capsys.readouterr().err
    assert tcli.main(["tune", "--config", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "--real is required" in capsys.readouterr().err


def test_help_names_the_recipes_and_the_defaults_they_set(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["tune", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in recipe_names():
        assert f"{name}:" in text
    assert "(default: 128x96)" in text and "(default: stats)" in text
    assert "MISSING" not in text and "(default: )" not in text, "a setting's default reads as an object or nothing"


def test_the_docs_settings_table_is_the_generated_one():
    from tuner.recipes import settings_table

    docs = (ROOT / "docs" / "tuning.md").read_text()
    assert settings_table() in docs, "docs/tuning.md's settings table is stale: paste `python -m tuner.recipes`"


def test_every_rule_option_is_explained_in_the_help():
    from dataclasses import fields

    from tuner.rule_help import RULE_OPTIONS
    from tuner.updates import RULES

    for rule, explained in RULE_OPTIONS.items():
        assert set(explained) == {f.name for f in fields(RULES[rule]())}, rule


def test_naming_the_recipes_own_rule_keeps_its_options(tmp_path):
    cfg = config("--recipe", "appearance", "--real", TARGET, "--out", tmp_path / "r", "--method", "rejection")
    assert cfg.method_options == load_recipe("appearance")["method_options"] != {}
