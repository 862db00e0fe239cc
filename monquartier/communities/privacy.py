"""The one place that decides what a viewer may see of a member.

Its specification is the privacy table of PRODUCT.md ("who sees what"); tests check it
row by row and column by column. Pages and endpoints ask here instead of deciding.
"""

from enum import Enum

from django.contrib.auth.models import AnonymousUser

from monquartier.accounts.models import User


class Relation(Enum):
    SELF = "self"
    STAFF = "staff"
    OTHER = "other"  # the public, and any user with no tie to the member


def relation(viewer: User | AnonymousUser, member: User) -> Relation:
    if not viewer.is_authenticated:
        return Relation.OTHER
    if viewer.pk == member.pk:
        return Relation.SELF
    if viewer.is_staff:
        return Relation.STAFF
    return Relation.OTHER


def can_see_photo(viewer: User | AnonymousUser, member: User) -> bool:
    if member.is_closed:
        return False
    return relation(viewer, member) in (Relation.SELF, Relation.STAFF)
