"""Organisations, areas, roles, and the area plan with its chapters."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Gebruik een kleur als #1a7a5e."))


class Organisation(models.Model):
    """A welfare organisation working for one municipality, with its own themes."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("naam"), max_length=200, unique=True)
    municipality_name = models.CharField(_("gemeente"), max_length=200)
    municipality_code = models.CharField(
        _("CBS-code gemeente"),
        max_length=6,
        validators=[RegexValidator(r"^GM\d{4}$", _("Een CBS-gemeentecode is GM en vier cijfers."))],
    )
    colour = models.CharField(
        _("huiskleur"), max_length=7, default="#1a6e5a", validators=[colour_validator]
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    phone = models.CharField(_("telefoon"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A theme of the municipal assignment ("Gezond leven", or a "kernaanpak")."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.CASCADE, related_name="themes"
    )
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thema")
        verbose_name_plural = _("thema's")
        ordering = ["organisation", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="plans_theme_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A gebied: the part of the city one area team works in."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.PROTECT, related_name="areas"
    )
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True)
    neighbourhoods = models.ManyToManyField(
        "wijkdata.Neighbourhood", verbose_name=_("wijken en buurten"), blank=True, related_name="areas"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="areas", blank=True
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gebied")
        verbose_name_plural = _("gebieden")
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="plans_area_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one area. Nobody reaches an area without one."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Netwerkcoördinator")
        FACILITATOR = "facilitator", _("Facilitator")
        MANAGER = "manager", _("Manager")

    area = models.ForeignKey(Area, verbose_name=_("gebied"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("gebruiker"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rol"), max_length=16, choices=Role.choices)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rol in gebied")
        verbose_name_plural = _("rollen in gebieden")
        ordering = ["area", "role"]
        constraints = [
            models.UniqueConstraint(fields=["area", "user"], name="plans_membership_one_role_per_area"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area}"


class Plan(models.Model):
    """A gebiedsplan: one area, one year, six chapters and a colophon."""

    class Status(models.TextChoices):
        CONCEPT = "concept", _("Concept")
        REVIEW = "review", _("Ter review")
        ADOPTED = "adopted", _("Vastgesteld")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey(Area, verbose_name=_("gebied"), on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField(_("planjaar"))
    title = models.CharField(_("titel"), max_length=300)
    tagline = models.CharField(_("slogan"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CONCEPT)

    # Colophon.
    publication_date = models.DateField(_("publicatiedatum"), null=True, blank=True)
    publisher = models.CharField(_("uitgave door"), max_length=200, blank=True)
    authors = models.CharField(_("auteurs"), max_length=300, blank=True)
    design = models.CharField(_("vormgeving"), max_length=200, blank=True)
    photography = models.CharField(_("fotografie"), max_length=200, blank=True)
    copyright = models.CharField(_("copyright"), max_length=200, blank=True)
    contributing_organisations = models.JSONField(
        _("bijdragende organisaties"), default=list, blank=True
    )
    colophon_text = models.TextField(_("verantwoording"), blank=True)
    cover_image = models.ImageField(_("omslagfoto"), upload_to="covers/", blank=True)

    # Chapter texts. Headings vary per plan in the seeds, so they are content too.
    figures_title = models.CharField(
        _("titel hoofdstuk 1"), max_length=300, default="Kenmerken van het gebied: kwantitatief (data)"
    )
    story_title = models.CharField(_("titel verhaal"), max_length=300, blank=True)
    story = models.TextField(_("het verhaal"), blank=True)
    strengths_title = models.CharField(_("titel krachten en kansen"), max_length=300, blank=True)
    strengths_intro = models.TextField(_("inleiding krachten en kansen"), blank=True)
    matrix_intro = models.TextField(_("inleiding matrix"), blank=True)
    focus_intro = models.TextField(_("inleiding focus"), blank=True)
    closing_intro = models.TextField(_("inleiding tenslotte"), blank=True)
    execution_text = models.TextField(_("uitvoeringsplannen"), blank=True)
    advice_text = models.TextField(_("advies inhoud uitvoeringsplannen"), blank=True)

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gebiedsplan")
        verbose_name_plural = _("gebiedsplannen")
        ordering = ["-year", "area__name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="plans_plan_one_per_area_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="plans_plan_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.area})"

    def get_absolute_url(self) -> str:
        return reverse("plans:plan_detail", args=[self.code])


class FigureTable(models.Model):
    """A table of chapter 1: the indicators and neighbourhoods the plan shows, in order."""

    class Layout(models.TextChoices):
        # Rows are indicators grouped by kind, columns are neighbourhoods (survey table).
        INDICATOR_ROWS = "indicator_rows", _("Indicatoren als rijen")
        # Rows are neighbourhoods, columns are indicators (demographics table).
        NEIGHBOURHOOD_ROWS = "neighbourhood_rows", _("Gebieden als rijen")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="figure_tables")
    heading = models.CharField(_("kop eerste kolom"), max_length=200, blank=True)
    layout = models.CharField(_("indeling"), max_length=24, choices=Layout.choices)
    year = models.PositiveSmallIntegerField(_("jaar van de cijfers"))
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tabel met cijfers")
        verbose_name_plural = _("tabellen met cijfers")
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.heading or self.get_layout_display()}"


class FigureTableIndicator(models.Model):
    table = models.ForeignKey(FigureTable, on_delete=models.CASCADE, related_name="indicator_rows")
    indicator = models.ForeignKey("wijkdata.Indicator", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("eigen label"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["table", "order"]
        constraints = [
            models.UniqueConstraint(fields=["table", "indicator"], name="plans_figuretableindicator_unique"),
        ]

    def __str__(self) -> str:
        return self.label or self.indicator.name


class FigureTableNeighbourhood(models.Model):
    table = models.ForeignKey(FigureTable, on_delete=models.CASCADE, related_name="neighbourhood_rows")
    neighbourhood = models.ForeignKey("wijkdata.Neighbourhood", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("eigen label"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["table", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "neighbourhood"], name="plans_figuretableneighbourhood_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label:
            return self.label
        nb = self.neighbourhood
        if nb.level == nb.Level.MUNICIPALITY:
            return f"Gemeente {nb.name}"
        if nb.short_code and nb.level == nb.Level.NEIGHBOURHOOD:
            return f"{nb.short_code} {nb.name}"
        return nb.name


class StrengthOpportunity(models.Model):
    """One card of chapter 3: a strength or an opportunity under a theme."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", _("Kracht")
        OPPORTUNITY = "opportunity", _("Kans")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="strengths_opportunities")
    theme = models.ForeignKey(Theme, verbose_name=_("thema"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("soort"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("tekst"))
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kracht of kans")
        verbose_name_plural = _("krachten en kansen")
        ordering = ["plan", "theme__order", "kind", "order"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="plans_strengthopportunity_text_required"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.theme}: {self.text[:60]}"


class FocusPoint(models.Model):
    """A focus point of chapter 5, argued quantitatively and qualitatively."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="focus_points")
    # Optional heading that groups points, as the city-wide plan does per portfolio.
    group = models.CharField(_("groep"), max_length=200, blank=True)
    title = models.CharField(_("titel"), max_length=300)
    statement = models.TextField(_("toelichting"), blank=True)
    quantitative = models.TextField(_("kwantitatief"), blank=True)
    qualitative = models.TextField(_("kwalitatief"), blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("focuspunt")
        verbose_name_plural = _("focuspunten")
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    """A step of the process timeline in chapter 6; each line of text is one bullet."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="milestones")
    period_label = models.CharField(_("periode"), max_length=100)
    text = models.TextField(_("tekst"))
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mijlpaal")
        verbose_name_plural = _("mijlpalen")
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return self.period_label

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


class PlanExport(models.Model):
    """A designed PDF of a plan: the row exists before the worker renders the file.

    The content hash identifies what was rendered, so an unchanged plan is served from
    the stored file instead of being rendered again. An export of an adopted plan is
    archived: it is never pruned, so the adopted version stays available.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("In de wachtrij")
        RENDERING = "rendering", _("Wordt gemaakt")
        DONE = "done", _("Klaar")
        FAILED = "failed", _("Mislukt")

    ACTIVE = (Status.QUEUED, Status.RENDERING)
    # An export in flight that has not moved for this long is shown as stuck: the page
    # stops polling and offers to try again (a new request re-queues it).
    STUCK_AFTER_SECONDS = 300

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, verbose_name=_("gebiedsplan"), on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aangevraagd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("voortgang"), default=0)
    content_hash = models.CharField(_("inhoudshash"), max_length=64)
    file = models.FileField(_("bestand"), upload_to="exports/%Y/%m/", blank=True)
    page_count = models.PositiveIntegerField(_("aantal pagina's"), null=True, blank=True)
    error = models.TextField(_("foutmelding"), blank=True)
    archived = models.BooleanField(_("gearchiveerd"), default=False)
    # The Celery task that holds the claim; a redelivered message has the same id.
    task_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("PDF-export")
        verbose_name_plural = _("PDF-exports")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["plan", "content_hash", "status"], name="plans_planexport_lookup"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="plans_planexport_progress_range"),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(file=""), name="plans_planexport_done_has_file"
            ),
            # One export in flight per plan and content: a double click queues one render.
            models.UniqueConstraint(
                fields=["plan", "content_hash"],
                condition=Q(status__in=["queued", "rendering"]),
                name="plans_planexport_one_active_per_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_status_display()} · {self.created:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def looks_stuck(self) -> bool:
        from django.utils import timezone  # local: the imports above belong to the plan models

        age = (timezone.now() - self.updated).total_seconds() if self.updated else 0
        return self.is_active and age > self.STUCK_AFTER_SECONDS

    @property
    def download_name(self) -> str:
        return f"{self.plan.title}.pdf"
