"""End to end in headless Chromium: log in, create a customer with a user-defined field, find it by
its pinyin initials in the list search, open it and see the field's value.

Runs whenever Debian's chromium and chromedriver are installed (/usr/bin/chromium, /usr/bin/chromedriver,
or $CHROMIUM / $CHROMEDRIVER); otherwise it is skipped with the reason. `./run test` reads the marker
file named by $FORPCRM_E2E_MARKER to say plainly whether it ran.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from forpcrm.customfields.services import field_definition_create
from forpcrm.org.services import department_create, role_templates_install, user_create

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
PASSWORD = "e2e-Passw0rd!"
CUSTOMER_NAME = "西软软件"
FIELD_CODE = "contract_no"
FIELD_VALUE = "E2E-4711"
WAIT_SECONDS = 20

pytestmark = [pytest.mark.e2e]


def _note(text: str, test: str = Path(__file__).stem) -> None:
    """Tell ./run test whether the browser test ran (it cannot tell from pytest's exit code): one line
    per browser test, "ran <test>" or "skipped <test>: <reason>", appended to the marker file."""
    marker = os.environ.get("FORPCRM_E2E_MARKER")
    if marker:
        status, _, reason = text.partition(": ")
        with Path(marker).open("a", encoding="utf-8") as out:
            out.write(f"{status} {test}{': ' + reason if reason else ''}\n")


def _browser_missing_reason() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"no chromium found ({path} missing; apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "no chromium found (selenium is not installed)"
    return None


@pytest.fixture
def browser():
    reason = _browser_missing_reason()
    if reason:
        _note(f"skipped: {reason}")
        pytest.skip(reason)
    _note("ran")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="forpcrm-e2e-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1400,1000",
        "--lang=zh-CN",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    # The product's default language; headless Chromium ignores --lang for Accept-Language.
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screenshot_on_failure(request, browser):
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        target = Path(settings.DATA_DIR) / "e2e-failure.png"
        browser.save_screenshot(str(target))
        Path(settings.DATA_DIR, "e2e-failure.html").write_text(browser.page_source, encoding="utf-8")


@pytest.fixture
def sales_rep(transactional_db):
    """A sales representative (own scope) and the user-defined field an administrator defined."""
    roles = role_templates_install()
    department = department_create(name="华东大区")
    admin = user_create(username="e2e_admin", password=PASSWORD, is_superuser=True)
    field_definition_create(
        by=admin,
        entity="customer",
        code=FIELD_CODE,
        data={"label": "合同编号", "label_en": "Contract no.", "field_type": "text", "show_in_list": True},
    )
    return user_create(
        username="e2e_rep",
        password=PASSWORD,
        display_name="王小明",
        department=department,
        roles=[roles["sales_rep"]],
    )


def test_log_in_create_customer_find_by_pinyin_initials_and_open(
    live_server, browser, sales_rep, screenshot_on_failure
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT_SECONDS)

    def visit(path: str) -> None:
        browser.get(live_server.url + path)
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def submit(form) -> None:
        old_url = browser.current_url
        button = form.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button)
        button.click()
        wait.until(
            lambda d: d.current_url != old_url or d.execute_script("return document.readyState") == "complete"
        )

    # Given a sales representative on the login page
    visit("/login/")
    browser.find_element(By.NAME, "username").send_keys("e2e_rep")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(browser.find_element(By.NAME, "username").find_element(By.XPATH, "./ancestor::form"))
    wait.until(lambda d: "/login/" not in d.current_url)

    # When they create a customer and fill in the user-defined field
    visit("/customers/new/")
    name_input = wait.until(ec.presence_of_element_located((By.NAME, "name")))
    name_input.send_keys(CUSTOMER_NAME)
    field_input = browser.find_element(By.NAME, f"custom__{FIELD_CODE}")
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", field_input
    )
    field_input.send_keys(FIELD_VALUE)
    submit(name_input.find_element(By.XPATH, "./ancestor::form"))
    wait.until(lambda d: "/customers/new/" not in d.current_url)

    from forpcrm.customers.models import Customer

    customer = Customer.objects.get(name=CUSTOMER_NAME)
    assert customer.custom == {FIELD_CODE: FIELD_VALUE}
    assert customer.owner_id == sales_rep.pk

    # Then the list search finds it by its pinyin initials
    visit("/customers/?q=xrrj")
    link = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, f"a[href$='/customers/{customer.pk}/']")))
    assert CUSTOMER_NAME in link.text

    # And its page shows the user-defined field's value
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", link)
    link.click()
    wait.until(lambda d: d.current_url.rstrip("/").endswith(f"/customers/{customer.pk}"))
    wait.until(lambda d: FIELD_VALUE in d.find_element(By.TAG_NAME, "body").text)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert CUSTOMER_NAME in body
    assert "合同编号" in body
