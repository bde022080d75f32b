from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Gebiedsplannen")

    def ready(self) -> None:
        from wijkdata.signals import figures_changed

        from . import history

        history.register()

        from .services import plans_touch_showing

        def figures_changed_receiver(
            sender, *, neighbourhood_ids=(), indicator_ids=(), owner_id=None, **kwargs
        ):
            plans_touch_showing(
                neighbourhood_ids=neighbourhood_ids, indicator_ids=indicator_ids, owner_id=owner_id
            )

        figures_changed.connect(figures_changed_receiver, weak=False, dispatch_uid="plans_figures_changed")
