"""Importing a torch.nn.Module as .arch text: `import_torch(module, input_shape=(H, W, C))`.

The module is traced with torch.fx (symbolic_trace, with torch's own layers as leaves) and run
once, in eval mode, on zeros of the input's size (N×C×H×W, batch 1), so that every call is
seen with its concrete arguments and output shape; where symbolic tracing fails (a forward
whose control flow depends on sizes or data, ShuffleNet's `x.size()` unpacking), the model is
run under forward hooks and a TorchFunctionMode that record the same calls
(torch_import_record). torch_import_ops turns the calls into IR ops; arch_writer writes them,
checked against torch's own output shapes, parameter and buffer counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from archcalc.bridge.arch_writer import write_arch
from archcalc.bridge.extras import require
from archcalc.bridge.ir import Net, Shape
from archcalc.bridge.torch_import_modules import FOREIGN
from archcalc.bridge.torch_import_ops import Converter, one_output
from archcalc.bridge.torch_import_values import (
    Event,
    Info,
    Param,
    Val,
    canonical,
    input_val,
)
from archcalc.errors import ArchError


def import_torch(module: Any, input_shape: Shape | None = None) -> str:
    """The module as .arch text; `input_shape` is H×W×C (or (N,) for a vector input),
    224×224 with the first layer's input channels when not given."""
    return write_arch(torch_net(module, input_shape)).text


def torch_net(module: Any, input_shape: Shape | None = None) -> Net:
    """The module as an IR network, with torch's figures for every op."""
    torch = require("torch")
    shape = tuple(input_shape) if input_shape is not None else default_input(module)
    start = input_val(shape)
    x = torch.zeros(start.shape, device=device_of(module))
    conv = Converter()
    with eval_mode(module), torch.no_grad():
        try:
            graph, values = fx_trace(module, x)
        except Exception:  # any tracing failure: record a real run instead
            out = recorded(module, x, start, conv)
        else:
            out = fx_convert(module, graph, values, start, conv)
    name = type(module).__name__
    notes = () if input_shape is not None else (
        f"input {'×'.join(map(str, shape))}: the importer's default (give input_shape, or "
        "--input)",)
    return Net(name, shape, tuple(conv.builder.ops), out.ir, "PyTorch", notes)


def recorded(module: Any, x: Any, start: Val, conv: Converter) -> Val:
    """The run recorded under hooks; the model's own failure is an error, not a traceback."""
    from archcalc.bridge.torch_import_record import record

    try:
        return record(module, x, start, conv)
    except ArchError:
        raise
    except Exception as exc:  # the user's forward: its failure, reported
        size = "×".join(map(str, x.shape))
        raise ArchError(f"running {type(module).__name__} on a {size} input failed: "
                        f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                        None, "check the input size: H×W×C, as in 224x224x3") from None


def device_of(module: Any) -> Any:
    """Where the module's tensors are: the input goes there too (a model built on the meta
    device imports without computing anything)."""
    for tensor in (*module.parameters(), *module.buffers()):
        return tensor.device
    return "cpu"


def default_input(module: Any) -> Shape:
    """224×224 with the first convolution's input channels, or the first Linear's features."""
    torch = require("torch")
    for m in module.modules():
        if isinstance(m, torch.nn.Conv2d):
            return (224, 224, m.in_channels)
        if isinstance(m, torch.nn.Linear):
            return (m.in_features,)
    raise ArchError(f"cannot tell the input size of {type(module).__name__}", None,
                    "give it: input_shape=(224, 224, 3), or --input 224x224x3")


@contextmanager
def eval_mode(module: Any) -> Iterator[None]:
    """The module in eval mode (dropout and stochastic depth as at inference), restored after."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield
    finally:
        for m, training in modes:
            m.training = training


def is_leaf(m: Any) -> bool:
    """Torch's own layers (their forward defined in torch) and a few well-known foreign ones
    are single calls; every other module is traced through."""
    import torch

    cls = type(m)
    if cls.__name__ in FOREIGN:
        return True
    containers = (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)
    defined = getattr(cls.forward, "__module__", None) or ""
    return defined.startswith("torch.") and not isinstance(m, containers)


def summary(value: Any) -> Any:
    """A run's value with each tensor replaced by its shape."""
    import torch

    if isinstance(value, torch.Tensor):
        return Info(tuple(value.shape))
    if isinstance(value, torch.Size):
        return tuple(int(d) for d in value)
    if isinstance(value, tuple | list):
        return tuple(summary(v) for v in value)
    return value


def fx_trace(module: Any, x: Any) -> tuple[Any, dict[str, Any]]:
    """The fx graph of the module, and each node's value in a run on `x` (shapes of tensors)."""
    fx = require("torch.fx")

    class Tracer(fx.Tracer):  # type: ignore[misc, name-defined]
        def is_leaf_module(self, m: Any, qualname: str) -> bool:
            return is_leaf(m)

    graph = Tracer().trace(module)
    values: dict[str, Any] = {}

    class Run(fx.Interpreter):  # type: ignore[misc, name-defined]
        def run_node(self, n: Any) -> Any:
            result = super().run_node(n)
            values[n.name] = summary(result)
            return result

    Run(fx.GraphModule(module, graph)).run(x)
    return graph, values


def fx_convert(module: Any, graph: Any, values: dict[str, Any], start: Val,
               conv: Converter) -> Val:
    """The fx graph's nodes converted in order; the output value."""
    from torch.fx.node import Node, map_arg

    env: dict[str, Any] = {}
    inputs = 0
    for node in graph.nodes:
        if node.op == "placeholder":
            inputs += 1
            if inputs > 1:
                raise ArchError("the module's forward takes several inputs", None,
                                "archcalc describes a network with one input")
            env[node.name] = start
        elif node.op == "get_attr":
            env[node.name] = Param(node.target, values[node.name].shape)
        elif node.op == "output":
            return output_val(node.args[0] if isinstance(node.args[0], Node) else None, env)
        else:
            args = map_arg(node.args, lambda n: env[n.name])
            kwargs = map_arg(node.kwargs, lambda n: env[n.name])
            event = fx_event(module, node, args, kwargs, values[node.name])
            env[node.name] = conv.event(event)
    raise ArchError("the traced module has no output", None, "")


def output_val(node: Any, env: dict[str, Any]) -> Val:
    return one_output(env.get(node.name) if node is not None else None)


def fx_event(root: Any, node: Any, args: Any, kwargs: Any, out: Any) -> Event:
    stack = [(path, getattr(cls, "__name__", str(cls)))
             for path, cls in node.meta.get("nn_module_stack", {}).values()]
    if node.op == "call_module":
        return Event("module", root.get_submodule(node.target), tuple(args), dict(kwargs), out,
                     node.target, tuple(stack[:-1]), node.target.rsplit(".", 1)[-1])
    target = node.target if node.op == "call_method" else getattr(
        node.target, "__name__", str(node.target))
    return Event("function", canonical(target), tuple(args), dict(kwargs), out, node.name,
                 tuple(stack))
