"""`catalogs check` knows each language's typography (rule `typography`): every shipped catalog
follows it, and a slip is named with its file and line, and still served."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import CATALOGS

from fulfillment.cli import main
from fulfillment.i18n.catalogs import check_all, load_translations, read_catalog
from fulfillment.i18n.checks import SERVED_RULES
from fulfillment.i18n.typography import NARROW_NBSP, NBSP, typography_findings
from fulfillment.intents import load_intent
from fulfillment.phrasing import Phrasebook
from fulfillment.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
INTENTS_DIR = PROJECT_ROOT / "intents"


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_every_catalog_follows_its_language_s_typography(locale: str) -> None:
    catalog = read_catalog(CATALOGS[locale], locale)
    assert not isinstance(catalog, Exception)
    found = [
        (entry.line, finding)
        for entry in catalog.entries
        if not entry.obsolete
        for text in entry.strings
        for finding in typography_findings(text, locale)
    ]
    assert found == []
    checked = [p for p in check_all(LOCALES_DIR, INTENTS_DIR, locale) if p.rule == "typography"]
    assert checked == []


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("fr", f"Bonjour {{first_name}}{NARROW_NBSP}! Numéro de suivi{NBSP}: {{tracking_number}}."),
        (
            "fr",
            f"Statut{NBSP}: «{NBSP}Expédié{NBSP}»{NARROW_NBSP}; à 14:30, https://exemple.fr/?q=1",
        ),
        ("fr", f"Vraiment{NARROW_NBSP}?!"),
        ("fr_CA", f"Bonjour!{NARROW_NBSP}Quoi? Total{NBSP}: 5"),
        ("de", "Status „Versandt“: Ihre Bestellung {order_id}."),
        ("de_CH", "Status «Versandt»."),
        ("es", "¡Hola, {first_name}! ¿Qué pedido quieres consultar?"),
        ("es", "Hola, ¿qué pedido? Pedido {order_id}."),
        ("ja", "ご注文{order_id}は発送されました。追跡番号は{tracking_number}です。"),
        ("ja", "注文番号 748596 は「発送済み」です。"),  # spaces around Latin text: a style choice
        ("zh", "您的订单{order_id}已发货，预计{expected_date}送达。"),
        ("en_GB", 'Status "Dispatched" : fine in English ?'),
        ("hi", "आपका ऑर्डर {order_id} भेज दिया गया है।"),
    ],
)
def test_right_typography_passes(locale: str, text: str) -> None:
    assert typography_findings(text, locale) == []


@pytest.mark.parametrize(
    ("locale", "text", "what"),
    [
        ("fr", "Bonjour {first_name} !", "an ordinary space before '!'"),
        ("fr", "Numéro de suivi : {tracking_number}.", "an ordinary space before ':'"),
        ("fr", "Quelle commande ?", "an ordinary space before '?'"),
        ("fr", "en route ; votre banque", "an ordinary space before ';'"),
        ("fr", "Bonjour {first_name}!", "no space before '!'"),
        ("fr", "Total: {total}", "no space before ':'"),
        ("fr", "Statut « Expédié »", "an ordinary space after «, before »"),
        ("fr", "Statut «Expédié»", "no space after «, before »"),
        ("fr_CA", "Quoi ?", "an ordinary space before '?'"),
        ("fr_CA", "Total: 5", "no space before ':'"),
        ("de", 'Status "Versandt"', 'straight quotes "…"'),
        ("de", "Status “Versandt”", "English quotes “…”"),
        ("de", "Status „Versandt", "1 „ but 0 “"),
        ("es", "Hola {first_name}! ¿Qué pedido?", "'!' without its '¡'"),
        ("es", "Qué pedido?", "'?' without its '¿'"),
        ("es", "¿Qué pedido", "'¿' never closed by '?'"),
        ("es", "¡Hola", "'¡' never closed by '!'"),
        ("ja", "発送されました 。", "an ASCII space next to 。"),
        ("ja", "発送されました。 追跡番号は{tracking_number}です。", "an ASCII space next to 。"),
        ("zh", "已发货 ，预计明天送达。", "an ASCII space next to ，"),
    ],
)
def test_each_slip_is_named(locale: str, text: str, what: str) -> None:
    found = typography_findings(text, locale)
    assert any(what in finding for finding in found), found


def test_a_finding_names_file_line_and_rule_and_the_entry_stays_served(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, locales)
    path = locales / "fr" / "LC_MESSAGES" / "messages.po"
    text = path.read_text(encoding="utf-8")
    right = f'msgstr "Numéro de suivi{NBSP}: {{tracking_number}}."'
    assert right in text
    path.write_text(text.replace(right, 'msgstr "Numéro de suivi : {tracking_number}."'))
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(
        n for n, t in enumerate(lines, 1) if t == 'msgstr "Numéro de suivi : {tracking_number}."'
    )
    msgid_line = line - 1
    assert lines[msgid_line - 1].startswith("msgid ")
    result = CliRunner().invoke(
        main, ["catalogs", "check", "--locale", "fr"], env={"FULFILLMENT_LOCALES_DIR": str(locales)}
    )
    assert result.exit_code == 1
    assert (
        f"{path}:{msgid_line}: typography: msgctxt 'order-status:phrases.parcel.tracking': "
        "an ordinary space before ':'"
    ) in result.output
    assert "typography" in SERVED_RULES
    spec = load_intent(INTENTS_DIR / "order-status.yaml")
    french = Phrasebook(spec, "fr", load_translations(locales)["fr"], report=False)
    assert (
        french.whole(lambda b: b.phrase("parcel.tracking", {"tracking_number": "1Z"}))[1]
        == "Numéro de suivi : 1Z."
    )
