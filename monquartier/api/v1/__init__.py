"""Version 1 of the API for apps (docs/api.md). A change that breaks an app goes to a v2
beside it; the schema is checked in (docs/openapi-v1.json) so every change is a diff."""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from monquartier.api.auth import DeviceTokenAuth
from monquartier.api.errors import install_handlers, with_retry_after
from monquartier.api.v1 import (
    alerts,
    communes,
    community,
    devices,
    gazette,
    me,
    messages,
    phones,
    public,
    referent,
    tokens,
    townhall,
)


class Renderer(JSONRenderer):
    # « é » as itself, not \u00e9: fewer bytes on 2G, and readable.
    json_dumps_params = {"ensure_ascii": False}


class Api(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return with_retry_after(super().get_openapi_schema(**kwargs))


api = Api(
    title="MonQuartier API",
    version="1",
    description=(
        "The API of MonQuartier's apps. Sign in with POST /auth/token, then send the token "
        "as `Authorization: Bearer <token>`. Errors are "
        '`{"code": …, "message": …, "fields": {…}}`, the message in the member\'s language. '
        "Creating POSTs accept an `Idempotency-Key` header; GETs answer an ETag and 304 to "
        "`If-None-Match`."
    ),
    urls_namespace="api-v1",
    auth=DeviceTokenAuth(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    renderer=Renderer(),
)
install_handlers(api)
api.add_router("", tokens.router)
api.add_router("", me.router)
api.add_router("", alerts.router)
api.add_router("", communes.router)
api.add_router("", community.router)
api.add_router("", referent.router)
api.add_router("", gazette.router)
api.add_router("", messages.router)
api.add_router("", townhall.router)
api.add_router("", devices.router)
api.add_router("", phones.router)
api.add_router("", public.router)
