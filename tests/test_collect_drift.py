"""Units change the issued workbook's shape; what they wrote must still be read by header and task id."""
from __future__ import annotations

from test_collect import collect, fill, issued, keys, meta_of, returns
from test_collect import issued_workspace, unit, ws  # noqa: F401 - pytest fixtures shared with test_collect


def held_tasks(ws, unit) -> list[str]:
    return meta_of(issued(ws, unit))["tasks"].split(",")


def test_meta_sheet_deleted_identity_from_properties_still_signed(ws, unit):
    def drop_meta(book):
        del book["_meta"]
    target = fill(issued(ws, unit), returns(ws) / "民政局.xlsx", edit=drop_meta)
    outcome = collect(ws)
    assert not {p.code for p in outcome.problems} & {"unsigned", "bad-signature"}, keys(outcome)
    assert {r.task_id for r in outcome.verdicts[0].records} == set(held_tasks(ws, unit))
    assert target.name == outcome.verdicts[0].name


def test_meta_deleted_and_properties_edited_is_a_bad_signature(ws, unit):
    def forge(book):
        del book["_meta"]
        for prop in book.custom_doc_props.props:
            if prop.name == "TK_UNIT":
                prop.value = "区财政局"
    fill(issued(ws, unit), returns(ws) / "民政局.xlsx", edit=forge)
    outcome = collect(ws)
    assert "bad-signature" in {p.code for p in outcome.problems}
    assert outcome.exit_code == 1 and not outcome.verdicts[0].records


def test_inserted_column_reordered_rows_and_renamed_sheet(ws, unit):
    def reshape(book):
        sheet = book["任务填报"]
        sheet.title = "Sheet1"
        sheet.insert_cols(3)                       # a unit's own 备注 column between 任务内容 and 本单位角色
        sheet.cell(3, 3).value = "备注"
        first, count = 4, len(held_tasks(ws, unit))
        rows = [[sheet.cell(r, c).value for c in range(1, 14)] for r in range(first, first + count)]
        for offset, values in enumerate(reversed(rows)):   # sorted the other way round
            for c, value in enumerate(values, start=1):
                sheet.cell(first + offset, c).value = value
    target = fill(issued(ws, unit), returns(ws) / "民政局.xlsx", progress=55, edit=reshape)
    outcome = collect(ws)
    assert not [p for p in outcome.problems if p.is_error], keys(outcome)
    records = outcome.verdicts[0].records
    assert {r.task_id for r in records} == set(held_tasks(ws, unit))
    assert {r.progress for r in records} == {55}
    assert target.name == outcome.verdicts[0].name
