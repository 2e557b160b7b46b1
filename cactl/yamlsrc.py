"""YAML that remembers where every value came from.

``load_yaml`` parses with PyYAML's composer (which keeps marks) on top of libyaml's parser where
PyYAML has it (PyYAML's own parser otherwise, and for every document libyaml refuses or might
read differently, so messages and positions are PyYAML's either way), counts values as it
composes (at most :data:`MAX_NODES`, aliases expanded), refuses duplicate keys, reads only
``true``/``false`` as booleans (YAML 1.2 style: ``yes``, ``no``, ``on``, ``off`` stay strings),
and returns the plain data together with a :class:`Positions` map from a field path (a tuple of
keys and list indices) to its 1-based line and column.

``validation_errors`` maps a pydantic ``ValidationError`` onto those positions, so every
schema error names file, line, column, field, expected and found, and an unknown key gets a
"did you mean".
"""

from __future__ import annotations

import math
import re
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from cactl.errors import InputError, InputErrors, did_you_mean
from cactl.fileio import read_input, source_name

PathKey = tuple[str | int, ...]


class _StrictResolver(yaml.resolver.Resolver):
    """YAML 1.2 booleans (only true/false, any case), no implicit timestamps (``2020-02-30``
    is text; cactl's formats have no date type), and numbers without YAML 1.1's base-60 forms
    (``1:30:00`` is text, not 5400); floats as YAML 1.2 writes them too (``1.5e3``, ``1e3``:
    numbers, where YAML 1.1 read text)."""


_DROPPED_RESOLVERS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}
_StrictResolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_RESOLVERS]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


#: Values a document may have, every use of an alias counted (an alias "bomb" of a few
#: hundred bytes expands to billions): far more than any paper, checklist or tree needs.
#: Counted while the document is composed, so a file past it stops there.
MAX_NODES = 200_000


class _TooManyValues(Exception):
    def __init__(self, mark: Any, aliases: bool) -> None:  # PyYAML's or libyaml's Mark
        super().__init__("too many values")
        self.mark = mark
        self.aliases = aliases


class _CountingComposer(yaml.composer.Composer):
    """PyYAML's composer, counting values (every node but a mapping's keys) as they are
    composed, an alias as many values as the one it names expands to, and stopping as soon as
    the count passes :data:`MAX_NODES`. An alias inside the value it names is refused (it
    would expand forever)."""

    def __init__(self) -> None:
        super().__init__()
        self.values = 0
        self.aliases_used = False
        self._sizes: dict[str, int] = {}  # anchor -> values it expands to, once composed

    if TYPE_CHECKING:  # provided by the parser it is mixed with (PyYAML's or libyaml's)

        def peek_event(self) -> Any: ...

    def _count(self, values: int, mark: Any) -> None:
        self.values += values
        if self.values > MAX_NODES:
            raise _TooManyValues(mark, self.aliases_used)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        is_key = isinstance(parent, yaml.MappingNode) and index is None
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)  # an undefined one raises
            size = self._sizes.get(event.anchor or "")
            mark: Any = event.start_mark  # PyYAML's Mark, or libyaml's
            if size is None:
                raise yaml.composer.ComposerError(
                    None, None, f"alias {event.anchor!r} is used inside its own value", mark
                )
            if not is_key:
                self.aliases_used = True
                self._count(size, mark)
            return node
        before = self.values
        if not is_key:
            self._count(1, event.start_mark)
        node = super().compose_node(parent, index)
        if event.anchor is not None:
            self._sizes[event.anchor] = self.values - before
        return node


