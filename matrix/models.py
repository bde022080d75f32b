"""Impact/effort matrix items of a plan's matrix section (live design sessions build on these).

Items are plan content: they are written only through plans.services, which raises the
plan's revision in the same transaction."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatrixItem(models.Model):
    class Impact(models.TextChoices):
        HIGH = "high", _("Hoge impact")
        LOW = "low", _("Lage impact")

    class Effort(models.TextChoices):
        LITTLE = "little", _("Weinig moeite")
        MUCH = "much", _("Veel moeite")

    section = models.ForeignKey("plans.Section", on_delete=models.CASCADE, related_name="matrix_items")
    title = models.CharField(_("titel"), max_length=300)
    text = models.TextField(_("toelichting"), blank=True)
    impact = models.CharField(_("impact"), max_length=8, choices=Impact.choices)
    effort = models.CharField(_("moeite"), max_length=8, choices=Effort.choices)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matrix-item")
        verbose_name_plural = _("matrix-items")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def joiner(self) -> str:
        """What stands between title and text: the seeds write "Title: text" or "Title. Text"."""
        if not self.text:
            return ""
        return " " if self.title.endswith((".", "!", "?", ":")) else ": "

    @property
    def sentence(self) -> str:
        """Title and text as one sentence, as the seeds print them."""
        return f"{self.title}{self.joiner}{self.text}"
