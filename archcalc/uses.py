"""`use NAME`: a file that takes its network from a bundled spec or from another file and
holds only expect lines — an answer sheet that names the network instead of copying it.

The used file gives everything but its own expect lines (a sheet is scored on its answers
alone, not on the spec's); it may itself `use` another. NAME is a path relative to the using
file's folder when such a file exists, else a bundled spec's name (`alexnet`,
`quizzes/ozer_600x600_four_convs`). An error in a used file is shown in that file, with the
`use` lines it was reached through.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from archcalc import ast
from archcalc.errors import ArchError, Source, point_at
from archcalc.graph import Graph
from archcalc.limits import Limits
from archcalc.source import read_file, spec_hint, specs_dir
from archcalc.syntax import parse

Chain = tuple[tuple[str, str], ...]  # the files using, outermost first: (identity, name)


@dataclass(frozen=True, slots=True)
class Used:
    """What a `use` line brings: the used file's program and source, and the using file's
    own expect lines, for the files that led to it (`chain`)."""

    use: ast.Use
    source: Source  # the using file
    program: ast.Program  # the used file's
    used: Source
    expects: tuple[ast.Expect, ...]
    chain: Chain


def used_network(program: ast.Program, source: Source, limits: Limits, chain: Chain
                 ) -> Used | None:
    """The network a file's `use` line names, read and parsed; None for a file without one.
    An ArchError for a second `use`, a statement beside it that is not an expect line, a name
    that is neither a file nor a bundled spec, a cycle of uses, or a used file that fails."""
    uses = [s for s in program.statements if isinstance(s, ast.Use)]
    if not uses:
        return None
    use = uses[0]
    if len(uses) > 1:
        raise ArchError("use is given twice", uses[1].span,
                        f"first at line {use.span.line}; a file takes its network from one "
                        "file", source)
    other = next((s for s in program.statements if not isinstance(s, (ast.Use, ast.Expect))),
                 None)
    if other is not None:
        raise ArchError("a file that uses a network holds only expect lines",
                        point_at(other.span, 1), f"this file uses {use.target} (line "
                        f"{use.span.line}): put layers and statements in that file, or copy "
                        "the network here instead of `use`", source)
    path = locate(use, source)
    here = (*chain, (_identity(source.name), source.name))
    if len(here) > limits.max_depth:
        raise ArchError(f"uses nested deeper than {limits.max_depth} files", use.span,
                        "raise the limit with --max-depth", source)
    if any(identity == _identity(path) for identity, _ in here):
        names = [name for _, name in here[[i for i, _ in here].index(_identity(path)):]]
        raise ArchError(f"a cycle of uses: {' → '.join([*names, path])}", use.target_span,
                        "a file cannot use itself, directly or through other files", source)
    try:
        used = read_file(path)
        return Used(use, source, parse(used, limits.max_depth, limits.max_layers), used,
                    tuple(s for s in program.statements if isinstance(s, ast.Expect)), here)
    except ArchError as err:
        raise err.located(Source(path, "")).used_from(source, use.span) from None


def through(used: Used, expand: Callable[[ast.Program, Source, Chain], Graph]) -> Graph:
    """The used network, expanded by `expand`, with the using file's expect lines."""
    try:
        graph = expand(used.program, used.used, used.chain)
    except ArchError as err:
        raise err.located(used.used).used_from(used.source, used.use.span) from None
    return replace(graph, expects=used.expects,
                   uses=(*graph.uses, (used.source, used.use.span)))


def locate(use: ast.Use, source: Source) -> str:
    """The file `use` names: a path relative to the using file's folder (the current folder
    for standard input or text), else a bundled spec; an ArchError with the nearest name."""
    folder = "" if source.name.startswith("<") else os.path.dirname(source.name)
    path = os.path.join(folder, use.target)
    if os.path.exists(path):
        return path
    spec = specs_dir() / f"{use.target.removesuffix('.arch')}.arch"
    if _plain(use.target) and spec.is_file():
        return str(spec)
    raise ArchError(f"use {use.target}: no such file ({path}) and no bundled spec of that "
                    "name", use.target_span, spec_hint(use.target, "a path is relative to "
                    "this file's folder; `archcalc zoo` lists the bundled specs"), source)


def _plain(name: str) -> bool:
    """A spec name: relative, without `..`, in letters, digits, `_` and `/`."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts and \
        name.removesuffix(".arch").replace("/", "").replace("_", "").isalnum()


def _identity(name: str) -> str:
    """The same file by whatever path it is reached."""
    return os.path.realpath(name) if os.path.exists(name) else name
