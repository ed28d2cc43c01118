"""Run by test_french.py in a fresh interpreter, where spacy.lang.fr is not imported yet.

python french_tokens.py fast|fallback < texts.json prints, as JSON, how the service's French
pipeline (and, for "fallback", spacy.blank("fr") too) tokenizes each text, and which words of
spaCy's large French exception list TOKEN_MATCH accepts.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import spacy

from fulfillment.extraction import french
from fulfillment.extraction.extractor import blank_pipeline


def tokens(nlp: Any, texts: list[str]) -> list[list[str]]:
    return [[t.text_with_ws for t in nlp.make_doc(text)] for text in texts]


def main() -> None:
    mode = sys.argv[1]
    texts: list[str] = json.load(sys.stdin)
    if mode == "fallback":
        # A spaCy whose tokenizer_exceptions.py ends otherwise than the fast path expects.
        french.SLOW_STATEMENT = "TOKEN_MATCH = None"
    fast = french.import_french()
    nlp = blank_pipeline("fr")
    module = sys.modules[french.MODULE]
    alternatives: list[str] = module._regular_exp
    pattern: str = nlp.tokenizer.token_match.__self__.pattern
    # Imported after spacy.lang.fr, so that it does not import French itself.
    from spacy.lang.fr._tokenizer_exceptions_list import FR_BASE_EXCEPTIONS

    words = sorted(
        {
            variant
            for word in FR_BASE_EXCEPTIONS
            for cased in (word, word.upper(), word.capitalize())
            for variant in (
                cased,
                cased.replace("-", "‐"),  # U+2010 hyphen
                cased.replace("'", "’"),
            )
        }
        | {word + "s" for word in FR_BASE_EXCEPTIONS}
    )
    # The exception list in sentences too: between commas, parentheses, quotes and a period.
    base = sorted(FR_BASE_EXCEPTIONS)
    texts = texts + [
        f"« {a} », ({b}) {c}, l'{d}... {e}-{f}? {' '.join(rest)}."
        for a, b, c, d, e, f, *rest in (base[i : i + 10] for i in range(0, len(base) - 10, 10))
    ]
    result = {
        "fast": fast,
        "pattern_is_spacys": pattern == french.FLAGS + "|".join(f"(?:{m})" for m in alternatives),
        "pattern_chars": len(pattern),
        "tokens": tokens(nlp, texts),
        "matched": [w for w in words if nlp.tokenizer.token_match(w)],
        "words": len(words),
    }
    if mode == "fallback":
        result["spacy_blank_tokens"] = tokens(spacy.blank("fr"), texts)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