class _PyLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _CountingComposer,
    yaml.constructor.SafeConstructor,
    _StrictResolver,
):
    """The pure-Python reader, scanner and parser: the reference, and the fallback."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _CountingComposer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _StrictResolver.__init__(self)


class _NotPyYAML(Exception):
    """libyaml reads a document that PyYAML refuses (a case :func:`_libyaml_may_read` cannot
    see from the text): PyYAML decides."""


def _libyaml_may_read(text: str) -> bool:
    """Whether libyaml reads ``text`` as PyYAML does: not when it holds a character PyYAML's
    reader refuses, nor a tab (libyaml takes a tab as a separator in places where PyYAML
    refuses it; a tab in quoted text is written ``\\t``), nor a byte order mark past the
    first character."""
    return (
        "\t" not in text
        and "\ufeff" not in text[1:]  # libyaml counts a byte order mark past the start twice
        and not yaml.reader.Reader.NON_PRINTABLE.search(text)
    )


_CLoader: Callable[[str], _CountingComposer] | None = None
if yaml.__with_libyaml__:  # libyaml's scanner and parser, with the same composer on top

    class _LibyamlLoader(
        _CountingComposer,
        yaml.constructor.SafeConstructor,
        _StrictResolver,
        yaml._yaml.CParser,
    ):
        """libyaml's reader, scanner and parser (about ten times faster than PyYAML's own)
        under the same composer, constructor and resolver: one implementation of every bound.
        A document libyaml refuses is parsed again by :class:`_PyLoader`, whose messages and
        positions are the ones cactl reports."""

        def __init__(self, stream: str) -> None:
            yaml._yaml.CParser.__init__(self, stream)
            _CountingComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _StrictResolver.__init__(self)

        def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
            event = self.peek_event()
            if (
                isinstance(event, yaml.ScalarEvent)
                and not event.style  # plain (libyaml says "", PyYAML None)
                and ("?" in event.value or not event.value)
                and isinstance(parent, (yaml.SequenceNode, yaml.MappingNode))
                and parent.flow_style
            ):
                # Inside [...] and {...}, PyYAML ends a plain scalar at "?", and places an
                # empty value (``{a: }``) elsewhere than libyaml does.
                raise _NotPyYAML
            return super().compose_node(parent, index)

    _CLoader = _LibyamlLoader


@dataclass
class Positions:
    """Where each value of a YAML document sits (1-based line and column)."""

    file: str
    lines: list[str] = field(default_factory=list)
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    #: Problems the document has but that do not stop reading it (duplicate keys: the first
    #: value is kept), when :func:`load_yaml_text` is asked to keep going.
    problems: list[InputError] = field(default_factory=list)
    #: Values in the document (every node but a mapping's keys), an alias counted as the
    #: values it stands for each time it is used; at most :data:`MAX_NODES`.
    nodes: int = 0

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int] | None:
        """Line and column of the value at ``path`` (or of its key), else of the nearest parent."""
        probe: PathKey = tuple(path)
        table = self.key_marks if key else self.marks
        if probe in table:
            return table[probe]
        while probe:
            probe = probe[:-1]
            if probe in self.marks:
                return self.marks[probe]
        return self.marks.get((), None)

    def exact(self, path: Sequence[str | int]) -> bool:
        return tuple(path) in self.marks

    def line_text(self, line: int | None) -> str | None:
        if line is None or not 1 <= line <= len(self.lines):
            return None
        return self.lines[line - 1]

    def error(
        self,
        path: Sequence[str | int],
        message: str,
        *,
        key: bool = False,
        expected: str | None = None,
        found: str | None = None,
        hint: str | None = None,
        code: str = "invalid-value",
    ) -> InputError:
        """An :class:`InputError` located at ``path``."""
        where = self.locate(path, key=key)
        line, column = where if where else (None, None)
        return InputError(
            message,
            file=self.file,
            line=line,
            column=column,
            field=format_path(path) or None,
            expected=expected,
            found=found,
            hint=hint,
            source_line=self.line_text(line),
            code=code,
        )


def format_path(path: Sequence[str | int]) -> str:
    """``a.b[2].c`` for ``("a", "b", 2, "c")``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


#: Nesting of mappings and sequences a document may have (cactl's formats need a few).
MAX_DEPTH = 64
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_TEXT_TAGS = {"tag:yaml.org,2002:timestamp"}  # read as the text written
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _int_digits() -> int:
    """Python's limit on the digits of an integer read from text (3.10.7+; 0 means none)."""
    limit: int = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
    return limit or 4300


def bad_character(text: str) -> int | None:
    """The index of the first character cactl refuses in text read from a user: a control
    character other than tab and newline (ESC, NUL, DEL, C1 controls) or a lone surrogate."""
    for index, char in enumerate(text):
        code = ord(char)
        if (code < 0x20 and char not in "\t\n") or 0x7F <= code <= 0x9F:
            return index
        if 0xD800 <= code <= 0xDFFF:
            return index
    return None


def bad_text_error(text: str, index: int) -> tuple[str, str]:
    """``(message, found)`` for the character at ``index`` of ``text`` that is refused."""
    code = ord(text[index])
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"text holds {kind} (U+{code:04X})", repr(text[:60])


