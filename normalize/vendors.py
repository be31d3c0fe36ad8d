"""Hub org → vendor display name, as the comparison site writes it, read from
`normalize/data/vendors.toml`.

A table, not a rule: vendor names are facts (Google's models are shipped by Google
DeepMind, Qwen by Alibaba). An org missing from the table keeps its own name, which is
what an editor would type anyway. This module owns the loading of that file and the index
derived from it.
"""

from __future__ import annotations

from normalize.data import (
    DataFileError,
    data_path,
    entries,
    known_keys,
    parse_data,
    read_data,
    words,
)

VENDORS_FILE = "vendors.toml"


def load_vendors(text: str, where: str = data_path(VENDORS_FILE)) -> dict[str, str]:
    """The org → vendor index of a vendors file (its `[[vendor]]` entries, in file order)."""
    index: dict[str, str] = {}
    for number, entry in enumerate(entries(parse_data(text, where), "vendor", where), 1):
        name = entry.get("name")
        label = f"[[vendor]] entry {number}" + (f" ({name!r})" if isinstance(name, str) else "")
        known_keys(entry, {"name", "orgs"}, where, label)
        if not isinstance(name, str) or not name.strip():
            raise DataFileError(f"{where}: {label}: 'name' must be the vendor's display name")
        for org in words(entry, "orgs", where, label):
            if org in index:
                raise DataFileError(f"{where}: {label}: org {org!r} is already {index[org]!r}'s")
            index[org] = name
    return index


# org (lower-case) → vendor display name
VENDORS: dict[str, str] = load_vendors(read_data(VENDORS_FILE))


def vendor_for_org(org: str | None) -> str | None:
    """The vendor display name for a Hub org; the org itself when it is not in the table."""
    if not org or not isinstance(org, str):
        return None
    return VENDORS.get(org.strip().lower(), org.strip())
