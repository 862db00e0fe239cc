"""The safeguards' word lists against real Ivorian French: what must be caught, and the
descriptions that must pass (monquartier/alerts/safeguards.py documents the rules)."""

import time

import pytest

from monquartier.alerts import safeguards
from monquartier.alerts.models import SafeguardTerm

pytestmark = pytest.mark.django_db

# (text, the rule that must catch it)
CAUGHT = [
    ("Un Burkinabè a volé la moto de Koffi", "group"),
    ("c'est les burkinabe du chantier qui volent", "group"),
    ("Deux Maliens rôdent derrière le marché", "group"),
    ("les maliennes du marché ont volé", "group"),
    ("un guinéen a cassé la porte du magasin", "group"),
    ("Des Nigériens suspects au carrefour", "group"),
    ("le Libanais de la boutique a frappé le gardien", "group"),
    ("un jeune Dioula tourne autour des maisons", "group"),
    ("deux Baoulés escaladent le mur", "group"),
    ("un Bété ivre menace les enfants", "group"),
    ("les Mossis du quartier font du bruit la nuit", "group"),
    ("un homme peul avec un troupeau vole les poules", "group"),
    ("des musulmans suspects devant la cour", "group"),
    ("un chrétien a volé l'argent", "group"),
    ("ce sont des étrangers, les étrangers volent tout", "group"),
    ("homme agressé par des Guinéens au carrefour", "group"),
    ("ma soeur est victime des Burkinabè du chantier", "group"),
    ("un SENOUFO et un Yacouba cassent la voiture", "group"),
    ("On va le frapper s'il revient", "violence"),
    ("on va l'frapper ce voleur", "violence"),
    ("Brûlez-le !", "violence"),
    ("brulez la maison du voleur", "violence"),
    ("Venez avec des machettes", "violence"),
    ("prenez vos machettes et vos gourdins", "violence"),
    ("Lynchez-le quand vous le voyez", "violence"),
    ("article 125 pour ce voleur", "violence"),
    ("faut le chicoter devant tout le monde", "violence"),
    ("on va le corriger ce soir", "violence"),
    ("tuez le", "violence"),
    ("Faisons justice nous-mêmes, la police ne vient jamais", "violence"),
    ("il faut le brûler", "violence"),
    ("Tous dehors !", "gather"),
    ("TOUS DEHORS le voleur est là", "gather"),
    ("tlm dehors vite", "gather"),
    ("rassemblez-vous devant la pharmacie", "gather"),
    ("rassemblez vs au carrefour", "gather"),
    ("venez ts on l'attrape", "gather"),
    ("Attrapez-le, il court vers la lagune", "gather"),
    ("encerclez la maison, il est caché dedans", "gather"),
    ("mobilisez-vous les jeunes", "gather"),
    ("Le voleur c'est Kouamé, appelez-le au 07 08 09 10 11", "phone"),
    ("son numéro : +225 0102030405", "phone"),
    ("appelez le 05.55.66.77.88 c'est lui", "phone"),
    ("ancien numéro 22 44 55 66", "phone"),
]

