import pytest

from spiders.pages import extract_page, github_repo_of, hub_repo_of

ARTICLE = """<!doctype html><html><head>
<title>Welcome Gemma 3 - Hugging Face</title>
<meta property="og:title" content="Welcome Gemma 3: multimodal, multilingual, long context">
<meta property="og:description" content="Four sizes, open weights.">
<meta property="article:published_time" content="2025-03-12T00:00:00.000Z">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "BlogPosting",
 "headline": "Welcome Gemma 3", "datePublished": "2025-03-12"}</script>
<script>window.tracking = "should not appear";</script>
</head><body>
<nav><a href="/models">Models</a><a href="/pricing">Pricing</a></nav>
<article><h1>Welcome Gemma 3</h1>
<p>Google released Gemma 3 in 1B, 4B, 12B and 27B sizes.</p>
<ul><li>Context of 128k tokens</li><li>140 languages</li></ul>
<p>Try <a href="https://huggingface.co/google/gemma-3-27b-it">the 27B instruct model</a>,
the <a href="https://huggingface.co/collections/google/gemma-3-release">collection</a>,
<a href="/blog/gemma2">our older post</a> and <a href="https://github.com/google-deepmind/gemma/tree/main">the code</a>.
<a href="javascript:alert(1)">bad</a></p>
</article><footer>© Hugging Face</footer></body></html>"""


def test_article_page_fields():
    page = extract_page(ARTICLE.encode(), "https://huggingface.co/blog/gemma3")
    assert page.title == "Welcome Gemma 3: multimodal, multilingual, long context"
    assert page.description == "Four sizes, open weights."
    assert page.published == "2025-03-12"  # JSON-LD wins over meta
    assert "1B, 4B, 12B and 27B sizes" in page.text
    assert "tracking" not in page.text and "Pricing" not in page.text
    assert page.hub_repos == ["google/gemma-3-27b-it"]
    assert page.github_repos == ["google-deepmind/gemma"]
    assert "https://huggingface.co/blog/gemma2" in page.links
    assert not any(link.startswith("javascript:") for link in page.links)
    assert page.json_ld[0]["@type"] == "BlogPosting"


@pytest.mark.parametrize(
    ("html", "title", "published"),
    [
        (
            "<html><head><title>Only a title</title></head><body><p>x</p></body></html>",
            "Only a title",
            None,
        ),
        (
            "<h1>Bare <b>h1</b></h1><time datetime='2025-06-20'>June 20</time>",
            "Bare h1",
            "2025-06-20",
        ),
        ('<script type="application/ld+json">{broken json</script><h1>T</h1>', "T", None),
        ('<meta name="date" content="2024-09-18"><h1>Llama 3.2</h1>', "Llama 3.2", "2024-09-18"),
        ("", None, None),
        ("\x00\xff<<<>>>", None, None),
    ],
)
def test_pages_parse_defensively(html, title, published):
    page = extract_page(html.encode("utf-8", "surrogateescape"), "https://example.com/p")
    assert page.title == title
    assert page.published == published


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://huggingface.co/google/gemma-3-27b-it", "google/gemma-3-27b-it"),
        (
            "https://huggingface.co/meta-llama/Llama-4-Scout-17B-16E-Instruct/",
            "meta-llama/Llama-4-Scout-17B-16E-Instruct",
        ),
        ("https://huggingface.co/blog/gemma3", None),
        ("https://huggingface.co/spaces/google/demo", None),
        ("https://huggingface.co/datasets/HuggingFaceTB/smoltalk", None),
        ("https://huggingface.co/google/gemma-3-27b-it/tree/main", None),
        ("https://huggingface.co/collections/google/gemma-3-release", None),
        ("https://example.com/google/gemma", None),
    ],
)
def test_hub_repo_links(url, repo):
    assert hub_repo_of(url) == repo


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        (
            "https://github.com/meta-llama/llama-models/releases/tag/v0.2.0",
            "meta-llama/llama-models",
        ),
        ("https://github.com/QwenLM/Qwen3", "QwenLM/Qwen3"),
        ("https://github.com/features", None),
        ("https://gitlab.com/a/b", None),
    ],
)
def test_github_repo_links(url, repo):
    assert github_repo_of(url) == repo
