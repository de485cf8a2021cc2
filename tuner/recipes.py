"""Tuning recipes (``configs/recipes/NAME.yaml``) and ``scenegen tune --config`` files.

A recipe sets any :class:`tuner.config.TuneConfig` field but ``real``, ``out`` and ``recipe``; a config
file may set those too. Settings merge in this order, later winning: the TuneConfig defaults, the recipe
(:data:`DEFAULT_RECIPE` unless one is named), the config file, the flags.
"""
from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, Dict, List, Tuple

import configs
from scenegen.cli_types import parse_grid
from scenegen.errors import ParamsError, UserError
from scenegen.yamlfile import read_mapping, relative_to_file

from .config import RENAMED, TuneConfig

RECIPE_DIR = Path(configs.__file__).resolve().parent / "recipes"
DEFAULT_RECIPE = "segmentation"
RUN_KEYS = ("real", "out", "recipe")
SETTING_KEYS = tuple(f.name for f in fields(TuneConfig) if f.name not in RUN_KEYS)
PATH_KEYS = ("real", "out", "params", "real_val", "catalog")
_SIZES = ("resolution", "input_size")
_KIND_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}


def recipe_names() -> List[str]:
    """The shipped recipes' names."""
    return sorted(p.stem for p in RECIPE_DIR.glob("*.yaml"))


def recipe_path(name_or_file: str) -> Path:
    """A shipped recipe by name, or a recipe file (UserError naming the choices otherwise)."""
    shipped = RECIPE_DIR / f"{name_or_file}.yaml"
    if shipped.is_file():
        return shipped
    if Path(name_or_file).suffix in (".yaml", ".yml"):
        return Path(name_or_file)
    raise UserError(f"--recipe: unknown recipe {name_or_file!r}; choose from {', '.join(recipe_names())} "
                    "or give a .yaml file")


def _raw_recipe(name_or_file: str) -> Dict[str, Any]:
    """A recipe file's mapping as written (its keys checked, its values not yet)."""
    return read_mapping(recipe_path(name_or_file), "recipe", (*SETTING_KEYS, *RENAMED, "description"))


def recipe_description(name: str) -> str:
    """The one-line ``description`` of a shipped recipe."""
    return str(_raw_recipe(name).get("description", ""))


def load_recipe(name_or_file: str) -> Dict[str, Any]:
    """The settings of a recipe, checked and in TuneConfig's types (paths relative to the recipe file)."""
    raw = _raw_recipe(name_or_file)
    raw.pop("description", None)
    path = recipe_path(name_or_file)
    return settings_from(_paths_relative_to(raw, path), path)


def _paths_relative_to(raw: Dict[str, Any], path: Path) -> Dict[str, Any]:
    """``raw`` with each path setting taken relative to the folder of ``path``, the file it was read from."""
    for key in PATH_KEYS:
        if raw.get(key) is not None:
            if not isinstance(raw[key], str) or not raw[key]:
                raise UserError(f"{path}: {key} must be a path, got {raw[key]!r}")
            raw[key] = relative_to_file(raw[key], path.parent)
    return raw


def load_config_file(path: str | Path) -> Tuple[Dict[str, Any], str | None]:
    """The settings of a ``--config`` file (paths relative to it) and the recipe it names, if any."""
    path = Path(path)
    raw = read_mapping(path, "tuning config", (*SETTING_KEYS, *RENAMED, *RUN_KEYS))
    recipe = raw.pop("recipe", None)
    if recipe is not None and not isinstance(recipe, str):
        raise UserError(f"{path}: recipe must be a name or a file, got {recipe!r}")
    raw = _paths_relative_to(raw, path)
    if recipe is not None and Path(recipe).suffix in (".yaml", ".yml"):
        recipe = relative_to_file(recipe, path.parent)
    return settings_from(raw, path), recipe


def default_setting(name: str) -> Any:
    """What a setting is when nothing but the default recipe sets it (for help texts)."""
    raw = _raw_recipe(DEFAULT_RECIPE)
    if name in raw:
        return raw[name]
    field_ = next(f for f in fields(TuneConfig) if f.name == name)
    return field_.default if field_.default is not MISSING else field_.default_factory()


def settings_from(raw: Dict[str, Any], path: Path) -> Dict[str, Any]:
    """Recipe or config values in TuneConfig's types (UserError naming the file and key)."""
    out: Dict[str, Any] = {}
    for key, value in raw.items():
        out[RENAMED.get(key, key)] = _setting(RENAMED.get(key, key), value, f"{path}: {key}")
    return out


def _setting(key: str, value: Any, where: str) -> Any:
    if value is None:
        return None
    if key in _SIZES:
        return _size(value, where)
    if key == "disc_grid":
        return parse_grid(str(value), where) if isinstance(value, str) else _pair(value, where)
    if key == "variables":
        return parse_variables(value, where)
    if key == "method_options":
        if not isinstance(value, dict):
            raise UserError(f"{where} must be a mapping of rule options, got {value!r}")
        return dict(value)
    return _scalar(key, value, where)


def _scalar(key: str, value: Any, where: str) -> Any:
    default = next((f.default for f in fields(TuneConfig) if f.name == key), None)
    kind = str if default is None or default is MISSING else type(default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not kind:
        raise UserError(f"{where} must be {_KIND_NAMES.get(kind, kind.__name__)}, got {value!r}")
    return value


def _size(value: Any, where: str) -> Tuple[int, int]:
    from scenegen.render_settings import parse_resolution

    if isinstance(value, str):
        try:
            return parse_resolution(value)
        except UserError as e:
            raise UserError(f"{where}: {e}") from None
    return _pair(value, where)


def _pair(value: Any, where: str) -> Tuple[int, int]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise UserError(f"{where} must be two whole numbers or AxB, got {value!r}")
    return int(value[0]), int(value[1])


def parse_variables(value: Any, where: str) -> Tuple[str, ...]:
    """Variable names and ``group:NAME`` (a list or a comma-separated string) as the variables they name."""
    from scenegen.params import default_space  # numpy: only when a recipe names variables

    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise UserError(f"{where} must be a list of variable names and group:NAME, got {value!r}")
    try:
        names = default_space().select([v.strip() for v in items])
    except ParamsError as e:
        raise UserError(f"{where}: {e}") from None
    if not names:
        raise UserError(f"{where}: give at least one variable name or group:NAME")
    return tuple(names)


def settings_table() -> str:
    """A markdown table of every setting: its built-in default and what each shipped recipe sets, the
    default recipe first (docs/tuning.md holds its output: ``python -m tuner.recipes``)."""
    names = [DEFAULT_RECIPE, *(n for n in recipe_names() if n != DEFAULT_RECIPE)]
    raws = {n: _raw_recipe(n) for n in names}
    head = " | ".join(f"{n} (default)" if n == DEFAULT_RECIPE else n for n in names)
    rows = [f"| setting | built-in | {head} |", "|---" * (len(names) + 2) + "|"]
    for f in fields(TuneConfig):
        if f.name not in RUN_KEYS:
            builtin = f.default if f.default is not MISSING else None
            builtin = "all" if f.name == "variables" and builtin is None else builtin
            cells = [_cell(raws[n][f.name]) if f.name in raws[n] else "" for n in names]
            rows.append(f"| `{f.name}` | {_cell(builtin)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _cell(value: Any) -> str:
    if value is None or value == {}:
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        if len(value) > 4:
            return f"{len(value)} variables"
        numbers = all(isinstance(v, int) for v in value)
        return "x".join(map(str, value)) if numbers else ", ".join(map(str, value))
    return str(value)


if __name__ == "__main__":
    print(settings_table())
