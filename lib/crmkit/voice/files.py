"""The data files shipped with :mod:`crmkit.voice` (dictionary, stop words, lexicon)."""

from __future__ import annotations

from pathlib import Path

from crmkit.voice.errors import VoiceError

__all__ = ["data_file", "read_lines"]

_HERE = Path(__file__).resolve().parent


def data_file(name: str) -> Path:
    """Path of a data file shipped beside this module."""
    return _HERE / name


def read_lines(path: Path) -> list[str]:
    """Non-blank lines of a UTF-8 text file, without ``#`` comment lines."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise VoiceError(f"{path}: file not found; give an existing UTF-8 text file "
                         "(one entry per line).") from None
    except UnicodeDecodeError:
        raise VoiceError(f"{path}: not UTF-8 text; save it as UTF-8.") from None
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
