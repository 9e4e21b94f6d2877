"""What each engine parameter is, said once; every surface is generated from it.

A field of `StyleParams` or `TrainParams` is declared with `param(default, label=..., ...)`, which
keeps a `ParamSpec` in the field's metadata: its label, help, unit, limits, choices and who may
set it. `describe(cls)` completes each spec from the field itself (name, kind, default). The
engine validates values with `check`, the command line makes its options from the specs, and the
gallery makes its form fields, API fields and record panel from them: a field added to the
dataclass appears everywhere, and a limit changed here changes everywhere.
"""
from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any

# Who may set a parameter.
USER = "user"        # whoever asks for a painting: the form, the API and the command line
THEME = "theme"      # the gallery takes it from the job's theme rows; the command line sets it
MACHINE = "machine"  # the worker's own settings (backbone, weights, device); command line only

# The kinds of value, from the field's type.
KINDS = ("int", "float", "bool", "choice", "text", "layers", "sizes", "numbers")


@dataclass(frozen=True)
class ParamSpec:
    label: str
    help: str = ""
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    open_min: bool = False  # the minimum itself is not allowed
    open_max: bool = False
    choices: tuple = ()
    # The engine also takes a value outside `choices` (init: an image path on the command line).
    open_choices: bool = False
    set_by: str = USER
    # The command-line flag, when not --the-name-with-dashes (e.g. "--single-scale" for a
    # default-on switch), and its metavar.
    option: str = ""
    metavar: str = ""
    # Said in words when the limits are not just a range (e.g. "a non-negative integer").
    rule_text: str = ""
    # Completed by `describe` from the dataclass field.
    name: str = ""
    kind: str = ""
    default: Any = None
    optional: bool = False  # None is allowed (and means "the engine chooses")

    @property
    def flag(self) -> str:
        return self.option or "--" + self.name.replace("_", "-")

    @property
    def rule(self) -> str:
        """What a valid value is, as the end of "<name> must be ..."."""
        if self.rule_text:
            return self.rule_text
        lo, hi = self.minimum, self.maximum
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice" and not self.open_choices:
            return "one of " + ", ".join(map(str, self.choices))
        noun = {"int": "an integer", "sizes": "integers", "float": "a number",
                "numbers": "numbers", "layers": "layer names"}.get(self.kind)
        if noun is None or (lo is None and hi is None):
            return noun or "set"
        if hi is None:
            return f"{noun} {'>' if self.open_min else '>='} {_number(lo)}"
        if self.open_min or self.open_max:
            return (f"in {'(' if self.open_min else '['}{_number(lo)}, {_number(hi)}"
                    f"{')' if self.open_max else ']'}")
        return f"{noun} from {_number(lo)} to {_number(hi)}"

    def allows(self, value) -> bool:
        """Whether `value` has this parameter's kind and lies within its limits (list kinds:
        each item). Relations between parameters are `engine.params.validate`'s."""
        if value is None:
            return self.optional
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "choice":
            return value in self.choices or (self.open_choices and isinstance(value, str)
                                             and value != "")
        if self.kind == "text":
            return isinstance(value, str) and value != ""
        if self.kind == "layers":
            return isinstance(value, tuple) and all(isinstance(v, str) for v in value)
        if self.kind in ("sizes", "numbers"):
            return isinstance(value, tuple) and all(self._in_range(v, self.kind == "sizes")
                                                    for v in value)
        return self._in_range(value, self.kind == "int")

    def _in_range(self, v, integer: bool) -> bool:
        if isinstance(v, bool) or not isinstance(v, int if integer else (int, float)):
            return False
        if not abs(v) < float("inf"):  # NaN and infinities
            return False
        lo, hi = self.minimum, self.maximum
        if lo is not None and (v < lo or (self.open_min and v == lo)):
            return False
        return hi is None or (v < hi or (not self.open_max and v == hi))


def _number(x) -> str:
    """1000000 as "1,000,000", 0.1 as "0.1": the way a person writes a limit."""
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 10_000 else f"{x:g}"


def param(default, **spec):
    """A dataclass field with its description (see ParamSpec)."""
    return dataclasses.field(default=default, metadata={"spec": ParamSpec(**spec)})


@functools.cache
def describe(cls) -> dict[str, ParamSpec]:
    """The complete spec of every field of a parameters dataclass, in declaration order."""
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        spec = f.metadata["spec"]
        kind, optional, choices = _kind(hints[f.name])
        if kind == "text" and spec.choices:  # a str with choices (and maybe more, open_choices)
            kind = "choice"
        out[f.name] = dataclasses.replace(spec, name=f.name, kind=kind, default=f.default,
                                          optional=optional, choices=spec.choices or choices)
    return out


def _kind(hint) -> tuple[str, bool, tuple]:
    """(kind, whether None is allowed, choices) of a field's type."""
    args = typing.get_args(hint)
    optional = typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args
    if optional:
        (hint,) = [a for a in args if a is not type(None)]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return "choice", optional, args
    if origin is tuple:
        return {str: "layers", int: "sizes", float: "numbers"}[args[0]], optional, ()
    return {bool: "bool", int: "int", float: "float", str: "text"}[hint], optional, ()
