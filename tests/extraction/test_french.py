"""spaCy's French imported quickly (fulfillment.extraction.french): spaCy's tokens, exactly.

The fast path and the fallback each run in a fresh interpreter (french_tokens.py), since the
first import of spacy.lang.fr in a process decides which one it gets. The fallback is the
normal import, so it also gives the reference: spacy.blank("fr") as spaCy makes it. It
compiles spaCy's 1.45 MB pattern, which makes it the slow test here (some seconds).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import spacy

from fulfillment.extraction.extractor import GENERIC, blank_pipeline, tokenizer_of
from fulfillment.extraction.french import FLAGS, compact_pattern, import_french, token_match
from fulfillment.intents import load_intent
from fulfillment.settings import PROJECT_ROOT

SPEC = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml").extraction
assert SPEC is not None
# The languages read with spaCy's own tokenizer for them.
OWN_TOKENIZERS = [lang for lang in SPEC.languages if tokenizer_of(SPEC, lang) == "language"]

PROBE = Path(__file__).with_name("french_tokens.py")

FRENCH = [
    "Bonjour, où en est ma commande 748596 ? Peut-être est-elle perdue.",
    "Le faux-vampire du saut-de-ski a mangé un pet-en-l'air près de l'arc-en-ciel.",
    "Aujourd'hui, l'adresse de livraison a changé ; aujourd’hui encore, l’adresse est fausse.",
    "AUJOURD'HUI PEUT-ÊTRE, Aujourd'hui Peut-Être, aujourd‘hui peut‐être peut–être peut—être.",
    "Il s'entr'abat, entr'ouvre la porte et se ré-entr'aime ; grand'mère et grand'rue.",
    "Prud'homme, presqu'île, quelqu'un, jusqu'à, d'accord, n'est-ce pas, qu'est-ce que c'est ?",
    "A-t-il reçu le colis ? Dit-elle vrai ? Donne-moi le numéro, est-ce le bon ? Y a-t-il un n°?",
    "Commande n°748596, N° 748596, n° 748 596, no. 748596, #1001, A-10023, 112-1234567-1234567.",
    "Voir https://www.boutique.fr/commande?id=748596&lang=fr ou www.exemple.fr/suivi, ou "
    "écrire à service.client@exemple.fr.",
    "Payé 12,50 € le 25/12/2023 à 14h30, soit 3.5% de remise ; livré le 1er mars, 2ème essai.",
    "Appelez le 06 12 34 56 78 ou le +33 6 12 34 56 78 (après-midi), réf. FR-2023-0042.",
    "M. Dupont, Mme. Martin et Mlle. Durand, St. Jean, av. J.-C., etc., cf. p. 12, vol. 3.",
    "Les États-Unis, New-York, le hip-hop, le week-end, un after-shave et un e-mail.",
    "L'anti-inflammatoire, l'auto-école, la contre-attaque, un porte-monnaie, les sous-sols.",
    "Celui-ci, celle-là, ceux-ci ; au-delà, au-dessus, ci-dessous ; rendez-vous à 15 h.",
    "Le black-out, le knock-out, le by-pass, le fac-similé, le lock-out et le jet-set.",
    "Un arrière-grand-père, une arrière-arrière-grand-mère, des grands-parents, l'après-guerre.",
    "« Où est mon colis ? » demande-t-il… (Toujours rien !) — Merci d'avance :-) 😀",
    "Commande 748596-FR, ref:748596, #748596, (748596), [748596], 748596/2, 748596.",
    "mon numéro de commande c'est le 748596 merci",
    "Jean-Pierre et Marie-Claire ont commandé le 3-4 mars : 2-3 articles, 10-20 % moins cher.",
    "l'homme-grenouille, les droits-de-l'homme, le Saint-Esprit, la Côte-d'Ivoire, l'Île-de-France",
    "",
    "   ",
    "-",
    "l'",
    "'",
    "peut-",
    "-être",
]

MULTILINGUAL = [
    "Where's my order #748596? I can't find it; it's been 3 days (since Mon.) - U.S.A. e-mail.",
    "Wo ist meine Bestellung Nr. 748596? Ich hab' z.B. am 3. März bestellt, d.h. vor 2 Wochen.",
    "¿Dónde está mi pedido n.º 748596? Lo pedí el 3-4 de marzo, ¡gracias! Sr. García, Uds.",
    "Onde está a minha encomenda nº 748596? Fiz o pedido dia 3; obrigado, Sra. Dª. Ana.",
    "मेरा ऑर्डर 748596 कहाँ है? कृपया बताइए। धन्यवाद!",
    "注文番号748596はどこですか? Order ７４８５９６, заказ 748596, 주문 748596.",
    "https://shop.example.com/orders/748596?x=1 mail@example.com 12.50€ 14:30 25/12/2023",
]


@pytest.fixture(scope="module")
def probes() -> dict[str, dict[str, Any]]:
    """Both runs at once: seconds each, on two cores when there are two."""
    running = {
        mode: subprocess.Popen(
            [sys.executable, str(PROBE), mode],
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("fast", "fallback")
    }
    results = {}
    for mode, process in running.items():
        out, err = process.communicate(json.dumps(FRENCH), timeout=300)
        assert process.returncode == 0, err
        results[mode] = json.loads(out)
    return results


@pytest.fixture(scope="module")
def fast(probes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return probes["fast"]


@pytest.fixture(scope="module")
def fallback(probes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return probes["fallback"]


def test_the_fast_path_is_taken_and_compact(fast: dict[str, Any]) -> None:
    assert fast["fast"]
    assert not fast["pattern_is_spacys"]
    # Compiled in a fraction of a second; spaCy's own pattern has 1.45 million characters.
    assert fast["pattern_chars"] < 50_000


def test_the_fallback_is_spacys_own_import(fallback: dict[str, Any]) -> None:
    assert not fallback["fast"]
    assert fallback["pattern_is_spacys"]
    assert fallback["pattern_chars"] > 1_000_000


def test_french_tokens_are_spacys(fast: dict[str, Any], fallback: dict[str, Any]) -> None:
    reference = fallback["spacy_blank_tokens"]
    assert len(reference) > 1000  # the texts above and the exception list in sentences
    assert fallback["tokens"] == reference
    for text, expected, got in zip(FRENCH, reference, fast["tokens"], strict=False):
        assert got == expected, text
    assert fast["tokens"] == reference


def test_token_match_accepts_the_same_words(fast: dict[str, Any], fallback: dict[str, Any]) -> None:
    assert fast["words"] == fallback["words"] > 40_000
    assert len(fallback["matched"]) > 500
    assert fast["matched"] == fallback["matched"]


def test_french_imported_already_is_left_as_it_is() -> None:
    blank_pipeline("fr")
    assert not import_french()


@pytest.mark.parametrize("language", [lang for lang in (*OWN_TOKENIZERS, GENERIC) if lang != "fr"])
def test_other_pipelines_tokenize_as_spacy_blank(language: str) -> None:
    reference = spacy.blank(language)
    for text in MULTILINGUAL + FRENCH:
        expected = [t.text_with_ws for t in reference.make_doc(text)]
        assert [t.text_with_ws for t in blank_pipeline(language).make_doc(text)] == expected


# A long character class, like spaCy's ALPHA_LOWER: a-z and 40 more letters as escapes.
LONG = "[a-z" + "".join(f"\\u{c:04X}" for c in range(0x100, 0x128)) + "]"
SAMPLES = [
    "a",
    "ab",
    "zazzbz",
    "zazzaz",
    "zbz",
    "abz",
    "cdz",
    "abzz",
    "ABZ",
    "Abā",
    "xz",
    "az",
    "azaz",
    "azbz",
    "aza",
    "zx",
    "a{x}",
    "z{x}",
    "z{y}",
    "zz{x}",
    "",
    "b",
    "bz",
]


def full(alternatives: list[str]) -> re.Pattern[str]:
    return re.compile(FLAGS + "|".join(f"(?:{m})" for m in alternatives))


@pytest.mark.parametrize(
    ("alternatives", "long_classes"),
    [
        # Differing only before the class: the first two become one alternative.
        ([f"^ab{LONG}+$", f"^cd{LONG}+$", f"^x{LONG}*$"], 2),
        # The same alternative twice: once.
        ([f"^ab{LONG}+$", f"^ab{LONG}+$"], 1),
        # Differing between two classes, outside any group: one alternative.
        ([f"^{LONG}+a{LONG}$", f"^{LONG}+b(?:c|d){LONG}$"], 2),
        # Inside a repeated group, (?:a|b) would let "zazzbz" match: kept apart.
        ([f"^(?:{LONG}a{LONG})+$", f"^(?:{LONG}b{LONG})+$"], 4),
        # Stretches that are not expressions of their own: kept apart.
        ([f"^(?:a{LONG})+$", f"^(?:b{LONG})+$"], 2),
        ([f"^a|b{LONG}$", f"^c{LONG}$"], 2),
        # A stretch that begins like a quantifier: kept apart, to be safe.
        ([f"^{LONG}{{x}}$", f"^{LONG}{{y}}$"], 2),
        # Differing in two stretches: kept apart.
        ([f"^a{LONG}b$", f"^c{LONG}d$"], 2),
    ],
)
def test_compact_pattern_merges_only_where_exact(
    alternatives: list[str], long_classes: int
) -> None:
    compact = compact_pattern(alternatives)
    assert compact.count(LONG) == long_classes
    reference, compiled = full(alternatives), re.compile(compact)
    for sample in SAMPLES:
        assert bool(compiled.match(sample)) == bool(reference.match(sample)), sample


def test_capturing_groups_keep_spacys_pattern() -> None:
    alternatives = [f"^(a){LONG}\\1$", f"^(b){LONG}\\1$"]
    assert token_match(alternatives).__self__.pattern == full(alternatives).pattern