def _too_deep(file: str, line: int | None, column: int | None, positions: Positions) -> InputError:
    return InputError(
        "mappings and lists nest too deeply",
        file=file,
        line=line,
        column=column,
        expected=f"at most {MAX_DEPTH} levels",
        source_line=positions.line_text(line),
        code="too-deep",
    )


def _scalar_error(
    node: yaml.Node, path: PathKey, positions: Positions, message: str, code: str, **extra: Any
) -> InputError:
    line, column = _mark(node)
    return InputError(
        message,
        file=positions.file,
        line=line,
        column=column,
        field=format_path(path) or None,
        source_line=positions.line_text(line),
        code=code,
        **extra,
    )


def _scalar(
    node: yaml.ScalarNode,
    path: PathKey,
    loader: yaml.constructor.SafeConstructor,
    positions: Positions,
) -> tuple[Any, list[InputError]]:
    """The value of a scalar: plain types only, numbers finite, text without control
    characters; anything else a located error."""
    if node.tag in _TEXT_TAGS:
        value: Any = node.value
    elif node.tag not in _SCALAR_TAGS:
        shown = node.tag.replace("tag:yaml.org,2002:", "!!")
        return None, [
            _scalar_error(
                node,
                path,
                positions,
                f"unsupported YAML tag {shown!r}",
                "yaml-unsupported",
                hint="write the value as plain text, a number, true/false or null",
            )
        ]
    else:
        try:
            value = loader.construct_object(node, deep=True)
        except ValueError:  # an integer past Python's digit limit for int()
            return None, [
                _scalar_error(
                    node,
                    path,
                    positions,
                    "number has too many digits",
                    "too-large",
                    expected=f"at most {_int_digits()} digits",
                    found=f"{len(node.value)} characters",
                )
            ]
    if isinstance(value, float) and not math.isfinite(value):
        return None, [
            _scalar_error(
                node,
                path,
                positions,
                "number is not finite",
                "not-finite",
                expected="a finite number",
                found=node.value[:40],
                hint="quote it if it is text",
            )
        ]
    if isinstance(value, str):
        bad = bad_character(value)
        if bad is not None:
            message, found = bad_text_error(value, bad)
            return None, [_scalar_error(node, path, positions, message, "bad-text", found=found)]
    return value, []


def _walk(
    node: yaml.Node, path: PathKey, loader: yaml.constructor.SafeConstructor, positions: Positions
) -> tuple[Any, list[InputError]]:
    positions.marks[path] = _mark(node)
    errors: list[InputError] = []
    if len(path) >= MAX_DEPTH and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        return None, [_too_deep(positions.file, *_mark(node), positions)]
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        line, column = _mark(node)
        return None, [
            InputError(
                f"unsupported YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r}",
                file=positions.file,
                line=line,
                column=column,
                field=format_path(path) or None,
                source_line=positions.line_text(line),
                code="yaml-unsupported",
            )
        ]
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                line, column = _mark(key_node)
                errors.append(
                    InputError(
                        "a key must be a plain scalar",
                        file=positions.file,
                        line=line,
                        column=column,
                        field=format_path(path) or None,
                        source_line=positions.line_text(line),
                        code="yaml-unsupported",
                    )
                )
                continue
            if key_node.tag == _MERGE_TAG:
                errors.append(
                    _scalar_error(
                        key_node,
                        path,
                        positions,
                        "merge keys (<<) are not supported",
                        "yaml-unsupported",
                        hint="write the keys out",
                    )
                )
                continue
            key, key_errors = _scalar(key_node, path, loader, positions)
            if key_errors:
                errors.extend(key_errors)
                continue
            if not isinstance(key, (str, int, float, bool)) or key is None:
                key = str(key)
            child = (*path, key if isinstance(key, str) else str(key))
            if key in result:
                line, column = _mark(key_node)
                first = positions.key_marks.get(child)
                errors.append(
                    InputError(
                        f"duplicate key {key!r}",
                        file=positions.file,
                        line=line,
                        column=column,
                        field=format_path(child),
                        hint=f"first defined on line {first[0]}" if first else None,
                        source_line=positions.line_text(line),
                        code="duplicate-key",
                    )
                )
                continue
            positions.key_marks[child] = _mark(key_node)
            value, child_errors = _walk(value_node, child, loader, positions)
            errors.extend(child_errors)
            result[child[-1]] = value
        return result, errors
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            value, child_errors = _walk(item_node, (*path, index), loader, positions)
            errors.extend(child_errors)
            items.append(value)
        return items, errors
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, path, loader, positions)
    return loader.construct_object(node, deep=True), errors


