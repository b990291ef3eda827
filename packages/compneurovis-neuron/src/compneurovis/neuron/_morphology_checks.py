"""Checks of Neurolucida and NeuroML files before NEURON's Import3d sees them (file and line in every error).

Import3d's readers print their complaints, pop up panels, or (NeuroML) ``eval``
names built from the file's XML namespaces; these checks refuse such files
first with a `MorphologyFormatError` naming the line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from ._swc_read import MorphologyFormatError

#: Largest morphology file read (bytes); reconstructions are a few MB.
MAX_FILE_BYTES = 512 * 1024 * 1024
#: A namespace's last path part that NEURON's NeuroML reader may turn into a module name.
_NAMESPACE_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
#: The tokens of NEURON's Neurolucida lexer (``lex()`` in ``import3d/read_nlcda3.hoc``), tried in its order:
#: a number (what ``sscanf("%lf")`` reads), one of ``( ) , | < >``, a string, a word.
_NLCDA_TOKEN = re.compile(r"""[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[(),|<>]|"[^"]*"|[A-Za-z0-9_]+""")
#: What ``sscanf`` skips between tokens.
_NLCDA_SPACE = re.compile(r"[ \t\r\n\v\f]*")


class NeurolucidaFormatError(MorphologyFormatError):
    """A malformed Neurolucida ``.asc`` file."""

    format_name = "Neurolucida"


class NeuroMLFormatError(MorphologyFormatError):
    """A malformed NeuroML file."""

    format_name = "NeuroML"


def _text(path: Path, error: type[MorphologyFormatError]) -> str:
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise error(path, 0, f"{len(data)} bytes is more than the {MAX_FILE_BYTES} a morphology may have")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise error(path, line, f"byte {data[exc.start]:#04x} is not UTF-8 text") from None
    nul = text.find("\0")
    if nul >= 0:
        raise error(path, text.count("\n", 0, nul) + 1, "a NUL byte in a text file")
    return text


def check_neurolucida(path: Path) -> None:
    """Check that a Neurolucida file is text NEURON's reader can read to its end.

    Each line is split into the tokens of NEURON's Neurolucida lexer; parentheses must balance.

    Raises:
        NeurolucidaFormatError: Naming the line of an unclosed string, a ``)``
            without its ``(``, a character that begins no token (with its
            column), or the line where an unclosed ``(`` opened.
    """
    text = _text(path, NeurolucidaFormatError)
    opened: list[int] = []
    points = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        for token in _tokens(path, lineno, line):
            if token == "(":
                opened.append(lineno)
            elif token == ")":
                if not opened:
                    raise NeurolucidaFormatError(path, lineno, "')' closes nothing")
                opened.pop()
        points += line.lstrip().startswith("(") and any(c.isdigit() for c in line)
    if opened:
        raise NeurolucidaFormatError(path, opened[-1], f"'(' is never closed ({len(opened)} open at the end)")
    if not points:
        raise NeurolucidaFormatError(path, 0, "no points (no '(x y z d)' lines)")


def _tokens(path: Path, lineno: int, line: str) -> Iterator[str]:
    """The tokens NEURON's Neurolucida lexer reads on ``line``, up to a ``;`` comment.

    A character that begins no token is refused: NEURON's reader would fail
    on it or, after a word (``eby&``, ``Normal.``), loop for ever in
    ``Import3d_Neurolucida3.input``.
    """
    at, end = 0, len(line)
    while True:
        at = _NLCDA_SPACE.match(line, at).end()  # type: ignore[union-attr]  # matches the empty string too
        if at >= end or line[at] == ";":  # the rest of the line is a comment
            return
        token = _NLCDA_TOKEN.match(line, at)
        if token is None:
            if line[at] == '"':
                raise NeurolucidaFormatError(path, lineno, "a string ('\"') is not closed on its line")
            raise NeurolucidaFormatError(path, lineno, f"column {at + 1}: {line[at]!r} begins no token NEURON's "
                                         "Neurolucida reader knows (a number, a word, a string or one of '(),|<>')")
        at = token.end()
        yield token.group()


def _number(path: Path, line: int, element: str, name: str, value: str | None, *, integer: bool = False) -> float:
    try:
        number = int(value) if integer else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        kind = "an integer" if integer else "a number"
        raise NeuroMLFormatError(path, line, f"<{element}> {name}={value!r} is not {kind}") from None
    if not math.isfinite(number):
        raise NeuroMLFormatError(path, line, f"<{element}> {name}={value!r} is not finite")
    return number


#: Where each element NEURON's NeuroML reader builds the cell from must be: inside which element.
_PLACE = {"segment": "segments", "proximal": "segment", "distal": "segment", "cable": "cables"}


