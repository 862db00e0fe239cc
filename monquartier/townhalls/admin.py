from django.contrib import admin

from monquartier.townhalls.models import TownHallContact


@admin.register(TownHallContact)
class TownHallContactAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "commune", "email", "mobile", "active"]
    list_filter = ["active", "commune__district"]
    search_fields = ["name", "email", "commune__name"]
    autocomplete_fields = []
