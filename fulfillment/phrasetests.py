"""Running the designers' test phrases: which pass, which fail, precision and recall."""

from __future__ import annotations

from dataclasses import dataclass, field

from fulfillment.domain import normalize_order_number
from fulfillment.extraction.extractor import Extractor
from fulfillment.extraction.spec import PhraseTest
from fulfillment.i18n.locales import spoken_language


@dataclass(frozen=True, slots=True)
class PhraseResult:
    interest_type: str
    test: PhraseTest
    expected: tuple[str, ...]
    found: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.expected == self.found


@dataclass(slots=True)
class Tally:
    passed: int = 0
    failed: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    failures: list[PhraseResult] = field(default_factory=list)

    def add(self, result: PhraseResult) -> None:
        if result.passed:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(result)
        expected, found = set(result.expected), set(result.found)
        self.true_positives += len(expected & found)
        self.false_positives += len(found - expected)
        self.false_negatives += len(expected - found)

    @property
    def precision(self) -> float:
        taken = self.true_positives + self.false_positives
        return self.true_positives / taken if taken else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def run_phrase(interest_type: str, extractor: Extractor, test: PhraseTest) -> PhraseResult:
    found = extractor.extract(test.text, spoken_language(test.lang)).order_ids
    return PhraseResult(
        interest_type,
        test,
        tuple(normalize_order_number(number) for number in test.expect),
        tuple(found),
    )


def language_of(test: PhraseTest) -> str:
    return test.lang.replace("_", "-").split("-")[0].lower()


def tally_by_language(results: list[PhraseResult]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for result in results:
        tallies.setdefault(language_of(result.test), Tally()).add(result)
    return dict(sorted(tallies.items()))
