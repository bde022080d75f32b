from django.core.management.base import BaseCommand

from plans.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the two Farent area plans (Binnenstad–Spoorzone and Stedelijk) as demo content."

    def handle(self, *args, **options):
        result = load_demo()
        for plan in result.plans:
            self.stdout.write(f"Loaded {plan.title} ({plan.get_absolute_url()})")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in result.logins:
            self.stdout.write(f"  {username:<12} {role}")
