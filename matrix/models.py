"""Impact/effort matrix items of a plan's matrix section (live design sessions build on these).

Items are plan content: they are written only through plans.services, which raises the
plan's revision in the same transaction."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.models import PlanRow


class MatrixItem(PlanRow):
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
    # Filled in by a design session: the organisation that proposed the item and its dots.
    proposed_by = models.CharField(_("ingediend door"), max_length=100, blank=True)
    votes = models.PositiveIntegerField(_("stemmen"), default=0)
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


# --- live design sessions ------------------------------------------------------------------

# Join codes are read aloud and typed on phones: no 0/O, 1/I/l, and upper case only.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


class DesignSession(models.Model):
    """A live design session that fills one plan's matrix section together.

    Every change to a session locks this row (select_for_update), takes the next event
    number from `last_event` and appends a SessionEvent in the same transaction: the
    database orders all writes of one session, and the event numbers are that order.
    """

    class Phase(models.TextChoices):
        COLLECT = "collect", _("Verzamelen")
        PLACE = "place", _("Plaatsen")
        VOTE = "vote", _("Stemmen")
        REVIEW = "review", _("Bespreken")
        CLOSED = "closed", _("Gesloten")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    join_code = models.CharField(_("deelnamecode"), max_length=JOIN_CODE_LENGTH, unique=True)
    section = models.ForeignKey(
        "plans.Section", verbose_name=_("onderdeel"), on_delete=models.CASCADE, related_name="design_sessions"
    )
    title = models.CharField(_("titel"), max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("gestart door"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    phase = models.CharField(_("fase"), max_length=8, choices=Phase.choices, default=Phase.COLLECT)
    joining_open = models.BooleanField(_("deelnemen open"), default=True)
    hide_items = models.BooleanField(_("ideeën verborgen tot onthulling"), default=False)
    vote_limit = models.PositiveSmallIntegerField(_("stippen per persoon"), default=3)
    timer_end = models.DateTimeField(_("timer loopt tot"), null=True, blank=True)
    locked = models.BooleanField(_("bord vergrendeld"), default=False)
    last_event = models.PositiveIntegerField(_("laatste gebeurtenis"), default=0)
    closed = models.DateTimeField(_("gesloten op"), null=True, blank=True)
    plan_revision = models.PositiveIntegerField(_("planrevisie bij sluiten"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ontwerpsessie")
        verbose_name_plural = _("ontwerpsessies")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vote_limit__gte=1) & models.Q(vote_limit__lte=20),
                name="matrix_designsession_vote_limit_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.join_code} ({self.get_phase_display()})"

    @property
    def is_closed(self) -> bool:
        return self.phase == self.Phase.CLOSED

    @property
    def topic(self) -> str:
        """The live channel topic of this session."""
        return f"session:{self.code.hex}"


class Participant(models.Model):
    """Someone who joined a session with its code: no account, a signed cookie for this
    session only (the token), refused everything once removed."""

    session = models.ForeignKey(DesignSession, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(_("naam"), max_length=100)
    organisation = models.CharField(_("organisatie"), max_length=100)
    token = models.CharField(max_length=64, unique=True, editable=False)
    removed = models.BooleanField(_("verwijderd"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        ordering = ["session", "organisation", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class SessionItem(models.Model):
    """An idea ("We gaan …") on the session board; unplaced until impact and effort are set."""

    session = models.ForeignKey(DesignSession, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("titel"), max_length=300)
    text = models.TextField(_("toelichting"), blank=True)
    proposer = models.ForeignKey(
        Participant, verbose_name=_("ingediend door"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="items",
    )
    # The organisation that proposed it, kept as text: items taken over from the plan and
    # items of the facilitator have no participant.
    proposed_by = models.CharField(_("organisatie"), max_length=100, blank=True)
    impact = models.CharField(_("impact"), max_length=8, choices=MatrixItem.Impact.choices, blank=True)
    effort = models.CharField(_("moeite"), max_length=8, choices=MatrixItem.Effort.choices, blank=True)
    hidden = models.BooleanField(_("verborgen"), default=False)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("samengevoegd met"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="merged",
    )
    removed = models.BooleanField(_("verwijderd"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("idee")
        verbose_name_plural = _("ideeën")
        ordering = ["session", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(impact="") & models.Q(effort="")) | (~models.Q(impact="") & ~models.Q(effort="")),
                name="matrix_sessionitem_placed_on_both_axes",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_placed(self) -> bool:
        return bool(self.impact and self.effort)

    @property
    def quadrant(self) -> str:
        return f"{self.impact}_{self.effort}" if self.is_placed else ""


class Vote(models.Model):
    """One dot of one participant on one item; a person may put several dots on one item."""

    session = models.ForeignKey(DesignSession, on_delete=models.CASCADE, related_name="votes")
    item = models.ForeignKey(SessionItem, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stip")
        verbose_name_plural = _("stippen")

    def __str__(self) -> str:
        return f"{self.participant} → {self.item}"


class SessionEvent(models.Model):
    """What happened, in order: the session record and what a reconnecting screen replays."""

    session = models.ForeignKey(DesignSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField(_("volgnummer"))
    kind = models.CharField(_("soort"), max_length=32)
    # Who did it, as shown in the record ("Anna (GGD)", "facilitator").
    actor = models.CharField(_("door"), max_length=220, blank=True)
    data = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gebeurtenis")
        verbose_name_plural = _("gebeurtenissen")
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="matrix_sessionevent_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.kind}"

    def as_message(self) -> dict:
        return {"id": self.seq, "kind": self.kind, "data": self.data}