def _marked_error(
    exc: yaml.MarkedYAMLError, kind: str, positions: Positions, code: str = "yaml-syntax"
) -> InputError:
    """An :class:`InputError` at the mark PyYAML gives (the end of the last line when the
    problem is the end of the stream)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    if line is not None and positions.lines and line > len(positions.lines):
        line, column = len(positions.lines), len(positions.lines[-1]) + 1
    return InputError(
        f"{kind}: {exc.problem or exc.context or 'invalid YAML'}",
        file=positions.file,
        line=line,
        column=column,
        source_line=positions.line_text(line),
        code=code,
    )


def _too_many_values(exc: _TooManyValues, positions: Positions) -> InputError:
    line, column = exc.mark.line + 1, exc.mark.column + 1
    counted = " (an alias counts as the values it stands for, each time it is used)"
    return InputError(
        "the document has too many values" + (counted if exc.aliases else ""),
        file=positions.file,
        line=line,
        column=column,
        expected=f"at most {MAX_NODES} values",
        source_line=positions.line_text(line),
        code="too-large",
    )


def _compose_python(text: str, positions: Positions) -> tuple[yaml.Node | None, _PyLoader]:
    """The document's node graph by PyYAML's own parser, or the :class:`InputError` it
    warrants (syntax, a character YAML does not allow, nesting, too many values)."""
    file = positions.file
    try:
        loader = _PyLoader(text)
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (a control character, say), found before parsing.
        bad_line = text.count("\n", 0, exc.position) + 1
        bad_column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else f"U+{ord(str(char)[:1] or ' '):04X}"
        raise InputError(
            f"the file contains a control character that YAML does not allow ({shown})",
            file=file,
            line=bad_line,
            column=bad_column,
            source_line=positions.line_text(bad_line),
            code="bad-text",
        ) from None
    try:
        return loader.get_single_node(), loader
    except _TooManyValues as exc:
        raise _too_many_values(exc, positions) from None
    except yaml.MarkedYAMLError as exc:
        raise _marked_error(exc, "YAML syntax error", positions) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML error: {exc}", file=file, code="yaml-syntax") from None
    except RecursionError:
        # The composer recurses once per level; the reader is where it gave up.
        line, column = loader.line + 1, loader.column + 1
        raise _too_deep(file, line, column, positions) from None
    finally:
        loader.dispose()


def _compose(text: str, positions: Positions) -> tuple[yaml.Node | None, _CountingComposer]:
    """The document's node graph: by libyaml where it is installed and takes the document,
    else (and for every error but too many values) by :func:`_compose_python`, so messages and
    positions are PyYAML's either way."""
    if _CLoader is not None and _libyaml_may_read(text):
        loader = _CLoader(text)
        try:
            return loader.get_single_node(), loader
        except _TooManyValues as exc:  # libyaml's marks are PyYAML's; no need to parse again
            raise _too_many_values(exc, positions) from None
        except (yaml.YAMLError, RecursionError, _NotPyYAML):
            pass  # PyYAML finds the same problem and words it as cactl reports it
    return _compose_python(text, positions)


def load_yaml_text(text: str, file: str, *, keep_going: bool = False) -> tuple[Any, Positions]:
    """Parse one YAML document from ``text``; raise :class:`InputError` on any problem.

    With ``keep_going``, problems that leave a usable document (duplicate keys, unsupported
    tags on collections) are put in ``positions.problems`` instead of raised, so the caller can
    report them together with its schema errors."""
    positions = Positions(file=file, lines=text.splitlines())
    node, loader = _compose(text, positions)
    positions.nodes = loader.values
    if node is None:
        return None, positions
    constructor: Any = loader
    try:
        data, errors = _walk(node, (), constructor, positions)
    except yaml.MarkedYAMLError as exc:
        raise _marked_error(exc, "YAML error", positions, "invalid-value") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise InputError(f"YAML error: {exc}", file=file) from None
    if errors and keep_going:
        positions.problems.extend(errors)
    elif errors:
        raise InputErrors(errors) if len(errors) > 1 else errors[0]
    return data, positions


