"""The fact model: every fact a case may carry, with its type and Chinese label.

This is the public contract of POLICIES.md's case format. Validation, the rules checker (which
facts an expression may name) and the SQL table layouts are all derived from these tables, so a
fact is declared once.
"""

from __future__ import annotations

from dataclasses import dataclass

MONEY = "money"  # yuan, Decimal >= 0
QUANTITY = "quantity"  # a non-negative decimal that is not money (kWh, m²)
BOOL = "bool"
DATE = "date"
INT = "int"
ENUM = "enum"
TEXT = "text"
KINDS = "kinds"  # the applicant's set of kinds

SQL_TYPES = {
    MONEY: "DECIMAL(38, 12)",
    QUANTITY: "DECIMAL(38, 12)",
    BOOL: "BOOLEAN",
    DATE: "DATE",
    INT: "INTEGER",
    ENUM: "VARCHAR",
    TEXT: "VARCHAR",
}


@dataclass(frozen=True)
class Fact:
    """One fact.

    Attributes:
        name: the snake_case name used in cases, rules, SQL and the API.
        type: one of MONEY, QUANTITY, BOOL, DATE, INT, ENUM, TEXT, KINDS.
        label: the Chinese name shown to users.
        values: the accepted values of an ENUM.
        other: whether ``other`` is accepted (the text's list ends in 等).
        required: whether a record of this kind must give it.
        positive: whether zero is refused too (``area``).
    """

    name: str
    type: str
    label: str
    values: tuple[str, ...] = ()
    other: bool = False
    required: bool = False
    positive: bool = False


def _facts(*facts: Fact) -> dict[str, Fact]:
    return {f.name: f for f in facts}


APPLICANT_KINDS: dict[str, str] = {
    "big_data": "大数据企业",
    "software": "软件企业",
    "electronic_info_manufacturing": "电子信息制造企业",
    "industrial": "工业企业",
    "telecom_operator": "基础电信企业",
    "tower_company": "铁塔公司",
    "university": "高校",
    "research_institute": "科研机构",
    "association": "行业协会",
    "professional_institution": "专业机构",
    "base_operator": "大数据产业基地运营主体",
    "local_government": "地方政府",
    "consortium": "数字经济共享服务联合体",
    "fortune500_affiliate": "世界500强关联企业",
}

ENTERPRISE = _facts(
    Fact("id", TEXT, "申报主体编号", required=True),
    Fact("name", TEXT, "名称"),
    Fact("credit_code", TEXT, "统一社会信用代码"),
    Fact("city", TEXT, "所在市"),
    Fact("county", TEXT, "所在县（市、区）"),
    Fact("founded", DATE, "成立日期"),
    Fact("kinds", KINDS, "主体类型"),
    Fact("registered_in_shanxi", BOOL, "在我省注册成立"),
    Fact("hq_in_shanxi", BOOL, "总部设在我省"),
    Fact("max_main_revenue_before", MONEY, "此前年度最高主营业务收入（承诺）"),
)

YEAR = _facts(
    Fact("revenue", MONEY, "营业收入"),
    Fact("main_revenue", MONEY, "主营业务收入"),
    Fact("local_fiscal_contribution", MONEY, "对地方财政贡献"),
    Fact("paid_in_capital", MONEY, "注册资本金（实际到位）"),
    Fact("good_credit", BOOL, "资信良好"),
    Fact("good_growth", BOOL, "成长性好"),
    Fact("well_run", BOOL, "经营规范"),
)

HISTORY = _facts(
    Fact("item", TEXT, "政策事项", required=True),
    Fact("year", INT, "年度", required=True),
    Fact("key", TEXT, "奖励对象"),
    Fact("level", INT, "等级"),
    Fact("amount", MONEY, "金额"),
)

_ID = Fact("id", TEXT, "记录编号", required=True)
_PROJECT = Fact("project_key", TEXT, "项目标识", required=True)
_PERSON = Fact("person_key", TEXT, "人员标识（化名）", required=True)

