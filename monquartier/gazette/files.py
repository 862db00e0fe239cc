"""Serving a post's attachment to its readers, the same way for the website and the API."""

from django.http.response import HttpResponseBase

from monquartier.core.protected_media import serve_protected_file
from monquartier.gazette.models import Attachment, AttachmentKind


def attachment_response(attachment: Attachment, *, thumbnail: bool) -> HttpResponseBase:
    """The file (or a photo's small square), from the protected storage. A PDF opens in
    the browser's viewer with no access to this site."""
    name = attachment.thumbnail.name if thumbnail and attachment.thumbnail else attachment.file.name
    response = serve_protected_file(name)
    if attachment.kind == AttachmentKind.PDF:
        response["Content-Security-Policy"] = "sandbox"
        response["Content-Disposition"] = f'inline; filename="{attachment.pk}.pdf"'
    return response
