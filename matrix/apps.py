from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatrixConfig(AppConfig):
    name = "matrix"
    verbose_name = _("Ontwerpsessies")
