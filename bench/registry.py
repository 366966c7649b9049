"""The registry of benchmark figures and their targets."""

import operator
from collections.abc import Callable
from dataclasses import dataclass

SCALES = ("full", "small", "tiny")
_OPS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Target:
    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> "Target":
        op = text[:2]
        if op not in _OPS:
            raise ValueError(f"target must start with one of {sorted(_OPS)}: {text!r}")
        return cls(op, float(text[2:]))

    def met_by(self, value: float) -> bool:
        return _OPS[self.op](value, self.value)

    def __str__(self) -> str:
        return f"{self.op}{format_value(self.value)}"


@dataclass(frozen=True)
class Measurement:
    value: float
    detail: str = ""


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    target: Target
    func: Callable  # (BenchContext) -> Measurement | float
    description: str = ""


REGISTRY: dict[str, Figure] = {}


def figure(name: str, *, unit: str, target: str) -> Callable[[Callable], Callable]:
    """Register a benchmark function under ``name``; ``target`` is like ">=20000" or "<=250"."""

    def register(func: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"benchmark figure {name!r} is registered twice")
        REGISTRY[name] = Figure(name, unit, Target.parse(target), func, (func.__doc__ or "").strip())
        return func

    return register


def format_value(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.3g}"
