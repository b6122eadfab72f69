"""The import engine on customers: modes, matching, all-or-nothing vs row-by-row, error report,
user-defined fields, scope, uploads that must be refused, presets, the Celery task and the command line."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from forpcrm.cli import main as cli_main
from forpcrm.core.errors import ApplicationError, PermissionDeniedError
from forpcrm.customers.models import Customer
from forpcrm.customers.services import customer_create
from forpcrm.customfields.models import FieldDefinition
from forpcrm.imports.models import ImportJob, ImportStatus, MappingPreset
from forpcrm.imports.reports import error_report_response
from forpcrm.imports.services import import_job_configure, import_job_create, import_job_start
from forpcrm.imports.testing import (  # noqa: F401
    csv_bytes,
    media_root_fixture,
    read_xlsx,
    response_bytes,
    run_import,
    write_file,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

ROWS = [["客户名称", "邮箱", "统一社会信用代码"], ["甲有限公司", "a@example.com", ""], ["乙有限公司", "not-an-email", ""],
        ["丙有限公司", "c@example.com", ""]]


def test_all_or_nothing_writes_nothing_and_reports_every_error(admin, media_root, tmp_path):
    rows = [*ROWS, ["丁有限公司", "also bad", ""]]
    job, result = run_import(admin, "customers", write_file(tmp_path, "a.csv", csv_bytes(rows)))
    assert Customer.objects.count() == 0
    assert (result.created, result.failed, result.rolled_back) == (0, 2, True)
    assert [(e.row, e.column) for e in result.errors] == [(3, "邮箱"), (5, "邮箱")]
    job.refresh_from_db()
    assert (job.status, job.failed, job.processed, job.total) == (ImportStatus.ROLLED_BACK, 2, 4, 4)


def test_row_by_row_keeps_the_good_rows(admin, media_root, tmp_path):
    _job, result = run_import(admin, "customers", write_file(tmp_path, "a.csv", csv_bytes(ROWS)), atomic=False)
    assert (result.created, result.failed) == (2, 1)
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["丙有限公司", "甲有限公司"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_error_report_holds_the_failed_rows_with_an_error_column(admin, media_root, tmp_path, fmt):
    job, _result = run_import(admin, "customers", write_file(tmp_path, "a.csv", csv_bytes(ROWS)), atomic=False)
    response = error_report_response(job=job, fmt=fmt)
    data = response_bytes(response)
    rows = read_xlsx(data) if fmt == "xlsx" else [r.split(",") for r in data.decode("utf-8-sig").splitlines()]
    assert rows[0][:4] == ["row", "客户名称", "邮箱", "统一社会信用代码"]
    assert len(rows) == 2
    assert [str(v) for v in rows[1][:3]] == ["3", "乙有限公司", "not-an-email"]
    assert "邮箱" in str(rows[1][-1]) and "not-an-email" in str(rows[1][-1])
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_modes_and_matching_on_credit_code(admin, media_root, tmp_path):
    code = "91110108MA01A2B3C4"
    from forpcrm.customers.normalize import credit_code_check_digit

    code = code[:17] + credit_code_check_digit(code[:17])
    existing = customer_create(by=admin, data={"name": "旧名称有限公司", "credit_code": code})
    rows = [["客户名称", "统一社会信用代码", "备注"], ["新名称有限公司", code, "更新"], ["全新有限公司", "", "新建"]]
    path = write_file(tmp_path, "m.csv", csv_bytes(rows))

    _job, created_only = run_import(admin, "customers", path, mode="create", match_on=["credit_code"])
    assert (created_only.created, created_only.skipped) == (1, 1)
    assert "旧名称有限公司" in created_only.skips[0].reason

    _job, update_only = run_import(admin, "customers", path, mode="update", match_on=["credit_code"])
    assert (update_only.created, update_only.updated, update_only.skipped) == (0, 1, 1)
    existing.refresh_from_db()
    assert (existing.name, existing.remarks) == ("新名称有限公司", "更新")

    _job, upsert = run_import(admin, "customers", path, mode="upsert", match_on=["credit_code", "name"])
    assert (upsert.created, upsert.updated, upsert.unchanged) == (0, 0, 2)
    assert Customer.objects.count() == 2


def test_parent_named_later_is_resolved_and_unknown_parent_is_reported(admin, media_root, tmp_path):
    rows = [["客户名称", "上级公司"], ["子公司甲", "集团总部"], ["集团总部", ""], ["子公司乙", "不存在集团"]]
    _job, result = run_import(admin, "customers", write_file(tmp_path, "p.csv", csv_bytes(rows)))
    assert (result.created, result.failed) == (3, 0)
    assert Customer.objects.get(name="子公司甲").parent.name == "集团总部"
    assert Customer.objects.get(name="子公司乙").parent is None
    assert [(w.row, w.column) for w in result.warnings if "不存在集团" in w.reason] == [(4, "上级公司")]


def test_user_defined_fields_import_by_label(admin, media_root, tmp_path):
    FieldDefinition.objects.create(entity="customer", code="tier", label="客户层级", field_type="choice",
                                   options=[{"value": "gold", "label": "金牌"}, {"value": "silver", "label": "银牌"}])
    FieldDefinition.objects.create(entity="customer", code="signed", label="签约日期", field_type="date")
    rows = [["客户名称", "客户层级", "签约日期"], ["甲有限公司", "金牌", "07/03/2019"], ["乙有限公司", "铜牌", ""]]
    job, result = run_import(admin, "customers", write_file(tmp_path, "u.csv", csv_bytes(rows)), atomic=False)
    assert job.mapping == {"0": "name", "1": "custom.tier", "2": "custom.signed"}
    assert (result.created, result.failed) == (1, 1)
    assert Customer.objects.get().custom == {"tier": "gold", "signed": "2019-03-07"}
    assert (result.errors[0].row, result.errors[0].column) == (3, "客户层级")


def test_scope_a_rep_cannot_update_someone_elses_customer(admin, sales_rep, roles, media_root, tmp_path):
    sales_rep.roles.add(roles["sales_manager"])  # gives the customers import permission
    sales_rep.__dict__.pop("_forp_grants", None)
    customer_create(by=admin, data={"name": "别人的有限公司"})
    path = write_file(tmp_path, "s.csv", csv_bytes([["客户名称", "备注"], ["别人的有限公司", "改"]]))
    _job, result = run_import(sales_rep, "customers", path, mode="update", match_on=["name"])
    assert result.failed == 1
    assert "may not change" in result.errors[0].reason
    assert Customer.objects.get().remarks == ""


def test_import_needs_the_import_permission(sales_rep, media_root, tmp_path):
    with pytest.raises(PermissionDeniedError):
        import_job_create(user=sales_rep, entity="customers", upload=io.BytesIO(b"name\nA\n"), name="a.csv")
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("name,payload,message", [
    ("setup.xlsx", b"MZ\x90\x00" + b"\x00" * 200, "not a spreadsheet"),
    ("report.csv", b"\x7fELF" + b"\x00" * 200, "not a spreadsheet"),
    ("fake.xlsx", b"name\nA\n", "not an Excel workbook"),
])
def test_uploads_that_are_not_spreadsheets_are_refused(admin, media_root, name, payload, message):
    with pytest.raises(ApplicationError) as refused:
        import_job_create(user=admin, entity="customers", upload=SimpleUploadedFile(name, payload))
    assert message in refused.value.message
    assert ImportJob.objects.count() == 0


def test_oversized_upload_is_refused(admin, media_root, settings):
    settings.FORPCRM_MAX_IMPORT_BYTES = 1024 * 1024
    big = SimpleUploadedFile("big.csv", b"name\n" + b"x" * (1024 * 1024 + 10))
    with pytest.raises(ApplicationError, match="larger than the limit of 1 MB"):
        import_job_create(user=admin, entity="customers", upload=big)
    assert not list((media_root / "imports").glob("*")) if (media_root / "imports").exists() else True


def test_path_parts_are_reduced_to_the_base_name(admin, media_root):
    job = import_job_create(user=admin, entity="customers", upload=SimpleUploadedFile("../../etc/客户.csv", b"name\nA\n"))
    assert job.original_name == "客户.csv"
    assert str(media_root) in job.stored_path and ".." not in job.stored_path
    job = import_job_create(user=admin, entity="customers", upload=SimpleUploadedFile("C:\\x\\..\\b.csv", b"name\nA\n"))
    assert job.original_name == "b.csv"


def test_preset_saved_and_used_for_auto_mapping(admin, media_root):
    job = import_job_create(user=admin, entity="customers", upload=SimpleUploadedFile("a.csv", "公司全称,随便\n甲,乙\n".encode()))
    assert job.mapping == {}
    import_job_configure(job=job, mapping={"0": "name", "1": "remarks"}, options={"mode": "create"}, save_as="我的预设")
    assert MappingPreset.objects.get().mapping == {"公司全称": "name", "随便": "remarks"}
    again = import_job_create(user=admin, entity="customers", preset="我的预设",
                              upload=SimpleUploadedFile("b.csv", "公司全称,随便\n丙,丁\n".encode()))
    assert again.mapping == {"0": "name", "1": "remarks"}
    assert again.options["mode"] == "create"


def test_job_runs_through_the_celery_task(admin, media_root, django_capture_on_commit_callbacks):
    job = import_job_create(user=admin, entity="customers", upload=SimpleUploadedFile("a.csv", "客户名称\n甲\n乙\n".encode()))
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(job=job)
    job.refresh_from_db()
    assert (job.status, job.total, job.processed, job.created, job.percent) == (ImportStatus.DONE, 2, 2, 2, 100)
    with pytest.raises(ApplicationError):
        import_job_start(job=job)


def test_command_line_import_and_export(admin, media_root, tmp_path, capsys):
    path = write_file(tmp_path, "c.csv", csv_bytes([["客户名称", "所属行业"], ["命令行有限公司", ""]]))
    call_command("import_file", "customers", str(path), user="admin")
    assert Customer.objects.filter(name="命令行有限公司").count() == 1

    output = tmp_path / "out.xlsx"
    assert cli_main(["export", "customers", "--format", "xlsx", "--output", str(output), "--user", "admin",
                     "--filter", "q=命令行"]) == 0
    rows = read_xlsx(output.read_bytes())
    assert [r[0] for r in rows[1:]] == ["命令行有限公司"]

    bad = write_file(tmp_path, "bad.csv", csv_bytes([["客户名称", "邮箱"], ["X", "bad"]]))
    assert cli_main(["import", "customers", str(bad), "--user", "admin"]) == 1
    assert "nothing was imported" in capsys.readouterr().err
    assert cli_main(["import", "customers", str(path), "--mapping", "no_such_preset", "--user", "admin"]) == 1


def test_preview_shows_errors_and_duplicate_matches_without_writing(admin, media_root):
    from forpcrm.imports.services import import_job_preview

    customer_create(by=admin, data={"name": "甲有限公司"})
    job = import_job_create(user=admin, entity="customers", options={"match_on": ["credit_code"]},
                            upload=SimpleUploadedFile("a.csv", csv_bytes(ROWS)))
    rows = import_job_preview(job=job)
    assert [r.row for r in rows] == [2, 3, 4]
    assert rows[0].duplicates and rows[0].duplicates[0].startswith("甲有限公司")
    assert rows[0].action == "create"
    assert [(e.row, e.column) for e in rows[1].errors] == [(3, "邮箱")]
    assert Customer.objects.count() == 1
