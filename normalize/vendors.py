"""Hub org → vendor display name, as the comparison site writes it.

A table, not a rule: vendor names are facts (Google's models are shipped by Google
DeepMind, Qwen by Alibaba). An org missing from the table keeps its own name, which is
what an editor would type anyway.
"""

from __future__ import annotations

VENDORS: dict[str, str] = {
    "google": "Google DeepMind",
    "google-bert": "Google",
    "google-t5": "Google",
    "meta-llama": "Meta",
    "facebook": "Meta",
    "mistralai": "Mistral AI",
    "huggingfacetb": "Hugging Face",
    "huggingfaceh4": "Hugging Face",
    "huggingfacem4": "Hugging Face",
    "qwen": "Alibaba (Qwen)",
    "deepseek-ai": "DeepSeek",
    "microsoft": "Microsoft",
    "nvidia": "NVIDIA",
    "ibm-granite": "IBM",
    "allenai": "Ai2",
    "tiiuae": "Technology Innovation Institute",
    "cohereforai": "Cohere",
    "coherelabs": "Cohere",
    "01-ai": "01.AI",
    "internlm": "Shanghai AI Laboratory (InternLM)",
    "thudm": "Zhipu AI",
    "zai-org": "Zhipu AI",
    "moonshotai": "Moonshot AI",
    "openai": "OpenAI",
    "stabilityai": "Stability AI",
    "black-forest-labs": "Black Forest Labs",
    "apple": "Apple",
    "amazon": "Amazon",
    "baidu": "Baidu",
    "tencent": "Tencent",
    "minimaxai": "MiniMax",
    "xai-org": "xAI",
    "openbmb": "OpenBMB",
    "lmsys": "LMSYS",
    "bigcode": "BigCode",
    "bigscience": "BigScience",
    "eleutherai": "EleutherAI",
    "salesforce": "Salesforce",
    "snowflake": "Snowflake",
    "databricks": "Databricks",
    "ai21labs": "AI21 Labs",
    "liquidai": "Liquid AI",
    "openai-community": "OpenAI",
}


def vendor_for_org(org: str | None) -> str | None:
    """The vendor display name for a Hub org; the org itself when it is not in the table."""
    if not org or not isinstance(org, str):
        return None
    return VENDORS.get(org.strip().lower(), org.strip())
