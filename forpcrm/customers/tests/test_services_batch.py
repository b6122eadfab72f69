"""The batch path (customers_create_batch) and its use by the customer import: the rules of
customer_create per row, duplicates in the batch and in the database, history and ownership rows,
all-or-nothing and row-by-row, and a fixed number of queries per batch."""

import math

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.customers.models import Customer, OwnershipAction, OwnershipLog
from forpcrm.customers.services import DuplicatesFound, customer_create, customers_create_batch
from forpcrm.customfields.models import FieldDefinition
from forpcrm.imports.testing import csv_bytes, media_root_fixture, run_import, write_file  # noqa: F401

pytestmark = pytest.mark.django_db


def _rows(n, start=0):
    return [{"name": f"批量{i:04d}有限公司", "phone": f"021-6{i:03d} {1000 + i}", "email": f"b{i}@example.com",
             "province": "上海市", "city": "上海市", "employees": 10 + i} for i in range(start, start + n)]


def test_batch_creates_with_derived_keys_history_and_ownership(admin):
    results = customers_create_batch(by=admin, rows=_rows(3))
    assert all(r.created and r.error is None for r in results)
    customers = list(Customer.objects.order_by("id"))
    assert [c.name for c in customers] == ["批量0000有限公司", "批量0001有限公司", "批量0002有限公司"]
    for customer in customers:
        assert customer.name_key and customer.phone_key and customer.email_key == customer.email
        assert "上海市" in customer.search_text and customer.version == 1
        assert (customer.owner, customer.department_id, customer.created_by, customer.updated_by) == (
            admin, admin.department_id, admin, admin)
        [history] = customer.history.all()
        assert (history.history_type, history.history_user, history.version) == ("+", admin, 1)
        [log] = OwnershipLog.objects.filter(customer=customer)
        assert (log.action, log.to_user, log.by) == (OwnershipAction.CREATE, admin, admin)


def test_batch_validates_like_customer_create(admin):
    FieldDefinition.objects.create(entity="customer", code="grade", label="评级", field_type="number")
    rows = [{"name": "好公司"}, {"name": "坏邮箱公司", "email": "not-an-email"}, {"name": ""},
            {"name": "坏自定义公司", "custom": {"grade": "abc"}}, {"name": "未知字段公司", "nope": 1}]
    results = customers_create_batch(by=admin, rows=rows)
    assert [r.created for r in results] == [True, False, False, False, False]
    for row, result in zip(rows[1:], results[1:], strict=True):
        with pytest.raises(ValidationError) as expected:
            customer_create(by=admin, data=row)
        assert result.error.message_dict == expected.value.message_dict
    assert Customer.objects.count() == 1


def test_batch_duplicates_within_the_batch_and_against_the_database(admin):
    customer_create(by=admin, data={"name": "老客户有限公司", "phone": "021-61234567"})
    rows = [{"name": "新客户甲", "phone": "021 6123 4567"}, {"name": "新客户乙", "email": "x@example.com"},
            {"name": "新客户丙", "email": "X@example.com"}]
    results = customers_create_batch(by=admin, rows=rows)
    assert [m.name for m in results[0].duplicates] == ["老客户有限公司"]
    assert results[0].duplicates[0].reasons == ["phone"]
    assert results[1].duplicates == []
    assert [(m.name, m.reasons, m.customer_id) for m in results[2].duplicates] == [
        ("新客户乙", ["email"], results[1].customer.pk)]
    refused = customers_create_batch(by=admin, rows=[{"name": "再一个", "phone": "02161234567"},
                                                     {"name": "又一个", "email": "new@example.com"},
                                                     {"name": "又又一个", "email": "NEW@example.com"}],
                                     confirm_duplicates=False)
    assert isinstance(refused[0].error, DuplicatesFound) and refused[1].created
    assert isinstance(refused[2].error, DuplicatesFound)


def test_batch_match_on_skips_existing_and_earlier_rows(admin):
    customer_create(by=admin, data={"name": "已有有限公司"})
    rows = [{"name": "已有有限公司"}, {"name": "新的有限公司"}, {"name": "新的有限公司 "}]
    results = customers_create_batch(by=admin, rows=rows, match_on=["name"])
    assert [(r.created, r.existing) for r in results] == [(False, "已有有限公司"), (True, ""), (False, "新的有限公司")]


