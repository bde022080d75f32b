"""Organisations, areas, roles, and the area plan with its chapters."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Gebruik een kleur als #1a7a5e."))


class UnorderedManager(models.Manager):
    """A manager that ignores Meta.ordering."""

    def get_queryset(self):
        return super().get_queryset().order_by()


class PlanRow(models.Model):
    """A row the plan's history keeps: the plan's and its content's models inherit this.

    Their base manager ignores Meta.ordering. Django fetches single related rows with the
    base manager, and django-reversion asks it which rows of a revision still exist; the
    ordering of a plan's rows (by section, so by the plan's period and its area's name)
    joins three tables for nothing there: the four checks of a card save cost 8.5 ms
    with it and 3.4 ms without. Lists still use `objects`, ordered.
    """

    objects = models.Manager()
    unordered = UnorderedManager()

    class Meta:
        abstract = True
        base_manager_name = "unordered"


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
    email = models.EmailField(_("e-mail"), blank=True)
    postal_address = models.CharField(_("postadres"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Staff who manage this organisation: they act as coordinator in all its areas.
    # Staff who are not superusers see no other organisation's areas.
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("beheerders"),
        related_name="staff_organisations",
        blank=True,
        help_text=_("Medewerkers met beheerrechten die alle gebieden van deze organisatie zien."),
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A theme of the organisation's current set ("Gezond leven", or a "kernaanpak").

    Plans copy the set when they are created (PlanTheme): changing it never changes a plan.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.CASCADE, related_name="themes"
    )
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    # A retired theme is no longer offered to new plans; plans that have it keep their copy.
    retired = models.BooleanField(_("niet meer in gebruik"), default=False)
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


def contributors_rows(value) -> list[dict]:
    """Contributing organisations as stored (names, or rows) as rows {name, role, url}."""
    rows = []
    for entry in value or []:
        if isinstance(entry, str):
            entry = {"name": entry}
        if isinstance(entry, dict) and str(entry.get("name", "")).strip():
            rows.append({key: str(entry.get(key) or "").strip() for key in ("name", "role", "url")})
    return rows


class Plan(PlanRow):
    """A plan document of one area for a period: a cover, a colophon and ordered sections.

    `revision` counts every change to the plan's content. Every write goes through a
    service in plans/services.py that raises it in the same transaction; the page cache,
    the PDF and (later) optimistic locking and history are keyed on it.
    """

    class Status(models.TextChoices):
        CONCEPT = "concept", _("Concept")
        REVIEW = "review", _("Ter review")
        ADOPTED = "adopted", _("Vastgesteld")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    area = models.ForeignKey(Area, verbose_name=_("gebied"), on_delete=models.PROTECT, related_name="plans")
    template = models.ForeignKey(
        "PlanTemplate",
        verbose_name=_("sjabloon"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plans",
    )
    # What the cover and the running header call the document: "Gebiedsplan", "Wijkplan Sociaal".
    document_type = models.CharField(_("soort document"), max_length=100, default="Gebiedsplan")
    period_start = models.PositiveSmallIntegerField(_("eerste jaar"))
    period_end = models.PositiveSmallIntegerField(_("laatste jaar"))
    title = models.CharField(_("titel"), max_length=300)
    tagline = models.CharField(_("slogan"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CONCEPT)
    revision = models.PositiveIntegerField(_("revisie"), default=1, editable=False)
    # An adopted plan can be read without an account at this address while it is set;
    # the coordinator switches it off by clearing it (a new one is never the old one).
    public_code = models.UUIDField(_("openbare link"), null=True, blank=True, unique=True, editable=False)
    # An adopted plan is never changed: a change starts a new version (a copy in concept)
    # that goes through review again, while the adopted one stays readable.
    version = models.PositiveSmallIntegerField(_("versie"), default=1, editable=False)
    previous_version = models.OneToOneField(
        "self",
        verbose_name=_("vorige versie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
        editable=False,
    )

    # Colophon.
    publication_date = models.DateField(_("publicatiedatum"), null=True, blank=True)
    publisher = models.CharField(_("uitgave door"), max_length=200, blank=True)
    publisher_address = models.CharField(_("postadres uitgever"), max_length=300, blank=True)
    publisher_email = models.EmailField(_("e-mail uitgever"), blank=True)
    publisher_phone = models.CharField(_("telefoon uitgever"), max_length=40, blank=True)
    authors = models.CharField(_("auteurs"), max_length=300, blank=True)
    design = models.CharField(_("vormgeving"), max_length=200, blank=True)
    photography = models.CharField(_("fotografie"), max_length=200, blank=True)
    copyright = models.CharField(_("copyright"), max_length=200, blank=True)
    # An ordered list of {"name", "role", "url"} (role and url may be empty), written by
    # services.plan_contributors_update, which validates every row.
    contributing_organisations = models.JSONField(
        _("bijdragende organisaties"), default=list, blank=True
    )
    colophon_text = models.TextField(_("verantwoording"), blank=True)
    cover_image = models.ImageField(_("omslagfoto"), upload_to="covers/", blank=True)

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plannen")
        ordering = ["-period_start", "area__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "document_type", "period_start", "version"],
                name="plans_plan_one_per_area_type_start_version",
            ),
            models.CheckConstraint(
                condition=Q(period_start__gte=2000) & Q(period_end__lte=2100),
                name="plans_plan_period_range",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="plans_plan_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.area})"

    def get_absolute_url(self) -> str:
        return reverse("plans:plan_detail", args=[self.code])

    @property
    def period_label(self) -> str:
        """"2025", or "2026–2030" for a plan of several years."""
        if self.period_end == self.period_start:
            return str(self.period_start)
        return f"{self.period_start}–{self.period_end}"

    @property
    def heading(self) -> str:
        """What the cover and running header say: "Gebiedsplan 2025", "Wijkplan Sociaal 2026–2030"."""
        return f"{self.document_type} {self.period_label}"

    @property
    def contributors(self) -> list[dict]:
        """The contributing organisations as rows with name, role and url (rows written
        before roles existed were plain names)."""
        return contributors_rows(self.contributing_organisations)

    @property
    def version_label(self) -> str:
        """"versie 2" for a later version of a plan; empty for the first."""
        return _("versie %(number)s") % {"number": self.version} if self.version > 1 else ""


class PlanTheme(PlanRow):
    """A theme as this plan has it: copied from the organisation's set when the plan is made."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="themes")
    origin = models.ForeignKey(
        Theme, verbose_name=_("thema van de organisatie"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="plan_copies",
    )
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    is_focus = models.BooleanField(_("focusthema"), default=False)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thema van het plan")
        verbose_name_plural = _("thema's van het plan")
        ordering = ["plan", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="plans_plantheme_unique_name"),
            # Target of the cards' (plan, theme) foreign key: a card uses its own plan's themes.
            models.UniqueConstraint(fields=["plan", "id"], name="plans_plantheme_plan_id"),
        ]

    def __str__(self) -> str:
        return self.name


