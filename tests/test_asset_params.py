"""Typed asset params (no bpy): one dataclass per family, strict conversion from scene JSON, and a
static check that builders read only fields of the dataclass they are registered for."""
from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import numpy as np
import pytest

from assets.families import FAMILY_PARAMS, PARAMS_TYPES, object_params, params_type
from assets.params import AssetParams, AssetParamsError
from assets.pedestrians import PedestrianParams, sample_pedestrian
from assets.vehicles import TwoWheelerParams, sample_two_wheeler
from scenegen.grammar import frame_scene
from scenegen.params import default_space
from scenegen.seeding import FrameSeed
from scenegen.spec import PART_INSTANCES, ObjectSpec, SceneSpec

BLENDER_ASSETS = Path(__file__).resolve().parents[1] / "assets" / "blender"
BY_NAME = {cls.__name__: cls for cls in PARAMS_TYPES}


@pytest.fixture(scope="module")
def scenes() -> List[SceneSpec]:
    """A few default scenes, round-tripped through their JSON like a scene file."""
    return [SceneSpec.from_json(frame_scene(default_space(), FrameSeed(5, 0, k)).to_json()) for k in range(4)]


# -- the registry -----------------------------------------------------------------------------------

def test_every_family_has_one_params_dataclass():
    for cls in PARAMS_TYPES:
        assert issubclass(cls, AssetParams) and dataclasses.is_dataclass(cls), cls
        assert cls.__dataclass_params__.frozen, f"{cls.__name__} must be frozen"
        assert cls.FAMILIES, f"{cls.__name__} serves no family"
        for family in cls.FAMILIES:
            assert FAMILY_PARAMS[family] is cls
    assert set(FAMILY_PARAMS.values()) == set(PARAMS_TYPES)


def test_every_field_is_typed():
    for cls in PARAMS_TYPES:
        for f in dataclasses.fields(cls):
            assert f.type not in ("dict", "Any", "Mapping", "object"), f"{cls.__name__}.{f.name}: {f.type}"


def test_the_grammar_places_only_registered_families(scenes):
    placed = {o.family for s in scenes for o in s.objects}
    assert placed <= set(FAMILY_PARAMS), placed - set(FAMILY_PARAMS)


def test_every_params_type_has_exactly_one_builder():
    registered = [name for _, name, _ in _builders()]
    assert sorted(registered) == sorted(BY_NAME), "builders per params type: " + ", ".join(sorted(registered))


# -- strict conversion ----------------------------------------------------------------------------

def test_stored_params_convert_back_to_the_same_mapping(scenes):
    seen = set()
    for obj in (o for s in scenes for o in s.objects):
        p = object_params(obj)
        assert type(p) is FAMILY_PARAMS[obj.family]
        stored = {k: v for k, v in obj.params.items() if k != PART_INSTANCES}
        assert json.loads(json.dumps(p.to_dict())) == stored, obj.family
        seen.add(obj.family)
    assert {"building", "tree", "pedestrian", "street_lamp"} <= seen


def test_optional_values_keep_the_stored_form():
    rng = np.random.default_rng(3)
    parked = sample_two_wheeler(rng, "bicycle", ridden=False)
    assert parked.rider is None and parked.to_dict()["rider"] == {}
    moto = sample_two_wheeler(rng, "motorcycle")
    assert moto.rider.hair_style == "cap" and len(moto.to_dict()["rider"]["cap"]) == 3
    assert "cap" not in sample_pedestrian(rng).to_dict()
    for p in (parked, moto):
        assert TwoWheelerParams.from_mapping(json.loads(json.dumps(p.to_dict()))) == p


def _tree_spec(**change) -> ObjectSpec:
    obj = next(o for o in frame_scene(default_space(), FrameSeed(1, 0, 0)).objects if o.family == "tree")
    params = {k: v for k, v in {**obj.params, **change}.items() if v is not None}
    return dataclasses.replace(obj, params=params)


@pytest.mark.parametrize("change, message", [
    ({"leaf_cover": None, "crown_height": None}, "asset family 'tree' params: missing field 'crown_height'"),
    ({"leaf_covr": 0.5}, "asset family 'tree' params: unknown key 'leaf_covr'"),
    ({"variant": 1.5}, "field 'variant' must be int, got 1.5"),
    ({"foliage": [0.1, 0.2]}, "field 'foliage' must have 3 entries"),
    ({"shape": 3}, "field 'shape' must be str"),
])
def test_a_params_mapping_that_does_not_fit_is_refused_clearly(change, message):
    with pytest.raises(AssetParamsError) as err:
        object_params(_tree_spec(**change))
    assert message in str(err.value)


