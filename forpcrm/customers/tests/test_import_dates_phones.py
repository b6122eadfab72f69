"""C03 (dates, day-first / month-first) and C05 (phone numbers matching one contact) on import."""

import datetime as dt

import pytest

from forpcrm.customers.models import Contact
from forpcrm.customers.services import contact_create, customer_create
from forpcrm.imports.testing import csv_bytes, media_root_fixture, run_import, write_file, xlsx_bytes  # noqa: F401

pytestmark = pytest.mark.django_db

DATES = ["2019-03-07", "43531", "07/03/2019", "2019/3/7"]


@pytest.fixture
def customer(admin):
    return customer_create(by=admin, data={"name": "杭州示例科技有限公司"})


def _contacts_file(tmp_path, dates, name="dates.csv"):
    rows = [["客户名称", "姓名", "生日"]] + [["杭州示例科技有限公司", f"联系人{i}", d] for i, d in enumerate(dates)]
    return write_file(tmp_path, name, csv_bytes(rows))


def test_c03_day_first_forms_are_the_same_date(admin, customer, media_root, tmp_path):
    _job, result = run_import(admin, "contacts", _contacts_file(tmp_path, DATES), date_order="day_first")
    assert (result.created, result.failed) == (4, 0)
    assert set(Contact.objects.values_list("birthday", flat=True)) == {dt.date(2019, 3, 7)}


def test_c03_real_xlsx_date_cell(admin, customer, media_root, tmp_path):
    data = xlsx_bytes([["客户名称", "姓名", "生日"], ["杭州示例科技有限公司", "王芳", dt.datetime(2019, 3, 7)],
                       ["杭州示例科技有限公司", "李雷", 43531]])
    job, result = run_import(admin, "contacts", write_file(tmp_path, "dates.xlsx", data))
    assert (job.file_format, result.created, result.failed) == ("xlsx", 2, 0)
    assert set(Contact.objects.values_list("birthday", flat=True)) == {dt.date(2019, 3, 7)}


def test_c03_impossible_date_is_refused_with_row_and_column(admin, customer, media_root, tmp_path):
    job, result = run_import(admin, "contacts", _contacts_file(tmp_path, ["2019-03-07", "31/02/2019"]))
    assert result.failed == 1
    assert [(e.row, e.column) for e in result.errors] == [(3, "生日")]
    assert "31/02/2019" in result.errors[0].reason
    assert result.rolled_back is True
    assert Contact.objects.count() == 0
    assert job.report["errors"] == [{"row": 3, "column": "生日", "reason": result.errors[0].reason}]


def test_c03_impossible_date_row_by_row_is_never_stored_empty(admin, customer, media_root, tmp_path):
    _job, result = run_import(admin, "contacts", _contacts_file(tmp_path, ["2019-03-07", "31/02/2019"]), atomic=False)
    assert (result.created, result.failed) == (1, 1)
    assert list(Contact.objects.values_list("name", "birthday")) == [("联系人0", dt.date(2019, 3, 7))]


def test_c03_month_first_flips_every_row_the_same_way(admin, customer, media_root, tmp_path):
    _job, result = run_import(admin, "contacts", _contacts_file(tmp_path, ["07/03/2019", "03/07/2019", "2019-03-07"]),
                             date_order="month_first")
    assert result.failed == 0
    births = dict(Contact.objects.values_list("name", "birthday"))
    assert births == {"联系人0": dt.date(2019, 7, 3), "联系人1": dt.date(2019, 3, 7), "联系人2": dt.date(2019, 3, 7)}


PHONES = ["13800138000", "+86 138 0013 8000", "0086-13800138000", "(+86)138 0013 8000", "+86 571 88886666"]


@pytest.fixture
def holder(admin, customer):
    return contact_create(by=admin, customer=customer,
                          data={"name": "刘洋", "mobile": "138-0013-8000", "office_phone": "0571-8888 6666"})


def test_c05_every_form_of_the_number_matches_the_contact(admin, holder, media_root, tmp_path):
    rows = [["姓名", "电话"]] + [["刘洋", p] for p in PHONES]
    path = write_file(tmp_path, "phones.csv", csv_bytes(rows))

    _job, result = run_import(admin, "contacts", path, mode="upsert", match_on=["phone"])

    assert (result.created, result.failed, result.updated + result.unchanged) == (0, 0, 5)
    assert Contact.objects.count() == 1
    holder.refresh_from_db()
    assert (holder.mobile, holder.office_phone) == ("138-0013-8000", "0571-8888 6666")


def test_c05_short_number_gets_a_warning_not_a_merge(admin, holder, media_root, tmp_path):
    path = write_file(tmp_path, "short.csv", csv_bytes([["姓名", "电话"], ["刘洋", "138001380"]]))
    _job, result = run_import(admin, "contacts", path, mode="update", match_on=["phone"])
    assert (result.created, result.updated, result.unchanged, result.skipped) == (0, 0, 0, 1)
    assert any("138001380" in w.reason and w.row == 2 for w in result.warnings)
    holder.refresh_from_db()
    assert holder.version == 1 and holder.mobile == "138-0013-8000"