def read_text(path: Path | str, *, what: str = "file") -> str:
    """Read a UTF-8 text input (a regular file, or ``-`` for stdin) within the size limits, or
    raise an :class:`InputError` that says why not (see :func:`cactl.fileio.read_input`)."""
    return read_input(path, what=what)


def load_yaml(path: Path | str, *, what: str = "file") -> tuple[Any, Positions]:
    """Read and parse a YAML file, ``-`` for stdin (see :func:`load_yaml_text`)."""
    return load_yaml_text(read_text(path, what=what), source_name(path))


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


@dataclass(frozen=True)
class Shape:
    """The kind of value a pydantic field holds (the one walk over annotations that the
    error hints here, the checklist rules and the ``cactl init`` template share)."""

    kind: str  # "model", "list", "scalar"
    model: type[BaseModel] | None = None  # for "model", and the entry model of a "list"
    enum: type[Enum] | None = None  # vocabulary of a scalar (or of list entries)
    number: bool = False  # int or float


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _base(annotation: Any) -> Any:
    """Strip ``Annotated[...]``."""
    while hasattr(annotation, "__metadata__"):
        annotation = annotation.__origin__
    return annotation


def shape_of(annotation: Any) -> Shape:
    """The :class:`Shape` of a field annotation (``X | None`` and ``Annotated`` unwrapped)."""
    annotation = _base(_unwrap(annotation))
    if get_origin(annotation) is list:
        (entry,) = get_args(annotation)
        inner = shape_of(entry)
        return Shape("list", model=inner.model, enum=inner.enum, number=inner.number)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Shape("model", model=annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return Shape("scalar", enum=annotation)
    if annotation in (int, float):
        return Shape("scalar", number=True)
    return Shape("scalar")


def _model_fields_at(model: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    """Field names (aliases where set) of the model that owns the last key of ``path``."""
    current: type[BaseModel] | None = model
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if current is not None else None
        if info is None:
            return []
        current = shape_of(info.annotation).model
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "finite_number": "a finite number",
}


_RANGE_TYPES = {
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "multiple_of",
    "too_short",
    "too_long",
    "string_too_short",
    "string_too_long",
}


def pydantic_code(kind: str) -> str:
    """The cactl error code for a pydantic error type."""
    if kind == "extra_forbidden":
        return "unknown-key"
    if kind == "missing":
        return "missing-field"
    if kind == "finite_number":
        return "not-finite"
    if kind in {"enum", "literal_error"}:
        return "not-allowed"
    if kind in _RANGE_TYPES:
        return "out-of-range"
    if kind in _EXPECTED or kind.endswith(("_type", "_parsing")):
        return "wrong-type"
    return "invalid-value"


def validation_errors(
    exc: ValidationError, positions: Positions, model: type[BaseModel] | None = None
) -> InputErrors:
    """All errors of a pydantic validation, each located in the YAML source."""
    errors: list[InputError] = []
    for item in exc.errors(include_url=False):
        loc = [part for part in item["loc"] if isinstance(part, (str, int))]
        # pydantic adds the tag of a tagged union / function validators to loc; drop
        # path parts that are not in the document when a shorter prefix is.
        kind = item["type"]
        found = _describe(item.get("input"))
        if kind == "extra_forbidden":
            name = str(loc[-1]) if loc else "?"
            known = _model_fields_at(model, loc) if model else []
            hint = did_you_mean(name, known)
            if not hint and known:
                hint = "known keys: " + ", ".join(known)
            errors.append(
                positions.error(
                    loc, f"unknown key {name!r}", key=True, hint=hint, code="unknown-key"
                )
            )
            continue
        if kind == "missing":
            errors.append(
                positions.error(
                    loc,
                    "required key is missing"
                    + (
                        ""
                        if positions.exact(loc)
                        else f" (under {format_path(loc[:-1]) or 'the top level'})"
                    ),
                    code="missing-field",
                )
            )
            continue
        expected = _EXPECTED.get(kind)
        if kind in {"enum", "literal_error"}:
            context = item.get("ctx") or {}
            expected = "one of " + str(context.get("expected", "the allowed values"))
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if kind in {"enum", "literal_error"}:
            message = "not an allowed value"
        elif kind in _EXPECTED:
            message = "wrong type"
        errors.append(
            positions.error(
                loc,
                message[0].lower() + message[1:] if message else "invalid value",
                expected=expected,
                found=None if kind.startswith("value_error") else found,
                code=pydantic_code(kind),
            )
        )
    return InputErrors(errors)