def test_a_field_with_a_default_may_be_absent():
    spec = _tree_spec(leaf_cover=None)
    assert object_params(spec).leaf_cover == 1.0


def test_nested_params_and_unknown_families_are_checked():
    rider = sample_pedestrian(np.random.default_rng(0)).to_dict()
    bike = sample_two_wheeler(np.random.default_rng(0), "bicycle").to_dict()
    with pytest.raises(AssetParamsError, match=r"field 'rider': unknown key 'helmet'"):
        TwoWheelerParams.from_mapping({**bike, "rider": {**rider, "helmet": [0, 0, 0]}}, "asset family 'bicycle'")
    with pytest.raises(AssetParamsError, match="ridden two-wheeler needs rider"):
        TwoWheelerParams.from_mapping({**bike, "rider": {}}, "asset family 'bicycle'")
    with pytest.raises(AssetParamsError, match="unknown asset family 'spaceship'"):
        params_type("spaceship")
    assert PedestrianParams.from_mapping(rider) == sample_pedestrian(np.random.default_rng(0))


# -- builders read only fields (static, no bpy) ----------------------------------------------------

def _annotation_names(node: ast.expr | None) -> List[str]:
    """Names in an annotation such as ``TreeParams``, ``"TreeParams"`` or ``PedestrianParams | None``."""
    if node is None:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _annotation_names(ast.parse(node.value, mode="eval").body)
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]


def _builders(folder: Path = BLENDER_ASSETS) -> Iterator[Tuple[Path, str, ast.FunctionDef]]:
    """(file, params type name, function) of every ``@builds(...)`` function."""
    for path in sorted(folder.glob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(fn, ast.FunctionDef):
                continue
            for dec in fn.decorator_list:
                if isinstance(dec, ast.Call) and getattr(dec.func, "id", None) == "builds":
                    yield from ((path, a.id, fn) for a in dec.args if isinstance(a, ast.Name))


def _allowed(cls: type) -> set:
    return {f.name for f in dataclasses.fields(cls)} | {n for n in dir(cls) if isinstance(getattr(cls, n), property)}


def params_read_problems(folder: Path = BLENDER_ASSETS, types: Dict[str, type] = BY_NAME) -> List[str]:
    """Reads of params-typed arguments that are not fields: ``p.unknown``, ``p.get(...)``, ``p["x"]``,
    ``getattr(p, ...)``; and builders whose params argument is not annotated with their type."""
    problems = [f"{path.name}:{fn.lineno}: {fn.name} must take (spec, p: {name}, ctx)"
                for path, name, fn in _builders(folder)
                if len(fn.args.args) != 3 or name not in _annotation_names(fn.args.args[1].annotation)]
    for path in sorted(folder.glob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(fn, ast.FunctionDef):
                problems += _function_problems(path, fn, types)
    return problems


def _function_problems(path: Path, fn: ast.FunctionDef, types: Dict[str, type]) -> List[str]:
    typed = {a.arg: types[n] for a in fn.args.args + fn.args.kwonlyargs
             for n in _annotation_names(a.annotation) if n in types}
    out = []
    for node in ast.walk(fn):
        where = f"{path.name}:{getattr(node, 'lineno', fn.lineno)}: {fn.name}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in typed:
            cls = typed[node.value.id]
            if node.attr not in _allowed(cls):
                out.append(f"{where} reads {node.value.id}.{node.attr}, no field of {cls.__name__}")
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in typed:
            out.append(f"{where} indexes {node.value.id}[...]; read fields as attributes")
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("getattr", "hasattr")
              and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in typed):
            out.append(f"{where} calls {node.func.id}({node.args[0].id}, ...); read fields as attributes")
    return out


def test_builders_read_only_fields_of_their_params():
    problems = params_read_problems()
    assert not problems, "\n".join(problems)


def test_the_field_checker_catches_a_read_the_sampler_does_not_set(tmp_path):
    (tmp_path / "bad.py").write_text(
        "@builds(VehicleParams)\n"
        "def build_vehicle(spec, p: VehicleParams, ctx):\n"
        "    return [p.paint, p.cargo, p.get('glass'), p['x'], getattr(p, 'y', 0), helper(p)]\n\n"
        "def helper(q: 'TreeParams | None'):\n"
        "    return q.height, q.leaf_cover, q.leaves\n\n"
        "@builds(TreeParams)\n"
        "def build_tree(spec, p, ctx):\n"
        "    return []\n")
    found = "\n".join(params_read_problems(tmp_path))
    for what in ("p.cargo", "p.get", "indexes p[", "getattr(p", "q.leaves", "build_tree must take"):
        assert what in found, (what, found)
    assert "p.paint" not in found and "q.height" not in found and "q.leaf_cover" not in found
