"""The contract's code lists (industry, region, product ...): code -> (中文, English) labels."""

from __future__ import annotations

__all__ = ["CODES"]

# Code lists: code -> (中文, English). Sources may use the code or either label.
CODES: dict[str, dict[str, tuple[str, str]]] = {
    "industry": {
        "energy": ("能源电力", "Energy & power"),
        "renewables": ("新能源", "Renewable energy"),
        "infrastructure": ("基础设施", "Infrastructure"),
        "transport": ("交通物流", "Transport & logistics"),
        "manufacturing": ("制造业", "Manufacturing"),
        "real_estate": ("房地产", "Real estate"),
        "construction": ("建筑工程", "Construction"),
        "mining": ("采矿冶金", "Mining & metals"),
        "chemicals": ("化工", "Chemicals"),
        "agriculture": ("农业", "Agriculture"),
        "technology": ("信息技术", "Technology"),
        "healthcare": ("医疗健康", "Healthcare"),
        "retail": ("批发零售", "Wholesale & retail"),
        "utilities": ("公用事业", "Utilities"),
    },
    "region": {
        "east": ("华东", "East China"),
        "south": ("华南", "South China"),
        "north": ("华北", "North China"),
        "central": ("华中", "Central China"),
        "southwest": ("西南", "Southwest China"),
        "northwest": ("西北", "Northwest China"),
        "northeast": ("东北", "Northeast China"),
        "overseas": ("境外", "Overseas"),
    },
    "size_class": {
        "large": ("大型", "Large"),
        "medium": ("中型", "Medium"),
        "small": ("小型", "Small"),
        "micro": ("微型", "Micro"),
    },
    "lifecycle_stage": {
        "acquisition": ("获客", "Acquisition"),
        "assessment": ("评估", "Assessment"),
        "execution": ("执行", "Execution"),
        "maintenance": ("维护", "Maintenance"),
        "exit": ("退出", "Exit"),
    },
    "risk_appetite": {
        "conservative": ("保守", "Conservative"),
        "moderate": ("稳健", "Moderate"),
        "aggressive": ("进取", "Aggressive"),
    },
    "product": {
        "project_finance": ("项目融资", "Project finance"),
        "long_term": ("中长期贷款", "Long-term loan"),
        "short_term": ("短期贷款", "Short-term loan"),
        "working_capital": ("流动资金贷款", "Working capital"),
        "trade_finance": ("贸易融资", "Trade finance"),
        "syndicated": ("银团贷款", "Syndicated loan"),
    },
    "collateral_type": {
        "mortgage": ("抵押", "Mortgage"),
        "pledge": ("质押", "Pledge"),
        "guarantee": ("保证", "Guarantee"),
        "project_assets": ("项目资产", "Project assets"),
        "unsecured": ("信用", "Unsecured"),
    },
    "facility_status": {
        "active": ("存续", "Active"),
        "closed": ("结清", "Closed"),
        "default": ("违约", "Default"),
        "restructured": ("重组", "Restructured"),
    },
    "project_status": {
        "planned": ("未开工", "Planned"),
        "in_progress": ("在建", "In progress"),
        "completed": ("完工", "Completed"),
        "suspended": ("停工", "Suspended"),
    },
    "milestone_status": {
        "pending": ("未开始", "Pending"),
        "in_progress": ("进行中", "In progress"),
        "done": ("已完成", "Done"),
    },
    "channel": {
        "visit": ("上门拜访", "On-site visit"),
        "phone": ("电话", "Phone"),
        "email": ("邮件", "Email"),
        "online": ("网银/线上", "Online"),
        "branch": ("网点", "Branch"),
        "wechat": ("微信", "WeChat"),
    },
    "interaction_type": {
        "visit": ("拜访", "Visit"),
        "call": ("电话沟通", "Call"),
        "service": ("服务", "Service"),
        "complaint": ("投诉", "Complaint"),
    },
    "complaint_category": {
        "pricing": ("价格费率", "Pricing and fees"),
        "approval_speed": ("审批效率", "Approval speed"),
        "documentation": ("材料手续", "Documentation burden"),
        "rm_responsiveness": ("客户经理响应", "RM responsiveness"),
        "product_fit": ("产品匹配", "Product fit"),
        "digital_channels": ("线上渠道", "Digital channels"),
        "other": ("其他", "Other"),
    },
    "need_type": {
        "new_loan": ("新增贷款", "New loan"),
        "refinancing": ("再融资", "Refinancing"),
        "working_capital": ("流动资金", "Working capital"),
        "fx_hedging": ("汇率避险", "FX hedging"),
        "cash_management": ("现金管理", "Cash management"),
        "advisory": ("财务顾问", "Advisory"),
        "guarantee": ("保函", "Guarantee"),
    },
    "currency": {
        "CNY": ("人民币", "Chinese yuan"),
        "USD": ("美元", "US dollar"),
        "EUR": ("欧元", "Euro"),
        "HKD": ("港币", "Hong Kong dollar"),
    },
    "relationship_type": {
        "shareholding": ("持股", "Shareholding"),
        "guarantee": ("担保", "Guarantee"),
        "supply_chain": ("供应链", "Supply chain"),
    },
}
