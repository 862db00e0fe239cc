"""What the API v1 reads and answers. Small on purpose: a field the app does not need is
bytes on a 2G network. Names of people are computed by communities/privacy.py before they
get here; these schemas never read a User."""

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from monquartier.accounts.models import DeviceToken, User
from monquartier.alerts.models import AlertCategory
from monquartier.alerts.services import TEXT_MAX, TEXT_MIN
from monquartier.gazette.models import AttachmentKind, PostCategory
from monquartier.gazette.services import TEXT_MAX as POST_TEXT_MAX
from monquartier.gazette.services import TITLE_MAX
from monquartier.messaging.services import MAX_RECIPIENTS
from monquartier.messaging.services import TEXT_MAX as MESSAGE_TEXT_MAX
from monquartier.moderation.models import ReportReason

Language = Literal["fr", "en"]


class Input(BaseModel):
    """What a request sends: a JSON object, nothing else (ninja's Schema would also read
    the attributes of a list or a string, and accept `[null]` as an empty object)."""

    model_config = ConfigDict(extra="ignore")


class Error(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class TokenIn(Input):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)
    device_name: str = Field(max_length=DeviceToken._meta.get_field("name").max_length or 60)
    # The authenticator app's code (or a recovery code): staff and town-hall agents.
    code: str | None = Field(default=None, max_length=32)


class DeviceOut(Schema):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    # Its app registered for pushes (a Firebase Cloud Messaging token).
    has_push: bool


class TokenOut(Schema):
    token: str
    device: DeviceOut


class CommunityRef(Schema):
    id: int
    name: str


class MyCommunity(CommunityRef):
    is_referent: bool


class NotificationModes(Schema):
    alert_sms: bool
    modes: dict[str, str]


class MeOut(Schema):
    id: int
    first_name: str
    last_name: str
    pseudonym: str
    email: str | None
    mobile: str
    mobile_verified: bool
    language: Language
    is_town_hall_agent: bool
    newsletter: bool
    community: MyCommunity | None
    notifications: NotificationModes


class MePatch(Input):
    """The identity page's fields (Paramètres → Identité); left out: unchanged."""

    first_name: str | None = Field(
        default=None, max_length=User._meta.get_field("first_name").max_length or 60
    )
    last_name: str | None = Field(
        default=None, max_length=User._meta.get_field("last_name").max_length or 60
    )
    pseudonym: str | None = Field(
        default=None, max_length=User._meta.get_field("pseudonym").max_length or 40
    )
    language: Language | None = None
    newsletter: StrictBool | None = None


class Place(Input):
    # Strict: `false` or "5.3" is not a place (pydantic would make them numbers).
    latitude: float = Field(strict=True)
    longitude: float = Field(strict=True)


class AlertOut(Schema):
    id: int
    category: str
    category_label: str
    text: str
    created_at: datetime
    sender_name: str
    community: CommunityRef
    # False for the alerts of the reader's own community they have not opened yet; the
    # twinned communities' alerts come by e-mail and are never "unread" (as on the website).
    read: bool
    corrects: int | None
    place: Place | None


class SeenOut(Schema):
    """The "J'ai vu" of an alert's recipients."""

    count: int
    by_me: bool
    # Who said so, each named as the reader may see them: for the alert's sender, the
    # référents of its community and staff only; null for the others (the count only).
    names: list[str] | None


class ToldOut(Schema):
    # A référent told at level 1, by the name the reader may see (the privacy rules).
    name: str
    # called, sms, refused… and its label in the reader's language.
    outcome: str
    outcome_label: str


class EscalationLevelOut(Schema):
    level: int
    minutes: int
    at: datetime
    referents: list[ToldOut]
    # Level 2: the town hall's agents and the other numbers (town-hall contacts, police).
    agents_sent: int
    others_sent: int
    not_sent: int


class EscalationOut(Schema):
    # 1: the référents were called or sent an SMS; 2: then the town hall and the police.
    level: int
    # Nobody had acknowledged the alert after this many minutes.
    minutes: int
    at: datetime
    # Who was told at each level (none for alerts escalated before steps were recorded).
    levels: list[EscalationLevelOut]


