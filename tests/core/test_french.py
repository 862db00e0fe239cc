import pytest
from django.utils import translation

from monquartier.core.french import de


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("Abobo", "d'Abobo"),
        ("Adjamé", "d'Adjamé"),
        ("Attécoubé", "d'Attécoubé"),
        ("Odienné", "d'Odienné"),
        ("Issa Ouattara", "d'Issa Ouattara"),
        ("Hélène", "d'Hélène"),
        ("Yves", "d'Yves"),
        ("Cocody", "de Cocody"),
        ("Yopougon", "de Yopougon"),
        ("Yao Kouassi", "de Yao Kouassi"),
        ("M'Bahiakro", "de M'Bahiakro"),
    ],
)
def test_de_elides_before_a_vowel_or_an_h(name, phrase):
    with translation.override("fr"):
        assert de(name) == phrase


def test_de_leaves_the_preposition_to_other_languages():
    with translation.override("en"):
        assert de("Abobo") == "Abobo"
