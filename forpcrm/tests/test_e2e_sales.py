"""End to end in headless Chromium: the sales stage as a representative and their manager live it.

A rep creates an opportunity, drags it on the kanban to a stage that needs a proposal and is refused
(the keyboard "Move to…" control says the same), attaches the proposal on the opportunity page, drags
the card again and it moves; logs a follow-up on the customer; plans a visit, sees it in the week
calendar, checks in with the browser's geolocation and completes it (a follow-up is recorded); writes
the daily report and submits it with its automatic summary. The manager comments on the report, marks
it reviewed and urges on the opportunity; the rep then sees the unread count and both notifications.

Runs whenever Debian's chromium and chromedriver are installed (see test_e2e_browser.py for the
marker file ./run test reads); otherwise it is skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from forpcrm.tests.test_e2e_browser import CHROMEDRIVER, CHROMIUM, _browser_missing_reason, _note

PASSWORD = "pass1234"
WAIT_SECONDS = 20
ZONE = "Asia/Shanghai"
CUSTOMER_NAME = "华东精密机械有限公司"
OPPORTUNITY_NAME = "产线数字化改造"
PROPOSAL_STAGE = "方案报价"
FIRST_STAGE = "初步接触"
REFUSAL = f"The opportunity cannot enter the stage “{PROPOSAL_STAGE}”: attach a document of the category “Proposal”."
LATITUDE, LONGITUDE, ACCURACY = 31.230416, 121.473701, 25

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def browser():
    reason = _browser_missing_reason()
    if reason:
        _note(f"skipped: {reason}", test=Path(__file__).stem)
        pytest.skip(reason)
    _note("ran", test=Path(__file__).stem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="forpcrm-e2e-sales-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--window-size=1600,1100", "--lang=en-US",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
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
        browser.save_screenshot(str(Path(settings.DATA_DIR) / "e2e-sales-failure.png"))
        Path(settings.DATA_DIR, "e2e-sales-failure.html").write_text(browser.page_source, encoding="utf-8")


@pytest.fixture
def sales_world(transactional_db, settings, tmp_path):
    """Personas as in forpcrm/conftest.py (王经理 manages 张销售), the rep's customer, and a pipeline whose
    "方案报价" stage needs a proposal document — all through the services."""
    from forpcrm.customers.services import customer_create
    from forpcrm.documents.models import DocumentCategory
    from forpcrm.org.services import department_create, role_templates_install, user_create
    from forpcrm.sales.services import pipeline_create

    settings.MEDIA_ROOT = tmp_path / "media"
    # The category list is data of a migration; a flushed test database (live server) may lack it.
    DocumentCategory.objects.get_or_create(code="proposal", defaults={"name": "方案", "name_en": "Proposal",
                                                                      "sort_order": 10})
    roles = role_templates_install()
    hq = department_create(name="总部")
    sales = department_create(name="销售中心", parent=hq)
    east = department_create(name="华东大区", parent=sales)
    shanghai = department_create(name="上海组", parent=east)

    def persona(username, display_name, role, department, manager=None):
        return user_create(username=username, password=PASSWORD, email=f"{username}@example.com",
                           display_name=display_name, department=department, manager=manager,
                           roles=[roles[role]], language="en")

    admin = persona("admin", "系统管理员", "admin", hq)
    manager = persona("sales_manager", "王经理", "sales_manager", east)
    rep = persona("sales_rep", "张销售", "sales_rep", shanghai, manager=manager)
    pipeline = pipeline_create(by=admin, name="标准销售流程", is_default=True, stages=[
        {"name": FIRST_STAGE, "probability": 10},
        {"name": PROPOSAL_STAGE, "probability": 40, "requires_document": True, "document_category": "proposal"},
        {"name": "商务谈判", "probability": 70},
        {"name": "赢单", "kind": "won"},
        {"name": "输单", "kind": "lost"},
    ])
    customer = customer_create(by=rep, data={"name": CUSTOMER_NAME})
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    return SimpleNamespace(admin=admin, manager=manager, rep=rep, pipeline=pipeline, stages=stages,
                           customer=customer)


def test_rep_and_manager_walk_the_sales_stage(live_server, browser, sales_world, screenshot_on_failure, tmp_path):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from forpcrm.documents.models import Document
    from forpcrm.notifications.models import Notification
    from forpcrm.sales.activity.models import CheckIn, FollowUp, VisitPlan
    from forpcrm.sales.models import Opportunity
    from forpcrm.sales.reports.models import SalesReport, Urge

    w = sales_world
    wait = WebDriverWait(browser, WAIT_SECONDS)
    local_now = timezone.now().astimezone(ZoneInfo(ZONE))

    def css(selector: str, root=None):
        return (root or browser).find_element(By.CSS_SELECTOR, selector)

    def visible(selector: str):
        return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, selector)))

    def body_text() -> str:
        return browser.find_element(By.TAG_NAME, "body").text

    def wait_text(text: str, selector: str = "body") -> None:
        wait.until(lambda d: text in d.find_element(By.CSS_SELECTOR, selector).text,
                   message=f"{text!r} not shown in {selector}")

    def visit(path: str) -> None:
        browser.get(live_server.url + path)
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def into_view(element):
        browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
        return element

    def set_value(element, value: str) -> None:
        """Date, time and datetime-local inputs: typing depends on the browser's locale; set the value."""
        browser.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, value)

    def click_and_load(element) -> None:
        """Click a button that submits a normal form, and wait for the next page."""
        into_view(element)
        browser.execute_script("window.e2eOldPage = true;")
        element.click()

        def loaded(driver) -> bool:
            try:  # a window object of its own, fully loaded
                return driver.execute_script("return !window.e2eOldPage && document.readyState === 'complete';")
            except WebDriverException:  # asked while the old page was going away
                return False

        wait.until(loaded, message="the next page did not load")

    def log_in(username: str) -> None:
        browser.delete_all_cookies()
        visit("/login/")
        css("input[name=username]").send_keys(username)
        css("input[name=password]").send_keys(PASSWORD)
        click_and_load(css("form button[type=submit]"))
        assert "/login/" not in browser.current_url

    def card_in(stage_name: str, name: str):
        stage = w.stages[stage_name]
        return wait.until(ec.presence_of_element_located((
            By.XPATH, f"//div[contains(@class,'kanban-cards')][@data-stage='{stage.pk}']"
                      f"//div[@data-testid='kanban-card'][.//a[normalize-space()='{name}']]")))

    def column_cards(stage_name: str) -> list[str]:
        column = css(f".kanban-cards[data-stage='{w.stages[stage_name].pk}']")
        return [a.text for a in column.find_elements(By.CSS_SELECTOR, "[data-testid=kanban-card] > .card-body > a")]

    def drag(card, stage_name: str) -> None:
        """A real mouse drag (SortableJS runs in fallback mode, so pointer events drive it)."""
        target = css(f".kanban-cards[data-stage='{w.stages[stage_name].pk}']")
        handle = card.find_element(By.CSS_SELECTOR, ".small")
        into_view(handle)
        (ActionChains(browser, duration=50).move_to_element(handle).click_and_hold().pause(0.2)
         .move_by_offset(10, 10).pause(0.1).move_to_element(target).pause(0.2)
         .move_to_element_with_offset(target, 0, 5).pause(0.2).release().perform())

    def board_swapped(what: str) -> None:
        wait.until(lambda d: d.execute_script(
            "return !document.querySelector('#kanban-board [data-e2e-old]')"
            " && !document.querySelector('#kanban-board .htmx-request');"), message=f"the board was not answered again after the {what}")

    def mark_board() -> None:
        browser.execute_script(
            "document.querySelector('#kanban-board > :first-child').setAttribute('data-e2e-old', '1');")

    # ------------------------------------------------------------------ the rep creates an opportunity
    log_in("sales_rep")
    visit("/opportunities/new/")
    css("input[name=name]").send_keys(OPPORTUNITY_NAME)
    Select(css("select[name=customer]")).select_by_visible_text(CUSTOMER_NAME)
    Select(css("select[name=pipeline]")).select_by_visible_text(w.pipeline.name)
    Select(css("select[name=stage]")).select_by_visible_text(f"{w.pipeline.name} › {FIRST_STAGE} (10%)")
    css("input[name=amount]").send_keys("250000")
    click_and_load(css("form.card button[type=submit]"))
    opportunity = Opportunity.objects.get(name=OPPORTUNITY_NAME)
    assert browser.current_url.rstrip("/").endswith(f"/opportunities/{opportunity.pk}")
    assert css("h2").text == OPPORTUNITY_NAME
    assert f"{w.pipeline.name} › {FIRST_STAGE}" in body_text()
    assert (opportunity.owner_id, opportunity.stage_id, opportunity.probability) == (
        w.rep.pk, w.stages[FIRST_STAGE].pk, 10)

    # ------------------------------------------------------------------ the kanban refuses the proposal stage
    visit(f"/sales/kanban/{w.pipeline.pk}/")
    card = card_in(FIRST_STAGE, OPPORTUNITY_NAME)
    mark_board()
    drag(card, PROPOSAL_STAGE)
    board_swapped("refused drag")
    assert visible("#kanban-error").text == REFUSAL
    assert column_cards(FIRST_STAGE) == [OPPORTUNITY_NAME]  # the card went back
    assert column_cards(PROPOSAL_STAGE) == []

    # The keyboard path (the card's "Move to…" control) posts the same move and shows the same refusal.
    card = card_in(FIRST_STAGE, OPPORTUNITY_NAME)
    summary = into_view(css("details.kanban-move > summary", card))
    summary.send_keys(Keys.ENTER)
    stage_select = visible(f"#move-stage-{opportunity.pk}")
    Select(stage_select).select_by_visible_text(PROPOSAL_STAGE)
    mark_board()
    css("button[type=submit]", css("[data-testid=kanban-move-form]", card)).send_keys(Keys.ENTER)
    board_swapped("refused keyboard move")
    assert visible("#kanban-error").text == REFUSAL
    assert column_cards(FIRST_STAGE) == [OPPORTUNITY_NAME]
    opportunity.refresh_from_db()
    assert opportunity.stage_id == w.stages[FIRST_STAGE].pk

    # ------------------------------------------------------------------ attach the proposal on the opportunity page
    pdf = tmp_path / "方案书.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\nproposal\n%%EOF\n")
    visit(f"/opportunities/{opportunity.pk}/")
    panel = css(f"#attachments-sales-opportunity-{opportunity.pk}")
    assert "No documents yet." in panel.text
    into_view(css("input[type=file][name=files]", panel)).send_keys(str(pdf))
    Select(css("select[name=category]", panel)).select_by_value("proposal")
    click_and_load(css("button[type=submit]", panel))
    panel = css(f"#attachments-sales-opportunity-{opportunity.pk}")
    document = Document.objects.get()
    assert (document.target_type, document.target_id, document.category.code) == (
        "sales.opportunity", opportunity.pk, "proposal")
    assert document.title in panel.text and "Proposal" in panel.text

    # ------------------------------------------------------------------ the same drag now succeeds
    visit(f"/sales/kanban/{w.pipeline.pk}/")
    mark_board()
    drag(card_in(FIRST_STAGE, OPPORTUNITY_NAME), PROPOSAL_STAGE)
    board_swapped("accepted drag")
    card_in(PROPOSAL_STAGE, OPPORTUNITY_NAME)
    assert browser.find_elements(By.CSS_SELECTOR, "#kanban-error") == []
    assert column_cards(FIRST_STAGE) == [] and column_cards(PROPOSAL_STAGE) == [OPPORTUNITY_NAME]
    totals = css(f"[data-testid=kanban-column][data-stage='{w.stages[PROPOSAL_STAGE].pk}'] [data-testid=column-totals]")
    assert totals.text == "1 opportunity · 250,000.00"
    opportunity.refresh_from_db()
    assert (opportunity.stage_id, opportunity.probability) == (w.stages[PROPOSAL_STAGE].pk, 40)
    visit(f"/opportunities/{opportunity.pk}/")
    assert f"{w.pipeline.name} › {PROPOSAL_STAGE}" in body_text()
    assert f"{FIRST_STAGE} → {PROPOSAL_STAGE} (40%)" in body_text()

    # ------------------------------------------------------------------ a follow-up on the customer page
    visit(f"/customers/{w.customer.pk}/")
    quick = wait.until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, f"form[action$='/sales/followups/quick/{w.customer.pk}/']")))
    summary = quick.find_element(By.XPATH, "./ancestor::details/summary")
    into_view(summary).click()
    wait.until(lambda d: quick.is_displayed())
    Select(css("select[name=kind]", quick)).select_by_value("phone")
    set_value(css("input[name=at]", quick), local_now.strftime("%Y-%m-%dT%H:%M"))  # today, this minute
    css("textarea[name=content]", quick).send_keys("电话沟通方案报价，客户确认预算")
    click_and_load(css("button[type=submit]", quick))
    wait_text("Follow-up recorded.", "#messages")
    wait_text("电话沟通方案报价，客户确认预算")
    assert FollowUp.objects.filter(customer=w.customer, owner=w.rep, kind="phone").count() == 1

    # ------------------------------------------------------------------ plan a visit; it is in the week calendar
    start_hour = local_now.hour
    start, end = f"{start_hour:02d}:00", ("23:59" if start_hour == 23 else f"{start_hour + 1:02d}:00")
    visit(f"/sales/visits/new/?customer={w.customer.pk}&opportunity={opportunity.pk}")
    form = css("form.card")
    css("input[name=purpose]", form).send_keys("现场演示方案")
    set_value(css("input[name=date]", form), local_now.date().isoformat())
    set_value(css("input[name=start_time]", form), start)
    set_value(css("input[name=end_time]", form), end)
    assert css("input[name=time_zone]", form).get_attribute("value") == ZONE
    click_and_load(css("button[type=submit]", form))
    wait_text("Visit planned.", "#messages")
    plan = VisitPlan.objects.get()
    assert browser.current_url.rstrip("/").endswith(f"/sales/visits/{plan.pk}")
    assert f"{local_now.date():%Y-%m-%d} {start} – {end}" in body_text()

    visit("/sales/calendar/?view=week")
    entry = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f"a.calendar-visit[href$='/sales/visits/{plan.pk}/']")))
    assert entry.text == f"Visit {start} {CUSTOMER_NAME} · 现场演示方案 ({w.rep})"

    # ------------------------------------------------------------------ check in with the browser's location
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": live_server.url, "permissions": ["geolocation"]})
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride",
                            {"latitude": LATITUDE, "longitude": LONGITUDE, "accuracy": ACCURACY})
    into_view(entry).click()
    wait.until(lambda d: d.current_url.rstrip("/").endswith(f"/sales/visits/{plan.pk}"))
    into_view(visible("#checkin-locate")).click()
    wait_text("Location found. Check the values, then check in.", "#checkin-status")
    assert css("#id_latitude").get_attribute("value") == f"{LATITUDE:.6f}"
    assert css("#id_longitude").get_attribute("value") == f"{LONGITUDE:.6f}"
    click_and_load(css("#checkin-form button[type=submit]"))
    wait_text("Checked in.", "#messages")
    wait_text(f"{LATITUDE:.6f}, {LONGITUDE:.6f} (±{ACCURACY} m)", "#checkins")
    checkin = CheckIn.objects.get(visit=plan)
    assert (f"{checkin.latitude}", f"{checkin.longitude}", checkin.user_id) == (
        f"{LATITUDE:.6f}", f"{LONGITUDE:.6f}", w.rep.pk)

    # ------------------------------------------------------------------ complete the visit with its result
    complete = css(f"form[action$='/sales/visits/{plan.pk}/complete/']")
    into_view(css("textarea[name=result]", complete)).send_keys("演示顺利，客户要求下周报价")
    click_and_load(css("button[type=submit]", complete))
    wait_text("Visit completed and follow-up recorded.", "#messages")
    assert css("h2 .badge").text.lower() == "done"
    wait_text("演示顺利，客户要求下周报价")
    plan.refresh_from_db()
    assert plan.status == "done"

    # ------------------------------------------------------------------ the daily report and its summary
    visit("/sales/reports/new/")
    summary_card = css("#report-summary")

    def figure(key: str, root=None) -> str:
        return css(f"tr[data-key='{key}'] td.text-end", root or css("#report-summary")).text

    assert figure("followups", summary_card) == "2"
    assert css("tr[data-key='followups'] .small", summary_card).text == "phone 1 · visit 1"
    assert figure("visits_done", summary_card) == "1"
    assert figure("opportunities_new", summary_card) == "1"
    assert figure("opportunities_advanced", summary_card) == "1"
    css("textarea[name=done]").send_keys("推进产线数字化改造：方案报价、现场演示")
    click_and_load(css("button[name=submit][value='1']"))
    wait_text("Report submitted.", "#messages")
    report = SalesReport.objects.get()
    assert browser.current_url.rstrip("/").endswith(f"/sales/reports/{report.pk}")
    assert css("#report-status").text.lower() == "submitted"
    assert figure("followups") == "2" and figure("visits_done") == "1"
    assert report.status == "submitted"

    # ------------------------------------------------------------------ the manager reviews and urges
    log_in("sales_manager")
    visit(f"/sales/reports/{report.pk}/")
    assert str(w.rep) in css("main, .page-body").text
    into_view(css("#comment-body")).send_keys("方案报价后请跟进商务条款")
    click_and_load(css("#report-comments button[type=submit]"))
    wait_text("Comment added.", "#messages")
    wait_text("方案报价后请跟进商务条款", "#report-comments")
    click_and_load(css(f"form[action$='/sales/reports/{report.pk}/review/'] button[type=submit]"))
    wait_text("Marked reviewed.", "#messages")
    assert css("#report-status").text.lower() == "reviewed"

    visit(f"/opportunities/{opportunity.pk}/")
    urge_link = wait.until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, f"#urges-panel a[href$='?opportunity={opportunity.pk}']")))
    click_and_load(urge_link)
    form = css("form.card")
    css("textarea[name=what]", form).send_keys("本周五前提交正式报价")
    due = (local_now + dt.timedelta(days=2)).replace(hour=18, minute=0)
    set_value(css("input[name=due_at]", form), due.strftime("%Y-%m-%dT%H:%M"))
    click_and_load(css("button[type=submit]", form))
    wait_text(f"Urge sent to {w.rep}.", "#messages")

    # ------------------------------------------------------------------ the rep sees the notifications
    log_in("sales_rep")
    visit("/")
    unread = Notification.objects.filter(recipient=w.rep, read_at__isnull=True)
    badge = visible("#nav-bell [data-unread]")
    assert badge.text == str(unread.count()) == "3"
    assert css("#nav-bell").get_attribute("aria-label") == "3 unread notifications"
    click_and_load(css("#nav-bell"))
    inbox = body_text()
    urge_title = f"{w.manager} urges you about {OPPORTUNITY_NAME}"
    review_title = f"{w.manager} reviewed your daily report of {report.period_start}"
    assert urge_title in inbox and "本周五前提交正式报价" in inbox
    assert review_title in inbox

    # ------------------------------------------------------------------ what the database holds
    opportunity.refresh_from_db()
    report.refresh_from_db()
    assert opportunity.stage.name == PROPOSAL_STAGE
    from_visit = FollowUp.objects.filter(visit=plan)
    assert from_visit.count() == 1
    assert (from_visit.get().kind, from_visit.get().content) == ("visit", "演示顺利，客户要求下周报价")
    assert FollowUp.objects.filter(owner=w.rep).count() == 2
    assert (report.status, report.reviewed_by_id) == ("reviewed", w.manager.pk)
    urge = Urge.objects.get()
    assert (urge.status, urge.assignee_id, urge.created_by_id, urge.opportunity_id) == (
        "open", w.rep.pk, w.manager.pk, opportunity.pk)
    assert sorted(Notification.objects.filter(recipient=w.rep).values_list("kind", flat=True)) == [
        "comment", "report_reviewed", "urge_received"]