class AlertDetail(AlertOut):
    is_sender: bool
    corrections: list[int]
    seen: SeenOut
    # Whether the reader may say "J'ai vu" (POST /alerts/{id}/acknowledge).
    can_acknowledge: bool
    # For the sender, the référents of its community and staff; null otherwise, or when
    # the alert was acknowledged in time.
    escalation: EscalationOut | None


class AnnouncementFields(Schema):
    """What every answer says of a town hall's announcement, or urgent alert (`urgent`)."""

    id: int
    urgent: bool
    category: str
    category_label: str
    text: str
    place: str
    # Its period, when it has one (a water cut from … to …).
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime


def announcement_fields(announcement) -> dict:
    """AnnouncementFields of a townhalls.Announcement."""
    return {
        "id": announcement.pk,
        "urgent": announcement.urgent,
        "category": announcement.category,
        "category_label": str(announcement.get_category_display()),
        "text": announcement.text,
        "place": announcement.place,
        "starts_at": announcement.starts_at,
        "ends_at": announcement.ends_at,
        "created_at": announcement.created_at,
    }


class TownHallMessageOut(AnnouncementFields):
    """A message of the commune's town hall to the community, as the alert list shows it."""

    town_hall: str


class AlertPage(Schema):
    items: list[AlertOut]
    # The town hall's messages the alert list shows at its head: on the first page only
    # (none with a cursor), those whose period has not ended or, without one, of the last
    # two weeks.
    town_hall_messages: list[TownHallMessageOut]
    # Give it back as ?cursor= for the next page; null on the last page.
    next_cursor: str | None


class AlertIn(Input):
    category: AlertCategory
    text: str = Field(min_length=TEXT_MIN, max_length=TEXT_MAX * 2)  # cleaned, then counted
    place: Place | None = None
    # The id of the sender's own alert this one corrects.
    corrects: int | None = Field(default=None, strict=True)


class ReadOut(Schema):
    read: bool


class CorrectionIn(Input):
    category: AlertCategory
    text: str = Field(min_length=TEXT_MIN, max_length=TEXT_MAX * 2)  # cleaned, then counted
    place: Place | None = None


class ChannelProgress(Schema):
    # Handed over or confirmed; still to go; failed; not sent (read before its delay…).
    reached: int
    waiting: int
    failed: int
    cancelled: int


class ProgressOut(Schema):
    """An alert's delivery, as the website's progress shows it to its followers."""

    push: ChannelProgress
    email: ChannelProgress
    sms: ChannelProgress
    voice: ChannelProgress
    # Members who opened it on the website or the app.
    read: int
    # False until its recipients are counted; `settled`: nothing is waiting any more (an
    # app may stop polling).
    fanned_out: bool
    settled: bool
    seen: SeenOut
    escalation: EscalationOut | None


class AcknowledgedOut(Schema):
    seen: bool


class CommuneOut(Schema):
    slug: str
    name: str
    district: str
    region: str
    latitude: float
    longitude: float
    community_count: int


class PersonRef(Schema):
    id: int
    # As the privacy module names this person to the reader (communities/privacy.py).
    name: str


class CommunityOut(CommunityRef):
    commune: str
    member_count: int
    is_referent: bool
    referents: list[PersonRef]
    twinned: list[CommunityRef]
    # Join requests waiting: counted for référents only, 0 for the others.
    pending_count: int


class MovementOut(Schema):
    id: int
    kind: str
    kind_label: str
    created_at: datetime
    member_name: str | None
    # Who did it, when someone else than the member did (a référent accepting…).
    actor_name: str | None
    other_community: CommunityRef | None
    detail: str


class MovementPage(Schema):
    items: list[MovementOut]
    next_cursor: str | None


class MemberOut(Schema):
    """A directory card: what this reader may know of this member; null is not shown."""

    id: int
    name: str
    pseudonym: str
    is_referent: bool
    address: str | None
    landmark: str | None
    mobile: str | None
    landline: str | None
    email: str | None
    birthday: str | None
    description: str | None
    interests: str | None
    photo_url: str | None


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class JoinIn(Input):
    # The community containing the member's home; left out, the API finds it.
    community: int | None = Field(default=None, strict=True, ge=1)


