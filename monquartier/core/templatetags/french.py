from django import template

from monquartier.core import french

register = template.Library()


@register.filter
def de(name) -> str:
    """{{ commune.name|de }}: « d'Abobo », « de Cocody » (see monquartier.core.french)."""
    return french.de(str(name))
