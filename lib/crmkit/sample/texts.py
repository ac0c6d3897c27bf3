"""Free texts of the sample: interaction notes and survey feedback with planted theme and tone.

Every text is drawn from :mod:`crmkit.sample.text_templates` given a planted theme, a polarity
(-1 negative, 0 neutral, +1 positive) and a language, then dressed with an opener, a closer and,
in a few texts, planted personal data (phone, ID number, e-mail, a contact's name) that masking
must remove. Texts use their own random stream, so adding them moves no other column.

Planted links (see ``docs/voice.md``): a client's poor-service latent ``s`` tilts its themes
towards RM responsiveness and approval speed and its tone towards negative; its credit risk
``z`` tilts themes towards pricing; complaints are always negative; churned clients' last six
months are more negative; survey feedback follows the CSAT answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crmkit.sample.text_templates import (
    CLOSERS,
    DAYS,
    OPENERS,
    POLARITIES,
    PRODUCTS,
    PRODUCTS_EN,
    TEMPLATES,
    TEMPLATES_EN,
    THEMES,
)

__all__ = ["Bodies", "bodies", "draw_texts", "theme_weights", "draw_categorical",
           "labelled_texts", "text_rng", "THEMES"]

_SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
_GIVEN = ("建国", "丽", "伟", "芳", "海涛", "晓燕", "志刚", "静", "国强", "红梅", "磊", "婷")
_INTRO = ("联系人", "财务总监", "对接人", "财务经理")
_SPLITS = ("dev", "held")


def text_rng(seed: int, first: int, stream: int = 0) -> np.random.Generator:
    """The texts' own random stream ``stream`` for the chunk starting at client ``first``."""
    return np.random.default_rng([seed, first, 99, stream])


@dataclass(frozen=True)
class Bodies:
    """Every template expanded with its slot values, as parallel arrays."""

    text: pa.Array
    theme: np.ndarray       #: index into THEMES
    polarity: np.ndarray    #: -1, 0, +1
    english: np.ndarray     #: bool
    held: np.ndarray        #: bool: from a held-out template
    template: np.ndarray    #: template number (for grouping)


@lru_cache(maxsize=1)
def bodies() -> Bodies:
    """All template bodies (cached)."""
    rows: list[tuple[str, int, int, bool, bool, int]] = []
    k = 0
    for english, table in ((False, TEMPLATES), (True, TEMPLATES_EN)):
        prods = PRODUCTS_EN if english else PRODUCTS
        for (theme, pol), splits in table.items():
            for split in _SPLITS:
                for tpl in splits[split]:
                    for p in (prods if "{p}" in tpl else ("",)):
                        for d in (DAYS if "{d}" in tpl else ("",)):
                            rows.append((tpl.format(p=p, d=d), THEMES.index(theme), pol,
                                         english, split == "held", k))
                    k += 1
    text, theme, pol, en, held, tpl = zip(*rows, strict=True)
    return Bodies(pa.array(text, pa.string()), np.array(theme), np.array(pol), np.array(en),
                  np.array(held), np.array(tpl))


def _pick_body(rng: np.random.Generator, theme: np.ndarray, pol: np.ndarray,
               english: np.ndarray, split: str | None) -> np.ndarray:
    """Index of a uniformly drawn body per row matching (theme, polarity, language, split)."""
    b = bodies()
    keep = np.ones(len(b.theme), bool) if split is None else (b.held == (split == "held"))
    # English neutral texts have no held-out templates: fall back to every split there.
    group = (b.theme * 3 + (b.polarity + 1)) * 2 + b.english
    out = np.empty(len(theme), np.int64)
    want = (theme * 3 + (pol + 1)) * 2 + english
    u = rng.random(len(theme))
    for g in np.unique(want):
        cand = np.flatnonzero((group == g) & keep)
        if not len(cand):
            cand = np.flatnonzero(group == g)
        rows = want == g
        out[rows] = cand[(u[rows] * len(cand)).astype(np.int64)]
    return out


def _digits(rng: np.random.Generator, lo: int, hi: int, m: int) -> pa.Array:
    return pc.cast(pa.array(rng.integers(lo, hi, m)), pa.string())


def _id_numbers(rng: np.random.Generator, m: int) -> pa.Array:
    """Valid-looking 18-digit resident ID numbers (GB 11643 check character)."""
    region = rng.choice([110101, 310104, 440305, 510107, 330106], m)
    birth = (1965 + rng.integers(0, 35, m)) * 10000 + rng.integers(1, 13, m) * 100 \
        + rng.integers(1, 29, m)
    body = region * 10**11 + birth * 10**3 + rng.integers(100, 1000, m)
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)) % 10
    w = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits * w).sum(axis=1) % 11]
    return pc.binary_join_element_wise(pc.cast(pa.array(body), pa.string()),
                                       pa.array(check, pa.string()), "")


