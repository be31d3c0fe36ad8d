"""What a crawl's parent tells its child through the environment: when the run started and
when its time limit ends it.

Apart from `ingest.crawl` (which starts the child) so that the fetch layer, the spiders and
the pipelines can read the clock without importing the crawl runner, which imports them.
"""

from __future__ import annotations

import os
from datetime import datetime

DEADLINE_ENV = "TOOLSCOUT_RUN_DEADLINE"
RUN_STARTED_ENV = "TOOLSCOUT_RUN_STARTED"


def crawl_started() -> datetime | None:
    """In a crawl child, when `crawl()` started it (RUN_STARTED_ENV); None otherwise."""
    value = os.environ.get(RUN_STARTED_ENV)
    try:
        started = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return started if started is not None and started.tzinfo is not None else None


def run_deadline() -> float | None:
    """In a crawl child, the epoch second its parent's time limit ends it; None otherwise.
    The fetch layer stops waiting on a rate limit it cannot sit out before then."""
    try:
        return float(os.environ[DEADLINE_ENV])
    except (KeyError, ValueError):
        return None
