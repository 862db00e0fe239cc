"""French grammar for a name put into a sentence."""

from django.utils.translation import get_language

_VOWELS = "aeiouàâäéèêëîïôöûüùœæ"


def _elides(word: str) -> bool:
    first = word[:1].lower()
    if first == "y":  # « d'Yves », but « de Yopougon », « de Yao »: y before a vowel
        return word[1:2].lower() not in _VOWELS
    return first in _VOWELS or first == "h"  # names take the mute h: « d'Hélène »


def de(name: str) -> str:
    """« de » and the name, elided before a vowel or an h: « d'Abobo », « de Cocody ».

    Only French needs it: in another language the name comes alone, and the translation
    writes its own preposition ("Communautés %(de_commune)s" → "Communities in
    %(de_commune)s").
    """
    if not (get_language() or "fr").startswith("fr"):
        return name
    return f"d'{name}" if _elides(name) else f"de {name}"
