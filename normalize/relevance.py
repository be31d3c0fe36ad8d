"""Does a feed entry or page announce a model or AI tool? A score, with its reasons.

Pure. Signals for: a link to a Hugging Face model repo (strong when the title names it:
a tutorial links the model it uses, an announcement the model it is about), launch
wording ("introducing", "release", "now available", "open weights"), a parameter size, a
known model family in the title, model vocabulary, a major release tag (`v3.0.0`).
Signals against: hiring, events, tutorials and courses, benchmarks and datasets, business
news, and patch releases (`v0.3.1`) whose notes talk about fixes. The reasons are stored
with the entry, so an editor can see why something was or was not queued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

THRESHOLD = 3
_LAUNCH = re.compile(
    r"\b(?:introduc(?:e|es|ing)|announc(?:e|es|ing)|releas(?:e|es|ed|ing)|launch(?:es|ed|ing)?|"
    r"welcome|now available|generally available|open[- ]sourc(?:e|ed|ing)|open[- ]weights?|"
    r"is here|is out|unveil(?:s|ed|ing)?|debut(?:s)?)\b|^\s*meet\b",
    re.I,
)
_SIZE = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?\s?(?:[bm]\b|billion|million|trillion)(?:[- ]param)?|"
    r"\b\d+x\d+b\b|\b\d+b-a\d+b\b",
    re.I,
)
_MODEL_WORDS = re.compile(
    r"\b(?:model|models|llm|checkpoints?|weights|parameters?|multimodal|mixture[- ]of[- ]experts|"
    r"moe|instruct|reasoning model|vision[- ]language|embedding model)\b",
    re.I,
)
_FAMILIES = re.compile(
    r"\b(?:gemma|llama|code ?llama|mistral|mixtral|ministral|codestral|magistral|devstral|"
    r"pixtral|qwen\d*(?:\.\d)?|qwq|deepseek|phi-?\d|smollm\d?|smolvlm|falcon|olmo|granite|"
    r"command[- ]r|aya|yi-|glm|kimi|gpt-oss|nemotron|jamba|lfm|minimax|hunyuan|ernie|"
    r"internlm|starcoder|stable diffusion|flux|whisper|bloom)",
    re.I,
)
_NEGATIVE = (
    (re.compile(r"\b(?:we(?:'re| are) hiring|join (?:our|the) team|careers?|job opening)\b", re.I),
     -4, "hiring"),
    (re.compile(r"\b(?:webinar|meetups?|hackathon|conference|summit|workshop|event recap|"
                r"live ?stream|office hours|join us (?:at|in|for)|(?:come )?meet us|booth|"
                r"neurips|icml|iclr|cvpr|google i/o|i/o connect)\b", re.I), -2, "event"),
    (re.compile(r"\b(?:how to|tutorial|step[- ]by[- ]step|guide to|course|lesson|cookbook|"
                r"walkthrough)\b", re.I), -3, "tutorial"),
    (re.compile(r"\b(?:benchmark|leaderboard|dataset|evaluation|arena)s?\b", re.I),
     -2, "benchmark or dataset"),
    (re.compile(r"\b(?:partnership|partners with|funding|raises|acquires|acquisition)\b", re.I),
     -2, "business news"),
)  # fmt: skip
# How a tutorial opens; an announcement seldom does.
_TUTORIAL_OPENING = re.compile(
    r"\bin this (?:tutorial|guide|walkthrough|notebook)\b|\bthis (?:tutorial|guide) (?:shows|"
    r"walks)\b",
    re.I,
)
_PATCH_TAG = re.compile(r"^\s*v?\d+\.\d+\.(?:[1-9]\d*)(?:[-.+]\w+)?\s*$", re.I)
_MAJOR_TAG = re.compile(r"^\s*v?[1-9]\d*(?:\.0){1,2}\s*$", re.I)
_REPO_WORD = re.compile(r"[a-z]{3,}\d*", re.I)
_FIX_WORDS = re.compile(r"\b(?:fix(?:es|ed)?|bug|typo|docs?|documentation|patch|hotfix)\b", re.I)


def _repo_named(repo: str, title: str) -> bool:
    """Whether the title names the linked repo: its first word ("gemma", "smollm3")."""
    name = repo.rsplit("/", 1)[-1]
    first = _REPO_WORD.search(name)
    return first is not None and first.group(0).lower() in title.lower()


@dataclass(slots=True)
class Relevance:
    relevant: bool
    score: int
    reasons: list[str] = field(default_factory=list)

    def reason(self) -> str:
        verdict = "announces a model" if self.relevant else "not an announcement"
        return f"{verdict} (score {self.score}: {', '.join(self.reasons) or 'no signal'})"


def relevance(
    title: str | None,
    text: str | None = None,
    hub_repos: list[str] | None = None,
) -> Relevance:
    """Whether an entry announces a model or AI tool, and why."""
    title = (title or "")[:500]
    body = (text or "")[:20_000]
    both = f"{title}\n{body}"
    score, reasons = 0, []

    def add(points: int, why: str) -> None:
        nonlocal score
        score += points
        reasons.append(f"{why} ({points:+d})")

    if hub_repos:
        if any(_repo_named(repo, title) for repo in hub_repos):
            add(3, f"links {len(hub_repos)} Hub model repo(s) it names")
        else:
            add(1, f"links {len(hub_repos)} Hub model repo(s)")
    if _LAUNCH.search(title):
        add(2, "launch wording in title")
    elif _LAUNCH.search(body[:3000]):
        add(1, "launch wording")
    if _FAMILIES.search(title):
        add(1, "model family in title")
    if _SIZE.search(both):
        add(2, "states a parameter size")
    if _MODEL_WORDS.search(both):
        add(1, "model vocabulary")
    for pattern, points, why in _NEGATIVE:
        if pattern.search(title) or (points <= -4 and pattern.search(body[:2000])):
            add(points, why)
    if _TUTORIAL_OPENING.search(body[:600]) and not _TUTORIAL_OPENING.search(title):
        add(-3, "written as a tutorial")
    if _PATCH_TAG.match(title) and (not body or _FIX_WORDS.search(body[:2000])):
        add(-5, "patch release")
    elif _MAJOR_TAG.match(title):
        add(1, "major release tag")
    return Relevance(relevant=score >= THRESHOLD, score=score, reasons=reasons)
