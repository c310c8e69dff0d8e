"""Where a step's exception came from in the integration's own code: :func:`describe_exception`.

A step error names the innermost frame of the integration's code::

    bulk step 'products': AttributeError at my_sync.py:42 in from_ms: 'str' object has no
    attribute 'timestamp'

That frame is the innermost one of the traceback that is not the engine's own (``spmkit``
and its harness ``spmkit_testing``), not the standard library's, and not a library the
engine calls through: the distributions spmkit requires, transitively (httpx, httpcore,
anyio, ...; read once from the installed metadata, with the core ones always known).
Modules decide, not file paths: an integration installed into site-packages next to
httpx is still the integration's code, and a library it uses that spmkit does not
(pydantic, say) counts as its code too, which is where its call went wrong.

An exception raised by the engine itself (a refused push, say) has no such frame and is
described as before (``PushFailed: ...``). :func:`format_traceback` keeps the whole
traceback for the reports and ``-v``.
"""

from __future__ import annotations

import functools
import re
import sys
import traceback
from pathlib import PurePath
from types import TracebackType

__all__ = ["describe_exception", "format_traceback", "user_frame"]

_DISTRIBUTION = "spmkit-shopimind"
_ENGINE = frozenset({"spmkit", "spmkit_testing"})
# What the engine calls through even where the metadata cannot be read (a checkout on
# sys.path): its dependencies and theirs, and the optional aiohttp transport's.
_CORE_LIBRARIES = frozenset({
    "httpx", "httpcore", "anyio", "h11", "h2", "hpack", "hyperframe", "sniffio", "certifi",
    "idna", "cryptography", "cffi", "orjson", "httpx_aiohttp", "aiohttp", "aiosignal",
    "aiohappyeyeballs", "multidict", "yarl", "frozenlist", "propcache", "attr", "attrs",
})
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def describe_exception(exc: BaseException) -> str:
    """``"AttributeError at my_sync.py:42 in from_ms: 'str' object has no attribute ..."``,
    or ``"Type: message"`` when no frame of the traceback is the integration's."""
    where = user_frame(exc)
    name = type(exc).__name__
    return f"{name}: {exc}" if where is None else f"{name} at {where}: {exc}"


def user_frame(exc: BaseException) -> str | None:
    """The innermost frame of the integration's code in ``exc``'s traceback, as
    ``"package/module.py:42 in function"`` (then in its cause or context), or ``None``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _innermost(current.__traceback__)
        if found is not None:
            return found
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__)
    return None


def format_traceback(exc: BaseException) -> str:
    """The whole traceback of ``exc``, as Python prints it."""
    return "".join(traceback.format_exception(exc)).rstrip("\n")


def _innermost(tb: TracebackType | None) -> str | None:
    found: tuple[str, int, str, object] | None = None
    while tb is not None:
        frame = tb.tb_frame
        module = frame.f_globals.get("__name__")
        filename = frame.f_code.co_filename
        if not _is_library(module if isinstance(module, str) else None, filename):
            found = (filename, tb.tb_lineno, frame.f_code.co_name, module)
        tb = tb.tb_next
    if found is None:
        return None
    filename, line, function, module = found
    return f"{_shown(filename, module if isinstance(module, str) else None)}:{line} in {function}"


def _is_library(module: str | None, filename: str) -> bool:
    if module is None:
        return filename.startswith("<frozen ")
    top = module.partition(".")[0]
    return top in _ENGINE or top in sys.stdlib_module_names or top in _libraries()


def _shown(filename: str, module: str | None) -> str:
    """The file as its module names it (``acme_crm/sync.py``), wherever it is installed;
    its bare name when the module does not match the path (``__main__``, exec'd code)."""
    path = PurePath(filename)
    if module is None or module == "__main__":
        return path.name
    depth = module.count(".") + 1 + (path.name == "__init__.py")
    parts = path.parts[-depth:]
    dotted = ".".join((*parts[:-1], path.stem) if path.name != "__init__.py" else parts[:-1])
    return "/".join(parts) if dotted == module else path.name


@functools.cache
def _libraries() -> frozenset[str]:
    """The top-level modules of the distributions spmkit requires, transitively."""
    from importlib import metadata

    try:
        by_module = metadata.packages_distributions()
    except Exception:  # a broken environment must not hide the step's own error
        return _CORE_LIBRARIES
    modules_of: dict[str, set[str]] = {}
    for module, distributions in by_module.items():
        for distribution in distributions:
            modules_of.setdefault(_normal(distribution), set()).add(module)
    wanted, todo = set(), [_DISTRIBUTION]
    while todo:
        name = _normal(todo.pop())
        if name in wanted:
            continue
        wanted.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [m.group(0) for m in map(_NAME.match, requires) if m is not None]
    found = {m for name in wanted for m in modules_of.get(name, ())}
    return _CORE_LIBRARIES | frozenset(found - {"__pycache__"})


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
