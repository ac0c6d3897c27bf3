"""Chart style shared by every crmkit chart: a CJK-capable font from the project's own install.

The font is Noto Sans CJK from the PyPI package ``noto-cjk-sans-otc`` (OFL), so Chinese labels
render on a fresh machine with no system font. Call :func:`use_style` once before plotting;
``sns.set_theme()`` alone would reset the font, so it is called here with ``font=``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager

from crmkit.core.fonts import cjk_font_path

__all__ = ["cjk_font_family", "use_style", "PALETTE", "SEVERITY_COLORS"]

PALETTE = ["#1f4e79", "#2e86c1", "#85c1e9", "#f5b041", "#cb4335", "#7d3c98", "#229954"]
SEVERITY_COLORS = {"critical": "#922b21", "high": "#cb4335", "medium": "#f5b041",
                   "low": "#85c1e9", "info": "#aab7b8"}


@lru_cache(maxsize=1)
def cjk_font_family() -> str:
    """Register the bundled CJK font with matplotlib and return its family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    names = [f.name for f in font_manager.fontManager.ttflist if Path(f.fname) == path]
    # The collection holds the SC, TC, JP and KR faces; prefer Simplified Chinese.
    for pref in ("Noto Sans CJK SC", "Noto Sans CJK"):
        for n in names:
            if n.startswith(pref):
                return n
    return names[0] if names else "sans-serif"


def _enable_notebook_display() -> None:
    """In a Jupyter kernel, show figures returned as a cell's value as PNG.

    crmkit charts are :class:`~matplotlib.figure.Figure` objects not registered with pyplot (so
    batch runs leak no figures); IPython needs a PNG formatter registered to display them.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython always comes with ipykernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("png")


def use_style(context: str = "notebook") -> str:
    """Apply the crmkit chart theme with the CJK font; return the font family used."""
    _enable_notebook_display()
    family = cjk_font_family()
    sns.set_theme(context=context, style="whitegrid", palette=PALETTE, font=family,
                  rc={"axes.unicode_minus": False, "figure.dpi": 110,
                      "font.sans-serif": [family, "DejaVu Sans"]})
    plt.rcParams["axes.unicode_minus"] = False
    return family
