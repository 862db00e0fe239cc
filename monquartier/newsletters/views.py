"""The one-click unsubscribe (RFC 8058): the link of every newsletter e-mail.

A mail client POSTs "List-Unsubscribe=One-Click" to the URL of the List-Unsubscribe
header, with no cookie and no CSRF token: the signed token alone decides, and it can do
nothing but unsubscribe the member it names. A person who opens the link gets a page
with one button (a GET changes nothing: link scanners open every link).
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from monquartier.newsletters import services
from monquartier.newsletters.tokens import user_id_from_token


@login_not_required
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    user_id = user_id_from_token(token)
    if user_id is None:
        return render(request, "newsletters/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        services.unsubscribe(user_id)
        return render(request, "newsletters/unsubscribed.html")
    return render(request, "newsletters/unsubscribe.html", {"token": token})
