import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from scenegen.distributions import Histogram
from scenegen.errors import ParamsError
from scenegen.params import default_space, load_space, space_from_dict


def test_default_space_covers_every_part_of_the_scene():
    space = default_space()
    assert len(space) >= 20
    groups = {v.group for v in space}
    for g in ("street layout", "traffic", "parked cars", "pedestrians", "vegetation", "street furniture",
              "buildings", "road appearance", "sun", "sky", "fog", "camera"):
        assert g in groups, g
    for name in ("camera_height_m", "camera_pitch_deg", "camera_fov_deg", "camera_lateral_m"):
        assert name in space.names


def test_default_space_starts_uniform():
    for v in default_space():
        d = v.distribution.to_dict()
        if d["type"] in ("histogram", "categorical"):
            assert max(d["weights"]) - min(d["weights"]) < 1e-12, v.name


def test_samples_lie_in_support_and_ints_are_ints():
    space = default_space()
    for i in range(50):
        z = space.sample([7, i])
        space.validate_values(z)
        assert isinstance(z["lane_count"], int)


def test_adding_a_variable_does_not_shift_the_others():
    d = yaml.safe_load(default_space().to_yaml())
    z1 = space_from_dict(d).sample([3, 4])
    d["variables"] = {"aaa_new": {"support": [0, 1], "distribution": {"type": "histogram", "bins": 3}},
                      **d["variables"]}
    z2 = space_from_dict(d).sample([3, 4])
    assert {k: z2[k] for k in z1} == z1


def test_yaml_round_trip_and_version(tmp_path):
    space = default_space()
    path = tmp_path / "p.yaml"
    space.save(path)
    again = load_space(path)
    assert again.to_dict() == space.to_dict()
    assert again.version == space.version
    moved = space.with_distribution("fog_density", Histogram.create([0, 1.5, 3], [0.9, 0.1]))
    assert moved.version != space.version


def test_int_histogram_covers_every_integer():
    space = space_from_dict({"variables": {"n": {"support": [0, 3], "type": "int",
                                                 "distribution": {"type": "histogram", "bins": 4}}}})
    values = {space.sample([i])["n"] for i in range(200)}
    assert values == {0, 1, 2, 3}


@pytest.mark.parametrize("text, fragment", [
    ("variables: [", "malformed YAML at line"),
    ("- 1\n- 2\n", "must be a mapping"),
    ("variables: {}\n", "non-empty"),
    ("variables:\n  x: {support: [1, 0], distribution: {type: histogram}}\n", "below high"),
    ("variables:\n  x: {support: [0, 1]}\n", "missing 'distribution'"),
    ("variables:\n  x: {support: [0, 1], distribution: {type: histogram}, colour: red}\n", "unknown key"),
    ("variables:\n  x: {support: [0, 1], type: str, distribution: {type: histogram}}\n", "type must be"),
    ("varibles:\n  x: {support: [0, 1], distribution: {type: histogram}}\n", "unknown top-level key"),
])
def test_bad_files_raise_one_clear_line(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ParamsError, match=fragment) as e:
        load_space(path)
    assert "\n" not in str(e.value)
    assert str(path) in str(e.value)


def test_value_checks():
    space = default_space()
    z = space.sample([1])
    with pytest.raises(ParamsError, match="outside its support"):
        space.validate_values({**z, "fog_density": 99.0})
    with pytest.raises(ParamsError, match="unknown variable"):
        space.validate_values({**z, "rain": 1.0})
    with pytest.raises(ParamsError, match="missing variable"):
        space.validate_values({k: v for k, v in z.items() if k != "fog_density"})
    assert np.isfinite(space.log_prob(z))


