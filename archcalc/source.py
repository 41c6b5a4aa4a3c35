"""Reading a network description from a file, standard input or a string."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO

from archcalc.errors import ArchError, Source, Span

MAX_BYTES = 50 * 2**20  # larger files are refused before reading them whole


def read_file(path: str | os.PathLike[str]) -> Source:
    """The text of a .arch file (or of a bundled spec named bare, like `alexnet`), or an
    ArchError saying why it cannot be used."""
    name = os.fspath(path)
    spec = bundled(name)
    if spec is not None:
        name = str(spec)
    if name.lower().endswith(".onnx"):  # a model from another framework, as .arch text
        from archcalc.bridge.onnx_import import onnx_source

        return onnx_source(name)
    try:
        size = os.stat(name).st_size
        if size > MAX_BYTES:
            raise ArchError(f"file is {size:,} bytes, more than the {MAX_BYTES:,} allowed",
                            None, "a network description is a few kilobytes")
        with open(name, "rb") as handle:  # a device or a pipe reports no size
            return read_stream(name, handle)
    except FileNotFoundError:
        hint = spec_hint(name, "check the path; `archcalc zoo` lists the bundled specs")
        raise ArchError("no such file", None, hint, Source(name, "")) from None
    except IsADirectoryError:
        raise ArchError("is a directory, not a file", None, "give a .arch file",
                        Source(name, "")) from None
    except OSError as exc:
        raise ArchError(f"cannot read the file: {exc.strerror}", None, "",
                        Source(name, "")) from None
    except ValueError:  # the system takes no name with a NUL in it
        raise ArchError("no such file: the name contains a NUL character", None,
                        "check the path", Source(name.replace("\x00", "\\x00"), "")) from None
    except ArchError as err:
        raise err.located(Source(name, "")) from None


def read_stream(name: str, stream: BinaryIO) -> Source:
    """A description read from a stream (standard input, a device), at most MAX_BYTES."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ArchError(f"more than the {MAX_BYTES:,} bytes allowed", None,
                        "a network description is a few kilobytes", Source(name, ""))
    return decode(name, data)


def decode(name: str, data: bytes) -> Source:
    """UTF-8 text (a leading byte-order mark is dropped); binary or invalid bytes refused."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _at(name, data[2:].decode("utf-16", errors="replace").encode(), 0,
                  "this file is UTF-16 text", "save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _at(name, data, nul, "this looks like a binary file (it contains NUL bytes)",
                  "a .arch file is UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _at(name, data, exc.start, f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
                  "save the file as UTF-8") from None
    if not text.strip():
        raise ArchError("the file is empty", Span(1, 1, 1, 2, 0, 1),
                        "start with `input 32x32x3` and a layer", Source(name, text))
    if "\r" in text:  # old Mac line ends: a lone CR ends a line too (same length, offsets kept)
        text = re.sub("\r(?!\n)", "\n", text)
    return Source(name, text)


def _at(name: str, data: bytes, offset: int, message: str, hint: str) -> ArchError:
    """An error at byte `offset`, showing the line decoded leniently."""
    text = data.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    before = data[:offset].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    start = len(before)
    return ArchError(message, Span(line, column, line, column + 1, start, start + 1), hint,
                     Source(name, text))


def specs_dir() -> Path:
    """The bundled zoo: inside the installed package, or `specs/` of a source checkout."""
    here = Path(__file__).resolve().parent
    shipped = here / "specs"
    return shipped if shipped.is_dir() else here.parent / "specs"


def bundled(name: str) -> Path | None:
    """The bundled spec a bare name means (`alexnet`, `quizzes/ozer_600x600_four_convs`)."""
    if os.path.exists(name) or not name.replace("/", "").replace("_", "").isalnum():
        return None
    path = specs_dir() / f"{name.removesuffix('.arch')}.arch"
    try:
        return path if path.is_file() else None
    except OSError:  # a name the system refuses (too long): no spec, and read_file says why
        return None


def spec_names() -> list[str]:
    """The bare names of the bundled specs (`alexnet`, `quizzes/…`), sorted."""
    root = specs_dir()
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.arch"))


def nearest_spec(name: str) -> str | None:
    """The bundled spec a mistyped bare name most likely means (`alexnt` → `alexnet`); None
    for a path (absolute, or going up) or when no name is close."""
    import difflib

    word = name.removesuffix(".arch")
    if os.path.isabs(word) or word.startswith(".") or ".." in word:
        return None
    close = difflib.get_close_matches(word, spec_names(), n=1, cutoff=0.6)
    return close[0] if close and close[0] != word else None


def spec_hint(name: str, otherwise: str) -> str:
    """The hint for a file (or `use` target) that does not exist: the nearest bundled spec's
    name and where the names are listed, or `otherwise`."""
    close = nearest_spec(name)
    return f"did you mean {close}? `archcalc zoo` lists the bundled specs" if close else \
        otherwise


def zoo() -> list[tuple[str, str]]:
    """(bare name, summary) of every bundled spec: see `summary`."""
    root = specs_dir()
    return [(name, summary((root / name).with_suffix(".arch").read_text(encoding="utf-8")))
            for name in spec_names()]


# Words whose period ends no sentence (`et al. 2012`, `e.g. N = 7`).
ABBREVIATIONS = frozenset({"al", "e.g", "i.e", "cf", "vs", "etc", "fig", "eq", "no", "sec"})
SENTENCE_END = re.compile(r"[.!?][\"”')\]]*(?=\s+[^a-z\s])")


def summary(text: str) -> str:
    """A spec's first sentence, of its first comment paragraph (the comment lines up to the
    first blank one) after the `name.arch — ` that heads it; the whole paragraph when no
    sentence ends inside it. A sentence ends at `.`, `!` or `?` (closing quotes and brackets
    kept) before a space and anything but a lowercase letter — not inside a quotation, not
    after an abbreviation, a list's first number (`: 1.`) or an ellipsis."""
    paragraph = _first_paragraph(text)
    head, dash, rest = paragraph.partition(" — ")
    if dash and head.endswith(".arch"):
        paragraph = rest
    for end in SENTENCE_END.finditer(paragraph):
        before = paragraph[:end.start()]
        word = before.rsplit(None, 1)[-1].lower().lstrip("(\"“") if before.strip() else ""
        quoted = paragraph[:end.end()].count('"') % 2 or before.count("“") > before.count("”")
        listed = word.isdigit() and before[:-len(word)].rstrip().endswith(":")  # `: 1. Go`
        if not (quoted or word in ABBREVIATIONS or listed or before.endswith(".")):
            return paragraph[:end.end()]
    return paragraph


def _first_paragraph(text: str) -> str:
    """The first comment lines up to a blank one, joined by spaces (none inside a `code`
    span: a name wrapped over two lines is one name)."""
    out = ""
    for line in text.splitlines():
        comment = line.strip().startswith("#")
        words = line.strip().lstrip("#").strip()
        if out and (not comment or not words):
            break
        if comment and words:
            out += ("" if out.count("`") % 2 or not out else " ") + words
    return out


def resolve(source: str | os.PathLike[str]) -> Source:
    """A path (os.PathLike, or a one-line string naming an existing or .arch file), or text."""
    if isinstance(source, os.PathLike):
        return read_file(source)
    if "\n" not in source and (source.endswith(".arch") or os.path.isfile(source)
                               or bundled(source) is not None):
        return read_file(source)
    return decode("<string>", source.encode("utf-8"))
