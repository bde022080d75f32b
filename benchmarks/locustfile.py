"""Users for benchmarks/bench_load.py (locust, headless). Not run on its own.

Readers (the manager) read the area list, the plan pages, the data page and the PDF
control. Editors (the coordinator) change a figure of their area by importing a one-line
CSV (upload, preview, confirm) and ask for the PDF of the changed plan. The driver passes
the demo's codes in BENCH_PLANS / BENCH_AREAS and the user counts in BENCH_READERS and
BENCH_EDITORS.
"""

import os
import random

from locust import HttpUser, between, task

PLANS = os.environ.get("BENCH_PLANS", "").split(",")
AREAS = os.environ.get("BENCH_AREAS", "").split(",")
PASSWORD = "gebiedsplan-demo"


def log_in(user, username: str) -> None:
    user.client.get("/inloggen/", name="login form")
    token = user.client.cookies.get("csrftoken", "")
    user.client.post(
        "/inloggen/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"X-CSRFToken": token},
        name="login",
    )


class Reader(HttpUser):
    fixed_count = int(os.environ.get("BENCH_READERS", "50"))
    wait_time = between(0.5, 1.5)

    def on_start(self):
        log_in(self, "manager")

    @task(4)
    def plan_page(self):
        self.client.get(f"/plannen/{random.choice(PLANS)}/", name="plan page")

    @task(2)
    def area_list(self):
        self.client.get("/", name="area list")

    @task(2)
    def data_page(self):
        self.client.get(f"/gebieden/{random.choice(AREAS)}/cijfers/", name="data page")

    @task(1)
    def pdf_control(self):
        self.client.get(
            f"/plannen/{random.choice(PLANS)}/pdf/", headers={"HX-Request": "true"}, name="pdf"
        )


class Editor(HttpUser):
    fixed_count = int(os.environ.get("BENCH_EDITORS", "5"))
    wait_time = between(1, 3)

    def on_start(self):
        log_in(self, "coordinator")

    def _token(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    @task(2)
    def change_a_figure(self):
        area = AREAS[0]
        value = f"{random.uniform(20, 60):.1f}"
        csv = (  # the platform's own export format: one figure of wijk Binnenstad
            "code,name,level,year,indicator,indicator_name,value,missing_reason,unit,source\n"
            f"WK079601,Binnenstad,district,2024,eenzaam,Eenzaam of alleen voelen,{value},,,"
            "Gemeente 's-Hertogenbosch\n"
        ).encode()
        upload = self.client.post(
            f"/gebieden/{area}/cijfers/importeren/",
            data={"year": "2024", "csrfmiddlewaretoken": self._token()},
            files={"file": ("wijzig.csv", csv, "text/csv")},
            name="import upload",
            allow_redirects=False,
        )
        batch = upload.headers.get("Location", "")
        if "/importen/" not in batch:
            return
        self.client.get(batch, name="import preview")
        self.client.post(
            batch + "bevestigen/",
            data={"csrfmiddlewaretoken": self._token()},
            name="import confirm",
        )

    @task(1)
    def ask_for_the_pdf(self):
        self.client.post(
            f"/plannen/{random.choice(PLANS)}/pdf/",
            headers={"HX-Request": "true", "X-CSRFToken": self._token()},
            name="pdf request",
        )
