from django.contrib import admin

from monquartier.places.models import Commune


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "region", "latitude", "longitude"]
    list_filter = ["district"]
    search_fields = ["name", "region"]
    prepopulated_fields = {"slug": ["name"]}
