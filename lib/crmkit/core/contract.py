"""The data contract: the tables of a portfolio, their columns, types, units and code lists.

Everything else (the collect stage, the sample generator, the collection template and the docs
page ``docs/data-contract.md``) is driven by the definitions here, so they cannot drift apart.

Money is in CNY yuan (元) after collection; a source may declare 万元 or 亿元 per column in the
parameters file (``units:``) or in its header (``金额(万元)``). Rates are fractions (0.045 for
4.5 %); ``"4.5%"`` is read as 0.045.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from crmkit.core.codes import CODES

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

__all__ = [
    "Column",
    "Table",
    "CODES",
    "TABLES",
    "TABLE_ORDER",
    "table",
    "code_label",
]

Kind = Literal["id", "str", "text", "int", "float", "money", "rate", "date", "bool", "code"]

@dataclass(frozen=True)
class Column:
    """One column of a contract table.

    ``kind`` decides parsing: ``money`` is CNY yuan (unit-converted), ``rate`` a fraction,
    ``code`` one of ``CODES[codes]``. ``minimum``/``maximum`` are inclusive range checks.
    ``pii`` marks personal data masked in exports.
    """

    name: str
    kind: Kind
    zh: str
    en: str
    required: bool = False
    codes: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    pii: bool = False
    note: str = ""

    @property
    def header(self) -> str:
        """The bilingual header used in the collection template: ``中文 / English``."""
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class Table:
    """A contract table: its columns, primary key and foreign keys (column -> parent table)."""

    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    foreign_keys: dict[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, kind: Kind, zh: str, en: str, **kw: object) -> Column:
    return Column(name, kind, zh, en, **kw)  # type: ignore[arg-type]


_MONEY = {"kind": "money", "unit": "CNY"}

TABLES: dict[str, Table] = {}


def _add(t: Table) -> None:
    TABLES[t.name] = t


_add(Table(
    "clients", "客户", "Clients",
    (
        _c("client_id", "id", "客户编号", "Client ID", required=True),
        _c("client_name", "str", "客户名称", "Client name", required=True),
        _c("legal_rep", "str", "法定代表人", "Legal representative", pii=True),
        _c("credit_code", "str", "统一社会信用代码", "Unified credit code", pii=True),
        _c("registered_capital", "money", "注册资本", "Registered capital", unit="CNY", minimum=0),
        _c("industry", "code", "行业", "Industry", required=True, codes="industry"),
        _c("region", "code", "地区", "Region", required=True, codes="region"),
        _c("province", "str", "省份", "Province"),
        _c("size_class", "code", "企业规模", "Size class", codes="size_class"),
        _c("lifecycle_stage", "code", "生命周期阶段", "Lifecycle stage", required=True,
           codes="lifecycle_stage"),
        _c("relationship_manager", "str", "客户经理", "Relationship manager", required=True),
        _c("onboarding_date", "date", "建立关系日期", "Onboarding date", required=True),
        _c("risk_appetite", "code", "风险偏好", "Risk appetite", codes="risk_appetite"),
        _c("group_name", "str", "所属集团", "Parent group",
           note="Parent group for the client hierarchy; blank for a stand-alone client."),
    ),
    key=("client_id",),
    description="One row per corporate client.",
))

_add(Table(
    "financials", "财务报表", "Financials",
    (
        _c("client_id", "id", "客户编号", "Client ID", required=True),
        _c("fiscal_year", "int", "会计年度", "Fiscal year", required=True, minimum=1990,
           maximum=2100),
        _c("total_assets", "money", "资产总额", "Total assets", required=True, unit="CNY",
           minimum=0),
        _c("total_liabilities", "money", "负债总额", "Total liabilities", required=True,
           unit="CNY", minimum=0),
        _c("current_assets", "money", "流动资产", "Current assets", unit="CNY", minimum=0),
        _c("current_liabilities", "money", "流动负债", "Current liabilities", unit="CNY",
           minimum=0),
        _c("revenue", "money", "营业收入", "Revenue", required=True, unit="CNY", minimum=0),
        _c("net_income", "money", "净利润", "Net income", unit="CNY"),
        _c("ebitda", "money", "息税折旧摊销前利润", "EBITDA", unit="CNY"),
        _c("operating_cash_flow", "money", "经营活动现金流", "Operating cash flow", unit="CNY"),
        _c("interest_expense", "money", "利息支出", "Interest expense", unit="CNY", minimum=0),
        _c("debt_service", "money", "应还本息", "Debt service", unit="CNY", minimum=0,
           note="Principal and interest due in the year (the DSCR denominator)."),
    ),
    key=("client_id", "fiscal_year"),
    foreign_keys={"client_id": "clients"},
    description="One row per client and fiscal year.",
))

_add(Table(
    "facilities", "授信业务", "Facilities",
    (
        _c("facility_id", "id", "业务编号", "Facility ID", required=True),
        _c("client_id", "id", "客户编号", "Client ID", required=True),
        _c("product", "code", "产品类型", "Product", required=True, codes="product"),
        _c("currency", "code", "币种", "Currency", codes="currency",
           note="Blank means CNY. Amounts are taken as given; no FX conversion is made."),
        _c("amount", "money", "合同金额", "Committed amount", required=True, unit="CNY",
           minimum=0),
        _c("outstanding", "money", "贷款余额", "Outstanding balance", unit="CNY", minimum=0),
        _c("start_date", "date", "起始日", "Start date", required=True),
        _c("maturity_date", "date", "到期日", "Maturity date", required=True),
        _c("interest_rate", "rate", "年利率", "Interest rate", required=True, minimum=0,
           maximum=0.5, unit="fraction per year"),
        _c("fees", "money", "年费用收入", "Annual fees", unit="CNY", minimum=0),
        _c("collateral_type", "code", "担保方式", "Collateral type", codes="collateral_type"),
        _c("status", "code", "状态", "Status", required=True, codes="facility_status"),
        _c("project_id", "id", "项目编号", "Project ID",
           note="The project this facility finances, if any."),
    ),
    key=("facility_id",),
    foreign_keys={"client_id": "clients"},
    description="One row per loan or credit facility.",
))

_add(Table(
    "repayments", "还款计划与记录", "Repayments",
    (
        _c("facility_id", "id", "业务编号", "Facility ID", required=True),
        _c("due_date", "date", "应还日", "Due date", required=True),
        _c("amount_due", "money", "应还金额", "Amount due", required=True, unit="CNY",
           minimum=0),
        _c("paid_date", "date", "实还日", "Paid date",
           note="Blank while unpaid."),
        _c("amount_paid", "money", "实还金额", "Amount paid", unit="CNY", minimum=0),
    ),
    key=("facility_id", "due_date"),
    foreign_keys={"facility_id": "facilities"},
    description="One row per scheduled instalment, with its payment once made.",
))

_add(Table(
    "projects", "项目", "Projects",
    (
        _c("project_id", "id", "项目编号", "Project ID", required=True),
        _c("client_id", "id", "客户编号", "Client ID", required=True),
        _c("project_name", "str", "项目名称", "Project name", required=True),
        _c("planned_start", "date", "计划开工", "Planned start", required=True),
        _c("planned_end", "date", "计划完工", "Planned end", required=True),
        _c("actual_start", "date", "实际开工", "Actual start"),
        _c("actual_end", "date", "实际完工", "Actual end"),
        _c("status", "code", "状态", "Status", required=True, codes="project_status"),
        _c("investment", "money", "总投资", "Total investment", unit="CNY", minimum=0),
        _c("expected_return", "rate", "预期收益率", "Expected return (IRR)", minimum=-1,
           maximum=1, unit="fraction per year"),
    ),
    key=("project_id",),
    foreign_keys={"client_id": "clients"},
    description="One row per financed project.",
))

_add(Table(
    "milestones", "项目里程碑", "Milestones",
    (
        _c("milestone_id", "id", "里程碑编号", "Milestone ID", required=True),
        _c("project_id", "id", "项目编号", "Project ID", required=True),
        _c("milestone_name", "str", "里程碑名称", "Milestone", required=True),
        _c("planned_start", "date", "计划开始", "Planned start", required=True),
        _c("planned_end", "date", "计划完成", "Planned end", required=True),
        _c("actual_start", "date", "实际开始", "Actual start"),
        _c("actual_end", "date", "实际完成", "Actual end"),
        _c("status", "code", "状态", "Status", required=True, codes="milestone_status"),
    ),
    key=("milestone_id",),
    foreign_keys={"project_id": "projects"},
    description="One row per project milestone (for the Gantt chart and delay warnings).",
))

_add(Table(
    "interactions", "客户接触", "Interactions",
    (
        _c("interaction_id", "id", "记录编号", "Interaction ID", required=True),
        _c("client_id", "id", "客户编号", "Client ID", required=True),
        _c("date", "date", "日期", "Date", required=True),
        _c("channel", "code", "渠道", "Channel", required=True, codes="channel"),
        _c("type", "code", "类型", "Type", required=True, codes="interaction_type"),
        _c("response_hours", "float", "响应时长(小时)", "Response time (hours)", minimum=0,
           unit="hours"),
        _c("resolved", "bool", "是否解决", "Resolved"),
        _c("resolved_date", "date", "解决日期", "Resolved date"),
        _c("complaint_category", "code", "投诉类别", "Complaint category",
           codes="complaint_category",
           note="The bank's own complaint category, where it has one; blank otherwise."),
        _c("notes", "text", "记录内容", "Notes", pii=True,
           note="Free text (visit notes, complaint text); analysed by the voice stage."),
    ),
    key=("interaction_id",),
    foreign_keys={"client_id": "clients"},
    description="One row per contact: visits, calls, service requests and complaints.",
))

_add(Table(
    "surveys", "满意度调查", "Surveys",
    (
        _c("client_id", "id", "客户编号", "Client ID", required=True),
        _c("survey_date", "date", "调查日期", "Survey date", required=True),
        _c("csat", "int", "满意度(1-5)", "CSAT (1-5)", required=True, minimum=1, maximum=5),
        _c("nps", "int", "推荐意愿(0-10)", "NPS score (0-10)", required=True, minimum=0,
           maximum=10),
        _c("feedback", "text", "意见反馈", "Feedback", pii=True),
    ),
    key=("client_id", "survey_date"),
    foreign_keys={"client_id": "clients"},
    description="One row per survey answer.",
))

_add(Table(
    "needs", "客户需求", "Needs",
    (
        _c("need_id", "id", "需求编号", "Need ID", required=True),
        _c("client_id", "id", "客户编号", "Client ID", required=True),
        _c("request_date", "date", "提出日期", "Request date", required=True),
        _c("need_type", "code", "需求类型", "Need type", required=True, codes="need_type"),
        _c("requested_amount", "money", "需求金额", "Requested amount", unit="CNY", minimum=0),
        _c("term_months", "int", "期限(月)", "Term (months)", minimum=0, maximum=600,
           unit="months"),
        _c("collateral_offered", "code", "拟提供担保", "Collateral offered",
           codes="collateral_type"),
        _c("fulfilled", "bool", "是否满足", "Fulfilled", required=True),
    ),
    key=("need_id",),
    foreign_keys={"client_id": "clients"},
    description="One row per financing or service need a client expressed.",
))

_add(Table(
    "relationships", "关联关系", "Relationships",
    (
        _c("parent_id", "id", "上级客户编号", "Parent client ID", required=True,
           note="The shareholder, the guarantor or the supplier."),
        _c("child_id", "id", "下级客户编号", "Child client ID", required=True,
           note="The company held, the borrower guaranteed or the buyer."),
        _c("type", "code", "关系类型", "Relationship type", required=True,
           codes="relationship_type"),
        _c("share", "rate", "持股比例", "Share held", minimum=0, maximum=1, unit="fraction",
           note="Shareholding only: 0.6 or 60% for 60 %; above control_share (limits:) the "
                "child joins the parent's group."),
        _c("amount", "money", "担保金额", "Guaranteed amount", unit="CNY", minimum=0,
           note="Guarantee only; blank means the borrower's outstanding on facilities "
                "secured by a guarantee (保证)."),
    ),
    key=("parent_id", "child_id", "type"),
    foreign_keys={"parent_id": "clients", "child_id": "clients"},
    description="One row per link between two clients: shareholding, guarantee or supply "
                "chain (optional; groups otherwise come from clients.group_name).",
))

#: Parents before children, so referential checks can run in this order.
TABLE_ORDER: tuple[str, ...] = (
    "clients", "financials", "facilities", "repayments", "projects", "milestones",
    "interactions", "surveys", "needs", "relationships",
)

#: Tables a portfolio must provide; the others are optional (their stage steps are skipped).
REQUIRED_TABLES: tuple[str, ...] = ("clients", "facilities", "repayments")
__all__.append("REQUIRED_TABLES")


def table(name: str) -> Table:
    """The contract table called ``name``."""
    return TABLES[name]


def code_label(codes: str, code: str, lang: str = "zh") -> str:
    """The Chinese or English label of a code (the code itself if unknown)."""
    zh_en = CODES.get(codes, {}).get(code)
    if zh_en is None:
        return code
    return zh_en[0] if lang == "zh" else zh_en[1]


#: The pandas dtype of each kind in a *clean* (collected) table.
CLEAN_DTYPES: dict[str, str] = {
    "id": "string", "str": "string", "text": "string", "code": "string",
    "int": "Int64", "float": "float64", "money": "float64", "rate": "float64",
    "date": "datetime64[ns]", "bool": "boolean",
}
__all__ += ["CLEAN_DTYPES", "clean_dtypes", "empty_frame", "conform"]


def clean_dtypes(name: str) -> dict[str, str]:
    """Column -> pandas dtype of the clean table ``name``."""
    return {c.name: CLEAN_DTYPES[c.kind] for c in TABLES[name].columns}


def empty_frame(name: str) -> pd.DataFrame:
    """An empty clean table with every contract column and its dtype."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in clean_dtypes(name).items()})


def conform(name: str, df: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """Cast an already-valid frame to the clean dtypes, adding absent optional columns;
    ``columns``: only these contract columns (in the contract's order)."""
    import pandas as pd

    out = pd.DataFrame(index=df.index)
    dtypes = clean_dtypes(name)
    if columns is not None:
        keep = set(columns)
        dtypes = {c: d for c, d in dtypes.items() if c in keep}
    for col, dtype in dtypes.items():
        if col not in df:
            out[col] = pd.Series(index=df.index, dtype=dtype)
            continue
        s = df[col]
        if dtype.startswith("datetime"):
            out[col] = pd.to_datetime(s).astype("datetime64[ns]")
        else:
            out[col] = s.astype(dtype)
    return out.reset_index(drop=True)
