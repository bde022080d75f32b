from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExecutionConfig(AppConfig):
    name = "execution"
    verbose_name = _("Uitvoeringsplannen")

    def ready(self) -> None:
        from plans import document, history

        from .models import Action, BudgetLine, ExecutionPlan, Review, Target

        history.register()
        for model, lookup in (
            (ExecutionPlan, "plan"),
            (Action, "execution_plan__plan"),
            (Target, "execution_plan__plan"),
            (BudgetLine, "execution_plan__plan"),
            (Review, "execution_plan__plan"),
        ):
            history.register_content(model, lookup)

        from .selectors import execution_plans_for

        document.register_part("execution", execution_plans_for)

        from plans import services as plan_services

        from .services import execution_plans_copy

        plan_services.register_version_copy(execution_plans_copy)

        from plans import demo as plans_demo

        from . import demo

        plans_demo.register_extra("execution", demo.load)
