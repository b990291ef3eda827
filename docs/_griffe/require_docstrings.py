"""Griffe extension: warn about every public name of the API reference that has no docstring.

``mkdocs build --strict`` turns these warnings into a failed build.

"Public" means: each ``compneurovis.<part>`` package (not starting with ``_``),
every name in its ``__all__``, and, for classes, every method and property
whose name does not start with ``_``, inherited ones included (they are shown
on the page too). Constants, type aliases and plain attributes are not
required to have docstrings. A method that overrides a documented base-class
method without a docstring of its own takes the base docstring, as
``inspect.getdoc`` does at run time.
"""

from __future__ import annotations

from typing import Any

import griffe

_logger = griffe.logger


class RequireDocstrings(griffe.Extension):
    """Check docstrings once the ``compneurovis`` namespace is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "compneurovis":
            return
        problems: list[str] = []
        for name, part in sorted(pkg.members.items()):
            if name.startswith("_") or part.is_alias or not part.is_module:
                continue
            _check_package(part, problems)
        for problem in problems:
            _logger.warning("missing docstring: %s", problem)


def _check_package(module: griffe.Module, problems: list[str]) -> None:
    if not module.has_docstring:
        problems.append(f"{module.path} (module)")
    exports = module.exports
    if exports is None:
        names = [n for n in module.members if not n.startswith("_")]
    else:
        names = [str(e) if isinstance(e, str) else e.name for e in exports]
    seen: set[str] = set()
    for name in names:
        member = module.members.get(name)
        if member is None:
            continue
        try:
            target = member.final_target if member.is_alias else member
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue  # re-exported from outside the project
        if target.is_class:
            _check_object(target, f"{module.path}.{name}", problems, seen)
            _check_class(target, problems, seen)
        elif target.is_function:
            _check_object(target, f"{module.path}.{name}", problems, seen)


def _check_object(obj: Any, shown_as: str, problems: list[str], seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if not obj.has_docstring:
        where = obj.path if obj.path == shown_as else f"{obj.path} (shown as {shown_as})"
        problems.append(f"{where} ({obj.relative_filepath}:{obj.lineno})")


def _check_class(cls: griffe.Class, problems: list[str], seen: set[str]) -> None:
    for name, member in cls.all_members.items():
        if name.startswith("_"):
            continue
        try:
            target = member.final_target if member.is_alias else member
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
        if not (target.is_function or "property" in target.labels):
            continue
        if not target.has_docstring:
            _inherit_docstring(target, cls)
        _check_object(target, f"{cls.path}.{name}", problems, seen)


def _inherit_docstring(func: Any, cls: griffe.Class) -> None:
    """Give an undocumented override the docstring of the base-class method it overrides."""
    owner = func.parent if func.parent is not None and func.parent.is_class else cls
    try:
        bases = owner.mro()
    except ValueError:
        return
    for base in bases:
        other = base.members.get(func.name)
        if other is None:
            continue
        try:
            other = other.final_target if other.is_alias else other
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            continue
        if other.has_docstring:
            doc = other.docstring
            func.docstring = griffe.Docstring(
                doc.value, lineno=func.lineno, endlineno=func.lineno, parent=func,
                parser=doc.parser, parser_options=doc.parser_options,
            )
            return
