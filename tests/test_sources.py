import pytest

from ingest.sources import SourcesError, load_sources, parse_duration


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_orgs_become_named_sources_and_env_overrides_endpoint(tmp_path, monkeypatch):
    path = write(
        tmp_path,
        '[hub]\nendpoint = "https://huggingface.co"\norgs = ["google", "Qwen"]\n'
        'derivative_orgs = ["unsloth"]\n',
    )
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    config = load_sources(path)
    assert [(s.name, s.role) for s in config.sources] == [
        ("hf:google", "original"),
        ("hf:Qwen", "original"),
        ("hf:unsloth", "derivative"),
    ]
    assert config.hf_endpoint == "https://huggingface.co"
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    assert load_sources(path).hf_endpoint == "http://127.0.0.1:9"
    assert [s.name for s in config.named(["hf:Qwen"])] == ["hf:Qwen"]
    assert len(config.named(["hf"])) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[hub]\nendpoint = "huggingface.co"\n', "absolute"),
        ('[hub]\norgs = ["a"]\ninterval = "soon"\n', "not a duration"),
        ("[crawl]\nspeed = 3\n", "unknown \\[crawl\\] key 'speed'"),
        ("[hub\n", "sources.toml"),
        ('[[pages]]\nname = "x"\n', "needs a name and a url"),
        ('[[pages]]\nname = "x"\nurl = "https://a.test/news"\npattern = "("\n', "bad pattern"),
        ('[[pricing]]\nname = "x"\nurl = "https://a.test/m"\nformat = "csv"\n', "unknown format"),
        ('[[pricing]]\nname = "x"\nurl = "/api/v1/models"\n', "absolute"),
        ("[notability]\nmin_likes = -1\n", "non-negative"),
        ('[notability]\nmin_likes = "many"\n', "non-negative"),
        ("[notability]\nstars = 3\n", "unknown \\[notability\\] key 'stars'"),
        ('[notability]\norgs = "google"\n', "list of Hub org names"),
    ],
)
def test_bad_sources_files_say_what_is_wrong(tmp_path, monkeypatch, text, message):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    with pytest.raises(SourcesError, match=message):
        load_sources(write(tmp_path, text))


def test_unknown_source_name_lists_known(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    config = load_sources(write(tmp_path, '[hub]\norgs = ["google"]\n'))
    with pytest.raises(SourcesError, match="known: hf:google"):
        config.named(["hf:nvidia"])


@pytest.mark.parametrize(
    ("value", "seconds"), [("1h", 3600), ("30m", 1800), ("45", 45), (90, 90), ("1.5h", 5400)]
)
def test_parse_duration(value, seconds):
    assert parse_duration(value) == seconds


SOURCES = """
[hub]
orgs = ["google", "Qwen"]

[notability]
orgs = ["Google"]
min_likes = 100
min_trending = 20

[[feeds]]
name = "hf-blog"
url = "${FIXTURE_HOST:-https://huggingface.co}/blog/feed.xml"

[[pages]]
name = "mistral-news"
url = "https://mistral.ai/news"
org = "mistralai"
pattern = "/news/[a-z0-9-]+$"

[[pricing]]
name = "openrouter"
url = "https://openrouter.ai/api/v1/models"
interval = "6h"
"""


def test_feeds_pages_pricing_and_notability(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.delenv("FIXTURE_HOST", raising=False)
    config = load_sources(write(tmp_path, SOURCES))
    by_name = {s.name: s for s in config.sources}
    assert by_name["feed:hf-blog"].url == "https://huggingface.co/blog/feed.xml"
    assert (by_name["pages:mistral-news"].kind, by_name["pages:mistral-news"].org) == (
        "pages",
        "mistralai",
    )
    assert by_name["pages:mistral-news"].pattern == "/news/[a-z0-9-]+$"
    pricing = by_name["pricing:openrouter"]
    assert (pricing.kind, pricing.format, pricing.interval_s) == ("pricing", "openrouter", 21600)
    assert config.notability.orgs == frozenset({"google"})
    assert (config.notability.min_likes, config.notability.min_downloads) == (100, None)
    assert config.notability.min_trending == 20.0
    assert [s.name for s in config.named(["pricing"])] == ["pricing:openrouter"]
    assert [s.name for s in config.named(["pages"])] == ["pages:mistral-news"]
    monkeypatch.setenv("FIXTURE_HOST", "http://127.0.0.1:9")
    assert load_sources(write(tmp_path, SOURCES)).named(["feed:hf-blog"])[0].url == (
        "http://127.0.0.1:9/blog/feed.xml"
    )


def test_notability_allowlist_defaults_to_the_watched_orgs(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    config = load_sources(write(tmp_path, '[hub]\norgs = ["google", "Qwen"]\n'))
    assert config.notability.orgs == frozenset({"google", "qwen"})
    assert config.notability.min_likes is None
