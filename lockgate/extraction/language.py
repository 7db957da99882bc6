"""Which language a text is written in: any of the 97 that py3langid knows, or `unknown` when it
cannot tell with confidence."""

from __future__ import annotations

from functools import cache
from itertools import islice

UNKNOWN = "unknown"
# Below this probability the guess is not reported (short texts, code, tables of numbers).
MIN_PROBABILITY = 0.5
_NO_LANGUAGE = frozenset({"zxx"})  # py3langid's "no linguistic content"


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code or `unknown`, probability); (None, 0.0) when there are no letters."""
    sample = text[:5000]
    if next(islice((ch for ch in sample if ch.isalpha()), 9, None), None) is None:
        return None, 0.0  # fewer than ten letters (counted up to the tenth, not to the end)
    language, probability = _identifier().classify(sample)
    probability = round(float(probability), 4)
    sure = probability >= MIN_PROBABILITY and language not in _NO_LANGUAGE
    return (language if sure else UNKNOWN), probability
