"""The Python API keeps the promise of the command line: every wrong argument is an ArchError
that names it, never a raw ValueError or TypeError."""

from __future__ import annotations

from fractions import Fraction

import pytest

import archcalc

NET = "input 8x8x3\nparam N = 1\nCONV(4, f=3, p=1)*N"


@pytest.mark.parametrize(("args", "kwargs", "named"), [
    ((NET,), {"dtype": "float33"}, "dtype"),
    ((NET,), {"optimizer": "adamw"}, "optimizer"),
    ((NET,), {"batch": -1}, "batch"),
    ((NET,), {"batch": True}, "batch"),
    ((NET,), {"batch": 2.5}, "batch"),
    ((b"input 8x8x3\nCONV(4)",), {}, "bytes"),
    (("input 8x8x3\nCONV(4)\ud800",), {}, "surrogate"),
    ((None,), {}, "NoneType"),
    ((NET,), {"N": "abc"}, "param N"),
    ((NET,), {"params": {"N": object()}}, "param N"),
    ((NET,), {"params": [("N", 2)]}, "mapping"),
    ((NET,), {"input_shape": (1, 2)}, "input_shape"),
    ((NET,), {"input_shape": (8, 8, 0)}, "input_shape"),
    ((NET,), {"limits": 3}, "limits"),
])
def test_a_wrong_argument_is_an_arch_error(args: tuple, kwargs: dict, named: str) -> None:
    with pytest.raises(archcalc.ArchError) as info:
        archcalc.analyze(*args, **kwargs)
    assert named in info.value.message


def test_wrong_limits_are_refused_where_they_are_made() -> None:
    with pytest.raises(archcalc.ArchError, match="max_layers=0"):
        archcalc.Limits(max_layers=0)


def test_param_values_as_the_command_line_takes_them() -> None:
    # 2 convs from a string, as -D N=2 would give it; a float that is whole; a Fraction
    assert len(archcalc.analyze(NET, N="2").layers) == 2
    assert len(archcalc.analyze(NET, N=2.0).layers) == 2
    assert len(archcalc.analyze(NET, params={"N": Fraction(3)}).layers) == 3


@pytest.mark.parametrize("word", ["same", "valid", "true", "false", "SAME"])
def test_params_named_like_words_are_refused(word: str) -> None:
    # `param same = 2` would silently turn p=same into p=2
    with pytest.raises(archcalc.ArchError, match="cannot be named"):
        archcalc.analyze(f"input 8x8x3\nparam {word} = 2\nCONV(4, p=same)")
    with pytest.raises(archcalc.ArchError, match="cannot be named"):
        archcalc.analyze(f"input 8x8x3\nblock b({word}) {{ CONV(4) }}\nb(1)")


@pytest.mark.parametrize("optional", ["yes", 1, None, {0: "x"}, {"0": True}])
def test_optional_must_be_a_choice_of_the_optional_elements(optional: object) -> None:
    """`optional` is True, False or a mapping from a `?`'s offset to True/False: anything
    else is refused by name, never read by its truth ("yes" would be every `?` present)."""
    with pytest.raises(archcalc.ArchError, match=r"optional=.* is not a choice"):
        archcalc.analyze("input 4x4x1\nCONV(2) - RELU?", optional=optional)  # type: ignore[arg-type]
