"""`get_<field>_display()` without rebuilding the field's choices at every call.

Django's `Model._get_FIELD_display` builds `dict(make_hashable(field.flatchoices))` each time
it is called, and hashing each (value, label) pair hashes the label: with our labels
translated lazily, that translates every label of the field. A movement's kind has 20
choices: 0.15–0.4 ms a call, 30 calls on a page of the community's history, which made
that page the most expensive of the member pages (bench/README.md, "Where the time goes").

`speed_up_choice_displays()`, called once when the apps are ready, replaces on each model
the `get_<field>_display` methods Django generated (never one a model defines itself) by
one that builds the dictionary once per field. Labels stay lazy in it, so each call still
answers in the active language. Fields whose choices are computed by a callable (they
may change) keep Django's method.
"""

from functools import partialmethod

from django.apps import apps
from django.db.models import Field
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def _fast_display(field: Field):
    labels: dict | None = None

    def get_display(self) -> str:
        nonlocal labels
        if labels is None:
            labels = dict(make_hashable(field.flatchoices))
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field)
            label = labels.get(make_hashable(value), value)
        return force_str(label, strings_only=True)

    get_display.__name__ = f"get_{field.name}_display"
    get_display.__doc__ = f"The label of {field.name}'s value, in the active language."
    return get_display


def speed_up_choice_displays() -> int:
    """Replace Django's generated display methods; returns how many were replaced."""
    replaced = 0
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.choices is None or not isinstance(field.choices, (list, tuple)):
                continue
            name = f"get_{field.name}_display"
            for klass in model.__mro__:  # where Django put it: the model or an abstract base
                generated = klass.__dict__.get(name)
                if generated is not None:
                    break
            if not isinstance(generated, partialmethod):
                continue  # the model defines its own
            if generated.keywords.get("field") is not field:
                continue  # inherited from an abstract base: a field object of its own
            setattr(klass, name, _fast_display(field))
            replaced += 1
    return replaced
