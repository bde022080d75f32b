"""Login throttling: wrong passwords lock out the user name and the address, with a Dutch
page; the right password does not get through a lockout; staff can unlock in the admin."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from tests.base import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 5


@pytest.fixture(autouse=True)
def limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def attempt(client, username, password, address="192.0.2.10"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def logged_in(client) -> bool:
    return client.get(reverse("plans:area_list")).status_code == 200


class TestByUser:
    def test_the_right_password_is_refused_after_too_many_wrong_ones(self, client, people):
        for _ in range(LIMIT):
            response = attempt(client, people.manager.username, "wrong")
            assert response.status_code in (200, 429)
        response = attempt(client, people.manager.username, PASSWORD)
        html = response.content.decode()
        assert response.status_code == 429
        assert "Inloggen tijdelijk geblokkeerd" in html
        assert "Na 5 mislukte pogingen" in html and "15 minuten geblokkeerd" in html
        assert not logged_in(client)

    def test_the_lockout_holds_from_another_address(self, client, people):
        for i in range(LIMIT):
            attempt(client, people.manager.username, "wrong", address=f"198.51.100.{i}")
        response = attempt(client, people.manager.username, PASSWORD, address="203.0.113.7")
        assert response.status_code == 429
        assert not logged_in(client)

    def test_a_few_typos_then_the_right_password_work_and_start_the_count_again(
        self, client, people
    ):
        for _ in range(LIMIT - 1):
            assert attempt(client, people.manager.username, "wrong").status_code == 200
        assert attempt(client, people.manager.username, PASSWORD).status_code == 302
        assert logged_in(client)
        client.logout()
        for _ in range(LIMIT - 1):
            attempt(client, people.manager.username, "wrong")
        assert attempt(client, people.manager.username, PASSWORD).status_code == 302

    def test_the_lockout_ends_after_the_cool_off(self, client, people):
        for _ in range(LIMIT):
            attempt(client, people.manager.username, "wrong")
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
        assert attempt(client, people.manager.username, PASSWORD).status_code == 302
        assert logged_in(client)


class TestByAddress:
    def test_guessing_many_user_names_from_one_address_locks_the_address(self, client, people):
        for i in range(LIMIT):
            attempt(client, f"guess-{i}", "wrong", address="192.0.2.99")
        refused = attempt(client, people.coordinator.username, PASSWORD, address="192.0.2.99")
        assert refused.status_code == 429
        assert "Inloggen tijdelijk geblokkeerd" in refused.content.decode()
        # The same person from their own address is not affected.
        assert (
            attempt(client, people.coordinator.username, PASSWORD, "203.0.113.5").status_code == 302
        )


class TestUnlock:
    def test_staff_unlock_in_the_admin(self, client, people):
        for _ in range(LIMIT):
            attempt(client, people.manager.username, "wrong")
        assert attempt(client, people.manager.username, PASSWORD).status_code == 429

        client.force_login(people.admin)
        changelist = reverse("admin:axes_accessattempt_changelist")
        page = client.get(changelist)
        assert page.status_code == 200
        assert people.manager.username in page.content.decode()
        ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
        confirm = client.post(
            changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
        )
        assert confirm.status_code == 302
        client.logout()

        assert attempt(client, people.manager.username, PASSWORD).status_code == 302
        assert logged_in(client)

    def test_the_test_clients_login_still_works(self, client, people):
        assert client.login(username=people.manager.username, password=PASSWORD)
        assert logged_in(client)


class TestSignedInPerson:
    """The session's person is read by gebiedsplan.auth.ModelBackend (a prepared
    statement): the same rules as Django's own backend."""

    def test_a_login_lasts_and_a_deactivated_or_deleted_person_is_signed_out(self, client, people):
        assert attempt(client, people.manager.username, PASSWORD).status_code == 302
        assert logged_in(client)
        page = client.get(reverse("plans:area_list")).content.decode()
        assert people.manager.username in page or people.manager.get_full_name() in page
        people.manager.is_active = False
        people.manager.save()
        assert not logged_in(client)
        assert attempt(client, people.coordinator.username, PASSWORD).status_code == 302
        assert logged_in(client)
        people.coordinator.delete()
        assert not logged_in(client)

    def test_a_changed_password_signs_out_the_other_sessions(self, client, people):
        assert attempt(client, people.manager.username, PASSWORD).status_code == 302
        people.manager.set_password("een-heel-ander-wachtwoord")
        people.manager.save()
        assert not logged_in(client)
