"""Sizes in Markdown and HTML tables of a card: the cells of a Params (or Size) column.

Only tables whose header names such a column are parsed; each cell's sizes are declarations
of the kind the header says (total, active), labelled by the row's first cell.
"""

from __future__ import annotations

import re

from normalize.evidence import compact
from normalize.params.counts import MAX_TABLE_CELLS, MAX_TABLE_LINES, MAX_TABLE_ROWS
from normalize.params.prose import (
    _group_lists,
    _iter_spans,
    _Mention,
    _mention_from_size,
    _qualifier_in,
    _read_after,
    _size_at,
    _unit_hits,
)
from normalize.text import find_all, lower_ascii

_TABLE_CELL_TAG = re.compile(r"<t[hd]\b([^>]{0,300})>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")
_ROWSPAN = re.compile(r"rowspan\s*=\s*[\"']?(\d{1,2})", re.IGNORECASE)
_MD_SEPARATOR = re.compile(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*")
_PARAM_HEADER = re.compile(r"param|^\s*#?\s*size\s*$|model\s+size", re.IGNORECASE)


def _table_line(text: str, start: int) -> tuple[str | None, int]:
    """(the line at `start`, stripped, when it is a table row or separator; next line start)."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    stripped = text[start:end].strip()
    is_row = stripped.startswith("|") and stripped.count("|") >= 2
    return (stripped if is_row else None), end + 1


def _markdown_param_tables(text: str, lowered: str) -> list[list[list[str]]]:
    """The Markdown tables with a line that says 'param' or 'size': only their header can name
    a Params column, so only they are parsed (a card's benchmark tables are skipped)."""
    tables: list[list[list[str]]] = []
    covered = -1
    words = sorted(find_all(lowered, "param", MAX_TABLE_ROWS) + find_all(lowered, "size", 200))
    for pos in words:
        if pos < covered:
            continue  # in a table already read
        line_start = text.rfind("\n", 0, pos) + 1
        if _table_line(text, line_start)[0] is None:
            continue
        rows, covered = _markdown_table_at(text, _table_start(text, line_start))
        if len(rows) > 1:
            tables.append(rows)
    return tables


def _table_start(text: str, line_start: int) -> int:
    """Where the table holding the line at `line_start` begins."""
    for _ in range(MAX_TABLE_LINES):
        if line_start == 0:
            break
        previous = text.rfind("\n", 0, line_start - 1) + 1
        if _table_line(text, previous)[0] is None:
            break
        line_start = previous
    return line_start


def _markdown_table_at(text: str, start: int) -> tuple[list[list[str]], int]:
    """(rows of the table starting at `start`, separators left out; where the table ends).

    A table whose header names no Params/Size column gives no rows (its header row is where
    reading stops), since `_table_mentions` would read nothing from it.
    """
    rows: list[list[str]] = []
    pos = start
    size = len(text)
    while pos <= size:
        stripped, following = _table_line(text, pos)
        if stripped is None:
            break
        if len(rows) < MAX_TABLE_ROWS and not _MD_SEPARATOR.fullmatch(stripped):
            cells = stripped.strip("|").split("|", MAX_TABLE_CELLS)[:MAX_TABLE_CELLS]
            row = [cell.strip() for cell in cells]
            if not rows and not any(_PARAM_HEADER.search(cell) for cell in row):
                return [], following
            rows.append(row)
        pos = following
    return rows, pos


def _html_tables(text: str) -> list[list[list[str]]]:
    tables: list[list[list[str]]] = []
    lowered = text.lower()
    for chunk in lowered.split("<table", 20)[1:20]:
        table_rows: list[list[str]] = []
        pending: dict[int, tuple[int, str]] = {}  # column -> (rows left, text) for rowspan
        for row_html in chunk.split("</table", 1)[0].split("<tr", MAX_TABLE_ROWS + 1)[1:]:
            table_rows.append(_html_row(row_html, pending))
        if len(table_rows) > 1:
            tables.append(table_rows)
    return tables


def _html_row(row_html: str, pending: dict[int, tuple[int, str]]) -> list[str]:
    parts = _TABLE_CELL_TAG.split(row_html, MAX_TABLE_CELLS)
    cells: list[str] = []
    column = 0
    for attributes, content in zip(parts[1::2], parts[2::2], strict=False):
        while column in pending:
            cells.append(_take_pending(pending, column))
            column += 1
        cell = compact(_TAG.sub(" ", content[:2000]), 400)
        span = _ROWSPAN.search(attributes)
        if span and int(span[1]) > 1:
            pending[column] = (int(span[1]) - 1, cell)
        cells.append(cell)
        column += 1
    while column in pending:
        cells.append(_take_pending(pending, column))
        column += 1
    return cells


def _take_pending(pending: dict[int, tuple[int, str]], column: int) -> str:
    left, cell = pending[column]
    if left <= 1:
        del pending[column]
    else:
        pending[column] = (left - 1, cell)
    return cell


def _table_mentions(table: list[list[str]]) -> list[_Mention]:
    header = table[0]
    columns = [i for i, cell in enumerate(header) if _PARAM_HEADER.search(cell)]
    mentions: list[_Mention] = []
    for column in columns[:4]:
        column_kind = _qualifier_in(header[column]) or "plain"
        for row in table[1:]:
            if column >= len(row):
                continue
            cell = row[column]
            hint = row[0] if row else ""
            mentions.extend(_cell_mentions(cell, column_kind, hint))
    return mentions


def _cell_mentions(cell: str, column_kind: str, hint: str) -> list[_Mention]:
    # Most cells of a Params column are one size and nothing else ('8B', '1.23B'): then the
    # general reading below would find exactly this one mention, with no words after it.
    whole = _size_at(cell, 0)
    if whole is not None and whole.end() == len(cell) and "," not in cell:
        mention = _mention_from_size(whole)
        if mention is None:
            return []
        mention.accepted = True
        if mention.kind == "plain":
            mention.kind = column_kind
        mention.hint = hint
        mention.snippet = f"{hint} | {cell}"
        return [mention]
    lowered = lower_ascii(cell)
    sizes = _iter_spans(cell, _unit_hits(lowered))
    found = [mention for size in sizes if (mention := _mention_from_size(size))]
    for mention in found:
        _, qualifier = _read_after(lowered, mention.end, len(lowered))
        mention.accepted = True
        mention.kind = qualifier or (mention.kind if mention.kind != "plain" else column_kind)
        mention.hint = hint
        mention.snippet = f"{hint} | {cell}"
    _group_lists(cell, found)
    return [m for m in found if m.accepted]
