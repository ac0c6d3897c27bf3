"""Saving changed settings into a parameters file while keeping its comments, order and layout.

The sliders' *save* writes only the keys whose value differs from what the file already gives
(after defaults), as small text edits of the file: a changed value is replaced in place (its
end-of-line comment stays in its column), a new key is added under its section, a rule given by
``id`` is edited in its own entry or appended as ``- {id: ..., threshold: ...}``. The file is
parsed with ruamel.yaml for positions; the edited text is re-read and must give exactly the
intended data, else the edit is redone with ruamel.yaml's round-trip dump (comments kept, long
flow lists re-wrapped). The previous file is kept beside it as ``<name>.<timestamp>.bak``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

__all__ = ["SavedParams", "save_changes", "changed_keys"]


@dataclass
class SavedParams:
    """What a save wrote: the file, its backup, the keys changed and a unified diff."""

    path: Path
    backup: Path | None = None
    keys: list[str] = field(default_factory=list)
    diff: str = ""

    @property
    def changed(self) -> bool:
        """True when the file was rewritten."""
        return bool(self.keys)


class _Unsupported(Exception):
    """A text edit this module does not make; the ruamel.yaml dump is used instead."""


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        a = list(a)
    if isinstance(b, tuple):
        b = list(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    return a == b


def _id_list(v: Any) -> bool:
    return (isinstance(v, list) and bool(v)
            and all(isinstance(x, Mapping) and "id" in x for x in v))


def changed_keys(updates: Mapping[str, Any], effective: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``updates`` that differs from ``effective`` (the validated file, defaults
    filled in): nested mappings are compared key by key, lists of ``{id: ...}`` entries entry by
    entry (an entry keeps its ``id`` and only its changed keys), anything else as a whole."""
    out: dict[str, Any] = {}
    for key, new in updates.items():
        old = effective.get(key) if isinstance(effective, Mapping) else None
        if isinstance(new, Mapping):
            sub = changed_keys(new, old if isinstance(old, Mapping) else {})
            if sub:
                out[key] = sub
        elif _id_list(new) and isinstance(old, list):
            by_id = {x.get("id"): x for x in old if isinstance(x, Mapping)}
            entries = []
            for entry in new:
                base = by_id.get(entry["id"], {})
                diff = {k: v for k, v in entry.items() if k != "id" and not _same(v, base.get(k))}
                if diff:
                    entries.append({"id": entry["id"], **_plain(diff)})
            if entries:
                out[key] = _IdEntries(entries)
        elif not _same(new, old):
            out[key] = _plain(new)
    return out


class _IdEntries(list):
    """Entries of an id-keyed list, merged into the file's list by id."""


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