def test_batch_checks_the_owner_once_per_batch(sales_rep, admin):
    results = customers_create_batch(by=sales_rep, rows=_rows(2), owners=[sales_rep, admin])
    assert results[0].created and isinstance(results[1].error, PermissionDeniedError)


def _inserts(model, rows: int) -> int:
    """INSERT statements for ``rows`` objects: one on PostgreSQL; SQLite splits by its variable limit."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))


def test_batch_of_500_runs_a_fixed_number_of_queries(admin, django_assert_max_num_queries):
    customer_create(by=admin, data={"name": "批量0007有限公司"})
    FieldDefinition.objects.create(entity="customer", code="grade", label="评级", field_type="number")
    rows = [{**row, "custom": {"grade": "3"}} for row in _rows(500)]
    # permissions, definitions, one lookup per duplicate key, visibility, savepoints + the inserts
    writes = sum(_inserts(model, 500) for model in (Customer, Customer.history.model, OwnershipLog))
    with django_assert_max_num_queries(12 + writes):
        results = customers_create_batch(by=admin, rows=rows)
    assert sum(r.created for r in results) == 500
    assert OwnershipLog.objects.count() == 501
    assert Customer.history.count() == 501


def _file(tmp_path, rows):
    return write_file(tmp_path, "batch.csv", csv_bytes([["客户名称", "电话", "邮箱"], *rows]))


def test_import_error_in_row_3_rolls_back_the_whole_batch(admin, media_root, tmp_path):
    rows = [[f"导入{i}有限公司", "", f"i{i}@example.com"] for i in range(10)]
    rows[1][2] = "bad-email"  # row 3 of the sheet (header = row 1)
    _job, result = run_import(admin, "customers", _file(tmp_path, rows))
    assert (result.created, result.failed, result.rolled_back) == (0, 1, True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "邮箱")]
    assert "bad-email" in result.errors[0].reason
    assert Customer.objects.count() == 0 and OwnershipLog.objects.count() == 0
    assert Customer.history.count() == 0


def test_import_row_by_row_keeps_the_good_rows_of_a_batch(admin, media_root, tmp_path):
    rows = [[f"导入{i}有限公司", "", f"i{i}@example.com"] for i in range(10)]
    rows[1][2] = "bad-email"
    _job, result = run_import(admin, "customers", _file(tmp_path, rows), atomic=False)
    assert (result.created, result.failed) == (9, 1)
    assert Customer.history.count() == 9 and OwnershipLog.objects.count() == 9


def test_import_duplicates_in_the_file_and_the_database(admin, media_root, tmp_path):
    customer_create(by=admin, data={"name": "老客户有限公司", "phone": "021-61234567"})
    rows = [["老客户有限公司", "", ""], ["新公司甲", "021-61234567", ""], ["新公司乙", "", "s@example.com"],
            ["新公司丙", "", "S@example.com"], ["新公司乙", "", ""]]
    _job, result = run_import(admin, "customers", _file(tmp_path, rows), mode="create")
    assert (result.created, result.skipped, result.failed) == (3, 2, 0)
    assert [(s.row, s.reason) for s in result.skips] == [(2, "Already exists: “老客户有限公司”."),
                                                        (6, "Already exists: “新公司乙”.")]
    assert [(w.row, w.reason) for w in result.warnings] == [
        (3, "Possible duplicate of 老客户有限公司; created anyway."),
        (5, "Possible duplicate of 新公司乙; created anyway.")]


def test_import_upsert_with_a_match_falls_back_to_row_by_row(admin, media_root, tmp_path):
    customer_create(by=admin, data={"name": "老客户有限公司"})
    rows = [["老客户有限公司", "021-61234567", ""], ["新公司甲", "", ""]]
    _job, result = run_import(admin, "customers", _file(tmp_path, rows))
    assert (result.created, result.updated) == (1, 1)
    assert Customer.objects.get(name="老客户有限公司").phone == "021-61234567"
