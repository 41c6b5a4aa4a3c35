"""Recording a real run of a torch model, for forwards that torch.fx cannot trace symbolically
(control flow on sizes or data, `b, c, h, w = x.size()`).

Forward pre- and post-hooks on every module track which modules are running: a leaf module's
call is recorded whole (its inner calls are not), other modules only scope what runs inside
them. A TorchFunctionMode sees every torch function and tensor method called outside the
leaves, with its real arguments and result. Tensors are followed by identity (an in-place op
returns its input, which then holds the new value); parameters and buffers read directly are
Params. The calls go to the converter in the order they ran, as fx's nodes do."""

from __future__ import annotations

from typing import Any

from archcalc.bridge.ir import Scope
from archcalc.bridge.torch_import_ops import Converter, one_output
from archcalc.bridge.torch_import_values import Event, Param, Val, canonical


def record(module: Any, x: Any, start: Val, conv: Converter) -> Val:
    """Run the module on `x` and convert every call; the output value."""
    from torch.overrides import TorchFunctionMode

    from archcalc.bridge.torch_import import is_leaf, summary

    run = Run(module, x, start, conv, summary)
    hooks = []
    for path, m in module.named_modules():
        leaf = is_leaf(m) and m is not module
        hooks.append(m.register_forward_pre_hook(run.pre_hook(path, m, leaf)))
        hooks.append(m.register_forward_hook(run.post_hook(path, m, leaf)))

    class Mode(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (),
                               kwargs: Any = None) -> Any:
            out = func(*args, **(kwargs or {}))
            run.function(func, args, kwargs or {}, out)
            return out

    try:
        with Mode():
            out = module(x)
    finally:
        for hook in hooks:
            hook.remove()
    return one_output(run.resolve(out))


class Run:
    def __init__(self, module: Any, x: Any, start: Val, conv: Converter, summary: Any) -> None:
        self.conv, self.summary = conv, summary
        self.values: dict[int, Any] = {id(x): start}
        self.keep: list[Any] = [x]  # tensors stay alive, so that no id is reused
        self.params = {id(t): name for name, t in (*module.named_parameters(),
                                                   *module.named_buffers())}
        self.stack: list[tuple[str, str]] = []
        self.inside = 0  # depth within a leaf module
        self.count = 0

    def pre_hook(self, path: str, m: Any, leaf: bool) -> Any:
        def hook(_m: Any, args: Any) -> None:
            if self.inside or leaf:
                self.inside += 1
            elif path:
                self.stack.append((path, type(m).__name__))
        return hook

    def post_hook(self, path: str, m: Any, leaf: bool) -> Any:
        def hook(_m: Any, args: Any, out: Any) -> None:
            if self.inside:
                self.inside -= 1
                if self.inside == 0:
                    self.module(path, m, args, out)
            elif path:
                self.stack.pop()
        return hook

    def scope(self) -> Scope:
        return tuple(self.stack)

    def module(self, path: str, m: Any, args: Any, out: Any) -> None:
        ev = Event("module", m, tuple(self.resolve(a) for a in args), {}, self.summary(out),
                   path, self.scope(), path.rsplit(".", 1)[-1])
        self.bind(out, self.conv.event(ev))

    def function(self, func: Any, args: Any, kwargs: dict[str, Any], out: Any) -> None:
        if self.inside or not _tensors(out):
            return
        name = canonical(getattr(func, "__name__", str(func)))
        self.count += 1
        ev = Event("function", name, tuple(self.resolve(a) for a in args),
                   {k: self.resolve(v) for k, v in kwargs.items()}, self.summary(out),
                   f"{name}_{self.count}", self.scope())
        self.bind(out, self.conv.event(ev))

    def resolve(self, value: Any) -> Any:
        """A recorded value for a tensor, a Param for a parameter or a tensor made in forward."""
        import torch

        if isinstance(value, torch.Tensor):
            found = self.values.get(id(value))
            if found is not None:
                return found
            return Param(self.params.get(id(value), "a tensor made in forward"),
                         tuple(value.shape))
        if isinstance(value, tuple | list):
            return type(value)(self.resolve(v) for v in value)
        return value

    def bind(self, out: Any, value: Any) -> None:
        """Remember what each output tensor holds."""
        import torch

        if isinstance(out, torch.Tensor):
            self.values[id(out)] = value
            self.keep.append(out)
        elif isinstance(out, tuple | list) and isinstance(value, tuple | list):
            for o, v in zip(out, value, strict=False):
                self.bind(o, v)


def _tensors(out: Any) -> bool:
    import torch

    if isinstance(out, torch.Tensor):
        return True
    return isinstance(out, tuple | list) and any(_tensors(o) for o in out)