def test_a_file_may_name_only_some_variables(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("variables:\n  fog_density: {support: [0, 2], distribution: {type: histogram, "
                    "edges: [0, 1, 2], weights: [0.9, 0.1]}}\n")
    space = load_space(path)
    assert space.names == default_space().names
    assert space["fog_density"].distribution.weights == (0.9, 0.1)
    assert space["sun_elevation_deg"] == default_space()["sun_elevation_deg"]


def test_unknown_scene_variable_is_an_error(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("variables:\n  rain_mm: {support: [0, 2], distribution: {type: histogram}}\n")
    with pytest.raises(ParamsError, match="unknown variable 'rain_mm'"):
        load_space(path)


SHIPPED_PARAMETER_FILES = sorted((Path(__file__).resolve().parents[1] / "bench" / "data").glob("*.yaml")) + sorted(
    (Path(__file__).resolve().parents[1] / "configs").glob("demo_*.yaml"))


@pytest.mark.parametrize("path", SHIPPED_PARAMETER_FILES, ids=lambda p: p.name)
def test_every_shipped_parameter_file_loads_against_the_current_scene_variables(path):
    space = load_space(path)
    assert space.names == default_space().names


def test_select_expands_groups_in_the_space_order_without_repeats():
    space = default_space()
    camera = space.select(["group:camera"])
    assert camera == tuple(v.name for v in space if v.group == "camera") and len(camera) == 9
    picked = space.select(["fog_density", "group:road_appearance", " road_wear ", "", "group:Road-Appearance"])
    assert picked == ("cobbles", "road_brightness", "sidewalk_brightness", "road_wear", "road_wetness", "fog_density")
    assert "street_layout" in ", ".join(space.groups).replace(" ", "_")


@pytest.mark.parametrize("tokens, fragment", [(["group:weather"], "unknown variable group 'weather'"),
                                              (["rain_mm"], "unknown variable 'rain_mm'")])
def test_select_names_what_it_does_not_know(tokens, fragment):
    with pytest.raises(ParamsError, match=fragment):
        default_space().select(tokens)


def test_a_renamed_variable_reads_under_its_old_name_and_keeps_its_stream(tmp_path):
    from scenegen.params import RENAMED_VARIABLES, load_space
    from scenegen.seeding import named_stream

    old, new = next(iter(RENAMED_VARIABLES.items()))
    path = tmp_path / "old.yaml"
    path.write_text(f"variables:\n  {old}: {{support: [0, 1], distribution: {{type: histogram, bins: 4}}}}\n")
    space = load_space(path)
    assert new in space.names and old not in space.names
    assert space.select([old]) == (new,)
    z = space.sample([1, 2, 3])
    assert z[new] == space[new].sample(named_stream([1, 2, 3, 0x5A], old))  # the frames drawn before the rename


@pytest.mark.parametrize("name, support, fragment", [
    ("camera_fov_deg", [179, 720], "leaves its physical range [10, 170]"),
    ("building_height_m", [-5, 20], "leaves its physical range [3, 300] m"),
    ("tree_leaf_cover", [0, 1.5], "leaves its physical range [0, 1]"),
    ("crossing_pedestrians", [0, 2.5], "whole-number support ends"),
])
def test_supports_outside_physical_ranges_are_refused(tmp_path, name, support, fragment):
    dtype = "int" if name == "crossing_pedestrians" else "float"
    path = tmp_path / "p.yaml"
    path.write_text(f"variables:\n  {name}: {{support: {support}, type: {dtype}, unit: "
                    f"{'m' if name.endswith('_m') else ''!r}, distribution: {{type: histogram, bins: 2}}}}\n")
    with pytest.raises(ParamsError, match=fr"p.yaml: variable '{name}': .*{re.escape(fragment)}"):
        load_space(path)


def test_every_variable_has_a_physical_range_holding_its_built_in_support():
    from scenegen.variable_ranges import PHYSICAL_RANGES

    for var in default_space():
        lo, hi = PHYSICAL_RANGES[var.name]
        assert lo <= var.support[0] < var.support[1] <= hi, var.name


def test_a_nan_mean_is_reported_as_the_mean(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("variables:\n  fog_density: {support: [0, 2], distribution: {type: truncnormal, mean: .nan, std: 0.5}}\n")
    with pytest.raises(ParamsError, match="mean must be a finite number"):
        load_space(path)
