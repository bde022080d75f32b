"""Execution plans (uitvoeringsplannen) of a plan, their actions and targets, quarterly
PDCA reviews with a frozen snapshot, personal links for partners, and sent reminders."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.models import FocusPoint, Intervention, Plan, PlanRow
from wijkdata.models import Indicator, Neighbourhood


class ExecutionPlan(PlanRow):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="execution_plans")
    focus_point = models.ForeignKey(
        FocusPoint, verbose_name=_("focuspunt"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="execution_plans",
    )
    intervention = models.ForeignKey(
        Intervention, verbose_name=_("interventie"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="execution_plans",
    )
    title = models.CharField(_("titel"), max_length=300)
    urgency = models.TextField(_("urgentie"), blank=True)
    reach = models.TextField(_("bereik"), blank=True)
    feasibility = models.TextField(_("haalbaarheid"), blank=True)
    lead = models.CharField(_("kartrekker"), max_length=200, blank=True)
    work_group = models.TextField(_("werkgroep"), blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("uitvoeringsplan")
        verbose_name_plural = _("uitvoeringsplannen")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def work_group_members(self) -> list[str]:
        """The partner organisations of the work group, one per line as typed."""
        return [line.strip() for line in self.work_group.splitlines() if line.strip()]


class BudgetLine(PlanRow):
    """One year's budget of an execution plan from one funding source ("SPUK/GALA",
    "programmabegroting"); a year may have several sources."""

    execution_plan = models.ForeignKey(ExecutionPlan, on_delete=models.CASCADE, related_name="budget_lines")
    year = models.PositiveSmallIntegerField(_("jaar"))
    amount = models.DecimalField(_("bedrag (euro)"), max_digits=12, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("financieringsbron"), max_length=200)
    note = models.CharField(_("toelichting"), max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("budgetregel")
        verbose_name_plural = _("budgetregels")
        ordering = ["execution_plan", "year", "source", "id"]

    def __str__(self) -> str:
        return f"{self.year} · {self.source}"


class Action(PlanRow):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Gepland")
        RUNNING = "running", _("Loopt")
        DONE = "done", _("Klaar")
        STOPPED = "stopped", _("Gestopt")

    class Kind(models.TextChoices):
        CONTINUE = "continue", _("Voortzetten")
        EXTEND = "extend", _("Uitbreiden")
        IMPROVE = "improve", _("Verbeteren")
        NEW = "new", _("Nieuw")
        EXPLORE = "explore", _("Verkennen")

    execution_plan = models.ForeignKey(ExecutionPlan, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("titel"), max_length=300)
    owner = models.CharField(_("eigenaar (organisatie)"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail contactpersoon"), blank=True)
    due_date = models.DateField(_("gepland klaar"), null=True, blank=True)
    # A planned quarter instead of (or as well as) a date: "2026-K3".
    planned_year = models.PositiveSmallIntegerField(_("gepland jaar"), null=True, blank=True)
    planned_quarter = models.PositiveSmallIntegerField(_("gepland kwartaal"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, blank=True)
    kind = models.CharField(_("soort"), max_length=16, choices=Kind.choices, default=Kind.NEW)
    notes = models.TextField(_("notities"), blank=True)
    last_update = models.TextField(_("laatste update"), blank=True)
    last_update_at = models.DateTimeField(_("laatste update op"), null=True, blank=True)
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("actie")
        verbose_name_plural = _("acties")
        ordering = ["execution_plan", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(planned_year__isnull=True, planned_quarter__isnull=True)
                           | models.Q(planned_year__isnull=False, planned_quarter__gte=1, planned_quarter__lte=4)),
                name="execution_action_planned_quarter_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def planned(self) -> str:
        """The planned quarter as people write it ("2026-K3"), or ""."""
        return f"{self.planned_year}-K{self.planned_quarter}" if self.planned_year else ""


class Target(PlanRow):
    execution_plan = models.ForeignKey(ExecutionPlan, on_delete=models.CASCADE, related_name="targets")
    statement = models.CharField(_("doel"), max_length=400)
    baseline = models.DecimalField(_("nulmeting"), max_digits=14, decimal_places=3, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("jaar nulmeting"), null=True, blank=True)
    goal = models.DecimalField(_("streefwaarde"), max_digits=14, decimal_places=3, null=True, blank=True)
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, verbose_name=_("buurt"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.PositiveIntegerField(_("volgorde"), default=0)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        ordering = ["execution_plan", "order", "id"]

    def __str__(self) -> str:
        return self.statement


class Review(PlanRow):
    """A quarter's PDCA review of one execution plan; completing it freezes `snapshot`."""

    execution_plan = models.ForeignKey(ExecutionPlan, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("jaar"))
    quarter = models.PositiveSmallIntegerField(_("kwartaal"))
    plan_notes = models.TextField(_("plan"), blank=True)
    do_notes = models.TextField(_("do"), blank=True)
    check_notes = models.TextField(_("check"), blank=True)
    act_notes = models.TextField(_("act"), blank=True)
    next_quarter = models.TextField(_("wat verandert volgend kwartaal"), blank=True)
    completed_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)
    snapshot = models.JSONField(_("bevroren stand"), default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kwartaalreview")
        verbose_name_plural = _("kwartaalreviews")
        ordering = ["execution_plan", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["execution_plan", "year", "quarter"], name="execution_review_once_per_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="execution_review_quarter_1_4"),
        ]

    def __str__(self) -> str:
        return f"{self.execution_plan} {self.year}-Q{self.quarter}"


class PartnerLink(models.Model):
    """A personal link for a partner without an account: the actions of one owner in one
    execution plan. The URL carries a signed token; revoking or expiry ends it."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    execution_plan = models.ForeignKey(ExecutionPlan, on_delete=models.CASCADE, related_name="partner_links")
    owner = models.CharField(_("eigenaar (organisatie)"), max_length=200)
    expires_at = models.DateTimeField(_("verloopt op"))
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("persoonlijke link")
        verbose_name_plural = _("persoonlijke links")

    def __str__(self) -> str:
        return f"{self.owner} · {self.execution_plan}"


class PartnerLinkUse(models.Model):
    link = models.ForeignKey(PartnerLink, on_delete=models.CASCADE, related_name="uses")
    action = models.ForeignKey(Action, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gebruik persoonlijke link")
        verbose_name_plural = _("gebruik persoonlijke links")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.link} · {self.at:%Y-%m-%d %H:%M}"


class ReminderSent(models.Model):
    email = models.EmailField()
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "year", "quarter"], name="execution_reminder_once_per_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.year}-Q{self.quarter}"
