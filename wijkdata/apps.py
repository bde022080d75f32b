from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WijkdataConfig(AppConfig):
    name = "wijkdata"
    verbose_name = _("Wijkdata")
