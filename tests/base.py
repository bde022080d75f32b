"""Named people for tests, each with the roles DESIGN.md gives them.

- coordinator: netwerkcoördinator of the area; edits every part of the plan, imports data.
- facilitator: runs design sessions in the area; reads the plan.
- manager: reads plans of the area and downloads the PDF.
- outsider: a logged-in user without any role in the area; must see nothing of it.
- admin: staff superuser; manages organisations, users, roles, themes, indicators.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from plans.models import Area, Membership, Organisation, Plan, PlanTemplate, TemplateSection, Theme
from plans.services import plan_create

PASSWORD = "correct-horse-battery-staple"


@dataclass
class People:
    organisation: Organisation
    area: Area
    plan: Plan
    coordinator: object
    facilitator: object
    manager: object
    outsider: object
    admin: object

    @classmethod
    def create(cls, area: Area | None = None, sections: list | None = None, themes: list | None = None) -> "People":
        """Named people around one plan. `sections` gives the plan a template of its own:
        (kind, heading) or (kind, heading, intro) per section; `themes` the
        organisation's themes (copied into the plan)."""
        User = get_user_model()
        if area is None:
            organisation = Organisation.objects.create(
                name="Welzijn Test", municipality_name="Teststad", municipality_code="GM9999"
            )
            for order, name in enumerate(themes or []):
                Theme.objects.create(organisation=organisation, name=name, order=order)
            template = None
            if sections:
                template = PlanTemplate.objects.create(organisation=organisation, name="Test")
                for order, (kind, heading, *intro) in enumerate(sections):
                    TemplateSection.objects.create(
                        template=template, kind=kind, heading=heading, intro=intro[0] if intro else "",
                        order=order, card_kinds="Kracht\nKans" if kind == "cards" else "",
                    )
            area = Area.objects.create(organisation=organisation, name="Testgebied")
            plan = plan_create(area=area, period_start=2025, title="Gebiedsplan 2025", template=template)
        else:
            organisation = area.organisation
            plan = area.plans.order_by("-period_start").first()

        def user(username: str, **extra):
            return User.objects.create_user(username=username, password=PASSWORD, **extra)

        people = cls(
            organisation=organisation,
            area=area,
            plan=plan,
            coordinator=user("t-coordinator"),
            facilitator=user("t-facilitator"),
            manager=user("t-manager"),
            outsider=user("t-outsider"),
            admin=user("t-admin", is_staff=True, is_superuser=True),
        )
        Membership.objects.create(area=area, user=people.coordinator, role=Membership.Role.COORDINATOR)
        Membership.objects.create(area=area, user=people.facilitator, role=Membership.Role.FACILITATOR)
        Membership.objects.create(area=area, user=people.manager, role=Membership.Role.MANAGER)
        return people


def expire_session(session_key: str) -> None:
    """Let a login session run out as it does in production: its row's expiry date passes
    (and the cached copy ages out with it), so the next request is anonymous."""
    from datetime import timedelta

    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(session_key=session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(session_key=session_key)
    store._cache.delete(store.cache_key)
