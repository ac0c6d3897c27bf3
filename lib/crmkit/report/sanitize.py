"""Sanitising notebook HTML for a report: tables and prose survive, scripts never do.

Cell outputs carry client data (names, free-text feedback), so an output is untrusted: a client
called ``<script>alert(1)</script>`` must show as text. :func:`sanitize_html` keeps the tags a
report needs (headings, paragraphs, lists, tables, images from ``data:`` URIs) and *escapes*
everything else, so a forbidden tag shows as text instead of vanishing silently.

pandas ``Styler`` tables put their colours in a ``<style>`` element; such an element is kept only
after :func:`clean_css` reduced it to rules that target a Styler table (``#T_...``) and use
harmless properties, with no ``url()`` or other fetching or scripting function.

nbconvert's own ``clean_html`` filter escapes ``<thead>``, ``<th>`` and headings, which breaks
DataFrame tables and markdown; :mod:`crmkit.report.html` installs :func:`sanitize_html` in its
place.
"""

from __future__ import annotations

import re

import bleach
import tinycss2
from bleach.css_sanitizer import CSSSanitizer

__all__ = ["sanitize_html", "clean_css", "ALLOWED_TAGS", "ALLOWED_CSS_PROPERTIES"]

#: Tags kept as markup; any other tag is escaped and shows as text.
ALLOWED_TAGS: frozenset[str] = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
})

#: CSS properties allowed in ``style`` attributes and in Styler ``<style>`` rules.
ALLOWED_CSS_PROPERTIES: frozenset[str] = frozenset({
    "background", "background-color", "border", "border-bottom", "border-collapse",
    "border-color", "border-left", "border-right", "border-style", "border-top", "border-width",
    "color", "font-size", "font-style", "font-weight", "height", "max-width", "min-width",
    "opacity", "padding", "padding-bottom", "padding-left", "padding-right", "padding-top",
    "text-align", "text-decoration", "vertical-align", "white-space", "width",
})

#: CSS functions allowed in values (Styler.bar uses linear-gradient); url(), image(), etc. are not.
_CSS_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla", "linear-gradient", "calc"})
_GLOBAL_ATTRS = ("class", "id", "title", "lang", "dir", "style")
_CELL_ATTRS = ("colspan", "rowspan", "align", "valign", "scope")
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]+$")
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
# Elements whose content an HTML parser reads as raw text: escaped before parsing, so
# "<script>x</script>" reads back in order as text instead of "<script></script>x".
_RAW_TEXT = re.compile(r"<(?=/?(?:script|iframe|noscript|noembed|noframes|xmp|textarea|title|"
                       r"plaintext|template)\b)", re.IGNORECASE)
_SAFE_SELECTOR = re.compile(r"^#T_[A-Za-z0-9_\-]+[A-Za-z0-9_\-\s.#:>+~()\[\]=*\"']*$")


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name in _GLOBAL_ATTRS:
        return True
    if tag in ("td", "th"):
        return name in _CELL_ATTRS
    if tag == "a":
        # Links to the web, mail or an anchor of the report; never data: or javascript:.
        if name == "href":
            return not value.strip().lower().startswith("data:")
        return name == "title"
    if tag == "img":
        if name == "src":
            return bool(_DATA_IMAGE.match(value.strip()))
        return name in ("alt", "width", "height")
    if tag in ("ol", "ul"):
        return name in ("start", "type")
    if tag in ("col", "colgroup"):
        return name == "span"
    return False


def _safe_value(tokens: list) -> bool:
    for tok in tokens:
        if tok.type in ("url", "at-keyword", "string", "() block", "{} block", "[] block"):
            return False
        if tok.type == "function":
            if tok.lower_name not in _CSS_FUNCTIONS or not _safe_value(tok.arguments):
                return False
    return True


def _declarations(content: list | str) -> list[str]:
    """The allowed ``property: value`` pairs of a declaration block."""
    out = []
    for d in tinycss2.parse_declaration_list(content, skip_whitespace=True, skip_comments=True):
        if d.type != "declaration" or d.lower_name not in ALLOWED_CSS_PROPERTIES:
            continue
        if not _safe_value(d.value):
            continue
        value = tinycss2.serialize(d.value).strip()
        if not value or any(c in value for c in "<>\\{};"):
            continue
        out.append(f"{d.lower_name}: {value}{' !important' if d.important else ''};")
    return out


class _StyleAttribute(CSSSanitizer):
    """bleach's hook for ``style="..."``: the same declaration filter as :func:`clean_css`."""

    def sanitize_css(self, style: str) -> str:
        return " ".join(_declarations(style))


def clean_css(css: str) -> str:
    """Keep only the Styler-shaped rules of a style sheet.

    A rule is kept when every selector starts with a Styler table id (``#T_``) and has no
    character that could leave the rule; a declaration is kept when its property is in
    :data:`ALLOWED_CSS_PROPERTIES` and its value calls no function outside
    ``rgb / rgba / hsl / hsla / linear-gradient / calc`` (so no ``url()``). At-rules
    (``@import``, ``@font-face``) are dropped.
    """
    out: list[str] = []
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        if rule.type != "qualified-rule":
            continue
        parts = [p.strip() for p in tinycss2.serialize(rule.prelude).split(",")]
        if not all(_SAFE_SELECTOR.match(p) for p in parts):
            continue
        decls = _declarations(rule.content)
        if decls:
            out.append(", ".join(parts) + " {\n  " + "\n  ".join(decls) + "\n}")
    return "\n".join(out)


_CLEANER = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allow_attribute,
    protocols={"http", "https", "mailto", "data"},
    strip=False,  # escape, so a forbidden tag shows as text rather than disappearing
    strip_comments=True,
    css_sanitizer=_StyleAttribute(allowed_css_properties=ALLOWED_CSS_PROPERTIES),
)


def sanitize_html(html: str | bytes) -> str:
    """Sanitise an HTML fragment from a notebook cell or output.

    Allowed tags (:data:`ALLOWED_TAGS`) keep ``class``, ``id``, ``title`` and a filtered
    ``style``; links keep ``http(s)``, ``mailto`` and ``#anchor`` targets; images keep only
    base64 ``data:image/...`` sources (nothing is fetched). Every other tag, including
    ``<script>``, ``<iframe>``, ``<object>``, ``<svg>`` and ``<form>``, is escaped and shows as
    text; event-handler attributes (``onerror=``) are removed. ``<style>`` elements are replaced
    by their :func:`clean_css` form.
    """
    html = html.decode("utf-8", "replace") if isinstance(html, bytes) else str(html)
    styles: list[str] = []

    def _take(m: re.Match) -> str:
        css = clean_css(m.group(1))
        if css:
            styles.append(css)
        return ""

    body = _RAW_TEXT.sub("&lt;", _STYLE_ELEMENT.sub(_take, html))
    cleaned = _CLEANER.clean(body)
    if styles:
        cleaned = '<style type="text/css">\n' + "\n".join(styles) + "\n</style>\n" + cleaned
    return cleaned
