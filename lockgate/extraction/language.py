"""Which language a text is written in (py3langid, restricted to the languages we handle)."""

from __future__ import annotations

from functools import cache

LANGUAGES = ("en", "fr", "nl", "de")


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability); (None, 0.0) when there are no letters to judge by."""
    sample = text[:5000]
    if sum(ch.isalpha() for ch in sample) < 10:
        return None, 0.0
    language, probability = _identifier().classify(sample)
    return language, round(float(probability), 4)