class MembershipOut(Schema):
    status: str  # pending, active, cancelled, left or refused
    community: CommunityRef | None


class Applicant(Schema):
    """A join request, with what a référent may see of the applicant to check them."""

    id: int  # the request's id, for accept and refuse
    requested_at: datetime
    name: str
    address: str | None
    landmark: str | None
    place: Place | None
    mobile: str | None


class RequestsOut(Schema):
    validation_mode: str
    items: list[Applicant]


class ReferentOut(Schema):
    user_id: int
    # As the privacy module names this person to the reader.
    name: str
    is_me: bool


class ReferentsOut(Schema):
    items: list[ReferentOut]


class ValidationModeOut(Schema):
    # referents, staff or townhall (only where the commune's partner town hall decides).
    mode: str
    mode_label: str
    # True when the commune's partner town hall imposes the mode: it cannot be changed.
    set_by_commune: bool
    # The modes the référents may choose now.
    choices: list[str]


class ValidationModeIn(Input):
    mode: str = Field(max_length=20)


class CommunitySettingsOut(Schema):
    """The référents' Réglages page."""

    validation_mode: ValidationModeOut
    public_page: bool
    # Shown on the public page (1 000 characters at most).
    presentation: str
    # Minutes without a "J'ai vu" before the référents are called (twice that: the town
    # hall and the police of the commune).
    acknowledgement_minutes: int
    acknowledgement_minutes_min: int
    acknowledgement_minutes_max: int
    # A new community registers neighbours without internet from then on.
    registers_neighbours_from: datetime


class CommunitySettingsPatch(Input):
    """The fields left out keep their value."""

    validation_mode: str | None = Field(default=None, max_length=20)
    public_page: StrictBool | None = None
    presentation: str | None = Field(default=None, max_length=2000)  # cleaned, then counted
    acknowledgement_minutes: StrictInt | None = None


class BoundaryOut(Schema):
    """The référents' "Délimitation et nom" page."""

    name: str
    area: dict = Field(description="The boundary: a GeoJSON Polygon (longitude, latitude).")
    area_m2: float
    # The largest area it may have (a rural community's own, or null: no maximum).
    max_area_m2: float | None


class BoundaryIn(Input):
    name: str = Field(max_length=160)
    area: dict = Field(description="A GeoJSON Polygon (or a Feature holding one).")
    # The référent warned the members the new boundary leaves outside: without it, 422
    # naming them.
    leave_outside: StrictBool = False


class NeighbourIn(Input):
    """A neighbour with only a basic phone, registered with their consent."""

    first_name: str = Field(max_length=60)
    last_name: str = Field(max_length=60)
    mobile: str = Field(max_length=32, description="An Ivorian mobile (+225).")
    email: str = Field(default="", max_length=254)
    quartier: str = Field(max_length=80)
    address_details: str = Field(default="", max_length=200)
    landmark: str = Field(default="", max_length=200)
    place: Place
    # Alerts read to them by a voice call too (once they answered OUI).
    alert_voice: StrictBool = False
    # The référent confirms the neighbour agreed: without it, 422.
    confirm: StrictBool = False


class NeighbourOut(Schema):
    user_id: int
    name: str
    # Not until the neighbour answers OUI to the SMS that asks them.
    mobile_verified: bool
    alert_voice: bool


class TwinningOut(Schema):
    id: int
    # requested or active (declined and ended ones are in the history).
    status: str
    # The other community.
    community: CommunityRef
    # True when this community asked (it may withdraw); false when it was asked (it
    # may accept or refuse).
    asked_by_us: bool
    requested_at: datetime
    decided_at: datetime | None


class NearbyOut(CommunityRef):
    distance_m: int


class TwinningsOut(Schema):
    items: list[TwinningOut]
    # The communities within 3 km not yet linked: those a twinning may be asked of.
    nearby: list[NearbyOut]


class TwinningIn(Input):
    # A community of `nearby`.
    partner: int = Field(strict=True, ge=1)


class RefusalIn(Input):
    reason: str = Field(max_length=2000)  # the website's form cuts at 500 and says so


class AttachmentOut(Schema):
    id: int
    kind: AttachmentKind
    name: str
    size: int
    width: int | None
    height: int | None
    # GET with the token; `thumbnail` is the small square photo (null for a PDF).
    file: str
    thumbnail: str | None