RECORD_KINDS: dict[str, tuple[str, dict[str, Fact]]] = {
    "data_center": (
        "数据中心",
        _facts(
            _ID,
            Fact("scale", ENUM, "规模", ("small", "medium", "large", "super_large")),
            Fact("packaged_base", BOOL, "大数据产业基地整体打包"),
            Fact("market_trading", BOOL, "参与电力市场交易"),
            Fact("electricity_fee_paid", MONEY, "实缴电费"),
            Fact("electricity_kwh", QUANTITY, "用电量（千瓦时）"),
            Fact("city", TEXT, "所在市"),
            Fact("county", TEXT, "所在县（市、区）"),
        ),
    ),
    "infra_project": (
        "新型信息基础设施示范项目",
        _facts(
            _ID,
            _PROJECT,
            Fact("type", ENUM, "项目类型", ("5g", "ipv6", "mobile_iot"), other=True),
            Fact("demonstration", BOOL, "示范建设项目"),
            Fact("investment", MONEY, "项目投资额"),
        ),
    ),
    "industrial_internet_project": (
        "工业互联网项目",
        _facts(
            _ID,
            _PROJECT,
            Fact(
                "type",
                ENUM,
                "项目类型",
                (
                    "intranet_benchmark",
                    "sme_network_upgrade",
                    "cross_industry_platform",
                    "industry_platform",
                    "identifier_node",
                ),
            ),
            Fact("recognized", BOOL, "经认定"),
            Fact("investment", MONEY, "项目投资额"),
        ),
    ),
    "recognition": (
        "认定（称号、名单）",
        _facts(
            _ID,
            Fact(
                "type",
                ENUM,
                "认定类型",
                (
                    "national_pilot_demo",
                    "national_excellent_solution",
                    "national_smart_mfg_benchmark",
                    "provincial_smart_mfg_benchmark",
                    "provincial_smart_mfg_demo",
                    "top100_electronic_info",
                    "top100_software",
                    "top100_internet",
                    "national_engineering_research_center",
                    "national_tech_innovation_center",
                    "national_key_lab",
                    "joint_engineering_research_center",
                    "joint_tech_innovation_center",
                    "joint_key_lab",
                    "provincial_engineering_tech_center",
                    "provincial_key_lab",
                    "national_enterprise_tech_center",
                    "provincial_enterprise_tech_center",
                    "high_tech_enterprise",
                    "national_ip_demo_enterprise",
                    "national_ip_advantage_enterprise",
                    "provincial_grad_innovation_center",
                    "grad_center_first_excellent",
                ),
            ),
            Fact("date", DATE, "认定日期"),
            Fact(
                "field",
                ENUM,
                "领域",
                (
                    "big_data",
                    "ai_integration",
                    "industrial_internet",
                    "software_engineering",
                    "info_consumption",
                    "cybersecurity",
                ),
                other=True,
            ),
        ),
    ),
    "integration_project": (
        "数字经济融合应用示范项目",
        _facts(
            _ID,
            _PROJECT,
            Fact("sector", ENUM, "领域", ("agriculture", "industry", "services"), other=True),
            Fact("recognized", BOOL, "经认定"),
            Fact("investment", MONEY, "项目投资额"),
        ),
    ),
    "diagnosis": ("智能制造专家诊断", _facts(_ID, Fact("cost", MONEY, "诊断评估费用"))),
    "innovation_project": (
        "自主创新研发推广应用项目",
        _facts(
            _ID,
            _PROJECT,
            Fact("core_ip", BOOL, "形成核心自主知识产权"),
            Fact("industrialized", BOOL, "快速产业化"),
            Fact("investment", MONEY, "项目投资额"),
        ),
    ),
    "ai_data_project": (
        "人工智能基础数据项目",
        _facts(_ID, Fact("investment", MONEY, "项目投资额"), Fact("major", BOOL, "重大项目")),
    ),
    "landing": (
        "落户投资",
        _facts(
            _ID,
            Fact(
                "investor",
                ENUM,
                "投资方类别",
                (
                    "fortune500",
                    "national_key_software",
                    "national_key_ic_design",
                    "top100_electronic_info",
                    "top100_software",
                    "top100_internet",
                ),
            ),
            Fact("date", DATE, "落户日期"),
        ),
    ),
    "lease": (
        "政府投资建设用房租赁",
        _facts(
            _ID,
            Fact("start", DATE, "租赁起始日"),
            Fact("government_built", BOOL, "政府投资建设的标准厂房或办公用房"),
            Fact("area", QUANTITY, "面积（平方米）", positive=True),
            Fact("annual_rent", MONEY, "年租金"),
        ),
    ),
    "loan": (
        "新增流动资金贷款",
        _facts(
            _ID,
            Fact("principal", MONEY, "贷款本金"),
            Fact("drawn_on", DATE, "放款日"),
            Fact("repaid_on", DATE, "还款日"),
            Fact("interest_paid", MONEY, "当年实付利息"),
        ),
    ),
    "angel_investment": (
        "天使投资",
        _facts(_ID, Fact("amount", MONEY, "投资额"), Fact("date", DATE, "到账日期")),
    ),
    "contract": (
        "省外招标中标合同",
        _facts(
            _ID,
            _PROJECT,
            Fact("won_by_tender", BOOL, "招标中标"),
            Fact("out_of_province", BOOL, "省外项目"),
            Fact("contract_amount", MONEY, "中标合同金额"),
            Fact("completed_amount", MONEY, "当年合同完成金额"),
        ),
    ),
    "exhibition": ("专业展会", _facts(_ID, Fact("booth_fee", MONEY, "展位费"))),
    "certification": (
        "资质认证",
        _facts(
            _ID,
            Fact(
                "scheme", ENUM, "认证体系", ("cmmi", "itss_om", "itss_cloud", "dcmm"), required=True
            ),
            Fact("model", ENUM, "CMMI 模型", ("dev", "svc")),
            Fact("level", INT, "等级"),
            Fact("date", DATE, "发证日期"),
        ),
    ),
    "standard": (
        "标准制（修）订",
        _facts(
            _ID,
            Fact("lead", BOOL, "牵头"),
            Fact("level", ENUM, "标准级别", ("international", "national", "industry", "local")),
            Fact("in_force_on", DATE, "实施日期"),
            Fact("date", DATE, "公告日期"),
        ),
    ),
    "base_service": (
        "产业基地专业运营服务",
        _facts(
            _ID,
            Fact("base_key", TEXT, "基地标识"),
            Fact("recognized", BOOL, "经认定"),
            Fact("service_fee", MONEY, "实际服务费用"),
        ),
    ),
    "public_platform": (
        "公共服务平台",
        _facts(
            _ID,
            Fact("platform_key", TEXT, "平台标识"),
            Fact("construction_cost", MONEY, "初期建设费用"),
            Fact("operating_cost", MONEY, "当年运营费用"),
        ),
    ),
    "consortium_award": ("共享服务联合体", _facts(_ID, Fact("selected", BOOL, "入选优选名单"))),
    "event": (
        "行业活动",
        _facts(
            _ID,
            Fact("in_shanxi", BOOL, "在晋举办"),
            Fact("recognized", BOOL, "经认定"),
            Fact("cost", MONEY, "活动费用"),
        ),
    ),
    "training": (
        "公益性交流培训",
        _facts(_ID, Fact("recognized", BOOL, "经确认"), Fact("cost", MONEY, "培训费用")),
    ),
    "training_base": (
        "大数据教育实训基地",
        _facts(
            _ID, Fact("recognized", BOOL, "经认定"), Fact("construction_cost", MONEY, "建设费用")
        ),
    ),
    "talent": (
        "骨干人才",
        _facts(
            _ID,
            _PERSON,
            Fact(
                "role",
                ENUM,
                "人才类别",
                ("technical", "management", "market", "finance"),
                other=True,
            ),
            Fact("introduced_or_cultivated", BOOL, "引进或培育"),
            Fact("annual_salary", MONEY, "年薪"),
        ),
    ),
    "talent_training": (
        "高级培训或进修",
        _facts(_ID, _PERSON, Fact("fee", MONEY, "培训费或进修费")),
    ),
}


# Group keys that default to the record's own id: one base (platform) per record unless named.
KEY_DEFAULTS_TO_ID = ("base_key", "platform_key")


def record_facts(kind: str) -> dict[str, Fact]:
    """The facts of a record kind (KeyError for an unknown kind)."""
    return RECORD_KINDS[kind][1]