class SectionKind(models.TextChoices):
    TEXT = "text", _("Tekst")
    FIGURES = "figures", _("Cijfers")
    CARDS = "cards", _("Kaarten per thema")
    MATRIX = "matrix", _("Impact/effort matrix")
    FOCUS = "focus", _("Focuspunten")
    INTERVENTIONS = "interventions", _("Interventies")
    ACTIVITIES = "activities", _("Activiteiten")
    GOALS = "goals", _("Doelen")
    SURVEY = "survey", _("Enquêteresultaten")
    TIMELINE = "timeline", _("Tijdlijn")


class CardRows(models.TextChoices):
    THEMES = "themes", _("De thema's van het plan")
    TOPICS = "topics", _("Eigen onderwerpen")


class PlanTemplate(models.Model):
    """How an organisation's plans are built: the ordered sections a new plan starts with."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(_("naam"), max_length=200)
    document_type = models.CharField(_("soort document"), max_length=100, default="Gebiedsplan")
    # How many years a plan made from this template covers by default.
    years = models.PositiveSmallIntegerField(_("aantal jaren"), default=1)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plansjabloon")
        verbose_name_plural = _("plansjablonen")
        ordering = ["organisation", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="plans_plantemplate_unique_name"),
            models.CheckConstraint(condition=Q(years__gte=1) & Q(years__lte=10), name="plans_plantemplate_years_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class SectionFields(models.Model):
    """What a section and a template's section have in common."""

    kind = models.CharField(_("soort"), max_length=16, choices=SectionKind.choices)
    heading = models.CharField(_("kop"), max_length=300)
    # The entry in the contents when it differs from the heading ("Het verhaal").
    contents_label = models.CharField(_("in de inhoudsopgave"), max_length=200, blank=True)
    numbered = models.BooleanField(_("genummerd in de inhoudsopgave"), default=True)
    appendix = models.BooleanField(_("bijlage"), default=False)
    intro = models.TextField(_("inleiding"), blank=True)
    # Cards: which rows the cards sit under, and the card kinds as columns, one per line.
    card_rows = models.CharField(
        _("kaarten onder"), max_length=8, choices=CardRows.choices, default=CardRows.THEMES
    )
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.heading

    @property
    def contents_entry(self) -> str:
        return self.contents_label or self.heading


