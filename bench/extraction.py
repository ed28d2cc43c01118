"""Extraction benchmark: utterances per second, against spaCy's blank tokenizer alone.

Run: python -m bench.extraction [--rounds N]

Both are measured in the same process, on one core, over the same fixed multilingual set
(the designers' test phrases of intents/order-status.yaml), in alternating rounds; the
median of the rounds is reported. Target: extraction costs at most 2x the tokenizer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from fulfillment.extraction.extractor import Extractor
from fulfillment.i18n.locales import spoken_language
from fulfillment.intents import load_intent
from fulfillment.settings import PROJECT_ROOT

RESULTS = Path(__file__).parent / "results"


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def timed(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the set per round")
    args = parser.parse_args()

    pinning = pin_to_one_core()
    spec = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml")
    assert spec.extraction is not None
    extractor = Extractor(spec.extraction)
    phrases = [(test.text, spoken_language(test.lang)) for test in spec.tests]
    # The tokenizer each phrase gets in extraction, so both sides do the same tokenizing.
    tokenizers = [
        (text, extractor._languages[extractor.language_for(lang)].nlp.make_doc)
        for text, lang in phrases
    ]

    def tokenize_only() -> None:
        for _ in range(args.repeat):
            for text, make_doc in tokenizers:
                make_doc(text)

    def extract() -> None:
        for _ in range(args.repeat):
            for text, lang in phrases:
                extractor.extract(text, lang)

    tokenize_only()
    extract()  # warm caches before measuring
    tokenizer_times, extraction_times = [], []
    for _ in range(args.rounds):
        tokenizer_times.append(timed(tokenize_only))
        extraction_times.append(timed(extract))
    count = len(phrases) * args.repeat
    tokenizer = statistics.median(tokenizer_times)
    extraction = statistics.median(extraction_times)
    result = {
        "phrases": len(phrases),
        "languages": sorted({lang.split("-")[0] for _, lang in phrases}),
        "utterances_per_round": count,
        "rounds": args.rounds,
        "tokenizer_per_second": round(count / tokenizer),
        "extraction_per_second": round(count / extraction),
        "cost_ratio": round(extraction / tokenizer, 2),
        "target_ratio": 2.0,
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "pinning": pinning,
    }
    print(f"extraction benchmark ({pinning}, {len(phrases)} phrases, {args.rounds} rounds)")
    print(f"  spaCy blank tokenizer alone: {result['tokenizer_per_second']:>8,} utterances/s")
    print(f"  full extraction:             {result['extraction_per_second']:>8,} utterances/s")
    print(f"  extraction costs {result['cost_ratio']}x the tokenizer alone (target <= 2.0x)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "extraction.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
