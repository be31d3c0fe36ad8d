"""Announcements resolved against the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from ingest.observe import judge_entry
from normalize import titles
from store import announce
from store.batch import apply_page
from store.models import Candidate, FeedEntry, Observation
from tests.conftest import FIXTURES


def add_repo(
    session: Session, repo: str, info: dict | None = None, card: str | None = None
) -> None:
    if info is None:
        info = json.loads((FIXTURES / "hub" / "models" / f"{repo}.json").read_text())
        card_path = FIXTURES / "hub" / "cards" / f"{repo}.md"
        card = card_path.read_text() if card_path.exists() else None
    apply_page(
        session,
        [info],
        f"hf:{repo.split('/')[0]}",
        "original",
        f"http://hub.test/{repo}",
        force=True,
        cards={repo: card} if card is not None else None,
        urls={repo: f"http://hub.test/api/models/{repo}"},
    )
    session.commit()


def add_entry(
    session: Session, source: str, key: str, title: str, text: str, repos=()
) -> FeedEntry:
    announce.save_entries(
        session,
        source,
        [
            {
                "key": key,
                "title": title,
                "link": key,
                "published": "2025-03-12T00:00:00Z",
                "text": text,
                "content_hash": str(hash(title + text)),
            }
        ],
    )
    item = announce.entry(session, source, key)
    announce.attach_page(
        session, item, {"url": key, "title": title, "text": text, "hub_repos": list(repos)}
    )
    return item


def by_slug(session: Session, slug: str) -> Candidate:
    return session.exec(select(Candidate).where(Candidate.slug == slug)).one()


def test_blog_license_claim_against_card_is_a_conflict(engine):
    with Session(engine) as s:
        add_repo(s, "google/gemma-3-27b-it")
        item = add_entry(
            s,
            "feed:vendor",
            "https://blog.test/gemma-3-27b",
            "Gemma 3 27B open weights",
            "Google DeepMind released the weights of Gemma 3 27B under Apache 2.0, a 27B model.",
            repos=["google/gemma-3-27b-it"],
        )
        ids = judge_entry(s, item, None, "crawler:feed:vendor")
        s.commit()
        gemma = by_slug(s, "gemma-3")
    assert ids == [gemma.id]
    assert gemma.fields["license"]["id"] == "gemma"  # the card is more trusted than a blog
    (conflict,) = gemma.conflicts
    assert conflict["field"] == "license"
    assert {v["value"] for v in conflict["values"]} == {"gemma", "Apache-2.0"}
    blog = next(v for v in conflict["values"] if v["value"] == "Apache-2.0")
    assert "Apache 2.0" in blog["snippet"] and blog["source"] == "https://blog.test/gemma-3-27b"


def test_feed_only_release_is_joined_by_its_repo_later(engine):
    with Session(engine) as s:
        item = add_entry(
            s,
            "feed:meta",
            "https://blog.test/code-llama-4",
            "Introducing Code Llama 4",
            "Meta has open-sourced Code Llama 4 in 70B and 400B parameter variants under a "
            "permissive research license.",
        )
        (cid,) = judge_entry(s, item, "meta-llama", "crawler:feed:meta")
        s.commit()
        cand = s.get(Candidate, cid)
        assert (cand.slug, cand.name, cand.status) == (
            "code-llama-4",
            "Code Llama 4 (70B & 400B)",
            "new",
        )
        assert [x["label"] for x in cand.fields["sizes"]] == ["70B", "400B"]
        assert cand.fields["license"]["family"] == "research"
        info = {
            "id": "meta-llama/CodeLlama-4-70B-Instruct",
            "createdAt": "2025-05-01T00:00:00.000Z",
            "sha": "a" * 40,
            "safetensors": {"parameters": {"BF16": 70553706496}, "total": 70553706496},
        }
        add_repo(s, "meta-llama/CodeLlama-4-70B-Instruct", info, "---\nlicense: llama4\n---\n")
        assert len(s.exec(select(Candidate)).all()) == 1  # joined, not a second candidate
        s.expire_all()
        joined = s.get(Candidate, cid)
    assert joined.fields["repos"] == ["meta-llama/CodeLlama-4-70B-Instruct"]
    assert {c["field"] for c in joined.conflicts} == {"license"}  # llama4 card vs research license


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("We're hiring: research engineers", "Join our team to work on Gemma."),
        ("v0.3.1", "Fix tokenizer path on Windows"),
    ],
)
def test_irrelevant_entries_are_stored_with_reason_and_not_queued(engine, title, text):
    with Session(engine) as s:
        item = add_entry(s, "feed:x", f"https://x.test/{title}", title, text)
        assert judge_entry(s, item, None, "crawler:feed:x") == []
        s.commit()
        stored = announce.entry(s, "feed:x", f"https://x.test/{title}")
        assert stored.relevant is False and stored.relevance_reason.startswith(
            "not an announcement"
        )
        assert s.exec(select(Candidate)).all() == []


def test_title_names_an_existing_release(engine):
    with Session(engine) as s:
        add_repo(s, "HuggingFaceTB/SmolLM3-3B")
        item = add_entry(
            s,
            "feed:hf-blog",
            "https://hf.test/blog/smollm3",
            "SmolLM3: smol, multilingual, long-context reasoner",
            "We release SmolLM3, a 3B model under Apache 2.0.",
        )
        ids = judge_entry(s, item, None, "crawler:feed:hf-blog")
        s.commit()
        assert ids == [by_slug(s, "smollm3").id]
        assert len(s.exec(select(Candidate)).all()) == 1


@pytest.mark.parametrize(
    ("title", "family"),
    [
        (
            "Welcome Gemma 3: Google's all new multimodal, multilingual, long context open LLM",
            "Gemma 3",
        ),
        ("Code Llama 4 (70B & 400B)", "Code Llama 4"),
        ("Introducing Mistral Small 3.1", "Mistral Small 3.1"),
        ("Welcome Llama 4 Maverick & Scout on Hugging Face", "Llama 4 Maverick"),
        ("Qwen3 is here", "Qwen3"),
        ("", None),
    ],
)
def test_family_from_title(title, family):
    assert titles.family_from_title(title) == family


@pytest.mark.parametrize(
    ("a", "b", "suggested"),
    [
        ("Code Llama 4", "Code Llama 4 (70B & 400B)", True),
        ("Code Llama 4", "CodeLlama 4", True),
        ("Gemma 3", "Gemma 3n", False),
        ("Gemma 3", "Gemma 2", False),
        ("Llama 4 Scout", "Llama 4 Maverick", False),
        ("Qwen3", "Qwen3 Coder", False),
        ("Mistral Small 3.1 2503", "Mistral Small 3.1", False),
        ("DeepSeek R1", "Deepseek-R1", True),
    ],
)
def test_similarity(a, b, suggested):
    from store.similar import THRESHOLD, similarity

    assert (similarity(a, b) >= THRESHOLD) is suggested, similarity(a, b)


def test_seed_duplicate_is_suggested_with_its_score_not_merged(engine):
    from store.queue import candidate_detail

    with Session(engine) as s:
        first = add_entry(
            s,
            "feed:hf-blog",
            "https://hf.test/blog/code-llama-4",
            "Code Llama 4",
            "Meta open-sourced Code Llama 4, a code model family.",
        )
        second = add_entry(
            s,
            "feed:site",
            "https://site.test/code-llama-4-70b-400b",
            "Code Llama 4 (70B & 400B)",
            "Code Llama 4 in 70B and 400B parameter variants.",
        )
        (a,) = judge_entry(s, first, None, "crawler:feed:hf-blog")
        (b,) = judge_entry(s, second, None, "crawler:feed:site")
        s.commit()
        assert a != b  # different sources, unknown vendor: never merged silently
        detail = candidate_detail(s, s.get(Candidate, a))
    assert detail["similar"][0]["slug"] == s.get(Candidate, b).slug
    assert detail["similar"][0]["score"] == 1.0


# -- names from titles and texts ---------------------------------------------------------
@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("v3.0.0", None),  # a release tag names a version, not a model
        ("b5478", None),
        ("Gemini 2.5 Flash-Lite is now stable and generally available", "Gemini 2.5 Flash-Lite"),
        ("Mistral Small 3.2 is out: fewer repetitions", "Mistral Small 3.2"),
        ("DeepSeek-R1-0528: what's new in the minor update", "DeepSeek-R1-0528"),
        # A versioned name ends at the first plain word of the sentence around it.
        ("Mistral Small 3.1 arrives with a 128K context", "Mistral Small 3.1"),
        ("Llama 3.2 goes small and multimodal", "Llama 3.2"),
        ("Falcon 3 family of open models from TII", "Falcon 3"),
        ("Gemma 3n preview brings audio to phones", "Gemma 3n"),
        ("gpt-oss 120b runs on a single GPU", "gpt-oss 120b"),
        ("Qwen2.5-VL-72B tops the vision leaderboards", "Qwen2.5-VL-72B"),
        # Without a version the sentence cannot be told from the name: left whole.
        ("Magistral arrives", "Magistral arrives"),
        ("Mistral Medium 3", "Mistral Medium 3"),
    ],
)
def test_family_from_title_more(title, family):
    assert titles.family_from_title(title) == family


@pytest.mark.parametrize(
    ("text", "family"),
    [
        (
            "Introducing Mistral Medium 3, a new class of model that balances performance.",
            "Mistral Medium 3",
        ),
        ("Gemma 3\nThis release adds Gemma 3, the new generation.", "Gemma 3"),
        ("Adds Gemma 2 in 2B, 9B and 27B sizes.", "Gemma 2"),
        ("We are excited to share our news with you today.", None),
    ],
)
def test_family_from_text(text, family):
    assert titles.family_from_text(text) == family


@pytest.mark.parametrize(
    ("family", "name_like"),
    [("Gemma 3", True), ("Magistral", True), ("Medium is the new large", False)],
)
def test_looks_like_a_name(family, name_like):
    assert titles.looks_like_a_name(family) is name_like


# -- resolution against the store ---------------------------------------------------------
def test_title_without_the_date_code_names_the_release(engine):
    with Session(engine) as s:
        add_repo(s, "mistralai/Mistral-Small-3.1-24B-Instruct-2503")
        add_repo(s, "mistralai/Mistral-Small-3.2-24B-Instruct-2506")
        item = add_entry(
            s,
            "feed:hf-blog",
            "https://hf.test/blog/mistral-small-3-1",
            "Welcome Mistral Small 3.1 on Hugging Face",
            "",
        )
        ids = judge_entry(s, item, None, "crawler:feed:hf-blog")
        s.commit()
        assert ids == [by_slug(s, "mistral-small-3.1-2503").id]


def test_a_release_announced_first_by_a_feed_without_vendor_is_adopted_by_its_repo(engine):
    with Session(engine) as s:
        item = add_entry(
            s,
            "feed:hf-blog",
            "https://hf.test/blog/mistral-small-3-1",
            "Welcome Mistral Small 3.1 on Hugging Face",
            "Mistral Small 3.1 is a 24B model under Apache 2.0.",
        )
        (cid,) = judge_entry(s, item, None, "crawler:feed:hf-blog")
        s.commit()
        assert s.get(Candidate, cid).org == "feed:hf-blog"
        add_repo(s, "mistralai/Mistral-Small-3.1-24B-Instruct-2503")
        s.expire_all()
        (only,) = s.exec(select(Candidate)).all()
        assert only.id == cid
        # the vendor's org and name, and the slug any crawl order gives
        assert (only.org, only.slug, only.vendor) == (
            "mistralai",
            "mistral-small-3.1-2503",
            "Mistral AI",
        )
        assert {x["kind"] for x in only.fields["sources"]} == {"hub", "announcement"}


def test_linked_repo_not_crawled_yet_gets_the_candidate_it_will_join(engine):
    with Session(engine) as s:
        add_repo(s, "google/gemma-3-27b-it")
        item = add_entry(
            s,
            "feed:hf-blog",
            "https://hf.test/blog/embeddinggemma",
            "Welcome EmbeddingGemma, Google's new efficient embedding model",
            "Google releases EmbeddingGemma, a 308M parameter model built from Gemma 3.",
            repos=["google/embeddinggemma-300m", "google/gemma-3-27b-it"],
        )
        (cid,) = judge_entry(s, item, None, "crawler:feed:hf-blog")
        s.commit()
        cand = s.get(Candidate, cid)
        # only the family the title names: Gemma 3 is linked for comparison
        assert (cand.org, cand.family, cand.family_key) == (
            "google",
            "EmbeddingGemma",
            "embeddinggemma",
        )
        assert [x["label"] for x in cand.fields["sizes"]] == ["308M"]
        info = {
            "id": "google/embeddinggemma-300m",
            "createdAt": "2025-09-03T20:05:31.000Z",
            "sha": "b" * 40,
            "safetensors": {"parameters": {"F32": 307581696}, "total": 307581696},
        }
        add_repo(s, "google/embeddinggemma-300m", info, "---\nlicense: gemma\n---\n")
        s.expire_all()
        assert s.get(Candidate, cid).fields["repos"] == ["google/embeddinggemma-300m"]
        assert s.get(Candidate, cid).name == "EmbeddingGemma 300M"


def test_release_notes_titled_with_a_tag_resolve_by_their_text(engine):
    with Session(engine) as s:
        add_repo(s, "google/gemma-2-2b-it")
        add_repo(s, "google/gemma-3-27b-it")
        item = add_entry(
            s,
            "feed:gemma-releases",
            "tag:github.com,2008:Repository/1/v3.0.0",
            "v3.0.0",
            "Gemma 3\nThis release adds Gemma 3, the successor of Gemma 2, in 1B to 27B sizes.",
        )
        assert judge_entry(s, item, "google", "crawler:feed:x") == [by_slug(s, "gemma-3").id]


# -- notability ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("org", "signals", "notable", "reason"),
    [
        ("google", {"likes": 0}, True, "new release by allowlisted org google"),
        ("Google", {"likes": 0}, True, "new release by allowlisted org Google"),
        (
            "nvidia",
            {"likes": 150, "downloads": 5, "trending": 0},
            True,
            "popular release by nvidia: likes 150 ≥ 100",
        ),
        (
            "nvidia",
            {"likes": 3, "downloads": 10, "trending": 25.5},
            True,
            "trending score 25.5 ≥ 20",
        ),
        (
            "nvidia",
            {"likes": 3, "downloads": 10, "trending": 1},
            False,
            "held: org nvidia is not on the allowlist; likes 3 < 100",
        ),
    ],
)
def test_notability_rules(org, signals, notable, reason):
    from ingest.sources import Notability
    from store.notability import judge

    rules = Notability(
        orgs=frozenset({"google"}), min_likes=100, min_downloads=10_000, min_trending=20
    )
    verdict = judge(rules, org, signals)
    assert verdict.notable is notable and reason in verdict.reason


def test_no_thresholds_hold_every_org_off_the_allowlist():
    from ingest.sources import Notability
    from store.notability import judge

    verdict = judge(Notability(orgs=frozenset({"google"})), "nvidia", {"likes": 10**6})
    assert not verdict.notable and verdict.reason.endswith("no thresholds set")


# -- provider prices ----------------------------------------------------------------------
OPENROUTER = [
    {"id": "qwen/qwen3-8b", "name": "Qwen: Qwen3 8B", "hugging_face_id": "Qwen/Qwen3-8B",
     "pricing": {"prompt": "0.000000035", "completion": "0.000000138"}},
    {"id": "qwen/qwen3-8b:free", "name": "Qwen: Qwen3 8B (free)", "hugging_face_id": "Qwen/Qwen3-8B",
     "pricing": {"prompt": "0", "completion": "0"}},
    {"id": "qwen/qwen3-14b", "name": "Qwen: Qwen3 14B", "hugging_face_id": "qwen/qwen3-14b",
     "pricing": {"prompt": "0.00000006", "completion": "0.00000024"}},
    {"id": "mistralai/mistral-medium-3", "name": "Mistral: Mistral Medium 3", "hugging_face_id": "",
     "pricing": {"prompt": "0.0000004", "completion": "0.000002"}},
    {"id": "openai/mistral-medium-3", "name": "OpenAI: Mistral Medium 3", "hugging_face_id": None,
     "pricing": {"prompt": "0.1", "completion": "0.1"}},
    {"id": "broken/none", "name": "no pricing", "hugging_face_id": "Qwen/Qwen3-8B", "pricing": None},
]  # fmt: skip


def test_prices_join_by_hugging_face_id_now_and_later(engine):
    from store.prices import save_prices

    with Session(engine) as s:
        add_repo(s, "Qwen/Qwen3-8B")
        joined = save_prices(s, "pricing:openrouter", "https://or.test/api/v1/models", OPENROUTER)
        qwen = by_slug(s, "qwen3")
        assert joined == {qwen.id: 2}
        from store.resolve import refresh_candidate

        refresh_candidate(s, qwen.id, "crawler:pricing:openrouter")
        s.commit()
        pricing = by_slug(s, "qwen3").fields["pricing"]
        assert (pricing["tier"], pricing["input_usd_per_mtok"]) == ("freemium", 0.035)
        assert pricing["output_usd_per_mtok"] == 0.138 and pricing["free_offer"]
        # Qwen3-14B appears on the Hub after the list was read: its price joins it then
        info = {"id": "Qwen/Qwen3-14B", "createdAt": "2025-08-20T05:55:10.000Z", "sha": "c" * 40}
        add_repo(s, "Qwen/Qwen3-14B", info, "---\nlicense: apache-2.0\n---\n")
        models = {
            o.value["provider_model"]
            for o in s.exec(select(Observation).where(Observation.field == "pricing"))
        }
        assert models == {"qwen/qwen3-8b", "qwen/qwen3-8b:free", "qwen/qwen3-14b"}


def test_closed_model_prices_join_by_vendor_and_name(engine):
    from store.prices import save_prices

    with Session(engine) as s:
        item = add_entry(
            s,
            "pages:mistral-news",
            "https://mistral.test/news/mistral-medium-3",
            "Medium is the new large. | Mistral AI",
            "Introducing Mistral Medium 3, a new class of model, released today.",
        )
        (cid,) = judge_entry(s, item, "mistralai", "crawler:pages:mistral-news")
        save_prices(s, "pricing:openrouter", "https://or.test/api/v1/models", OPENROUTER)
        from store.resolve import refresh_candidate

        refresh_candidate(s, cid, "crawler:pricing:openrouter")
        s.commit()
        cand = s.get(Candidate, cid)
        assert cand.name == "Mistral Medium 3"
        # mistralai's entry, not the same name under another vendor
        assert cand.fields["pricing"]["input_usd_per_mtok"] == 0.4


# (catalog id, display name, the announced release's org and family, joined): a closed
# model's entry joins by the id map's vendor rule (normalize.catalog_names.same_vendor) and
# the squashed name (normalize.titles.squash), nothing else
NAME_JOINS = [
    ("deepseek/deepseek-r2", "DeepSeek: DeepSeek R2", "deepseek-ai", "DeepSeek R2", True),
    ("deepseek-ai/deepseek-r2", "DeepSeek: DeepSeek R2", "deepseek", "DeepSeek R2", True),
    ("facebook/llama-5", "Meta: Llama 5", "meta-llama", "Llama 5", True),  # the vendor table
    ("openai/mistral-medium-3", "OpenAI: Mistral Medium 3", "mistralai", "Mistral Medium 3", False),
    ("mistralai/mistral-medium-3", "Mistral: Mistral Medium 3 (beta)", "mistralai",
     "Mistral Medium 3", True),
    ("mistralai/mistral-medium-3", "Mistral: Mistral Medium 3.1", "mistralai",
     "Mistral Medium 3", False),
    ("mistralai/mistral-medium-3:free", "Mistral: Mistral Medium 3", "mistralai",
     "Mistral Medium 3", False),  # priced under its own id
]  # fmt: skip


@pytest.mark.parametrize(("model_id", "name", "org", "family", "joins"), NAME_JOINS)
def test_a_closed_model_joins_by_vendor_and_name_only(model_id, name, org, family, joins):
    from normalize.vendors import vendor_for_org
    from store.prices import _name_matches

    cand = Candidate(id=7, org=org, vendor=vendor_for_org(org), family=family)
    row = {"model_id": model_id, "name": name}
    assert _name_matches([row], [cand]) == ([(row, 7)] if joins else [])


# -- drafts --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Small model"><img src=x onerror=alert(1)>', "Small model"),
        ("<script>alert(1)</script>Gemma 3", "alert(1) Gemma 3"),
        ("a < b and c > d", "a ‹ b and c › d"),
        ("Gemma 3 , a new\x00 model\u202e", "Gemma 3, a new model"),
        ("", None),
    ],
)
def test_plain_text_is_safe_anywhere(text, expected):
    from normalize.draft import plain

    assert plain(text) == expected


def test_description_is_extractive_and_short():
    from normalize.draft import extract_description

    text = (
        "Welcome Gemma 3\n"
        "TL;DR\n"
        "Today Google releases Gemma 3, a new iteration of their Gemma family of models. "
        "The models range from 1B to 27B parameters and support 140+ languages.\n"
        + " ".join(["Gemma 3 is great at many things and more."] * 20)
    )
    found = extract_description([text], "Gemma 3")
    assert found.startswith("Today Google releases Gemma 3")
    assert len(found.split()) <= 80 and found.endswith(".")
    assert extract_description(["pip install transformers. Click here."], "Gemma 3") is None


@pytest.mark.parametrize(
    ("open_weights", "pricing", "entry", "line"),
    [
        (True, None, "Free", "Free (open weights, self-hosted) / Inference costs vary by provider"),
        (
            True,
            {"tier": "paid", "input_usd_per_mtok": 0.09, "output_usd_per_mtok": 0.17},
            "Free",
            "Free (open weights, self-hosted) / API from $0.09 per 1M input / $0.17 per 1M output tokens via OpenRouter",
        ),
        (
            False,
            {"tier": "paid", "input_usd_per_mtok": 0.4, "output_usd_per_mtok": 2.0},
            "Paid",
            "$0.40 per 1M input / $2.00 per 1M output tokens via OpenRouter",
        ),
        (
            False,
            {"tier": "freemium", "input_usd_per_mtok": 0.035, "output_usd_per_mtok": None},
            "Freemium",
            "Free tier; paid from $0.035 per 1M input tokens via OpenRouter",
        ),
        (False, None, None, None),  # unknown is not free
    ],
)
def test_entry_price_and_pricing_line(open_weights, pricing, entry, line):
    from normalize.draft import entry_price, pricing_line

    assert entry_price(open_weights, pricing) == entry
    assert pricing_line(open_weights, pricing, "OpenRouter") == line


@pytest.mark.parametrize(
    ("labels", "text"),
    [(["70B", "400B"], "70B & 400B"), (["1B", "4B", "27B"], "1B, 4B & 27B"), ([], None)],
)
def test_sizes_text(labels, text):
    from normalize.draft import sizes_text

    assert sizes_text(labels) == text
