"""What an account's changes do to the cached pages (core/pagecache.py): the person's own
pages, and how everyone sees them named (a name, a photo, a privacy choice, a home)."""

from monquartier.accounts.models import Home, Profile, User
from monquartier.core import pagecache

# A log-in writes only this: nothing any page shows.
UNSHOWN_FIELDS = frozenset({"last_login"})


def _user_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= UNSHOWN_FIELDS:
        return
    pagecache.bump(pagecache.user(instance.pk), pagecache.PEOPLE)


def _part_changed(sender, instance, **kwargs):
    pagecache.bump(pagecache.user(instance.user_id), pagecache.PEOPLE)


def connect() -> None:
    pagecache.connect({User: _user_changed, Profile: _part_changed, Home: _part_changed})


def users_changed(user_ids) -> None:
    """For writes by update(): these accounts changed as a page shows them."""
    pagecache.bump(pagecache.PEOPLE, *(pagecache.user(user_id) for user_id in user_ids))
