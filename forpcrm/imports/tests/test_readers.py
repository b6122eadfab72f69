"""Readers: encodings, delimiters, magic bytes, streaming in batches."""

import zipfile

import pytest

from forpcrm.imports.readers import UnreadableFile, open_table
from forpcrm.imports.testing import csv_bytes, write_file, xlsx_bytes


def test_utf8_with_and_without_bom_give_the_same_headers(tmp_path):
    rows = [["email", "name", "phone"], ["a@example.com", "张三", "13800138000"]]
    with_bom = open_table(write_file(tmp_path, "a.csv", csv_bytes(rows, bom=True)))
    without = open_table(write_file(tmp_path, "b.csv", csv_bytes(rows)))
    assert with_bom.headers == without.headers == ["email", "name", "phone"]
    assert list(with_bom.rows()) == list(without.rows()) == [(2, ["a@example.com", "张三", "13800138000"])]
    assert (with_bom.encoding, without.encoding) == ("utf-8-sig", "utf-8-sig")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_chinese_excel_encodings(tmp_path, encoding):
    rows = [["客户名称", "联系人"], ["杭州示例科技有限公司", "王芳"]]
    table = open_table(write_file(tmp_path, "c.csv", csv_bytes(rows, encoding=encoding)))
    assert table.encoding == "gb18030"
    assert table.headers == ["客户名称", "联系人"]
    assert list(table.rows()) == [(2, ["杭州示例科技有限公司", "王芳"])]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    rows = [["name", "phone", "remarks"], ["甲, 乙公司", "1", "x"]]
    table = open_table(write_file(tmp_path, "d.csv", csv_bytes(rows, delimiter=delimiter)))
    assert table.delimiter == delimiter
    assert list(table.rows()) == [(2, ["甲, 乙公司", "1", "x"])]


def test_blank_rows_are_skipped_and_row_numbers_stay_true(tmp_path):
    data = b"name\r\nA\r\n\r\n,\r\nB\r\n"
    assert list(open_table(write_file(tmp_path, "e.csv", data)).rows()) == [(2, ["A"]), (5, ["B"])]


def test_xlsx_is_read_by_content(tmp_path):
    table = open_table(write_file(tmp_path, "renamed.csv", xlsx_bytes([["name", "n"], ["甲", 3]])))
    assert table.file_format == "xlsx"
    assert list(table.rows()) == [(2, ["甲", 3])]


@pytest.mark.parametrize("payload,message", [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100, "not a spreadsheet"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "not a spreadsheet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Old Excel"),
    (b"name\x00\x00\x01\x02binary", "binary"),
    (b"", "empty"),
])
def test_non_spreadsheets_are_refused(tmp_path, payload, message):
    with pytest.raises(UnreadableFile) as refused:
        open_table(write_file(tmp_path, "x.xlsx" if payload.startswith(b"MZ") else "x.csv", payload))
    assert message in str(refused.value)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(UnreadableFile, match="not an Excel workbook"):
        open_table(path)


def test_batches_stream_without_reading_everything(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as out:
        out.write("name\n")
        for i in range(1234):
            out.write(f"客户{i}\n")
    table = open_table(path)
    sizes = [len(b) for b in table.batches(500)]
    assert sizes == [500, 500, 234]
    assert table.count_rows() == 1234
