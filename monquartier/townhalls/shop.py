"""What the shop learns of partner town halls (shop/personalisation.py): a commune whose
partner town hall gave its coat of arms has signs printed with it. Registered from
TownhallsConfig.ready()."""

from monquartier.townhalls.models import TownHall


def lends_coat_of_arms(commune_id: int) -> bool:
    return (
        TownHall.objects.partners().filter(commune_id=commune_id).exclude(coat_of_arms="").exists()
    )
