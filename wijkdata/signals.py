"""Signals other apps listen to; wijkdata itself knows nothing of plans.

`figures_changed` is sent inside the writing transaction of an import, with the ids of
the existing neighbourhoods and indicators it wrote figures or names for. Plans that
show them raise their revision in the same transaction (plans.apps). `owner_id` is the
organisation whose own figures were written (only its plans can show them), or None for
public figures (every plan may show them).
"""

from django.dispatch import Signal

figures_changed = Signal()
