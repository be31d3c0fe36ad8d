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
