"""The engine's parameters as the gallery offers them, from the engine's own descriptions.

Who sets what is each description's `set_by` (engine/param_spec.py): people choose the USER
parameters (form, API, "Paint again"); the blend weights are the theme rows' (THEME); the
worker's settings fill in the MACHINE ones. The site's caps (settings) narrow the engine's
limits, and on a shared server `init` is one of its named kinds, never a path on the server.
"""
from __future__ import annotations

import dataclasses

from django.conf import settings

from engine.param_spec import MACHINE, USER, ParamSpec, describe
from engine.params import StyleParams


# The class of a job's parameters; every function here reads it when called.
JOB_PARAMS = StyleParams


def _caps() -> dict[str, int]:
    return {"size": settings.STYLE_MAX_SIZE, "iterations": settings.STYLE_MAX_ITERATIONS}


def user_specs(params_class=None) -> dict[str, ParamSpec]:
    """The parameters a person may choose (of a job, or of `params_class`), in the engine's
    order, with this site's limits."""
    caps = _caps() if params_class is None else {}
    params_class = params_class or JOB_PARAMS
    out = {}
    for name, spec in describe(params_class).items():
        if spec.set_by != USER:
            continue
        if name in caps:
            spec = dataclasses.replace(spec, maximum=min(spec.maximum, caps[name]))
        if spec.open_choices:  # the named kinds only: a path would name a file on the server
            spec = dataclasses.replace(spec, open_choices=False, rule_text="")
        out[name] = spec
    return out


def machine_names(params_class=None) -> tuple[str, ...]:
    """The parameters the worker's settings decide (backbone, weights, device)."""
    return tuple(n for n, s in describe(params_class or JOB_PARAMS).items()
                 if s.set_by == MACHINE)


def theme_values(theme) -> dict:
    """Every choosable parameter's value for a new painting of `theme` (None: the engine's
    defaults): the engine's default, or the theme's own default_params."""
    specs = user_specs()
    own = (theme.default_params or {}) if theme is not None else {}
    return {name: own.get(name, spec.default) for name, spec in specs.items()}


def shown(spec: ParamSpec | None, value) -> str:
    """A parameter's value as a person reads it: 'relu1_1, relu2_1', 'yes', '512 px', '—'."""
    if value is None or value == [] or value == ():
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        text = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    else:
        text = f"{value:g}" if isinstance(value, float) else str(value)
    if spec is None or not spec.unit:
        return text
    return f"{text}{spec.unit}" if spec.unit == "×" else f"{text} {spec.unit}"


def record(params: dict, names=None, params_class=None) -> list[tuple[str, str]]:
    """The "Parameters and record" panel: (label, value) of each recorded parameter, in the
    engine's order, as its description says it; `names`: only these."""
    specs = describe(params_class or JOB_PARAMS)
    order = [n for n in specs if n in params] + sorted(n for n in params if n not in specs)
    return [(specs[n].label if n in specs else n, shown(specs.get(n), params[n]))
            for n in order if names is None or n in names]
