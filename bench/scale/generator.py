"""The generator: every kind of row, over one plan."""

from bench.scale.alerts import AlertRows
from bench.scale.communities import CommunityRows
from bench.scale.gazette import GazetteRows
from bench.scale.members import MemberRows
from bench.scale.messages import MessageRows


class Generator(CommunityRows, MemberRows, AlertRows, GazetteRows, MessageRows):
    """Builds the rows in memory where they are small, streams them where they are big:
    one mixin per kind of row, over the shared Plan."""
