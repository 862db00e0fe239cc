"""What a commune decides for all its communities, when a higher app (its partner town
hall) says so: the validation mode of join requests, and who acts for the commune.

communities cannot import the app that knows town halls: that app registers its answers
here (TownhallsConfig.ready()). With nothing registered, no commune decides anything and
each community's référents choose, as before partnerships existed.
"""

from collections.abc import Callable

from monquartier.communities.models import Community, ValidationMode

# commune id → the validation mode the commune imposes, or None when it imposes none.
_mode_sources: list[Callable[[int], str | None]] = []
# (user, commune id) → True when the user acts for the commune (an agent of its town hall).
_authorities: list[Callable[[object, int], bool]] = []

# commune id → (who validates its join requests when it validates itself, the page where
# they do).
_deciders: list[Callable[[int], tuple[list, str]]] = []


def register_mode_source(source: Callable[[int], str | None]) -> None:
    if source not in _mode_sources:
        _mode_sources.append(source)


def register_authority(authority: Callable[[object, int], bool]) -> None:
    if authority not in _authorities:
        _authorities.append(authority)


def register_deciders(source: Callable[[int], tuple[list, str]]) -> None:
    if source not in _deciders:
        _deciders.append(source)


def deciders(commune_id: int) -> tuple[list, str]:
    """The people told of a join request when the commune validates itself, and the
    page where they answer it."""
    for source in _deciders:
        people, url = source(commune_id)
        if people:
            return people, url
    return [], ""


def commune_mode(commune_id: int) -> str | None:
    """The mode every community of the commune must use, or None: its référents choose."""
    for source in _mode_sources:
        mode = source(commune_id)
        if mode is not None:
            return mode
    return None


def acts_for_commune(user, commune_id: int) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and any(
        authority(user, commune_id) for authority in _authorities
    )


def effective_mode(community: Community) -> str:
    """The community's mode, except that "the town hall validates" falls back to the
    référents once the commune no longer validates itself (the partnership ended):
    a request never waits for someone who can no longer answer it."""
    mode = community.validation_mode
    if mode == ValidationMode.TOWN_HALL and commune_mode(community.commune_id) != mode:
        return ValidationMode.REFERENTS
    return mode


def may_decide_for_commune(user, community: Community) -> bool:
    """Someone besides the référents and staff who may accept or refuse a join request:
    whoever acts for the commune, when the commune validates itself."""
    return effective_mode(community) == ValidationMode.TOWN_HALL and acts_for_commune(
        user, community.commune_id
    )
