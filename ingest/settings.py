"""Scrapy settings: polite by default, bounded, and quiet about what it need not do."""

from scrapy.settings import default_settings

BOT_NAME = "toolscout"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = "toolscout/0.1 (+https://github.com/toolscout/toolscout; AI-tool intake crawler)"
ROBOTSTXT_OBEY = True

# Politeness: few parallel requests per host, AutoThrottle adapts to the server's latency.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30

# Hostile input: nothing larger than this is read at all.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

# 429 is left to RateLimitMiddleware, which waits as the server says; Scrapy would retry at once.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
REDIRECT_MAX_TIMES = 5

# The fetch layer (ingest/fetch/). Requests run from low numbers to high: the URL policy
# (50) refuses a URL before robots.txt (100) is asked for on its host. Responses run from
# high to low: the loop check sees a 3xx before Scrapy's RedirectMiddleware (600) follows
# it; the document check sees bodies after decompression (590) and before MetaRefresh
# (580) and Retry (550).
DOWNLOADER_MIDDLEWARES = {
    "ingest.fetch.middleware.FetchPolicyMiddleware": 50,
    "ingest.fetch.ratelimit.RateLimitMiddleware": 545,
    "ingest.fetch.middleware.DocumentCheckMiddleware": 585,
    "ingest.fetch.middleware.RedirectLoopMiddleware": 610,
}
# Every DNS answer is checked against the URL policy (ingest.fetch.resolver).
TWISTED_DNS_RESOLVER = "ingest.fetch.resolver.PolicyResolver"
# Only http and https are ever downloaded; no handler exists for file:, data:, ftp:, s3:.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
ITEM_PIPELINES = {
    "ingest.pipelines.StorePipeline": 300,
}

# The store keeps documents and validators; Scrapy's own HTTP cache would be a second copy.
HTTPCACHE_ENABLED = False
# Scrapy 2.19 turns on a remote-control HTTP extension by default: not on a crawler. Left
# out of the base list rather than disabled with None in EXTENSIONS, which Scrapy resolves
# by importing each class (aiohttp and twisted.conch: 0.1 s of every crawl's start).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
EXTENSIONS_BASE = {
    path: order
    for path, order in default_settings.EXTENSIONS_BASE.items()
    if path.rsplit(".", 1)[1] not in ("TelnetConsole", "RemoteControl")
}
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