class PostOut(Schema):
    id: int
    category: str
    category_label: str
    title: str
    text: str
    created_at: datetime
    edited_at: datetime | None
    # As the reader may see it (communities/privacy.py).
    author_name: str
    is_author: bool
    attachments: list[AttachmentOut]


class PostPage(Schema):
    items: list[PostOut]
    next_cursor: str | None


class PostPatch(Input):
    category: PostCategory | None = None
    title: str | None = Field(default=None, max_length=TITLE_MAX * 2)  # cleaned, then counted
    text: str | None = Field(default=None, max_length=POST_TEXT_MAX * 2)
    # Ids of the post's attachments to take away.
    remove: list[StrictInt] = Field(default_factory=list, max_length=20)


class ReportIn(Input):
    reason: ReportReason
    details: str = Field(default="", max_length=1000)


class ReportOut(Schema):
    id: int
    status: str


class ConversationOut(Schema):
    id: int
    # The other participants, as the reader may see their names.
    others: list[str]
    last_message_at: datetime
    # "" when the last message was hidden by the team (`last_hidden`).
    last_excerpt: str
    last_sender_name: str
    last_is_mine: bool
    last_hidden: bool
    unread: int


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class MessageOut(Schema):
    id: int
    sender_name: str
    is_mine: bool
    # "" for a message hidden by the team (`hidden`).
    text: str
    hidden: bool
    created_at: datetime


class ThreadOut(Schema):
    id: int
    others: list[str]
    # Oldest first; `older_cursor` fetches the messages before them (null: none).
    messages: list[MessageOut]
    older_cursor: str | None


class MessageIn(Input):
    text: str = Field(max_length=MESSAGE_TEXT_MAX * 2)  # cleaned, then counted


class ConversationIn(Input):
    # The user ids GET /recipients gave.
    to: list[StrictInt] = Field(max_length=MAX_RECIPIENTS * 5)
    text: str = Field(max_length=MESSAGE_TEXT_MAX * 2)


class SentOut(Schema):
    conversation: int
    message: MessageOut


class ReadUpTo(Input):
    # The newest message the member saw; without it, the conversation's last message.
    up_to: int | None = Field(default=None, strict=True)


class RecipientOut(Schema):
    user_id: int
    name: str
    # The twinned community's name; "" for the member's own community.
    community: str


class RecipientPage(Schema):
    items: list[RecipientOut]
    next_page: int | None


# Paramètres from an app: notifications, phones, e-mail and password (v1/me.py, phones.py).
def _password():
    return Field(max_length=1024, description="The account's current password.")


class KindOut(Schema):
    kind: str
    label: str
    mode: Literal["off", "digest", "instant"]
    choices: list[Literal["off", "digest", "instant"]]


class NotificationsOut(Schema):
    alert_sms: bool
    alert_voice: bool
    has_push: bool
    kinds: list[KindOut]


class NotificationsPatch(Input):
    modes: dict[str, Literal["off", "digest", "instant"]] | None = Field(
        default=None, description="kind → mode, for the kinds to change"
    )
    alert_sms: StrictBool | None = None
    alert_voice: StrictBool | None = None


class EmailChangeIn(Input):
    email: str = Field(max_length=254)
    password: str = _password()


class EmailChangeOut(Schema):
    email: str | None
    waiting: str | None = Field(description="The new address, until its link is opened.")
    notices: list[str]


class PasswordChangeIn(Input):
    password: str = _password()
    new_password: str = Field(max_length=1024)


class PhoneNumberOut(Schema):
    number: str
    display: str


class MobileOut(PhoneNumberOut):
    verified: bool


class PendingMobileOut(PhoneNumberOut):
    expires_at: datetime
    attempts_left: int


class PhonesOut(Schema):
    mobile: MobileOut | None
    landline: PhoneNumberOut | None
    hide_mobile: bool
    hide_landline: bool
    pending: PendingMobileOut | None = Field(description="A new mobile waiting for its code.")
    notices: list[str] = Field(description="What the website would have said on its page.")