PASSING = [
    "un homme en boubou bleu",
    "Un homme en boubou bleu escalade le mur du lot 12",
    "un jeune en maillot de l'Asec, casquette rouge",
    "une femme voilée a été agressée près de la gare",
    "Une femme voilée a volé un sac au marché",  # clothes describe, they do not target
    "Un commerçant malien a été agressé devant sa boutique",
    "victime : une femme peule, blessée à la main",
    "le gardien burkinabè a été frappé par deux jeunes en moto",
    "un enfant guinéen de 6 ans est perdu, t-shirt jaune",
    "Feu à Abobo Baoulé, la maison brûle",
    "Coupure d'eau vers la lagune Ébrié",
    "une bête errante mord les enfants près de l'école",
    "les bêtes du voisin sont dans la rue",
    "deux hommes en tenue de sport devant la mosquée",
    "un véhicule suspect devant l'église, plaque 1234 AB 01",
    "voiture grise immatriculée AB-123-CD",
    "il a volé 15 000 000 F dans la caisse",
    "réunion prévue le 01.12.2026 à la mairie",
    "il a été battu à mort hier soir, la police est là",
    "ils veulent le lyncher, la police arrive, restez chez vous",
    "la maison brûle, appelez les pompiers au 180",
    "appelez la police au 110 ou au 111",
    "un homme frappe à la porte de la cour à 2h du matin",
    "deux jeunes tapent sur les portails avec un bâton",
    "un homme armé d'une machette près du maquis",
    "un taxi orange garé devant chez Awa depuis une heure",
    "le voleur est parti vers le carrefour, il est dehors",
    "tout le monde est rentré, la coupure est finie",
    "ne sortez pas, restez chez vous et fermez les portes",
    "la grande de la cour d'à côté a disparu depuis midi",
    "moto Djakarta rouge sans plaque, deux passagers",
    "un homme très grand, teint clair, cicatrice au bras",
    "les bandits ont attaqué la boutique de Traoré",
    "le petit Moussa cherche sa maman au marché",
    "Yacouba a vu deux hommes escalader le mur",  # a first name, before an ethnic group
]


def _rules(text):
    return {finding.rule for finding in safeguards.check(text)}


@pytest.mark.parametrize(("text", "rule"), CAUGHT)
def test_real_examples_are_caught(text, rule):
    assert rule in _rules(text), text


@pytest.mark.parametrize("text", PASSING)
def test_descriptions_pass(text):
    assert safeguards.check(text) == [], text


def test_the_tables_are_large_enough():
    assert len(CAUGHT) >= 30 and len(PASSING) >= 30


def test_a_place_named_by_its_denomination_is_a_place_but_its_believers_are_a_group():
    assert safeguards.check("colis suspect devant le temple protestant") == []
    assert safeguards.check("vol au restaurant chinois du carrefour") == []
    assert _rules("les protestants du temple ont volé") == {"group"}
    assert _rules("un Chinois a volé au restaurant chinois") == {"group"}


def test_the_senders_own_number_is_allowed():
    text = "rappelez-moi au 07 07 12 34 56"
    assert _rules(text) == {"phone"}
    assert safeguards.check(text, sender_mobile="+2250707123456") == []


def test_words_match_whole_never_inside_another_word():
    # "peul" inside "peuple", "agni" inside "magnifique", "lobi" inside "lobby"…
    assert safeguards.check("le peuple du quartier, une magnifique soirée au lobby") == []


def test_normalisation():
    assert safeguards.words("Les MALIENNES") == safeguards.words("le malien")
    assert safeguards.words("ts dehors") == safeguards.words("tous dehors")
    assert safeguards.words("l’Asec") == ["le", "asec"]


def test_explanation_is_plain_french_and_names_the_rule():
    findings = safeguards.check("Un Burkinabè a volé, on va le frapper")
    text = safeguards.explain(findings)
    assert "« burkinabè »" in text and "« on va le frapper »" in text
    assert "appel à la violence" in text and "groupe de personnes" in text
    assert "110" in text


def test_the_data_file_seeded_the_table_and_reads_back():
    entries = safeguards.read_data_file()
    assert len(entries) > 150
    assert SafeguardTerm.objects.count() >= len({(rule, phrase) for rule, phrase, _n in entries})
    # Loading again adds nothing.
    assert safeguards.load_terms() == 0


def test_a_term_staff_add_applies_at_once_and_one_switched_off_no_longer(
    django_assert_max_num_queries,
):
    assert safeguards.check("un Zoulou rôde") == []
    term = SafeguardTerm.objects.create(rule="group", phrase="zoulou")
    assert _rules("un Zoulou rôde") == {"group"}
    term.active = False
    term.save()
    assert safeguards.check("un Zoulou rôde") == []
    with django_assert_max_num_queries(1):  # compiled once: one query tells it is fresh
        safeguards.check("un homme en boubou bleu")


def test_long_text_is_checked_in_bounded_time():
    text = "tous " * 400 + "dehors " * 400
    start = time.perf_counter()
    safeguards.check(text)
    assert time.perf_counter() - start < 0.5
