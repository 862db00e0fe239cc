"""get_<field>_display() builds its field's labels once (monquartier/core/choices.py) and
answers as Django's own did: in the active language, the value itself when unknown."""

from functools import partialmethod

from django.apps import apps
from django.utils import translation

from monquartier.alerts.models import Alert
from monquartier.communities.models import Movement, MovementKind
from monquartier.core.choices import speed_up_choice_displays


def test_every_generated_display_method_is_replaced_once():
    left = [
        (model.__name__, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field.choices, (list, tuple))
        and isinstance(
            next(
                klass.__dict__[f"get_{field.name}_display"]
                for klass in model.__mro__
                if f"get_{field.name}_display" in klass.__dict__
            ),
            partialmethod,
        )
    ]
    assert left == []
    assert speed_up_choice_displays() == 0  # already done when the apps were ready


def test_the_label_follows_the_active_language():
    movement = Movement(kind=MovementKind.JOIN_REFUSED)
    with translation.override("fr"):
        assert movement.get_kind_display() == "demande refusée"
    with translation.override("en"):
        assert movement.get_kind_display() == "request refused"
    assert isinstance(movement.get_kind_display(), str)


def test_each_model_gets_the_labels_of_its_own_field():
    with translation.override("fr"):
        assert Alert(category="other").get_category_display() == str(
            dict(Alert._meta.get_field("category").flatchoices)["other"]
        )
        assert Movement(kind="other").get_kind_display() == "other"  # not one of its kinds


def test_an_unknown_or_empty_value_is_given_back():
    assert Movement(kind="inconnu").get_kind_display() == "inconnu"
    assert Movement(kind=None).get_kind_display() is None