# -- rendering and positions --------------------------------------------------------------
def _flow(v: Any) -> str:
    text = yaml.safe_dump(v, default_flow_style=True, allow_unicode=True, sort_keys=False,
                          width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _block(key: str, v: Any, indent: int) -> list[str]:
    """``key: value`` lines at ``indent``: mappings as blocks, id lists one flow entry a line."""
    pad = " " * indent
    if isinstance(v, Mapping) and v:
        inner = [ln for k, x in v.items() for ln in _block(k, x, indent + 2)]
        return [f"{pad}{_flow(key)}:", *inner]
    if isinstance(v, _IdEntries):
        return [f"{pad}{_flow(key)}:", *[f"{pad}  - {_flow(dict(e))}" for e in v]]
    return [f"{pad}{_flow(key)}: {_flow(v)}"]


def _flow_end(lines: list[str], line: int, col: int) -> tuple[int, int]:
    """(line, col after) of the bracket closing the flow collection opened at (line, col)."""
    depth, quote = 0, ""
    for i in range(line, len(lines)):
        for j in range(col if i == line else 0, len(lines[i])):
            ch = lines[i][j]
            if quote:
                quote = "" if ch == quote else quote
            elif ch in "'\"":
                quote = ch
            elif ch == "#" and (j == 0 or lines[i][j - 1] == " "):
                break
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    return i, j + 1
    raise _Unsupported("unclosed flow collection")


def _last_line(node: Any, lines: list[str]) -> int:
    """The last line of a collection's text."""
    if node.fa.flow_style():
        return _flow_end(lines, node.lc.line, node.lc.col)[0]
    last = node.lc.line
    items = node.items() if isinstance(node, CommentedMap) else enumerate(node)
    for k, v in items:
        pos = node.lc.value(k) if isinstance(node, CommentedMap) else node.lc.item(k)
        last = max(last, pos[0])
        if isinstance(v, CommentedMap | CommentedSeq) and len(v):
            last = max(last, _last_line(v, lines))
    return last


_PLAIN_END = {True: re.compile(r"\s+#|[,\]}]"), False: re.compile(r"\s+#")}


def _scalar_end(text: str, col: int, in_flow: bool) -> int:
    if text[col:col + 1] in ("'", '"'):
        q = text[col]
        j = col + 1
        while j < len(text):
            if text[j] == q and not (q == '"' and text[j - 1] == "\\"):
                if q == "'" and text[j + 1:j + 2] == "'":
                    j += 2
                    continue
                return j + 1
            j += 1
        raise _Unsupported("multi-line quoted scalar")
    m = _PLAIN_END[in_flow].search(text, col)
    end = m.start() if m else len(text)
    return len(text[:end].rstrip())


class _Editor:
    """Text edits of the original lines: replacements and insertions, applied bottom-up."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.edits: list[tuple[int, int, int, int, int, str]] = []  # l0, c0, n, l1, c1, text

    def replace_value(self, parent: CommentedMap | CommentedSeq, key: Any, value: Any) -> None:
        cur = parent[key]
        line, col = parent.lc.value(key) if isinstance(parent, CommentedMap) else \
            parent.lc.item(key)
        if isinstance(cur, CommentedMap | CommentedSeq):
            if not cur.fa.flow_style():
                raise _Unsupported("replacing a block collection")
            end = _flow_end(self.lines, cur.lc.line, cur.lc.col)
            self._edit(cur.lc.line, cur.lc.col, *end, _flow(value))
            return
        text = self.lines[line]
        if col >= len(text) or text[col:].lstrip().startswith("#"):
            raise _Unsupported("empty value")
        end = _scalar_end(text, col, bool(parent.fa.flow_style()))
        new = _flow(value)
        rest = text[end:]
        gap = len(rest) - len(rest.lstrip(" "))
        if rest[gap:gap + 1] == "#":  # keep the end-of-line comment in its column
            new += " " * max(1, gap - (len(new) - (end - col)))
            end += gap
        self._edit(line, col, line, end, new)

    def insert(self, node: CommentedMap | CommentedSeq | None, new_lines: list[str]) -> None:
        if node is None or not len(node):
            at = len(self.lines)
            while at and (not self.lines[at - 1].strip()):
                at -= 1
        else:
            at = _last_line(node, self.lines) + 1
        self._edit(at, 0, at, 0, "\n".join(new_lines) + "\n")

    def _edit(self, l0: int, c0: int, l1: int, c1: int, new: str) -> None:
        self.edits.append((l0, c0, len(self.edits), l1, c1, new))  # n keeps insertion order

    def text(self) -> str:
        body = "\n".join(self.lines) + "\n"
        starts = [0]
        for ln in self.lines:
            starts.append(starts[-1] + len(ln) + 1)
        for l0, c0, _, l1, c1, new in sorted(self.edits, reverse=True):
            a, b = starts[l0] + c0, starts[l1] + c1
            body = body[:a] + new + body[b:]
        return body


def _apply(doc: CommentedMap, patch: Mapping[str, Any], ed: _Editor | None, indent: int) -> None:
    """Apply ``patch`` to the ruamel document and, when ``ed`` is given, as text edits."""
    for key, pv in patch.items():
        if key not in doc:
            if ed is not None:
                if doc.fa.flow_style():
                    raise _Unsupported("new key in a flow mapping")
                col = doc.lc.col if len(doc) else indent
                ed.insert(doc if len(doc) else None, _block(key, pv, col))
            else:
                doc[key] = _plain(pv) if not isinstance(pv, _IdEntries) else [dict(e) for e in pv]
            continue
        cur = doc[key]
        if isinstance(pv, _IdEntries) and isinstance(cur, CommentedSeq):
            for entry in pv:
                hit = next((x for x in cur if isinstance(x, CommentedMap)
                            and x.get("id") == entry["id"]), None)
                if hit is not None:
                    _apply(hit, {k: v for k, v in entry.items() if k != "id"}, ed, indent + 2)
                    continue
                if ed is not None:
                    if cur.fa.flow_style() or not len(cur):
                        raise _Unsupported("entry added to a flow list")
                    dash = cur.lc.col
                    ed.insert(cur, [f"{' ' * dash}- {_flow(dict(entry))}"])
                else:
                    cur.append(CommentedMap(entry))
        elif isinstance(pv, Mapping) and isinstance(cur, CommentedMap):
            _apply(cur, pv, ed, (cur.lc.col if len(cur) else indent + 2))
        else:
            value = [dict(e) for e in pv] if isinstance(pv, _IdEntries) else pv
            if ed is not None:
                ed.replace_value(doc, key, value)
            else:
                doc[key] = value


def _yaml() -> YAML:
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 100
    return rt


def save_changes(path: str | Path, updates: Mapping[str, Any],
                 effective: Callable[[dict[str, Any]], dict[str, Any]],
                 backup: bool = True) -> SavedParams:
    """Write into ``path`` the part of ``updates`` that changes the file's effective settings.

    Parameters
    ----------
    path
        The parameters file (YAML).
    updates
        Nested settings, e.g. ``{"tiering": {"abc": {"a_min": 80}}}``; lists of ``{id: ...}``
        entries (warning rules) are merged by id.
    effective
        Validates plain file data and returns it with defaults filled in (raises on bad data).
    backup
        Keep the previous file as ``<name>.<YYYYmmdd-HHMMSS>.bak`` beside it.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    before = yaml.safe_load(text) or {}
    patch = changed_keys(_plain(updates), effective(before))
    if not patch:
        return SavedParams(path)
    doc = _yaml().load(text) or CommentedMap()
    ed = _Editor(text)
    try:
        _apply(doc, patch, ed, 0)
        new_text = ed.text()
    except _Unsupported:
        new_text = None
    doc = _yaml().load(text) or CommentedMap()
    _apply(doc, patch, None, 0)
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    intended = yaml.safe_load(buf.getvalue())
    if new_text is None or yaml.safe_load(new_text) != intended:
        new_text = buf.getvalue()
    effective(intended)  # a bad update never lands
    saved = SavedParams(path, keys=_dotted(patch))
    if backup:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        saved.backup = path.with_name(f"{path.name}.{stamp}.bak")
        n = 1
        while saved.backup.exists():
            n += 1
            saved.backup = path.with_name(f"{path.name}.{stamp}-{n}.bak")
        saved.backup.write_text(text, encoding="utf-8")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new_text, encoding="utf-8")
    tmp.replace(path)
    saved.diff = "".join(difflib.unified_diff(
        text.splitlines(True), new_text.splitlines(True),
        fromfile=str(saved.backup or path), tofile=str(path)))
    return saved


def _dotted(patch: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for k, v in patch.items():
        if isinstance(v, _IdEntries):
            out += [f"{prefix}{k}[{e['id']}].{f}" for e in v for f in e if f != "id"]
        elif isinstance(v, Mapping) and v:
            out += _dotted(v, f"{prefix}{k}.")
        else:
            out.append(f"{prefix}{k}")
    return out
