"""Neighbourhood figures: CBS regions per year, indicator definitions and their values."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class Neighbourhood(models.Model):
    """A region keyed by its CBS code *and* a year: CBS reuses codes for other areas."""

    class Level(models.TextChoices):
        MUNICIPALITY = "municipality", _("Gemeente")
        DISTRICT = "district", _("Wijk")
        NEIGHBOURHOOD = "neighbourhood", _("Buurt")
        # A municipality's own grouping of buurten (e.g. a survey area such as
        # "Spoorzone"); its code is assigned by the organisation, not by CBS.
        CUSTOM = "custom", _("Eigen gebiedsindeling")

    code = models.CharField(_("code"), max_length=20)
    year = models.PositiveSmallIntegerField(_("jaar"))
    level = models.CharField(_("niveau"), max_length=16, choices=Level.choices)
    name = models.CharField(_("naam"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("valt onder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    # A custom region made by a coordinator's upload belongs to their organisation (only its
    # uploads may rename it); CBS regions and custom regions made by staff are public.
    owner = models.ForeignKey(
        "plans.Organisation",
        verbose_name=_("eigenaar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gebied (CBS)")
        verbose_name_plural = _("gebieden (CBS)")
        ordering = ["year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "year"], name="wijkdata_neighbourhood_code_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code}, {self.year})"

    @property
    def short_code(self) -> str:
        """The local part of a buurt or wijk code as printed in the seeds ("0101")."""
        if self.level == self.Level.NEIGHBOURHOOD and self.code.startswith("BU"):
            return self.code[-4:]
        if self.level == self.Level.DISTRICT and self.code.startswith("WK"):
            return self.code[-2:]
        return ""

    @property
    def municipality_code(self) -> str:
        digits = self.code[2:6]
        return f"GM{digits}" if digits.isdigit() else ""


class Indicator(models.Model):
    class Kind(models.TextChoices):
        COUNT = "count", _("Aantal")
        PERCENTAGE = "percentage", _("Percentage")
        SCORE = "score", _("Buurtscore (0–100)")
        SCALE = "scale", _("Schaalscore (0–10)")
        GRADE = "grade", _("Rapportcijfer (1–10)")
        DISTANCE = "distance", _("Afstand (km)")
        # An average, a density, an amount, a rate: a number that is none of the above.
        NUMBER = "number", _("Getal (gemiddelde, dichtheid, bedrag)")

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", _("Hoger is beter")
        LOWER_IS_BETTER = "lower", _("Lager is beter")
        NEUTRAL = "neutral", _("Neutraal")

    class Category(models.TextChoices):
        POPULATION = "population", _("Bevolking")
        HEALTH = "health", _("Gezondheid")
        SOCIAL = "social", _("Sociaal")
        INCOME = "income", _("Inkomen en wonen")

    code = models.SlugField(_("code"), max_length=80)
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=16, choices=Kind.choices)
    direction = models.CharField(
        _("richting"), max_length=8, choices=Direction.choices, default=Direction.NEUTRAL
    )
    category = models.CharField(
        _("categorie"), max_length=16, choices=Category.choices, default=Category.SOCIAL
    )
    # As the source prints it ("aantal", "%", "per 1 000 inwoners", "x 1 000 euro").
    unit = models.CharField(_("eenheid"), max_length=40, blank=True)
    description = models.TextField(_("toelichting"), blank=True)
    # For an indicator made from a column that the catalogue does not know: that column's
    # full header path. A later file's column with another path may not write into it.
    source_column = models.CharField(_("bronkolom"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    # Null: a public indicator (the catalogue's, or made by staff). An indicator made from a
    # column outside the catalogue by a coordinator's upload belongs to their organisation
    # and is seen by no other.
    owner = models.ForeignKey(
        "plans.Organisation",
        verbose_name=_("eigenaar"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicatoren")
        ordering = ["order", "name"]
        constraints = [
            # One code per owner: public codes are unique, and each organisation's own.
            models.UniqueConstraint(
                fields=["code"], condition=Q(owner__isnull=True), name="wijkdata_indicator_code_public"
            ),
            models.UniqueConstraint(
                fields=["code", "owner"],
                condition=Q(owner__isnull=False),
                name="wijkdata_indicator_code_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorValue(models.Model):
    """One figure: a value, or missing with the reason the source gave."""

    neighbourhood = models.ForeignKey(
        Neighbourhood, verbose_name=_("gebied"), on_delete=models.CASCADE, related_name="values"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="values"
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    value = models.DecimalField(_("waarde"), max_digits=14, decimal_places=3, null=True, blank=True)
    missing_reason = models.CharField(_("reden ontbreken"), max_length=120, blank=True)
    source = models.CharField(_("bron"), max_length=200)
    # The organisation whose figures these are; null means public (CBS, GGD: shared by
    # every organisation, written only by staff or a scheduled import).
    owner = models.ForeignKey(
        "plans.Organisation",
        verbose_name=_("eigenaar"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The database fills them in too, so that a bulk load (COPY) need not send and parse
    # two timestamps per figure; now() is the transaction's time, the same for every row.
    created = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = _("waarde")
        verbose_name_plural = _("waarden")
        ordering = ["indicator__order", "neighbourhood__code", "year"]
        constraints = [
            # One public figure and at most one per organisation for each neighbourhood,
            # indicator and year (selectors.visible_values: the organisation's own wins).
            models.UniqueConstraint(
                fields=["neighbourhood", "indicator", "year"],
                condition=Q(owner__isnull=True),
                name="wijkdata_indicatorvalue_unique",
            ),
            models.UniqueConstraint(
                fields=["neighbourhood", "indicator", "year", "owner"],
                condition=Q(owner__isnull=False),
                name="wijkdata_indicatorvalue_unique_owner",
            ),
            # A figure is either a value or missing with a reason, never both or neither.
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(missing_reason=""))
                | (Q(value__isnull=True) & ~Q(missing_reason="")),
                name="wijkdata_indicatorvalue_value_or_reason",
            ),
        ]

    def __str__(self) -> str:
        shown = self.value if self.value is not None else f"– ({self.missing_reason})"
        return f"{self.indicator} · {self.neighbourhood.code} · {self.year}: {shown}"


class NeighbourhoodBoundary(models.Model):
    """The outline of a region in one year, as a GeoJSON geometry in WGS84.

    Kept apart from Neighbourhood so that lists of regions never load polygons.
    """

    neighbourhood = models.OneToOneField(
        Neighbourhood, verbose_name=_("gebied"), on_delete=models.CASCADE, related_name="boundary"
    )
    geometry = models.JSONField(_("grens (GeoJSON)"))
    source = models.CharField(_("bron"), max_length=200)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grens")
        verbose_name_plural = _("grenzen")

    def __str__(self) -> str:
        return f"{self.neighbourhood}"


class ImportBatch(models.Model):
    """One uploaded file on its way in: stored, previewed, then confirmed (or refused)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Geüpload")
        CHECKING = "checking", _("Wordt gecontroleerd")
        PREVIEW = "preview", _("Klaar om te bevestigen")
        REFUSED = "refused", _("Geweigerd")
        IMPORTING = "importing", _("Wordt ingelezen")
        DONE = "done", _("Ingelezen")
        FAILED = "failed", _("Mislukt")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("door"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The area page the upload started from; the figures themselves belong to CBS codes.
    area = models.ForeignKey(
        "plans.Area",
        verbose_name=_("gebied"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_batches",
    )
    # Whose figures the import writes: the area's organisation for a coordinator's upload,
    # null (public) only when staff chose so. Fixed when the file is uploaded.
    owner = models.ForeignKey(
        "plans.Organisation",
        verbose_name=_("cijfers van"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("bestand"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("bestandsnaam"), max_length=255)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"), default=0)
    year = models.PositiveSmallIntegerField(_("jaar"), null=True, blank=True)
    sheet = models.CharField(_("werkblad"), max_length=100, blank=True)
    source = models.CharField(_("bron"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField(_("voortgang (%)"), default=0)
    # ImportPlan.as_dict(): counts, examples of changes, problems and notes.
    report = models.JSONField(_("verslag"), default=dict, blank=True)
    error = models.TextField(_("foutmelding"), blank=True)
    applied = models.DateTimeField(_("ingelezen op"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="wijkdata_importbatch_progress_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.REFUSED, self.Status.DONE, self.Status.FAILED}