class PhonesPatch(Input):
    password: str = _password()
    landline: str | None = Field(default=None, max_length=32, description="empty to remove")
    hide_mobile: StrictBool | None = None
    hide_landline: StrictBool | None = None


class MobileIn(Input):
    number: str = Field(max_length=32)
    password: str = _password()


class CodeIn(Input):
    code: str = Field(max_length=32)


# Public endpoints (v1/public.py): what a visitor of the website sees, no one's data.
class CommuneRef(Schema):
    slug: str
    name: str


class CommunitySummary(Schema):
    id: int
    name: str
    commune: CommuneRef
    created_at: datetime
    member_count: int
    public_page: bool = Field(description="Whether /public/communities/{id} answers.")
    area: dict = Field(description="The boundary: a GeoJSON Polygon (longitude, latitude).")
    distance_m: float | None = Field(
        default=None, description="Searching near a point: metres from it (0: it is inside)."
    )


class CommunitySearchPage(Schema):
    items: list[CommunitySummary]
    page: int
    pages: int


class CommunitySearch(Input):
    commune: str | None = Field(default=None, max_length=80, description="a commune's slug")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    page: int = Field(default=1, ge=1, le=10_000)


class PublicReferent(Schema):
    name: str
    photo_url: str | None


class PublicCommunityOut(Schema):
    id: int
    name: str
    commune: CommuneRef
    created_at: datetime
    member_count: int
    referents: list[PublicReferent]
    presentation: str
    area: dict


class HelpQuestionRef(Schema):
    slug: str
    question: str


class HelpTopicOut(Schema):
    slug: str
    title: str
    description: str
    icon: str
    questions: list[HelpQuestionRef]


class HelpTopicRef(Schema):
    slug: str
    title: str


class HelpArticleOut(Schema):
    topic: HelpTopicRef
    slug: str
    question: str
    answer_html: str = Field(description="Paragraphs, lists and links to the website's pages.")
    updated_at: datetime
    others: list[HelpQuestionRef]


class HelpResultOut(Schema):
    topic: HelpTopicRef
    slug: str
    question: str
    snippet_html: str = Field(description="Escaped text, the words found in <mark>.")


class HelpSearch(Input):
    q: str = Field(default="", max_length=1000)  # the website's form says past 100


class ProfileOut(Schema):
    """Mon profil, for the member alone: the housing details are never shown to anyone
    else (PRODUCT.md, "who sees what")."""

    description: str
    interests: str
    birth_date: date | None
    housing_type: Literal["", "house", "courtyard", "apartment", "other"]
    has_alarm: bool
    has_guard: bool
    housing_notes: str
    show_photo_on_public_page: bool
    photo_url: str | None


class ProfilePatch(Input):
    description: str | None = Field(default=None, max_length=2000)
    interests: str | None = Field(default=None, max_length=1000)
    birth_date: str | None = Field(
        default=None, max_length=10, description='"YYYY-MM-DD", or "" to remove it'
    )
    housing_type: Literal["", "house", "courtyard", "apartment", "other"] | None = None
    has_alarm: StrictBool | None = None
    has_guard: StrictBool | None = None
    housing_notes: str | None = Field(default=None, max_length=2000)
    show_photo_on_public_page: StrictBool | None = None


class HomeOut(Schema):
    commune: CommuneRef
    quartier: str
    address_details: str
    landmark: str
    place: "PlaceOut"


class PlaceOut(Schema):
    latitude: float
    longitude: float


class HomeIn(Input):
    """The whole address, as the website's page sends it: `commune` is a slug of
    /communes; the pin is where the home is (members move it inside their community)."""

    commune: str = Field(max_length=80)
    quartier: str = Field(max_length=200)
    address_details: str = Field(default="", max_length=400)
    landmark: str = Field(default="", max_length=400)
    place: Place


HomeOut.model_rebuild()


class CloseAccountIn(Input):
    password: str = _password()
    # The member confirms their personal data are erased for good: without it, 422.
    confirm: StrictBool = False


class ClosureWarningsOut(Schema):
    # What closing would also end, said before the member confirms (the last member of a
    # community: the community goes too).
    warnings: list[str]


class ClosedOut(Schema):
    message: str


class MyDataIn(Input):
    password: str = _password()
