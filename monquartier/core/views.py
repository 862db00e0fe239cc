from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from monquartier.accounts.models import Home
from monquartier.communities.access import open_membership


@login_not_required
def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/landing.html")
    home = Home.objects.filter(user=request.user).select_related("commune").first()
    return render(
        request,
        "core/member_home.html",
        {"home": home, "membership": open_membership(request.user)},
    )


@login_not_required
def charter(request):
    return render(request, "core/charter.html")


@login_not_required
@never_cache
def health(request):
    """For the load balancer: the process answers and reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
