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


BAD_FILES = [
    ('[hub]\nendpoint = "huggingface.co"\n', "absolute"),
    ('[hub]\norgs = ["a"]\ninterval = "soon"\n', "not a duration"),
    ("[hub\n", "sources.toml: not valid TOML"),
    ('[[pages]]\nname = "x"\n', r"\[\[pages\]\] entry 1 \(x\) needs 'url'"),
    ('[[pages]]\nname = "x"\nurl = "https://a.test/news"\npattern = "("\n', "bad pattern"),
    (
        '[[pricing]]\nname = "x"\nurl = "https://a.test/m"\nformat = "csv"\n',
        "format: must be 'openrouter', 'litellm' or 'models.dev'",
    ),
    ('[[pricing]]\nname = "x"\nurl = "/api/v1/models"\n', "absolute"),
    ("[notability]\nmin_likes = -1\n", "min_likes: must be greater than or equal to 0"),
    ('[notability]\nmin_likes = "many"\n', "min_likes: must be a valid integer"),
    ('[notability]\norgs = "google"\n', r"\[notability\] orgs: must be a valid list"),
    ("[hub]\npage_size = 5000\n", "page_size: must be less than or equal to 1000"),
    ('[crawl]\ndelay = "fast"\n', "delay: must be a valid number"),
    ('[crawl]\ntime_limit = "forever"\n', "time_limit: 'forever' is not a duration"),
    ('[crawl]\nallow_private = "http://10.0.0.5"\n', "allow_private: must be a valid list"),
    ('[hub]\nsince = "last week"\n', "since: must be a valid date"),
    ("feeds = 3\n", r"\[\[feeds\]\]: must be a valid list"),
    (
        '[[feeds]]\nname = "a"\nurl = "https://a.test/f"\n[[feeds]]\nname = "a"\nurl = "https://b.test/f"\n',
        "unique: feed:a",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
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


# Typos: each is named with its section and the closest valid name, never silently dropped.
TYPOS = [
    ('[hub]\nogrs = ["google"]\n', "unknown key 'ogrs' in [hub] (did you mean 'orgs'?)"),
    (
        '[hub]\nderivative_org = ["unsloth"]\n',
        "unknown key 'derivative_org' in [hub] (did you mean 'derivative_orgs'?)",
    ),
    ("[hub]\npagesize = 5\n", "unknown key 'pagesize' in [hub] (did you mean 'page_size'?)"),
    (
        '[[feed]]\nname = "a"\nurl = "https://a.test/f"\n',
        "unknown section [feed] (did you mean [[feeds]]?)",
    ),
    (
        '[[page]]\nname = "a"\nurl = "https://a.test/f"\n',
        "unknown section [page] (did you mean [[pages]]?)",
    ),
    ("[hubb]\norgs = []\n", "unknown section [hubb] (did you mean [hub]?)"),
    ("[crawl]\ndelays = 1\n", "unknown key 'delays' in [crawl] (did you mean 'delay'?)"),
    (
        "[crawl]\nallow_privat = []\n",
        "unknown key 'allow_privat' in [crawl] (did you mean 'allow_private'?)",
    ),
    ("[crawl]\nspeed = 3\n", "unknown key 'speed' in [crawl] (known: delay, autothrottle,"),
    (
        "[notability]\nmin_like = 3\n",
        "unknown key 'min_like' in [notability] (did you mean 'min_likes'?)",
    ),
    ("[notability]\nstars = 3\n", "unknown key 'stars' in [notability] (known: orgs, min_likes,"),
    (
        '[[feeds]]\nname = "blog"\nurll = "https://a.test/f"\n',
        "unknown key 'urll' in [[feeds]] entry 1 (blog) (did you mean 'url'?) (and 1 more)",
    ),
    (
        '[[feeds]]\nname = "blog"\nurl = "https://a.test/f"\nfolow = false\n',
        "unknown key 'folow' in [[feeds]] entry 1 (blog) (did you mean 'follow'?)",
    ),
    (
        '[[pages]]\nname = "n"\nurl = "https://a.test/n"\npatern = "x"\n',
        "unknown key 'patern' in [[pages]] entry 1 (n) (did you mean 'pattern'?)",
    ),
    (
        '[[pricing]]\nname = "x"\nurl = "https://a.test/m"\nformt = "openrouter"\n',
        "unknown key 'formt' in [[pricing]] entry 1 (x) (did you mean 'format'?)",
    ),
]


@pytest.mark.parametrize(("text", "message"), TYPOS)
def test_typos_are_errors_that_name_key_section_and_closest_name(
    tmp_path, monkeypatch, text, message
):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
    said = str(caught.value)
    assert said.startswith(f"{path}: ") and "\n" not in said
    assert message in said


def test_crawl_section_becomes_scrapy_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    text = (
        '[crawl]\ndelay = 0\nautothrottle = false\nper_domain = 8\ntimeout = "90s"\n'
        'max_bytes = 1000000\nobey_robots = true\nuser_agent = "ua"\ncard_budget = 5\n'
        'time_limit = "15m"\nallow_private = ["http://10.0.0.5:8080", "http://127.0.0.1:9"]\n'
    )
    assert load_sources(write(tmp_path, text)).crawl == {
        "DOWNLOAD_DELAY": 0.0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_TIMEOUT": 90.0,
        "DOWNLOAD_MAXSIZE": 1000000,
        "ROBOTSTXT_OBEY": True,
        "USER_AGENT": "ua",
        "TOOLSCOUT_CARD_BUDGET": 5,
        "TOOLSCOUT_TIME_LIMIT": 900.0,
        "TOOLSCOUT_ALLOW_PRIVATE": ["http://10.0.0.5:8080", "http://127.0.0.1:9"],
    }
    assert load_sources(write(tmp_path, "")).crawl == {}


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "sources file not found"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b"[hub]\norgs = ['\xff']\n"), "not UTF-8"),
        (lambda p: (p.write_text("[hub]\n"), p.chmod(0)), "not readable"),
    ],
)
def test_a_missing_or_unreadable_file_is_an_error(tmp_path, setup, message):
    import os

    path = tmp_path / "sources.toml"
    setup(path)
    if message == "not readable" and os.geteuid() == 0:
        pytest.skip("root reads any file")
    with pytest.raises(SourcesError, match=message):
        load_sources(path)


