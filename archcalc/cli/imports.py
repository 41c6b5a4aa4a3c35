"""`archcalc import`: a PyTorch module or an ONNX file as .arch text (archcalc.bridge)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated, Any

import typer

from archcalc.cli.options import InputOpt, fail, input_size
from archcalc.errors import ArchError, Source

ModelArg = Annotated[str | None, typer.Argument(
    metavar="MODEL", show_default=False, help="An ONNX file (model.onnx).")]
TorchOpt = Annotated[str | None, typer.Option(
    "--torch", metavar="PKG.MODULE:FACTORY", show_default=False,
    help="A PyTorch module: the callable (or module, or class) FACTORY of the Python module "
         "PKG.MODULE, called with no arguments; the current directory is importable.")]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", metavar="FILE", show_default=False,
    help="Write the .arch to FILE instead of standard output.")]


def import_(model: ModelArg = None, torch: TorchOpt = None, input: InputOpt = None,
            output: OutputOpt = None) -> None:
    """Print a .arch description of a PyTorch module (--torch pkg.module:factory, traced at
    --input, 224x224xC by default) or of an ONNX file: labels from the module names, repeats
    and blocks for the structures that recur, checked against the model's own shapes and
    parameter counts."""
    try:
        shape = input_size(input)
        if shape is not None and (warning := channels_first_warning(shape)):
            sys.stderr.write(warning + "\n")
        text = imported(model, torch, shape)
    except ArchError as err:
        fail(err)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        fail(ArchError(f"cannot write the file: {exc.strerror}", None, "", Source(output, "")))


def imported(model: str | None, factory: str | None, shape: tuple[int, ...] | None) -> str:
    """The .arch text of the ONNX file or the torch factory (exactly one of them)."""
    if (model is None) == (factory is None):
        raise ArchError("give an ONNX file or --torch pkg.module:factory (one of them)", None,
                        "archcalc import model.onnx, or archcalc import --torch "
                        "mymodels:resnet --input 224x224x3", Source("<command line>", ""))
    if model is not None:
        if shape is not None:
            raise ArchError("--input is for --torch: an ONNX model's input size is in the file",
                            None, "export the model at the size wanted",
                            Source("<command line>", ""))
        from archcalc.bridge.onnx_import import onnx_source

        return onnx_source(model).text
    from archcalc.bridge.torch_import import import_torch

    assert factory is not None
    try:
        return import_torch(build(factory), shape)
    except ArchError as err:
        raise err.located(Source(f"--torch {factory}", "")) from None


def build(spec: str) -> Any:
    """The module that `pkg.module:factory` names: the factory called (a class or a function),
    or the attribute itself when it is a module already."""
    from archcalc.bridge.extras import require

    nn = require("torch.nn")  # first: a missing extra is said as such, not as the model's error
    where = Source("<command line>", "")
    path, sep, attr = spec.partition(":")
    if not sep or not path or not attr:
        raise ArchError(f"--torch {spec}: expected pkg.module:factory", None,
                        "for example --torch torchvision.models:resnet50", where)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` does: local model files import
    try:
        found: Any = importlib.import_module(path)
        for part in attr.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise ArchError(f"--torch {spec}: {exc}", None,
                        "check the module path and the factory's name", where) from None
    if isinstance(found, nn.Module):
        return found
    try:
        made = found()
    except Exception as exc:  # the user's factory: its failure, reported
        raise ArchError(f"--torch {spec}: calling {attr}() failed: {type(exc).__name__}: {exc}",
                        None, "the factory is called with no arguments", where) from None
    if not isinstance(made, nn.Module):
        raise ArchError(f"--torch {spec}: {attr}() gave a {type(made).__name__}, not a "
                        "torch.nn.Module", None, "", where)
    return made


def channels_first_warning(shape: tuple[int, ...]) -> str | None:
    """The warning for an --input size that looks channels first (3x224x224: H=3, W=224,
    C=224), saying what was probably meant (224x224x3); archcalc/conventions.py decides."""
    from archcalc.conventions import channels_first
    from archcalc.render.notes import warning_text

    warning = channels_first(shape)
    return f"warning: {warning_text(warning, '--input')}" if warning else None
