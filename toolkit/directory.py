"""The unit directory (inputs/单位名录.xlsx) and collective names (各镇街, 区直相关部门 …).

Collective names stand for groups of units. 各…/…各部门 mean every directory unit of one 类别;
相关…/有关… mean only the members the clerk lists for that task in 责任分工.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import ToolkitError, ToolkitWarning
from toolkit.models import LEAD, SOURCE_CLERK, Ledger
from toolkit.workspace import Workspace

CATEGORIES = ("区直部门", "镇街", "园区", "其他")
DIRECTORY_SHEET = "单位名录"
COLLECTIVE_SHEET = "统称说明"
DIRECTORY_HEADERS = ("名称", "别名", "类别", "联系人", "电话")

_COLLECTIVE = re.compile(
    r"^(?:(?P<scope>[区县市镇乡])[直级]?)?(?P<quant>各有关|各相关|其他有关|其它有关|各|相关|有关|其他|其它)?"
    r"(?P<noun>镇街道?|乡镇(?:（街道）|\(街道\)|街道)?|镇（街道）|镇\(街道\)|街道|乡|镇|园区|部门|单位|县市区"
    r"|乡镇政府|镇政府|街道办事处|区县政府|县市区政府|县区政府|区县|县区|县（市、区）(?:政府)?)"
    r"(?:[（(][^（）()]*[）)])?$")
# groups of other governments: never a category of this office's directory, so only the units listed per task
_OUTSIDE_NOUNS = ("区县政府", "县市区政府", "县区政府", "区县", "县区", "县市区", "县（市、区）", "县（市、区）政府")
_RELATED_WORDS = ("相关", "有关", "其他", "其它")


@dataclass(frozen=True)
class Collective:
    """How a collective name expands: every unit of `category`, or only the ones listed per task."""
    name: str
    category: str
    related_only: bool

    @property
    def explanation(self) -> str:
        if self.related_only:
            return f"只包括在“责任分工”表中为该任务逐一列出的{self.category}单位（由督查室按任务补列）"
        return f"单位名录中类别为“{self.category}”的全部单位"


def collective(name: str) -> Collective | None:
    """Recognise 各镇街, 相关镇街, 区直各部门, 区直相关部门, 各乡镇, 县直有关部门 … (None for a named unit)."""
    m = _COLLECTIVE.match(name.strip())
    if not m or not (m["quant"] or m["scope"]):
        return None
    if m["scope"] and not m["quant"]:
        return None  # 区直部门 alone is not used as a group name
    noun = m["noun"]
    if any(ch in noun for ch in "镇乡街"):
        category = "镇街"
    elif noun == "园区":
        category = "园区"
    elif m["scope"] or noun == "部门":
        category = "区直部门"
    else:
        category = "其他"
    related = any(word in m["quant"] for word in _RELATED_WORDS) or noun in _OUTSIDE_NOUNS
    return Collective(name, category, related_only=related)


def guess_category(name: str) -> str:
    """类别 from the name: …镇/…街道/…乡 → 镇街; 区…局/委/办/中心 … → 区直部门; …园区/…新城… → 园区."""
    if re.search(r"(镇|乡|街道|街道办事处)$", name):
        return "镇街"
    if "园区" in name or "新城" in name or "开发区" in name or "高新区" in name:
        return "园区"
    if re.match(r"^[区县市]", name) and re.search(r"(局|委|办|办公室|中心|分局|部|院|所|会|社|联|队|站|处)$", name):
        return "区直部门"
    return "其他"


@dataclass
class Unit:
    name: str
    aliases: list[str] = field(default_factory=list)
    category: str = "其他"
    contact: str = ""
    phone: str = ""


def _normalise(name: str) -> str:
    return re.sub(r"\s+", "", name).replace("(", "（").replace(")", "）")


@dataclass
class Directory:
    units: list[Unit]

    def __post_init__(self):
        self._index: dict[str, Unit] = {}
        for unit in self.units:
            for key in [unit.name, *unit.aliases]:
                self._index.setdefault(_normalise(key), unit)

    def find(self, name_or_alias: str) -> Unit | None:
        return self._index.get(_normalise(name_or_alias))

    def of_category(self, category: str) -> list[Unit]:
        return [u for u in self.units if u.category == category]


# ----------------------------------------------------------------------------------------------- files

def load_directory(ws: Workspace) -> Directory:
    if not ws.directory.exists():
        raise ToolkitError(f"找不到单位名录 {ws.directory}。请先运行 toolkit parse 生成，或按模板自行建立。")
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(ws.directory))
        rows = book.get_sheet_by_name(DIRECTORY_SHEET).to_python()
    except Exception as exc:  # noqa: BLE001 - any reader failure means the clerk must fix the file
        raise ToolkitError(f"单位名录 {ws.directory.name} 无法读取（{exc}）。请确认它是 Excel 文件，"
                           f"且有名为“{DIRECTORY_SHEET}”的工作表。") from exc
    return Directory(_units_from_rows(rows))


def _units_from_rows(rows: list[list]) -> list[Unit]:
    if not rows:
        return []
    header = [str(c).strip() for c in rows[0]]
    col = {h: i for i, h in enumerate(header)}
    if "名称" not in col:
        raise ToolkitError("单位名录第1行缺少“名称”列，请恢复表头：名称、别名、类别、联系人、电话。")

    def cell(row, key):
        i = col.get(key)
        value = row[i] if i is not None and i < len(row) else ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a phone number typed as a number
        return str(value).strip()

    units = []
    for row in rows[1:]:
        name = cell(row, "名称")
        if not name:
            continue
        aliases = [a for a in re.split(r"[、，,；;\s]+", cell(row, "别名")) if a]
        category = cell(row, "类别") or guess_category(name)
        if category not in CATEGORIES:
            warnings.warn(f"单位名录中“{name}”的类别“{category}”不在 {('、'.join(CATEGORIES))} 之中，按“其他”处理。",
                          ToolkitWarning)
            category = "其他"
        units.append(Unit(name, aliases, category, cell(row, "联系人"), cell(row, "电话")))
    return units


def write_directory(path: Path, units: list[Unit], collectives: list[Collective]) -> None:
    from toolkit.sheets import write_table_workbook

    unit_rows = [[u.name, "、".join(u.aliases), u.category, u.contact, u.phone] for u in units]
    collective_rows = [[c.name, c.category, c.explanation] for c in collectives]
    write_table_workbook(path, [
        (DIRECTORY_SHEET, list(DIRECTORY_HEADERS), unit_rows),
        (COLLECTIVE_SHEET, ["统称", "对应类别", "展开方式"], collective_rows),
    ])


def directory_from_ledger(ledger: Ledger) -> tuple[list[Unit], list[Collective]]:
    """Every named unit of the notice with a guessed 类别, and the collective names used."""
    units: dict[str, Unit] = {}
    collectives: dict[str, Collective] = {}
    for a in ledger.assignments:
        group = collective(a.unit)
        if group:
            collectives.setdefault(a.unit, group)
        else:
            units.setdefault(a.unit, Unit(a.unit, category=guess_category(a.unit)))
    return list(units.values()), list(collectives.values())


def ensure_directory(ws: Workspace, ledger: Ledger) -> list[str]:
    """Create inputs/单位名录.xlsx from the ledger if missing; return warnings for the clerk."""
    units, collectives = directory_from_ledger(ledger)
    notes = []
    if not ws.directory.exists():
        write_directory(ws.directory, units, collectives)
        notes.append(f"已生成单位名录 {ws.directory}，共 {len(units)} 个单位，类别为自动推定，请核对。")
        directory = Directory(units)
    else:
        directory = load_directory(ws)
        missing = [u.name for u in units if directory.find(u.name) is None]
        if missing:
            notes.append(f"单位名录中没有以下通知中的单位，请补充：{'、'.join(missing)}。")
    towns = directory.of_category("镇街")
    if any(not c.related_only and c.category == "镇街" for c in collectives) or towns:
        notes.append(f"单位名录中只有 {len(towns)} 个镇街（{'、'.join(u.name for u in towns) or '无'}），"
                     f"“各镇街”将只下发给这些单位。请在 {ws.directory.name} 中补全本区全部镇街（类别填“镇街”）。")
    return notes


# ----------------------------------------------------------------------------------------------- expansion

def unit_tasks(ledger: Ledger, directory: Directory, known_only: bool = False) -> dict[str, list[tuple[str, str]]]:
    """Every named unit → [(task id, 主办/协办)] in task order, collective names expanded.

    A unit named for a task keeps its own role even when a collective also covers it. With `known_only`, names
    that are not in 单位名录 are left out (a typo gets no form and is not expected to report, see
    unknown_unit_notes).
    """
    named: dict[tuple[str, str], str] = {}
    expanded: dict[tuple[str, str], str] = {}
    for a in ledger.assignments:
        group = collective(a.unit)
        if group is None:
            unit = directory.find(a.unit)
            _keep_stronger(named, (unit.name if unit else a.unit, a.task_id), a.role)
        elif not group.related_only:
            for unit in directory.of_category(group.category):
                _keep_stronger(expanded, (unit.name, a.task_id), a.role)
    roles = {**expanded, **named}
    order = {t.id: t.seq for t in ledger.tasks}
    result: dict[str, list[tuple[str, str]]] = {}
    for (unit, task_id), role in sorted(roles.items(), key=lambda kv: order.get(kv[0][1], 0)):
        result.setdefault(unit, []).append((task_id, role))
    return known_units(result, directory) if known_only else result


def known_units(held: dict[str, list[tuple[str, str]]], directory: Directory) -> dict[str, list[tuple[str, str]]]:
    """The units of unit_tasks(…) that are in 单位名录 (a collective's units all are; a name that is not is left
    out): what unit_tasks(…, known_only=True) gives, for a caller that has the full expansion already."""
    return {unit: tasks for unit, tasks in held.items() if directory.find(unit) is not None}


def unknown_units(ledger: Ledger, directory: Directory) -> dict[str, list[str]]:
    """Names in 责任分工 that are neither in 单位名录 (names and aliases) nor a collective → their task ids."""
    found: dict[str, list[str]] = {}
    for a in ledger.assignments:
        if collective(a.unit) is None and directory.find(a.unit) is None:
            found.setdefault(a.unit, []).append(a.task_id)
    return found


def nearest_unit(name: str, directory: Directory) -> str | None:
    """The directory unit whose name or alias is closest to `name` (区商务局局 → 区商务局)."""
    import difflib

    spelled = {n: u.name for u in directory.units for n in (u.name, *u.aliases)}
    close = difflib.get_close_matches(name, list(spelled), n=1, cutoff=0.5)
    return spelled[close[0]] if close else None


def unknown_unit_notes(ledger: Ledger, directory: Directory, directory_name: str = "单位名录.xlsx") -> list[str]:
    """One warning per unknown name: where it is, the nearest directory entry, and what to do."""
    notes = []
    for name, task_ids in unknown_units(ledger, directory).items():
        nearest = nearest_unit(name, directory)
        guess = f"最接近的是单位名录中的“{nearest}”；" if nearest else ""
        notes.append(f"责任分工表中的“{name}”（第{'、'.join(task_ids)}项任务）不在单位名录中，{guess}本次不为它生成填报表，"
                     f"也不计入应报单位。如是笔误，请在台账“责任分工”表中改正；如是新单位，请把它加入 {directory_name}。")
    return notes


def _keep_stronger(roles: dict, key: tuple[str, str], role: str) -> None:
    if roles.get(key) != LEAD:
        roles[key] = role


def unresolved_collectives(ledger: Ledger, directory: Directory) -> list[tuple[str, str]]:
    """(task id, collective name) pairs that expand to no unit at all.

    A 相关… name is resolved once the clerk has added (来源 人工) at least one unit of its 类别 to the task.
    """
    clerk_listed: set[tuple[str, str]] = {   # (task id, 类别) of the units the clerk added by hand
        (b.task_id, _category_of(b.unit, directory)) for b in ledger.assignments
        if b.source == SOURCE_CLERK and collective(b.unit) is None}
    unresolved = []
    for a in ledger.assignments:
        group = collective(a.unit)
        if group is None:
            continue
        if group.related_only:
            if (a.task_id, group.category) not in clerk_listed:
                unresolved.append((a.task_id, a.unit))
        elif not directory.of_category(group.category):
            unresolved.append((a.task_id, a.unit))
    return unresolved


def _category_of(name: str, directory: Directory) -> str:
    unit = directory.find(name)
    return unit.category if unit else guess_category(name)