class _MorphML:
    """What `check_neuroml` collects: segments, their points, and the cables declared."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.segments: dict[int, tuple[int, int | None, int, bool]] = {}  # id -> (line, parent, cable, proximal)
        self.distal: set[int] = set()
        self.cables: set[int] = set()
        self.current: int | None = None
        self.open: list[str] = []  # the elements around the current one, outermost first

    def element(self, local: str, attrs: dict[str, str], line: int) -> None:
        path = self.path
        inside = self.open[-1] if self.open else None
        self.open.append(local)
        where = _PLACE.get(local)
        if where is not None and inside != where:  # NEURON's reader misplaces it, and may crash later
            around = f"<{inside}>" if inside else "the top level"
            raise NeuroMLFormatError(path, line, f"<{local}> must be inside <{where}>, not {around}")
        if local == "segment":
            sid = int(_number(path, line, local, "id", attrs.get("id"), integer=True))
            if sid in self.segments:
                raise NeuroMLFormatError(path, line, f"segment id {sid} is used twice")
            parent = attrs.get("parent")
            pid = None if parent is None else int(_number(path, line, local, "parent", parent, integer=True))
            if pid is not None and pid not in self.segments:
                raise NeuroMLFormatError(path, line, f"segment {sid}: parent {pid} is not a segment before it")
            cable = int(_number(path, line, local, "cable", attrs.get("cable", "0"), integer=True))
            self.segments[sid] = (line, pid, cable, False)
            self.current = sid
        elif local in ("proximal", "distal") and self.current is not None:
            for name in ("x", "y", "z", "diameter"):
                value = _number(path, line, local, name, attrs.get(name))
            if value < 0:
                raise NeuroMLFormatError(path, line, f"<{local}> diameter {value} is negative")
            if local == "distal":
                self.distal.add(self.current)
            else:
                line0, pid, cable, _ = self.segments[self.current]
                self.segments[self.current] = (line0, pid, cable, True)
        elif local == "cable":
            self.cables.add(int(_number(path, line, local, "id", attrs.get("id"), integer=True)))
            fract = attrs.get("fract_along_parent")
            if fract is not None and not 0.0 <= _number(path, line, local, "fract_along_parent", fract) <= 1.0:
                raise NeuroMLFormatError(path, line, f"<cable> fract_along_parent={fract!r} is not in [0, 1]")

    def end(self, local: str) -> None:
        self.open.pop()
        if local == "segment":
            self.current = None

    def finish(self) -> None:
        path = self.path
        if not self.segments:
            raise NeuroMLFormatError(path, 0, "no <segment> element: not a NeuroML morphology")
        roots = [sid for sid, (_, pid, _, _) in self.segments.items() if pid is None]
        if len(roots) != 1:
            raise NeuroMLFormatError(path, 0, f"{len(roots)} segments without a parent; a cell has one root")
        for sid, (line, pid, cable, proximal) in self.segments.items():
            if sid not in self.distal:
                raise NeuroMLFormatError(path, line, f"segment {sid} has no <distal> point")
            if pid is None and not proximal:
                raise NeuroMLFormatError(path, line, f"root segment {sid} has no <proximal> point")
            if cable not in self.cables:
                raise NeuroMLFormatError(path, line, f"segment {sid} is on cable {cable}, which no <cable> declares")


def check_neuroml(path: Path) -> None:
    """Check that a NeuroML (v1 MorphML) file is well-formed XML that NEURON's reader can build a cell from.

    Raises:
        NeuroMLFormatError: Naming the line of the XML error, of a DOCTYPE
            (entities are refused), of an element without a namespace or in a
            namespace NEURON's reader would evaluate as code, of a segment
            whose ids, parent, cable or points are wrong; or naming the file
            when it has no ``segment`` element or not exactly one root.
    """
    text = _text(path, NeuroMLFormatError)
    parser = expat.ParserCreate(namespace_separator="}")
    cell = _MorphML(path)

    def doctype(*_args: object) -> None:
        raise NeuroMLFormatError(path, parser.CurrentLineNumber, "a DOCTYPE (DTDs and entities are not read)")

    def start(name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition("}")
        parts = uri.split("/")
        if not uri or len(parts) < 2 or not _NAMESPACE_TOKEN.fullmatch(parts[-2]):
            raise NeuroMLFormatError(path, parser.CurrentLineNumber,
                                     f"element <{local}> is in namespace {uri[:80]!r}; NeuroML elements are in "
                                     f"a namespace such as 'http://morphml.org/morphml/schema'")
        cell.element(local, attrs, parser.CurrentLineNumber)

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: cell.end(name.rpartition("}")[2])
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise NeuroMLFormatError(path, exc.lineno, f"not well-formed XML: {expat.ErrorString(exc.code)}") from None
    cell.finish()