def _pii(rng: np.random.Generator, m: int) -> pa.Array:
    """A planted personal-data clause per row (contact name + phone, ID number or e-mail)."""
    name = pc.binary_join_element_wise(
        pa.array(np.array(_SURNAMES)[rng.integers(0, len(_SURNAMES), m)]),
        pa.array(np.array(_GIVEN)[rng.integers(0, len(_GIVEN), m)]), "")
    intro = pa.array(np.array(_INTRO)[rng.integers(0, len(_INTRO), m)])
    phone = _digits(rng, 13_000_000_000, 19_999_999_999, m)
    mail = pc.binary_join_element_wise(pa.array(np.array(["fin", "cw", "zhang", "li"])[
        rng.integers(0, 4, m)]), _digits(rng, 10, 99, m), "@corp-mail.cn", "")
    kind = rng.integers(0, 3, m)
    a = pc.binary_join_element_wise("（", intro, name, "，电话", phone, "）", "")
    b = pc.binary_join_element_wise("（法人身份证号", _id_numbers(rng, m), "已收）", "")
    c = pc.binary_join_element_wise("（", intro, name, "，邮箱", mail, "）", "")
    return pc.if_else(pa.array(kind == 0), a, pc.if_else(pa.array(kind == 1), b, c))


def draw_texts(rng: np.random.Generator, theme: np.ndarray, pol: np.ndarray,
               english: np.ndarray, *, split: str | None = None, pii_share: float = 0.06
               ) -> tuple[pa.Array, np.ndarray]:
    """Texts for rows of planted (theme, polarity, language); returns texts and held flags.

    ``split`` limits the templates to ``"dev"`` or ``"held"`` ones (None: both).
    """
    b = bodies()
    m = len(theme)
    idx = _pick_body(rng, np.asarray(theme), np.asarray(pol), np.asarray(english), split)
    body = b.text.take(pa.array(idx))
    zh = pa.array(~np.asarray(english, bool))
    op = rng.integers(0, len(OPENERS), m)
    cl = rng.integers(0, len(CLOSERS), m)
    opener = pc.if_else(zh, pa.array(np.array(OPENERS)[op]), pa.scalar(""))
    closer = pc.if_else(zh, pa.array(np.array(CLOSERS)[cl]), pa.scalar("."))
    text = pc.binary_join_element_wise(opener, body, closer, "")
    with_pii = rng.random(m) < pii_share
    text = pc.if_else(pa.array(with_pii), pc.binary_join_element_wise(text, _pii(rng, m), ""),
                      text)
    return text, b.held[idx]


def theme_weights(s: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Per row, probabilities of the six themes: poor service ``s`` tilts towards RM
    responsiveness (+1.0 s) and approval speed (+0.5 s), credit risk ``z`` towards pricing
    (+0.6 z); product fit and digital channels are less common."""
    logit = np.zeros((len(s), len(THEMES)))
    logit[:, THEMES.index("rm_responsiveness")] += 1.0 * s
    logit[:, THEMES.index("approval_speed")] += 0.5 * s
    logit[:, THEMES.index("pricing")] += 0.6 * z
    logit[:, THEMES.index("product_fit")] -= 0.3
    logit[:, THEMES.index("digital_channels")] -= 0.3
    w = np.exp(logit)
    return w / w.sum(axis=1, keepdims=True)


def draw_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of a probability matrix."""
    cum = np.cumsum(probs, axis=1)
    return np.minimum((cum < rng.random((len(probs), 1))).sum(axis=1), probs.shape[1] - 1)


def labelled_texts(n: int, seed: int = 0, *, split: str | None = None,
                   english_share: float = 0.1, pii_share: float = 0.06) -> dict[str, object]:
    """A labelled corpus for evaluation: ``n`` texts with balanced planted themes and tones.

    Returns a dict with ``text`` (list of str), ``theme`` (theme codes) and ``polarity``
    (-1 / 0 / +1). ``split="held"`` draws only held-out templates.
    """
    rng = np.random.default_rng([seed, 4242])
    theme = rng.integers(0, len(THEMES), n)
    pol = np.array(POLARITIES)[rng.choice(3, n, p=[0.4, 0.2, 0.4])]
    english = rng.random(n) < english_share
    text, _ = draw_texts(rng, theme, pol, english, split=split, pii_share=pii_share)
    return {"text": text.to_pylist(), "theme": [THEMES[i] for i in theme],
            "polarity": pol.tolist()}
