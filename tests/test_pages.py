import pytest

from spiders.pages import extract_page, github_repo_of, hub_repo_of, index_links

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


def test_relative_hub_links_count_only_with_the_hub_host():
    html = b'<article><p>Try <a href="/google/embeddinggemma-300m">the model</a>.</p></article>'
    on_hub = extract_page(html, "http://hub.test/blog/x", hub_hosts=("hub.test",))
    elsewhere = extract_page(html, "http://vendor.test/blog/x")
    assert on_hub.hub_repos == ["google/embeddinggemma-300m"]
    assert elsewhere.hub_repos == []


@pytest.mark.parametrize(
    ("meta", "description"),
    [
        # a site-wide slogan in <meta name="description"> is no summary of the page
        (
            '<meta name="description" content="We are on a journey to advance and democratize '
            'artificial intelligence through open source and open science.">',
            None,
        ),
        (
            '<meta name="description" content="Gemma 3 comes in four sizes.">',
            "Gemma 3 comes in four sizes.",
        ),
        (
            '<meta property="og:description" content="SOTA. Multimodal. Apache 2.0">',
            "SOTA. Multimodal. Apache 2.0",
        ),
        ('<meta name="twitter:description" content="Small and fast.">', "Small and fast."),
        (
            '<script type="application/ld+json">{"@type": "NewsArticle", "description": "From LD."}'
            "</script>",
            "From LD.",
        ),
    ],
)
def test_page_description_sources(meta, description):
    html = f"<html><head><title>Welcome Gemma 3</title>{meta}</head><body><h1>Welcome Gemma 3</h1></body></html>"
    assert extract_page(html.encode(), "https://example.com/p").description == description


INDEX = """<html><body>
<header><nav><a href="/news">News</a><a href="/careers">Careers</a></nav></header>
<main>
<a href="/news/category/research">Research</a>
<ul>
 <li><a href="/news/mistral-small-3-1"><img src="a.png"></a><time datetime="2025-03-17">Mar 17</time>
     <h3><a href="/news/mistral-small-3-1">Mistral Small 3.1</a></h3>
     <a href="/news/mistral-small-3-1">Read more</a></li>
 <li><h3><a href="https://mistral.example/news/magistral#top">Magistral</a></h3></li>
 <li><a href="javascript:alert(1)">Evil</a><a href="/news?page=2">Next page</a>
     <a href="/news/page/3">3</a><a href="/news/2025">2025</a><a href="/news/tag/open-models">Open models</a></li>
 <li><a href="/news/2025/05/devstral-small">Devstral, an agentic model for code</a></li>
 <li><a href="https://other.example/news/elsewhere">Somebody else's news</a></li>
</ul></main><footer><a href="/news/legal-notice">Legal notice</a></footer></body></html>"""


def test_index_links_are_the_articles_below_the_index():
    links = index_links(INDEX.encode(), "https://mistral.example/news")
    assert [(x["url"], x["title"], x["published"]) for x in links] == [
        ("https://mistral.example/news/mistral-small-3-1", "Mistral Small 3.1", "2025-03-17"),
        ("https://mistral.example/news/magistral", "Magistral", None),
        (
            "https://mistral.example/news/2025/05/devstral-small",
            "Devstral, an agentic model for code",
            None,
        ),
    ]


def test_index_links_with_a_pattern():
    links = index_links(INDEX.encode(), "https://mistral.example/news", pattern=r"/news/mag")
    assert [x["url"] for x in links] == ["https://mistral.example/news/magistral"]
