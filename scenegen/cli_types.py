"""argparse value types shared by every scenegen subcommand: each names its flag in the error line."""
from __future__ import annotations

import argparse
import math
import os
from typing import Callable, Tuple

from .errors import UserError
from .layout import valid_city_name


def int_at_least(flag: str, minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An integer ``>= minimum`` (and ``<= maximum`` when given) for ``flag``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{flag} must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{flag} must be at most {maximum}, got {value}")
        return value
    return parse


def positive_int(flag: str, maximum: int | None = None) -> Callable[[str], int]:
    """An integer >= 1 (and <= ``maximum`` when given) for ``flag``."""
    return int_at_least(flag, 1, maximum)


def non_negative_int(flag: str) -> Callable[[str], int]:
    """An integer >= 0 for ``flag``."""
    return int_at_least(flag, 0)


def run_seed(text: str) -> int:
    """A run seed in [0, 2^32)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be an integer, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"--seed must be in [0, 2^32), got {value}")
    return value


def share(flag: str) -> Callable[[str], float]:
    """A number in [0, 1] for ``flag``."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not 0.0 <= value <= 1.0:  # also false for nan
            raise argparse.ArgumentTypeError(f"{flag} must be a number in [0, 1], got {text!r}")
        return value
    return parse


def name_part(flag: str) -> Callable[[str], str]:
    """A folder/file name component (letters, digits and '-') for ``flag``."""
    def parse(text: str) -> str:
        if not valid_city_name(text):
            raise argparse.ArgumentTypeError(f"{flag} may hold only letters, digits and '-', got {text!r}")
        return text
    return parse


def parse_grid(text: str, flag: str) -> Tuple[int, int]:
    """``ROWSxCOLS`` (e.g. ``3x4``) as ``(rows, cols)``; a malformed value is a UserError naming ``flag``
    (the range is the caller's to check)."""
    try:
        rows, cols = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise UserError(f"{flag} must look like ROWSxCOLS, e.g. 3x4, got {text!r}") from None
    return rows, cols


#: metavars of options that name a file or folder, and of dataset specs ``[KIND:]PATH[#SPLIT]``
PATH_METAVARS = ("FILE", "DIR", "RUN_DIR", "FILE.json", "FILE.png")
SPEC_METAVARS = ("SPEC",)


def normalised_path(text: str) -> str:
    """``text`` without redundant separators, ``.`` and ``a/..`` parts (as every message shows it);
    the empty string stays empty so that it is refused as a path, not read as the current folder."""
    return os.path.normpath(text) if text else text


def normalised_spec(text: str) -> str:
    """A dataset spec ``[KIND:]PATH[#SPLIT]`` with its path part normalised."""
    kind, sep, rest = text.partition(":")
    if not sep or len(kind) < 2 or not kind.isidentifier():  # no kind (or a drive letter)
        kind, sep, rest = "", "", text
    path, hash_, split = rest.partition("#")
    return f"{kind}{sep}{normalised_path(path)}{hash_}{split}"


def normalise_path_options(parser: argparse.ArgumentParser, namespace: argparse.Namespace) -> None:
    """Normalise, in place, the values of ``parser``'s path and dataset-spec options."""
    for action in parser._actions:
        value = getattr(namespace, action.dest, None)
        if action.metavar in PATH_METAVARS:
            fix = normalised_path
        elif action.metavar in SPEC_METAVARS:
            fix = normalised_spec
        else:
            continue
        if value == "" or (isinstance(value, list) and "" in value):
            parser.error(f"{'/'.join(action.option_strings) or action.dest}: empty path")
        if isinstance(value, str):
            setattr(namespace, action.dest, fix(value))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            setattr(namespace, action.dest, [fix(v) for v in value])


def number(flag: str, minimum: float | None = None, maximum: float | None = None,
           above_minimum: bool = False) -> Callable[[str], float]:
    """A finite number for ``flag``, at least ``minimum`` (strictly above it with ``above_minimum``) and at
    most ``maximum`` when given."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{flag} must be a finite number, got {text!r}")
        if minimum is not None and (value <= minimum if above_minimum else value < minimum):
            raise argparse.ArgumentTypeError(f"{flag} must be {'above' if above_minimum else 'at least'} "
                                             f"{minimum:g}, got {value:g}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{flag} must be at most {maximum:g}, got {value:g}")
        return value
    return parse
