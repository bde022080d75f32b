import pytest

from plans.demo import DEMO_PASSWORD


@pytest.fixture
def login(page, live_server):
    def _login(username: str):
        page.goto(f"{live_server.url}/inloggen/")
        page.get_by_label("Gebruikersnaam").fill(username)
        page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return _login


AXE = "static/vendor/axe-core/axe.min.js"


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=AXE)
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]} for v in result]


@pytest.fixture
def second_person(browser, live_server):
    """Another person in a browser of their own (own cookies): log_in(username) -> page."""
    contexts = []

    def _log_in(username: str):
        context = browser.new_context()
        contexts.append(context)
        other = context.new_page()
        other.goto(f"{live_server.url}/inloggen/")
        other.get_by_label("Gebruikersnaam").fill(username)
        other.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
        other.get_by_role("button", name="Inloggen").click()
        other.wait_for_url(f"{live_server.url}/")
        return other

    yield _log_in
    for context in contexts:
        context.close()
