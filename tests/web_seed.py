"""A store as a crawl leaves it, for the web tests: real candidates and hostile ones.

Real: raw Hub documents of fixture repos (Gemma 3, Llama 4 Scout, a Qwen release, an unsloth
derivative) turned into candidates by `renormalize`, the same code a crawl runs. Hostile:
a candidate whose scraped title, vendor, snippets and links carry the payloads a page must
never execute (`<script>`, `javascript:` links, `"><img onerror>`), and a feed entry with
the same, as a compromised blog or a prankster's model card would deliver them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from store.documents import save_document
from store.models import Candidate, CrawlRun, Event, FeedEntry, Observation, SourceState, utcnow

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPOS = [
    "google/gemma-3-27b-it",
    "google/gemma-3-4b-it",
    "meta-llama/Llama-4-Scout-17B-16E-Instruct",
    "Qwen/Qwen3-30B-A3B",
    "unsloth/gemma-3-27b-it-GGUF",
]
SOURCES_TOML = (
    '[hub]\norgs = ["google", "meta-llama", "Qwen"]\nderivative_orgs = ["unsloth"]\n'
    'endpoint = "http://hub.test"\n'
)

SCRIPT = "<script>alert('xss-script')</script>"
IMG = "\"><img src=x onerror=alert('xss-img')>"
JS_LINK = "javascript:alert('xss-link')"
PAYLOADS = (SCRIPT, IMG)
HOSTILE_SLUG = "evil-7b"
HOSTILE_NAME = f"Evil 7B {SCRIPT}"


def write_sources(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(SOURCES_TOML)
    return path


def save_hub_documents(engine: Engine) -> None:
    with Session(engine) as s:
        for repo in REPOS:
            org = repo.split("/")[0]
            info = FIXTURES / "hub" / "models" / f"{repo}.json"
            if not info.exists():
                continue
            save_document(
                s,
                url=f"http://hub.test/api/models/{repo}",
                source=f"hf:{org}",
                kind="hf_model_info",
                status=200,
                body=info.read_bytes(),
                repo_id=repo,
            )
            card = FIXTURES / "hub" / "cards" / f"{repo}.md"
            if card.exists():
                save_document(
                    s,
                    url=f"http://hub.test/{repo}/raw/main/README.md",
                    source=f"hf:{org}",
                    kind="hf_card",
                    status=200,
                    body=card.read_bytes(),
                    repo_id=repo,
                )
        s.commit()


def add_hostile(engine: Engine) -> None:
    """A candidate and an announcement carrying XSS payloads in every scraped string."""
    now = utcnow()
    with Session(engine) as s:
        cand = Candidate(
            slug=HOSTILE_SLUG,
            name=HOSTILE_NAME,
            vendor=f"Evil Labs {IMG}",
            org="evil-labs",
            family=HOSTILE_NAME,
            family_key="evil",
            queued_reason=f"crawler:feed:evil; {IMG}",
            announced_at=now - timedelta(hours=1),
            fields={
                "name": HOSTILE_NAME,
                "vendor": f"Evil Labs {IMG}",
                "family": HOSTILE_NAME,
                "sizes": [{"label": "7B", "total": 7e9, "active": None, "repos": []}],
                "license": {
                    "id": f"other:{SCRIPT}",
                    "name": f"Evil License {IMG}",
                    "family": None,
                    "commercial_use": None,
                },
                "repos": [],
                "derivatives": 0,
                "announced_at": (now - timedelta(hours=1)).isoformat(),
            },
            conflicts=[
                {
                    "field": "license",
                    "chosen": f"other:{SCRIPT}",
                    "values": [
                        {
                            "value": f"other:{SCRIPT}",
                            "subject": f"https://evil.example/post?{IMG}",
                            "source": JS_LINK,
                            "snippet": f"released under {SCRIPT}",
                        },
                        {
                            "value": "MIT",
                            "subject": "https://evil.example/card",
                            "source": "https://evil.example/card",
                            "snippet": f"license: mit {IMG}",
                        },
                    ],
                }
            ],
        )
        s.add(cand)
        s.flush()
        s.add(Event(candidate_id=cand.id, actor="crawler:feed:evil", action="created", new=IMG))
        s.add(
            Observation(
                candidate_id=cand.id,
                field="announcement",
                subject=f"https://evil.example/post?{IMG}",
                extractor="feed.entry",
                value={"title": HOSTILE_NAME, "url": JS_LINK, "published": now.isoformat()},
                source_url=JS_LINK,
                snippet=f"Introducing {SCRIPT} {IMG}",
                trust=0,
            )
        )
        s.add(
            Observation(
                candidate_id=cand.id,
                field="license",
                subject="https://evil.example/card",
                extractor="license.text",
                value={"id": "MIT", "name": "MIT License", "family": "permissive"},
                source_url="https://evil.example/card",
                snippet=f"license: mit {IMG}",
                trust=10,
            )
        )
        s.add(
            FeedEntry(
                source="feed:evil",
                entry_key="evil-1",
                title=f"Introducing {SCRIPT}",
                link=JS_LINK,
                summary=f"We are thrilled {IMG}",
                published_at=now - timedelta(hours=1),
                candidate_id=cand.id,
                relevant=True,
            )
        )
        s.commit()


def add_runs(engine: Engine) -> None:
    """Crawl runs for the status page: one healthy source, one failing with a hostile error."""
    now = utcnow()
    with Session(engine) as s:
        s.add(
            CrawlRun(
                source="hf:google",
                started_at=now - timedelta(minutes=5),
                finished_at=now - timedelta(minutes=4),
                status="ok",
                requests=3,
                items=5,
            )
        )
        for minutes in (30, 20, 10):
            s.add(
                CrawlRun(
                    source="hf:Qwen",
                    started_at=now - timedelta(minutes=minutes),
                    finished_at=now - timedelta(minutes=minutes - 1),
                    status="failed",
                    errors=1,
                    message=f"HTTP 500 on https://hub.test/api {SCRIPT}",
                )
            )
        s.add(SourceState(source="hf:google", last_success_at=now - timedelta(minutes=4)))
        s.commit()


def seed(engine: Engine, monkeypatch, tmp_path: Path, url: str) -> None:
    """Real candidates through renormalize, then the hostile ones and some crawl runs."""
    from ingest.renormalize import renormalize_all

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TOOLSCOUT_SOURCES", str(write_sources(tmp_path)))
    save_hub_documents(engine)
    renormalize_all()
    add_hostile(engine)
    add_runs(engine)


def slugs(engine: Engine, **where) -> list[str]:
    with Session(engine) as s:
        query = select(Candidate.slug)
        for key, value in where.items():
            query = query.where(getattr(Candidate, key) == value)
        return sorted(s.exec(query).all())


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)
