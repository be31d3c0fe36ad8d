"""`toolscout renormalize`: rebuild what was read from the documents already stored.

An improved extractor reaches every record at once, with no request to any source.
Editor decisions and overrides live on the candidate rows and are left as they are.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from ingest.sources import SourcesError, load_sources
from normalize.hub import model_facts
from store.db import get_engine, upgrade
from store.documents import document_body
from store.models import Candidate, Document
from store.resolve import apply_model


def _roles() -> dict[str, str]:
    try:
        return {s.name: s.role for s in load_sources().sources}
    except SourcesError:
        return {}


def renormalize_all(progress: Any = None) -> dict[str, int]:
    engine = get_engine()
    upgrade(engine)
    roles = _roles()
    counts = {"models": 0, "errors": 0, "candidates": 0}
    with Session(engine) as session:
        cards = {
            d.repo_id: d for d in session.exec(select(Document).where(Document.kind == "hf_card"))
        }
        infos = list(
            session.exec(
                select(Document).where(Document.kind == "hf_model_info", Document.error.is_(None))
            )
        )
    # Originals first, so derivatives find their base's candidate.
    infos.sort(key=lambda d: roles.get(d.source, "original") == "derivative")
    for doc in infos:
        with Session(engine) as session:
            try:
                info = json.loads(document_body(doc) or b"null")
                card = cards.get(doc.repo_id)
                card_text = (
                    document_body(card).decode("utf-8", "replace") if card and card.body else None
                )
                facts = model_facts(info, card_text, source=doc.url)
                apply_model(session, facts, doc.source, roles.get(doc.source, "original"), doc.url)
                session.commit()
                counts["models"] += 1
            except Exception as exc:  # one bad document fails alone
                counts["errors"] += 1
                if progress:
                    progress.print(f"[red]{doc.url}[/]: {type(exc).__name__}: {exc}")
    with Session(engine) as session:
        counts["candidates"] = len(list(session.exec(select(Candidate.id))))
    return counts
