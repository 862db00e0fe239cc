"""What accounts (and the outbox and audit log below it) hold about a member, for their
download (accounts/exports.py). Registered from AccountsConfig.ready()."""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from monquartier.accounts import exports
from monquartier.accounts.models import Home, Profile, User
from monquartier.audit.models import AuditEntry
from monquartier.outbox.models import Delivery, FCMRegistration, PushSubscription


def account(user: User) -> dict:
    profile = Profile.objects.filter(user=user).first()
    home = Home.objects.select_related("commune").filter(user=user).first()
    return {
        "email": user.email,
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "pseudonym": user.pseudonym,
        "language": user.language,
        "date_joined": user.date_joined,
        "closed_at": user.closed_at,
        "phones": {
            "mobile": str(user.mobile or ""),
            "mobile_verified": user.mobile_verified,
            "landline": str(user.landline or ""),
            "hide_mobile_in_directory": user.hide_mobile,
            "hide_landline_in_directory": user.hide_landline,
        },
        "settings": {
            "newsletter": user.newsletter,
            "alert_sms": user.alert_sms,
            "alert_voice": user.alert_voice,
        },
        "second_factor": list(
            Authenticator.objects.filter(user=user).values("type", "created_at", "last_used_at")
        ),
        "profile": None
        if profile is None
        else {
            "photo": profile.photo.name.rsplit("/", 1)[-1] if profile.photo else None,
            "description": profile.description,
            "interests": profile.interests,
            "birth_date": profile.birth_date,
            "housing_type": profile.housing_type,
            "has_alarm": profile.has_alarm,
            "has_guard": profile.has_guard,
            "housing_notes": profile.housing_notes,
            "show_photo_on_public_page": profile.show_photo_on_public_page,
        },
        "home": None
        if home is None
        else {
            "commune": home.commune.name,
            "quartier": home.quartier,
            "address_details": home.address_details,
            "landmark": home.landmark,
            "latitude": home.latitude,
            "longitude": home.longitude,
        },
    }


def photos(user: User) -> list[str]:
    profile = Profile.objects.filter(user=user).first()
    return [profile.photo.name] if profile is not None and profile.photo else []


def devices(user: User) -> list[Any]:
    """The browsers and apps that receive push notifications (their push address or
    token is a secret of the device: not in the download)."""
    browsers = list(
        PushSubscription.objects.filter(user=user).values(
            "user_agent", "created_at", "last_success_at"
        )
    )
    apps = [
        {
            "user_agent": f"{app['device__name']} ({app['platform'] or 'app'})",
            "created_at": app["created_at"],
            "last_success_at": app["last_success_at"],
        }
        for app in FCMRegistration.objects.filter(user=user).values(
            "device__name", "platform", "created_at", "last_success_at"
        )
    ]
    return browsers + apps


_CARRIED = ("alert", "notification", "digest", "announcement", "newsletter")


def deliveries(user: User) -> list[Any]:
    """What we sent them (e-mail, SMS, push) in the last days the download covers."""
    rows = (
        Delivery.objects.filter(user=user, created_at__gte=exports.recent_since())
        .order_by("created_at", "id")
        .values(
            "channel", "address", "status", "created_at", "sent_at", *(f"{f}_id" for f in _CARRIED)
        )
    )
    return [
        {
            "channel": row["channel"],
            "address": row["address"],
            "status": row["status"],
            "created_at": row["created_at"],
            "sent_at": row["sent_at"],
            "about": next((f"{f}:{row[f'{f}_id']}" for f in _CARRIED if row[f"{f}_id"]), ""),
        }
        for row in rows
    ]


def staff_access(user: User) -> list[Any]:
    """When the MonQuartier team acted on or looked at their data (not who: PRODUCT.md)."""
    return list(
        AuditEntry.objects.filter(member=user).order_by("created_at").values("created_at", "action")
    )


def register() -> None:
    exports.register("account", account, files=photos)
    exports.register("push_devices", devices)
    exports.register("deliveries_last_90_days", deliveries)
    exports.register("staff_access", staff_access)
