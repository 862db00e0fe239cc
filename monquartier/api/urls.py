from django.urls import include, path, re_path

from monquartier.api.http import api_patterns, unknown_path
from monquartier.api.v1 import api as api_v1

# ninja's (patterns, app name, namespace), each view wrapped for the API's transport rules.
_v1_patterns, _v1_app, _v1_namespace = api_v1.urls

urlpatterns = [
    path("api/v1/", include((api_patterns(_v1_patterns), _v1_app), namespace=_v1_namespace)),
    # [\s\S]: any character, a newline (%0A) included.
    re_path(r"^api/(?P<path>[\s\S]*)$", unknown_path),
]