class TemplateSection(SectionFields):
    template = models.ForeignKey(
        PlanTemplate, verbose_name=_("sjabloon"), on_delete=models.CASCADE, related_name="sections"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("onderdeel van"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="children",
    )
    card_kinds = models.CharField(
        _("soorten kaarten"), max_length=300, blank=True,
        help_text=_("Eén per regel, bijvoorbeeld Kracht en Kans."),
    )

    class Meta:
        verbose_name = _("onderdeel van een sjabloon")
        verbose_name_plural = _("onderdelen van een sjabloon")
        ordering = ["template", "order", "id"]

    @property
    def card_kind_names(self) -> list[str]:
        return [line.strip() for line in self.card_kinds.splitlines() if line.strip()]


class Section(SectionFields, PlanRow):
    """One part of a plan: a chapter, a sub-chapter of one, or an appendix.

    `revision` counts the changes to this section and everything in it: an edit form
    carries it, and a save made against an older one is refused (two people editing the
    same section never silently overwrite each other; different sections never conflict).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", verbose_name=_("onderdeel van"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="children",
    )
    revision = models.PositiveIntegerField(_("revisie"), default=1, editable=False)

    class Meta:
        verbose_name = _("onderdeel")
        verbose_name_plural = _("onderdelen")
        ordering = ["plan", "order", "id"]
        base_manager_name = "unordered"  # as PlanRow's (this Meta replaces its)
        constraints = [
            models.CheckConstraint(condition=~Q(heading=""), name="plans_section_heading_required"),
        ]


class CardKind(PlanRow):
    """A column of a cards section: "Kracht", "Kans", "Vraagstuk"."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="card_kinds")
    name = models.CharField(_("naam"), max_length=100)
    order = models.PositiveIntegerField(_("volgorde"), default=0)

    class Meta:
        verbose_name = _("soort kaart")
        verbose_name_plural = _("soorten kaarten")
        ordering = ["section", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["section", "name"], name="plans_cardkind_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CardTopic(PlanRow):
    """A row of a cards section that works with its own topics instead of the plan's themes."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="card_topics")
    name = models.CharField(_("naam"), max_length=200)
    order = models.PositiveIntegerField(_("volgorde"), default=0)

    class Meta:
        verbose_name = _("onderwerp")
        verbose_name_plural = _("onderwerpen")
        ordering = ["section", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["section", "name"], name="plans_cardtopic_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Card(PlanRow):
    """One card of a cards section: a strength, an opportunity, … under a theme or topic.

    `plan` repeats the section's plan so that the database can check, with a foreign key
    on (plan, theme), that a card only ever uses its own plan's themes.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="cards")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="cards")
    kind = models.ForeignKey(CardKind, verbose_name=_("soort"), on_delete=models.CASCADE, related_name="cards")
    theme = models.ForeignKey(
        PlanTheme, verbose_name=_("thema"), null=True, blank=True, on_delete=models.PROTECT, related_name="cards"
    )
    topic = models.ForeignKey(
        CardTopic, verbose_name=_("onderwerp"), null=True, blank=True, on_delete=models.CASCADE, related_name="cards"
    )
    text = models.TextField(_("tekst"))
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kaart")
        verbose_name_plural = _("kaarten")
        ordering = ["section", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="plans_card_text_required"),
            models.CheckConstraint(
                condition=Q(theme__isnull=True) ^ Q(topic__isnull=True), name="plans_card_theme_or_topic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:60]}"


class FigureTable(PlanRow):
    """A table of a figures section: the indicators and neighbourhoods it shows, in order."""

    class Layout(models.TextChoices):
        # Rows are indicators in groups, columns are neighbourhoods (survey table).
        INDICATOR_ROWS = "indicator_rows", _("Indicatoren als rijen")
        # Rows are neighbourhoods, columns are indicators (demographics table).
        NEIGHBOURHOOD_ROWS = "neighbourhood_rows", _("Gebieden als rijen")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="figure_tables")
    heading = models.CharField(_("kop eerste kolom"), max_length=200, blank=True)
    layout = models.CharField(_("indeling"), max_length=24, choices=Layout.choices)
    year = models.PositiveSmallIntegerField(_("jaar van de cijfers"))
    footnote = models.TextField(_("voetnoot"), blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tabel met cijfers")
        verbose_name_plural = _("tabellen met cijfers")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.heading or self.get_layout_display()


class FigureTableIndicator(PlanRow):
    table = models.ForeignKey(FigureTable, on_delete=models.CASCADE, related_name="indicator_rows")
    indicator = models.ForeignKey("wijkdata.Indicator", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("eigen label"), max_length=200, blank=True)
    # The row group this row opens or continues ("Buurtscore", "Percentages"); blank
    # continues the group above.
    group = models.CharField(_("groep"), max_length=200, blank=True)
    # Figures of another year than the table's, shown with their year and source.
    year = models.PositiveSmallIntegerField(_("ander jaar"), null=True, blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["table", "order"]
        constraints = [
            models.UniqueConstraint(fields=["table", "indicator"], name="plans_figuretableindicator_unique"),
        ]

    def __str__(self) -> str:
        return self.label or self.indicator.name


class FigureTableNeighbourhood(PlanRow):
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


class FrozenValue(models.Model):
    """A figure as an adopted plan showed it on the day it was adopted.

    An adopted plan reads these instead of the live figures, so a later import (a
    corrected CBS file, a new year) never changes what was adopted.
    """

    table = models.ForeignKey(FigureTable, on_delete=models.CASCADE, related_name="frozen_values")
    neighbourhood = models.ForeignKey("wijkdata.Neighbourhood", on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey("wijkdata.Indicator", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    # As wijkdata.IndicatorValue stores them.
    value = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    missing_reason = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=200, blank=True)
    # The organisation's own figure (not a public one) on the day of adoption.
    own = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["table", "neighbourhood", "indicator", "year"], name="plans_frozenvalue_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table} · {self.neighbourhood_id} · {self.indicator_id} · {self.year}"


class FocusPoint(PlanRow):
    """A focus point, argued quantitatively and qualitatively."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="focus_points")
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
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.title


class Milestone(PlanRow):
    """A step of a timeline; each line of text is one bullet."""

    class Period(models.TextChoices):
        MONTH = "month", _("Maand")
        QUARTER = "quarter", _("Kwartaal")
        DATE = "date", _("Datum")
        OTHER = "other", _("Anders")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="milestones")
    period_kind = models.CharField(_("soort periode"), max_length=8, choices=Period.choices, default=Period.OTHER)
    period_label = models.CharField(_("periode"), max_length=100)
    date = models.DateField(_("datum"), null=True, blank=True)
    text = models.TextField(_("tekst"))
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mijlpaal")
        verbose_name_plural = _("mijlpalen")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.period_label

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


class Intervention(PlanRow):
    """An intervention told as a chain of reasoning, from problem to long-term contribution."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="interventions")
    title = models.CharField(_("titel"), max_length=300)
    problem = models.TextField(_("probleem"), blank=True)
    target_groups = models.TextField(_("doelgroepen"), blank=True)
    approach = models.TextField(_("wat we doen"), blank=True)
    direct_results = models.TextField(_("directe resultaten"), blank=True)
    medium_results = models.TextField(_("resultaten op middellange termijn"), blank=True)
    long_term = models.TextField(_("bijdrage op lange termijn"), blank=True)
    themes = models.ManyToManyField(PlanTheme, verbose_name=_("thema's"), blank=True, related_name="interventions")
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("interventie")
        verbose_name_plural = _("interventies")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.title

    CHAIN = (
        ("problem", _("Probleem")),
        ("target_groups", _("Doelgroepen")),
        ("approach", _("Wat we doen")),
        ("direct_results", _("Directe resultaten")),
        ("medium_results", _("Middellange termijn")),
        ("long_term", _("Lange termijn")),
    )

    @property
    def chain(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, name)) for name, label in self.CHAIN if getattr(self, name)]


class InterventionPartner(PlanRow):
    """A partner organisation in an intervention's work group; one may be the lead (kartrekker)."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("organisatie"), max_length=200)
    is_lead = models.BooleanField(_("kartrekker"), default=False)
    order = models.PositiveIntegerField(_("volgorde"), default=0)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["intervention", "-is_lead", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["intervention"], condition=Q(is_lead=True), name="plans_interventionpartner_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Activity(PlanRow):
    """A row of an activities table."""

    class Type(models.TextChoices):
        CONTINUE = "continue", _("Voortzetten")
        EXTEND = "extend", _("Uitbreiden")
        IMPROVE = "improve", _("Verbeteren")
        NEW = "new", _("Nieuw")
        EXPLORE = "explore", _("Verkennen")
        INVESTIGATE = "investigate", _("Onderzoeken")
        STRENGTHEN = "strengthen", _("Versterken")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(_("activiteit"), max_length=300)
    theme = models.ForeignKey(
        PlanTheme, verbose_name=_("thema"), null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    target_group = models.CharField(_("doelgroep"), max_length=300, blank=True)
    aim = models.TextField(_("doel"), blank=True)
    partners = models.CharField(_("partners"), max_length=500, blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activiteit")
        verbose_name_plural = _("activiteiten")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.title


class ActivityType(PlanRow):
    """One of an activity's types (an activity may continue one thing and extend it)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="types")
    type = models.CharField(_("soort"), max_length=12, choices=Activity.Type.choices)

    class Meta:
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "type"], name="plans_activitytype_unique"),
        ]

    def __str__(self) -> str:
        return self.get_type_display()


