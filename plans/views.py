from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    return render(request, "plans/area_list.html", {})


@login_required
def plan_detail(request: HttpRequest, code) -> HttpResponse:
    return render(request, "plans/plan_detail.html", {})