@pytest.mark.parametrize("text", ["1h", "90s", "15m", "1.5h", "2d", "45", 45, 0.5])
def test_parse_duration_accepts_every_spelling(text):
    assert parse_duration(text) > 0


@pytest.mark.parametrize("text", ["soon", "-5", "1w", "", "h", True, -1, float("nan")])
def test_parse_duration_refuses_what_is_not_a_duration(text):
    with pytest.raises(SourcesError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("fmt", "url"),
    [
        ("openrouter", "https://openrouter.ai/api/v1/models"),
        (
            "litellm",
            "https://raw.githubusercontent.com/BerriAI/litellm/main/"
            "model_prices_and_context_window.json",
        ),
        ("models.dev", "https://models.dev/api.json"),
    ],
)
def test_the_three_price_catalog_formats(tmp_path, fmt, url):
    text = f'[[pricing]]\nname = "catalog"\nurl = "{url}"\nformat = "{fmt}"\n'
    (source,) = load_sources(write(tmp_path, text)).named(["pricing"])
    assert (source.name, source.kind, source.format, source.url) == (
        "pricing:catalog",
        "pricing",
        fmt,
        url,
    )


def test_the_readme_sources_example_loads_with_each_price_catalog_format(tmp_path, monkeypatch):
    # README, "Configuration": its [[pricing]] examples are what the loader takes (the rest
    # of the example elides lists with "...").
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("## Configuration") :]
    start = section.index("[[pricing]]")
    example = section[start : section.index("\n[schedule]", start)]
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    config = load_sources(write(tmp_path, example))
    pricing = [(s.name, s.format) for s in config.sources if s.kind == "pricing"]
    assert pricing == [
        ("pricing:openrouter", "openrouter"),
        ("pricing:litellm", "litellm"),
        ("pricing:models.dev", "models.dev"),
    ]