class Goal(PlanRow):
    """A goal, or a sub-goal of one, optionally tied to outcome indicators."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="goals")
    parent = models.ForeignKey(
        "self", verbose_name=_("hoofddoel"), null=True, blank=True, on_delete=models.CASCADE, related_name="subgoals"
    )
    title = models.CharField(_("doel"), max_length=300)
    description = models.TextField(_("toelichting"), blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.title


class GoalIndicator(PlanRow):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey("wijkdata.Indicator", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["goal", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "indicator"], name="plans_goalindicator_unique"),
        ]

    def __str__(self) -> str:
        return str(self.indicator)


class FigureCitation(PlanRow):
    """A figure a focus point, a goal or a goal's indicator cites: one indicator for one
    region (a buurt, a wijk, the area as a whole) in one year.

    The plan shows the value live, with its year and source, and says when a newer year
    exists. Adoption freezes it (the `frozen_*` fields), so an adopted plan keeps showing
    what it was adopted with. A copy to the next period moves the citation to the newest
    year and keeps the year and value it had (`previous_*`) to show how the figure moved.
    """

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="citations")
    focus_point = models.ForeignKey(
        FocusPoint, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.CASCADE, related_name="citations")
    goal_indicator = models.ForeignKey(
        GoalIndicator, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    indicator = models.ForeignKey(
        "wijkdata.Indicator", verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+"
    )
    neighbourhood = models.ForeignKey(
        "wijkdata.Neighbourhood", verbose_name=_("gebied"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    # Set on adoption: the figure as the plan showed it then.
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_value = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    frozen_missing_reason = models.CharField(max_length=120, blank=True)
    frozen_source = models.CharField(max_length=200, blank=True)
    # Set by a copy to the next period that moved the citation to a newer year.
    previous_year = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_value = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("aangehaald cijfer")
        verbose_name_plural = _("aangehaalde cijfers")
        ordering = ["section", "order", "id"]
        constraints = [
            # It cites for exactly one thing: a focus point, a goal, or a goal's indicator.
            models.CheckConstraint(
                condition=(
                    Q(focus_point__isnull=False, goal__isnull=True, goal_indicator__isnull=True)
                    | Q(focus_point__isnull=True, goal__isnull=False, goal_indicator__isnull=True)
                    | Q(focus_point__isnull=True, goal__isnull=True, goal_indicator__isnull=False)
                ),
                name="plans_figurecitation_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} · {self.neighbourhood_id} · {self.year}"

    @property
    def owner(self):
        return self.focus_point or self.goal or self.goal_indicator


class SurveyQuestion(PlanRow):
    """A question of a survey with the number of people who answered."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="survey_questions")
    question = models.CharField(_("vraag"), max_length=500)
    respondents = models.PositiveIntegerField(_("aantal respondenten"), null=True, blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enquêtevraag")
        verbose_name_plural = _("enquêtevragen")
        ordering = ["section", "order", "id"]

    def __str__(self) -> str:
        return self.question


class SurveyAnswer(PlanRow):
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    label = models.CharField(_("antwoord"), max_length=300)
    count = models.PositiveIntegerField(_("aantal"))
    order = models.PositiveIntegerField(_("volgorde"), default=0)

    class Meta:
        ordering = ["question", "order", "id"]

    def __str__(self) -> str:
        return f"{self.label}: {self.count}"


class SectionComment(models.Model):
    """A reviewer's remark on one section while the plan is in review; the coordinator
    resolves it. Comments are about the plan, not part of it: they do not change it."""

    section = models.ForeignKey(Section, verbose_name=_("onderdeel"), on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("door"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("opmerking"))
    resolved = models.DateTimeField(_("afgehandeld"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("afgehandeld door"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("opmerking")
        verbose_name_plural = _("opmerkingen")
        ordering = ["section", "created"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="plans_sectioncomment_text_required")]

    def __str__(self) -> str:
        return f"{self.section}: {self.text[:60]}"


class PlanStatusChange(models.Model):
    """A step of the workflow (concept → ter review → vastgesteld), with who and why."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(_("van"), max_length=16, choices=Plan.Status.choices)
    new_status = models.CharField(_("naar"), max_length=16, choices=Plan.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("door"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("toelichting"))
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("statuswijziging")
        verbose_name_plural = _("statuswijzigingen")
        ordering = ["plan", "-created"]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_old_status_display()} → {self.get_new_status_display()}"


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
        """The plan's title as a file name every system accepts: browsers turn ":" (and
        / \\ ? * " < > |) into "_", so ":" becomes " -" and the others a space; Dutch
        letters and dashes stay."""
        import re  # local: the imports above belong to the plan models

        name = self.plan.title.replace(":", " -")
        name = re.sub(r'[/\\?*"<>|\x00-\x1f]', " ", name)
        name = re.sub(r"\s+", " ", name).strip(" .") or "gebiedsplan"
        return f"{name}.pdf"


class PlanHistoryState(models.Model):
    """Which stored rows make up a plan at one revision of its history (plans.history).

    A save stores only the parts of the plan it changed: a section with everything in it,
    or the plan's own rows (its themes, execution plans). `parts` names every part the
    plan held at this revision — "plan" and each section id — with the revision that
    stored that part last, so every revision still describes the whole plan and can be
    shown or restored without the plan being stored whole on every save. A JSON map, not
    rows: it is written once per save and always read whole.
    """

    revision = models.ForeignKey("reversion.Revision", on_delete=models.CASCADE, related_name="plan_states")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="history_states")
    # {"plan": revision id, "<section id>": revision id}; null: stored in this revision.
    parts = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["revision", "plan"], name="plans_planhistorystate_one_per_revision")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} @ {self.revision_id}"

    def stored_in(self, part: str) -> int | None:
        """The revision whose versions hold `part` ("plan" or a section id) as it was here."""
        if part not in self.parts:
            return None
        return self.parts[part] or self.revision_id
