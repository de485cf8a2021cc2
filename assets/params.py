"""Typed asset parameters: the base of every family's params dataclass and the strict conversion
between such a dataclass and the plain mapping stored in ``ObjectSpec.params`` (scene JSON).

No bpy and no numpy here.  Encoding (``to_mapping``) is ``dataclasses.asdict`` with two rules
for optional values, so that the scene JSON stays as compact as before:

* a field declared ``X | None = None`` whose value is None is left out (absent -> None);
* a nested params field declared ``SomeParams | None`` (no default) whose value is None is
  written as ``{}`` (``{}`` -> None), e.g. the rider of a parked bicycle.

Decoding (``from_mapping``) is strict: every key must be a field, every field without a default
must be present, and each value must have its field's type (ints are accepted for floats, JSON
lists for tuples).  Anything else raises ``AssetParamsError`` naming the family and the field.
"""
from __future__ import annotations

import copy
import dataclasses
import types
import typing
from functools import lru_cache
from typing import Any, ClassVar, Dict, Mapping, Tuple, Type, TypeVar

from scenegen.errors import UserError

P = TypeVar("P", bound="AssetParams")


class AssetParamsError(UserError):
    """An ObjectSpec's params mapping does not match its family's params dataclass."""


class AssetParams:
    """Base of every asset family's frozen params dataclass (the sampler's output type).

    ``FAMILIES`` names the ``ObjectSpec.family`` values whose params have this type; the
    registry in ``assets.families`` lists every params type once.
    """

    FAMILIES: ClassVar[Tuple[str, ...]] = ()

    def to_dict(self) -> Dict[str, Any]:
        """The plain mapping stored in ``ObjectSpec.params`` (see the module docstring)."""
        return to_mapping(self)

    @classmethod
    def from_mapping(cls: Type[P], data: Any, where: str = "") -> P:
        """Strictly rebuild params from their stored mapping; AssetParamsError naming ``where`` otherwise."""
        return from_mapping(cls, data, where or cls.__name__)


def to_mapping(params: AssetParams) -> Dict[str, Any]:
    """``dataclasses.asdict`` of ``params`` with the module's two rules for None values."""
    out: Dict[str, Any] = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if value is None and f.default is None:
            continue
        if value is None and _nested_type(_hints(type(params))[f.name]) is not None:
            out[f.name] = {}
        elif isinstance(value, AssetParams):
            out[f.name] = to_mapping(value)
        else:
            out[f.name] = copy.deepcopy(value)
    return out


def from_mapping(cls: Type[P], data: Any, where: str) -> P:
    """A ``cls`` from its stored mapping ``data``, checking keys and value types."""
    if not isinstance(data, Mapping):
        raise AssetParamsError(f"{where}: params must be a mapping, got {type(data).__name__}")
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(str(k) for k in data if k not in names)
    if unknown:
        raise AssetParamsError(f"{where}: unknown key {unknown[0]!r} (fields of {cls.__name__}: {', '.join(names)})")
    missing = [f.name for f in dataclasses.fields(cls) if f.name not in data and _required(f)]
    if missing:
        raise AssetParamsError(f"{where}: missing field {missing[0]!r} of {cls.__name__}")
    hints = _hints(cls)
    kwargs = {name: _convert(hints[name], data[name], f"{where}: field {name!r}") for name in names if name in data}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise AssetParamsError(f"{where}: {e}") from None


def _required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


@lru_cache(maxsize=None)
def _hints(cls: type) -> Dict[str, Any]:
    return typing.get_type_hints(cls)


def _nested_type(tp: Any) -> type | None:
    """The params class of a ``SomeParams | None`` annotation, else None."""
    if _is_union(tp):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inner) == 1 and isinstance(inner[0], type) and issubclass(inner[0], AssetParams):
            return inner[0]
    return None


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _convert(tp: Any, value: Any, where: str) -> Any:
    """``value`` (as loaded from JSON) checked against the annotation ``tp``."""
    if _is_union(tp):
        if value is None:
            return None
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        nested = _nested_type(tp)
        if nested is not None and isinstance(value, Mapping) and not value:
            return None
        return _convert(inner[0], value, where)
    if typing.get_origin(tp) is tuple:
        return _convert_tuple(typing.get_args(tp), value, where)
    if isinstance(tp, type) and issubclass(tp, AssetParams):
        return from_mapping(tp, value, where)
    return _convert_scalar(tp, value, where)


def _convert_tuple(args: Tuple[Any, ...], value: Any, where: str) -> tuple:
    if not isinstance(value, (list, tuple)):
        raise AssetParamsError(f"{where} must be a list, got {value!r}")
    if len(args) == 2 and args[1] is Ellipsis:
        args = (args[0],) * len(value)
    if len(value) != len(args):
        raise AssetParamsError(f"{where} must have {len(args)} entries, got {len(value)}")
    return tuple(_convert(a, v, f"{where}[{k}]") for k, (a, v) in enumerate(zip(args, value)))


_SCALARS: Dict[type, Tuple[type, ...]] = {float: (int, float), int: (int,), bool: (bool,), str: (str,)}


def _convert_scalar(tp: Any, value: Any, where: str) -> Any:
    if tp not in _SCALARS:
        raise TypeError(f"{where}: unsupported annotation {tp!r} in an asset params dataclass")
    ok = isinstance(value, _SCALARS[tp]) and (tp is bool or not isinstance(value, bool))
    if not ok:
        raise AssetParamsError(f"{where} must be {tp.__name__}, got {value!r}")
    return float(value) if tp is float else value
