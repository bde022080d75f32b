"""Staff see only their own organisation's areas unless they are superusers.

The walk of every URL (tests/plans/test_permissions.py) has staff of the plan's
organisation and staff of another organisation as roles of their own; here: the area
list and the admin lists are narrowed the same way.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from plans.models import Organisation
from tests.base import PASSWORD, People
from tests.plans.test_permissions import SECTIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return People.create(sections=SECTIONS)


@pytest.fixture
def own_staff(people):
    user = get_user_model().objects.create_user("t-staff", password=PASSWORD, is_staff=True)
    people.organisation.staff.add(user)
    return user


@pytest.fixture
def other_staff(people):
    other = Organisation.objects.create(name="Welzijn Elders", municipality_name="Elders", municipality_code="GM9998")
    user = get_user_model().objects.create_user("t-other-staff", password=PASSWORD, is_staff=True)
    other.staff.add(user)
    return user


def test_area_list_shows_staff_their_own_areas_only(client, people, own_staff, other_staff):
    client.force_login(own_staff)
    assert people.area.name in client.get(reverse("plans:area_list")).text
    client.force_login(other_staff)
    assert people.area.name not in client.get(reverse("plans:area_list")).text


def test_admin_lists_are_narrowed_to_the_staff_members_organisation(client, people, own_staff, other_staff):
    from django.contrib.auth.models import Permission

    view = Permission.objects.filter(codename__in=["view_plan", "view_area", "view_organisation"])
    for user in (own_staff, other_staff):
        user.user_permissions.add(*view)
    client.force_login(own_staff)
    assert people.area.name in client.get(reverse("admin:plans_area_changelist")).text
    assert client.get(reverse("admin:plans_plan_change", args=[people.plan.pk])).status_code == 200
    client.force_login(other_staff)
    assert people.area.name not in client.get(reverse("admin:plans_area_changelist")).text
    assert people.organisation.name not in client.get(reverse("admin:plans_organisation_changelist")).text
    # Another organisation's plan by its number: the admin answers as if it did not exist.
    response = client.get(reverse("admin:plans_plan_change", args=[people.plan.pk]))
    assert response.status_code == 302 and people.plan.title not in client.get(response.url).text
