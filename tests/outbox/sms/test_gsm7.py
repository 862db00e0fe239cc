import pytest

from monquartier.outbox.sms.gsm7 import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    fit_sms,
    gsm7_length,
    is_gsm7,
    segments,
    to_gsm7,
)

# The brackets are in the extension table: the prefix takes 16 septets for 14 characters.
PREFIX = "[MonQuartier] "
LINK = " https://mq.ci/a/8F3K2"
ROOM = 160 - gsm7_length(PREFIX) - gsm7_length(LINK)


def test_the_tables_hold_the_whole_gsm_alphabet():
    # 128 positions minus the escape code; nine characters in the extension table.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 9
    assert not GSM7_BASIC & GSM7_EXTENSION


def test_french_accents_of_the_alphabet_are_kept():
    text = "Réunion à l'école: élèves, où êtes-vous? Ça va. Ñ Ü ß Æ Å Ø Δ Ω £ ¥ § ¿ ¡ @"
    kept = to_gsm7(text)
    for char in "éèàùÇÑÜßÆÅØΔΩ£¥§¿¡@":
        assert char in kept


def test_french_characters_outside_the_alphabet_are_transliterated():
    text = "« Fête » : le cœur de l’îlot brûle, ça craint… Œuvre — Noël ôté"
    assert to_gsm7(text) == '" Fete " : le coeur de l\'ilot brule, ca craint... OEuvre - Noel oté'


def test_common_french_symbols_get_a_readable_rendering():
    assert to_gsm7("Rue n° 12 → marché, 2×3") == "Rue no 12 -> marché, 2x3"


def test_a_small_c_cedilla_becomes_c_but_the_capital_is_kept():
    assert to_gsm7("ça Ça") == "ca Ça"


def test_typographic_quotes_dashes_and_spaces_become_plain_ones():
    assert to_gsm7("‘a’ “b” – c\u00a0d\u202fe\u2009f") == "'a' \"b\" - c d e f"


def test_emoji_are_removed_with_their_blank():
    assert to_gsm7("🔥 Incendie 🚒 rue 12 ! 🙏") == "Incendie rue 12 !"
    assert to_gsm7("Merci👍🏾") == "Merci"
    assert to_gsm7("Drapeau 🇨🇮 ok") == "Drapeau ok"


def test_characters_with_no_gsm_rendering_become_question_marks():
    assert to_gsm7("Salam سلام") == "Salam ????"


def test_compatibility_forms_are_unfolded():
    assert to_gsm7("ﬁn 2² Ｘ") == "fin 22 X"


def test_the_extension_table_is_kept_and_counts_double():
    text = "Prix: 5€ [offre] {x} ~ | ^ \\"
    assert to_gsm7(text) == text
    assert is_gsm7(text)
    assert gsm7_length("€") == 2
    assert gsm7_length("a€[") == 5


def test_gsm7_text_is_left_unchanged():
    text = "Alerte: vol à l'arraché près du marché de Cocody.\nSoyez prudents!"
    assert to_gsm7(text) == text
    assert gsm7_length(text) == len(text)


def test_is_gsm7_says_whether_the_text_needs_no_transliteration():
    assert is_gsm7("élève à Abidjan")
    assert not is_gsm7("fête")
    assert not is_gsm7("ça")


def test_a_message_of_160_septets_is_one_sms_and_161_is_two():
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("a" * 307) == 3
    assert segments("") == 1


def test_extension_characters_count_double_for_segments():
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2


def test_an_escape_pair_is_never_split_between_two_parts():
    # 152 septets then "€": the pair does not fit in the first part's 153, it opens a
    # second; 152 + 2 + 152 + 1 septets therefore need three parts, not two.
    text = "a" * 152 + "€" + "b" * 152 + "c"
    assert gsm7_length(text) == 307
    assert segments(text) == 3


def test_a_body_that_fits_is_not_cut():
    assert fit_sms(PREFIX, "Réunion ce soir.", LINK) == PREFIX + "Réunion ce soir." + LINK


def test_a_message_of_exactly_160_septets_is_not_cut():
    body = "x" * ROOM
    message = fit_sms(PREFIX, body, LINK)
    assert message == PREFIX + body + LINK
    assert gsm7_length(message) == 160


def test_a_message_one_septet_too_long_is_cut_with_an_ellipsis():
    body = "x" * (ROOM + 1)
    message = fit_sms(PREFIX, body, LINK)
    assert gsm7_length(message) <= 160
    assert message.startswith(PREFIX) and message.endswith("..." + LINK)


def test_a_long_body_is_cut_on_a_word_boundary_and_prefix_and_suffix_stay_whole():
    body = (
        "Incendie signalé rue des Jardins, près de l’école primaire. Les pompiers sont "
        "prévenus ; évitez le secteur et fermez vos fenêtres à cause de la fumée épaisse."
    )
    message = fit_sms(PREFIX, body, LINK)
    assert gsm7_length(message) <= 160
    assert message.startswith(PREFIX)
    assert message.endswith("..." + LINK)
    cut = message.removeprefix(PREFIX).removesuffix("..." + LINK)
    assert to_gsm7(body).startswith(cut)
    assert to_gsm7(body)[len(cut)] == " "  # the cut falls between two words


def test_a_body_cut_never_splits_an_extension_character_budget():
    body = "€" * 200
    message = fit_sms(PREFIX, body, LINK)
    assert gsm7_length(message) <= 160


def test_when_prefix_and_suffix_alone_are_too_long_they_are_returned_whole():
    prefix = "P" * 100
    suffix = " " + "s" * 100
    assert fit_sms(prefix, "Le corps du message", suffix) == prefix + suffix


def test_fit_sms_transliterates_all_three_parts():
    message = fit_sms("« MonQuartier » ", "Fête ce soir", " — lien")
    assert message == '" MonQuartier " Fete ce soir - lien'


@pytest.mark.parametrize("limit", [40, 70, 100, 159, 160])
def test_fit_sms_respects_any_limit_when_prefix_and_suffix_leave_room(limit):
    body = "Un voleur a été vu près de la pharmacie du carrefour, soyez vigilants ce soir. " * 3
    assert gsm7_length(fit_sms("[MQ] ", body, " mq.ci/x", limit=limit)) <= limit
