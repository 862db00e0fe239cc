"""A phone-number field parsed when it is read, not when its row is loaded.

django-phonenumber-field parses every number as the row arrives (`from_db_value`): about
40 µs each with the `phonenumbers` package. A list of 30 neighbours, the senders of the
alerts or the authors of the posts are loaded with their mobile and landline, and most
pages never show them: the directory shows them, the alert list does not. Profiled on the
member pages (bench/README.md, "Where the time goes"), those parses were 5 % of the
directory's time.

This field keeps the stored text as it comes from the database and parses it the first
time the attribute is read, with the same function and region as the original, so
`user.mobile` is the same PhoneNumber as before (or "" when empty). Assigning works as
before (parsed with the field's region when read). Only `values()` / `values_list()` see
the difference: they give the stored text (E.164, or the raw input of an invalid number),
a `str` whose `str()` is what `str(PhoneNumber)` gave.

The column, validation, forms and migrations are the original field's: `deconstruct`
names the original class, so the migrations neither change nor depend on this module.
"""

from phonenumber_field.modelfields import PhoneNumberField
from phonenumber_field.phonenumber import to_python


class StoredPhone(str):
    """The text of a number as the database gave it (parsed without a region, as
    django-phonenumber-field's from_db_value does)."""

    __slots__ = ()


class LazyPhoneNumberDescriptor:
    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner):
        if instance is None:
            return self
        name = self.field.name
        if name not in instance.__dict__:  # deferred: load it, as the original does
            instance.refresh_from_db(fields=[name])
        value = instance.__dict__[name]
        if isinstance(value, str) and value:
            region = None if isinstance(value, StoredPhone) else self.field.region
            value = instance.__dict__[name] = to_python(str(value), region=region)
        return value

    def __set__(self, instance, value):
        # Kept as given; read through __get__, which parses text once.
        instance.__dict__[self.field.name] = value


class LazyPhoneNumberField(PhoneNumberField):
    descriptor_class = LazyPhoneNumberDescriptor

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return StoredPhone(value)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "phonenumber_field.modelfields.PhoneNumberField", args, kwargs
