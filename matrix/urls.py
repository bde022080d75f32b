from django.urls import path

from . import views

app_name = "matrix"

urlpatterns = [
    path("plannen/<uuid:plan_code>/ontwerpsessies/", views.session_new, name="session_new"),
    path("doe-mee/", views.join, name="join"),
    path("doe-mee/<str:join_code>/", views.join, name="join_code"),
    path("sessies/<uuid:code>/presentatie/", views.presenter, name="presenter"),
    path("sessies/<uuid:code>/beheer/", views.control, name="control"),
    path("sessies/<uuid:code>/verslag/", views.record, name="record"),
    path("sessies/<uuid:code>/deelnemer/", views.participant_view, name="participant"),
    path("sessies/<uuid:code>/ideeen/", views.item_add, name="item_add"),
    path("sessies/<uuid:code>/ideeen/<int:item_id>/plaats/", views.item_move, name="item_move"),
    path("sessies/<uuid:code>/ideeen/<int:item_id>/stip/", views.item_vote, name="item_vote"),
    path("sessies/<uuid:code>/ideeen/<int:item_id>/focuspunt/", views.item_focus, name="item_focus"),
    path("sessies/<uuid:code>/stroom/", views.stream, name="stream"),
]
