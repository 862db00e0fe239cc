import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from monquartier.core.paths import path_prefix


def test_a_prefix_plus_the_last_argument_is_the_reversed_path():
    assert path_prefix("alerts:detail") + "42/" == reverse("alerts:detail", args=[42])
    assert path_prefix("communities:member", 7) + "9/" == reverse("communities:member", args=[7, 9])


def test_a_pattern_whose_last_argument_is_not_last_is_refused():
    # …/membres/<user_id>/exclusion/: the user is not the end of the path.
    with pytest.raises(ImproperlyConfigured):
        path_prefix("moderation:exclusion", 1)
