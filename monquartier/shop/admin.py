"""The catalogue and the delivery zones, managed by staff in the admin; orders are
handled in the staff's queue (/equipe/boutique/), where every step tells the customer."""

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile

from monquartier.core.images import reencode_image
from monquartier.shop.models import DeliveryZone, Product


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = [
            "kind",
            "name",
            "description",
            "photo",
            "price",
            "stock",
            "active",
            "personalisation",
            "position",
        ]

    def clean_photo(self):
        # Re-encoded like every upload: EXIF (GPS) dropped, size capped, a JPEG.
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            image = reencode_image(photo)
            image.full.name = "product.jpg"
            return image.full
        return photo


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    list_display = ("name", "kind", "price", "stock", "active", "personalisation", "position")
    list_editable = ("price", "stock", "active", "position")
    list_filter = ("kind", "active", "personalisation")


@admin.register(DeliveryZone)
class DeliveryZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "fee", "active")
    filter_horizontal = ("communes",)
