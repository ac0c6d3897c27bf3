"""Masking of personal data for exports: names ``张**``, ID numbers ``9131****1234``, free text.

Both helpers are vectorised over a pandas Series (or take one string) and keep missing values
missing. The data contract marks the columns to mask with ``pii=True`` (``clients.legal_rep``,
``clients.credit_code``); :data:`PII_MASKS` says which helper applies to each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import overload

import pandas as pd

__all__ = ["mask_name", "mask_id", "mask_text", "mask_frame", "PII_MASKS", "MASK_CHAR"]

MASK_CHAR = "*"


def _series(s: pd.Series | str | None) -> tuple[pd.Series, bool]:
    if isinstance(s, pd.Series):
        return s.astype("string"), False
    return pd.Series([s], dtype="string"), True


@overload
def mask_name(s: pd.Series) -> pd.Series: ...
@overload
def mask_name(s: str | None) -> str | None: ...
def mask_name(s):
    """Keep the first character of a name, mask the rest: ``张三丰 -> 张**``, ``Li Lei -> L*****``.

    A one-character name is masked entirely (``*``); surrounding spaces are dropped first.
    """
    v, scalar = _series(s)
    v = v.str.strip()
    n = v.str.len()
    keep = v.str.slice(0, 1).where(n > 1, "")
    stars = pd.Series(MASK_CHAR, index=v.index, dtype="string").str.repeat(
        (n - keep.str.len()).fillna(0).astype(int).tolist())
    out = (keep + stars).where(v.notna())
    return (None if pd.isna(out.iloc[0]) else str(out.iloc[0])) if scalar else out


@overload
def mask_id(s: pd.Series) -> pd.Series: ...
@overload
def mask_id(s: str | None) -> str | None: ...
def mask_id(s):
    """Keep the first 4 and last 4 characters of an ID number, mask the middle:
    ``91310000MA1FL4X12K -> 9131**********X12K``. IDs of 8 characters or fewer are masked
    entirely (keeping 4 + 4 would show them whole)."""
    v, scalar = _series(s)
    v = v.str.strip()
    n = v.str.len().fillna(0).astype(int)
    long = n > 8
    mid = pd.Series(MASK_CHAR, index=v.index, dtype="string").str.repeat(
        (n - 8).where(long, n).tolist())
    head = v.str.slice(0, 4).where(long, "")
    tail = v.str.slice(-4).where(long, "")
    out = (head + mid + tail).where(v.notna())
    return (None if pd.isna(out.iloc[0]) else str(out.iloc[0])) if scalar else out


# -- free text: phone numbers, ID numbers, e-mail addresses and people's names --------------
#: 18-digit resident ID (17 digits + digit or X) or 15-digit old ID, not inside a longer number.
_RE_ID = re.compile(r"(?<![0-9A-Za-z])(?:[1-9]\d{16}[\dXx]|[1-9]\d{14})(?![0-9A-Za-z])")
#: Mainland mobile (optionally +86 / 86, optional spaces or dashes) or landline 0xx(x)-xxxxxxx(x).
_RE_PHONE = re.compile(
    r"(?<!\d)(?:(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}|0\d{2,3}[ -]?\d{7,8})(?!\d)")
_RE_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
#: A Chinese name right after a word that introduces a person (联系人王建国, 财务总监李芳).
_RE_CN_NAME = re.compile(
    r"(联系人|对接人|经办人|负责人|财务总监|财务经理|总经理|董事长|法定代表人|法人代表|法人|"
    r"客户经理|出纳|会计)[:：\s]?([\u4e00-\u9fff])([\u4e00-\u9fff]{1,2})"
    r"(?=[，,。；;、\s（(]|电话|手机|邮箱|$|已|未|表示|反映|称)")
#: An English name after a title or "contact" (Mr. Wang, Ms Li Na, contact Zhang Wei).
_RE_EN_NAME = re.compile(
    r"\b(Mr\.?|Ms\.?|Mrs\.?|Dr\.?|[Cc]ontact:?)\s+([A-Z])([a-z]+(?: [A-Z][a-z]+)?)")


def _stars(m: re.Match[str], keep_head: int = 0, keep_tail: int = 0) -> str:
    s = m.group(0)
    digits = [i for i, ch in enumerate(s) if ch.isalnum()]
    keep = set(digits[:keep_head]) | set(digits[len(digits) - keep_tail:])
    return "".join(ch if (i in keep or not ch.isalnum()) else MASK_CHAR
                   for i, ch in enumerate(s))


class _Names:
    """Names to mask, in masking order, indexed by first character: which of them a text
    holds is found by a scan of the text, not by a search for every name (quadratic when
    every client's legal representative is a name); the scan visits only the characters
    that start a name (one character-class search, in C)."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.order = {n: i for i, n in enumerate(names)}
        sizes: dict[str, set[int]] = {}
        for n in names:
            sizes.setdefault(n[0], set()).add(len(n))
        self.lengths = {c: tuple(sorted(v)) for c, v in sizes.items()}
        self.first = (re.compile("[" + "".join(re.escape(c) for c in sorted(self.lengths))
                                 + "]") if self.lengths else None)
        # a name holding the mask character may appear only once others are masked
        self.always = [n for n in names if MASK_CHAR in n]

    def found(self, text: str) -> list[str]:
        """The names ``text`` holds (and those that masking could make appear), in order."""
        hits = set(self.always)
        if self.first is not None:
            order, lengths = self.order, self.lengths
            for m in self.first.finditer(text):
                i = m.start()
                for size in lengths[m.group()]:
                    part = text[i:i + size]
                    if part in order:
                        hits.add(part)
        if len(hits) < 2:
            return list(hits)
        return sorted(hits, key=self.order.__getitem__)


def _mask_one(text: str, names: tuple[str, ...] | _Names) -> str:
    # an e-mail needs "@", an English name a title ("M"r/s, "Dr") or "contact"
    if "@" in text:
        text = _RE_EMAIL.sub(lambda m: m.group(0)[0] + MASK_CHAR * 3 + m.group(0)[
            m.group(0).index("@"):], text)
    text = _RE_ID.sub(lambda m: _stars(m, 4, 4), text)
    text = _RE_PHONE.sub(lambda m: _stars(m, 3, 4) if m.group(0).lstrip("+")[:1] != "0"
                         else _stars(m, 0, 0), text)
    text = _RE_CN_NAME.sub(lambda m: m.group(1) + m.group(2) + MASK_CHAR * len(m.group(3)),
                           text)
    if "M" in text or "Dr" in text or "ontact" in text:
        text = _RE_EN_NAME.sub(lambda m: f"{m.group(1)} {m.group(2)}{MASK_CHAR * 3}", text)
    for name in names.found(text) if isinstance(names, _Names) else names:
        text = text.replace(name, name[0] + MASK_CHAR * (len(name) - 1))
    return text


@overload
def mask_text(s: pd.Series, names: Iterable[str] = ...) -> pd.Series: ...
@overload
def mask_text(s: str | None, names: Iterable[str] = ...) -> str | None: ...
def mask_text(s, names=()):
    """Mask personal data inside free text (visit notes, complaints, survey feedback).

    Phone numbers keep their first 3 and last 4 digits (``138****5678``; landlines are masked
    whole), ID numbers (18 or 15 digits) their first and last 4, e-mail addresses their first
    character and domain (``z***@bank.com``); a Chinese name after a word that introduces a
    person (``联系人王建国`` -> ``联系人王**``), an English name after a title (``Mr. W***``) and
    every name in ``names`` (e.g. the clients' legal representatives) keep only their first
    character. Missing values stay missing.
    """
    names = tuple(sorted({str(n).strip() for n in names if isinstance(n, str)
                          and len(str(n).strip()) > 1}, key=len, reverse=True))
    index = _Names(names)
    v, scalar = _series(s)
    out = pd.Series(pd.array([None if x is None else _mask_one(x, index) for x in
                              v.astype(object).where(v.notna(), None).tolist()],
                             dtype="string"), index=v.index)
    return (None if pd.isna(out.iloc[0]) else str(out.iloc[0])) if scalar else out


#: Contract PII column -> masking helper.
PII_MASKS = {"legal_rep": mask_name, "credit_code": mask_id, "notes": mask_text,
             "feedback": mask_text}


def mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every :data:`PII_MASKS` column present masked."""
    out = df.copy()
    for col, fn in PII_MASKS.items():
        if col in out.columns:
            out[col] = fn(out[col])
    return out
