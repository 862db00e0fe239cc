from django.urls import include, path, re_path

from monquartier.api.http import api_patterns, unknown_path
from monquartier.api.v1 import api as api_v1

patterns, app_name, namespace = api_v1.urls

urlpatterns = [
    path("api/v1/", include((api_patterns(patterns), app_name), namespace=namespace)),
    re_path(r"^api/(?P<path>.*)$", unknown_path),
]
