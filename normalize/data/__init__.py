"""Vocabularies of the normalizers as data files (TOML), read by the modules that own them.

Each owning module derives its indexes from its file at import; a file that does not parse,
or an entry that does not say what its module needs, stops the import with a `DataFileError`
naming the file and the entry, rather than a KeyError deep in a reader later.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files


class DataFileError(ValueError):
    """A vocabulary file that cannot be used; the message names the file and the entry."""


def data_path(name: str) -> str:
    """How a data file is named in errors: its path in the repository."""
    return f"normalize/data/{name}"


def read_data(name: str) -> str:
    return files(__name__).joinpath(name).read_text("utf-8")


def parse_data(text: str, where: str) -> dict:
    """The TOML document `text` of the file `where`, or a DataFileError saying where it breaks."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"{where}: not valid TOML: {exc}") from None


def entries(data: dict, table: str, where: str) -> list[dict]:
    """The `[[table]]` entries of a parsed file; each must be a table."""
    found = data.get(table)
    if not isinstance(found, list) or not found:
        raise DataFileError(f"{where}: no [[{table}]] entries")
    for number, entry in enumerate(found, 1):
        if not isinstance(entry, dict):
            raise DataFileError(f"{where}: [[{table}]] entry {number} is not a table")
    return found


def words(entry: dict, key: str, where: str, label: str, *, empty_ok: bool = False) -> list[str]:
    """A list of lower-case words of an entry (the readers match on lower-cased text, so an
    upper-case word would silently never match)."""
    value = entry.get(key, [] if empty_ok else None)
    if not isinstance(value, list) or (not value and not empty_ok):
        raise DataFileError(f"{where}: {label}: '{key}' must be a non-empty list of strings")
    for word in value:
        if not isinstance(word, str) or not word.strip():
            raise DataFileError(f"{where}: {label}: '{key}' holds {word!r}, not a word")
        if word != word.strip().lower():
            raise DataFileError(
                f"{where}: {label}: '{key}' holds {word!r}; write it lower-case, without spaces "
                "around it (text is matched lower-cased)"
            )
    return value


def known_keys(entry: dict, allowed: set[str], where: str, label: str) -> None:
    """A key no reader knows is a typo ('org' for 'orgs') that would silently drop the entry."""
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise DataFileError(
            f"{where}: {label}: unknown key(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(allowed))})"
        )
