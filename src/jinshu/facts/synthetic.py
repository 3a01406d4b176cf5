"""A synthetic enterprise registry: invented but plausible raw cases for Shanxi.

``generate_registry(n, seed=20200101, year=2020)`` yields ``n`` raw cases in the POLICIES.md
format (``year``, ``enterprise``, ``years``, ``records``, ``history``; never ``parameters``) for
demos, batch matching, benchmarks and tests. Every case passes ``validate_case``. The same seed
always gives the same cases: one ``random.Random(seed)`` draws everything, in order, so the first
``k`` cases of a registry of any size are the same. Names, credit codes and people are invented;
nothing here describes a real enterprise.

The shares below were measured on 100,000 cases for 2020 with the default seed. They describe
the registry; they are not parameters of any policy.

**Places.** Cities are weighted roughly by economic size. 太原 is over-weighted because the
digital economy gathers in the capital: 太原 32%; 大同, 长治, 晋中 and 运城 8% each; 吕梁, 临汾 and
晋城 7% each; 忻州 6%; 朔州 5%; 阳泉 4%. Within a city an urban district (…区) weighs 3, a
county-level city (…市) 2 and a county (…县) 1. In 太原 the 山西综改示范区 weighs 3 as well (it is
a county-level payer, ruling 14), which puts about 4% of all cases there. The credit code is
``91``, then the county's 6-digit division code (the city's code for the 综改示范区), then 9 random
characters of the GB 32100 alphabet, then the check character.

**Kinds.** One main kind is drawn: big_data 31%, industrial 28%, software 23%,
electronic_info_manufacturing 9%, about 1% each for telecom_operator, university,
research_institute, base_operator, consortium and association, and 0.4–0.6% each for
tower_company, professional_institution and local_government. Extra kinds are then added. A
software firm is also big_data in 20% of cases and a big-data firm also software in 10%. An
electronic-information manufacturer is also industrial in 30% of cases, and an industrial firm
also electronic_info_manufacturing in 4%. Half the base operators are also big_data. 2% of
businesses are also fortune500_affiliate. In all 37% of cases are big_data, 26% software, 31%
industrial and 10% electronic_info_manufacturing.

**Age and size.** ``founded`` falls in the year itself for 6% of cases (no later than 31
October). Otherwise it is 1 + an exponential number of years (mean 7, at most 40) before the
year; universities, research institutes and governments were founded 20–70 years before. The
year's revenue is log-normal by main kind, given as median and spread (σ of the logarithm):
big_data 6M (1.5), software 5M (1.4), industrial 30M (1.6), electronic_info_manufacturing 40M
(1.5), base_operator 20M (1.0), telecom_operator 2B (0.8), tower_company 500M (0.5),
associations, consortia and professional institutions 3M (1.0). fortune500_affiliate multiplies
the median by 10. Most enterprises are small: 62% earn under 20M (quartiles 3.4M, 11M, 40M; 1%
earn over 1.6B). Universities, research institutes and governments report no yearly figures.

**Years.** ``years`` holds Y−2, Y−1 and Y, only from the founding year on. Revenue grows by a
log-normal factor each year (median +10%, σ 0.3), so some firms cross a revenue threshold in Y.
``main_revenue`` is 80–100% of ``revenue`` and ``local_fiscal_contribution`` 2–7% of it.
``paid_in_capital`` is a log-normal multiple of revenue (median 0.6, σ 0.9), rounded to 10,000
yuan, and 15% of firms raise it in Y by 20–100%. Y also carries ``good_credit`` (92% true),
``good_growth`` (80%) and ``well_run`` (90%). Y−2 is left out for 15% of enterprises and Y−1 for
5%; half of the latter attest ``max_main_revenue_before`` instead. Each figure is missing for 3%.

**Records.** Each case has 0–6 records: none for 26%, 1 for 24%, 2 for 19%, 3 for 13%, 4 for
9%, 5 for 5% and 6 for 4%. The rare organisations have at least one record in 95% of cases.
Each record's kind is drawn from the summed menus of the case's kinds, so a kind appears only
where it fits:

- big-data and software firms: contracts, exhibitions, loans, leases, angel rounds and
  certifications;
- industrial firms: smart-manufacturing recognitions, diagnoses and industrial-internet projects;
- telecom operators and tower companies: 5G/IPv6/IoT projects and data centres;
- universities and institutes: laboratories, research centres, graduate centres and training
  bases;
- base operators: base services; consortia: consortium awards; associations: events and
  trainings;
- almost everyone: talent (one new ``person_key`` each) and talent_training (half re-use a
  talent's ``person_key``).

Per 100 cases there are about 26 talent, 26 recognition, 20 talent_training, 12 certification,
11 contract, 10 exhibition, 9 innovation_project, 8 industrial_internet_project, 7.5 standard, 7
lease, 7 loan, 6 diagnosis, 6 training, 5 integration_project, 5 event, 3 public_platform, 3
angel_investment, 2.6 infra_project, 2.4 ai_data_project, 2.3 landing, 2 data_center, 0.8
consortium_award, 0.8 training_base and 0.7 base_service. ``data_center``, ``landing``,
``diagnosis``, ``consortium_award`` and ``training_base`` occur at most once per case. One
project record in 6 re-uses the ``project_key`` of an earlier project record of the case (infra,
industrial-internet, integration, innovation), and one contract in 6 re-uses that of an earlier
contract. This exercises "one project, one award" and the per-project cap. Record ids are a
kind prefix and a running number (``ct2``), unique in the case.

**Values.** Money is log-normal around a plausible median: contracts 4M, infrastructure
investment 10M, other project investment 3–5M, angel rounds 2M, booths 30k, diagnoses 120k,
salaries 220k, training fees 25k, and so on. It is written as a decimal string with at most 2
decimals (kWh with up to 3, m² up to 2). Dates of recognitions, certificates, landings, standards
and angel rounds fall in Y for 90%, in Y−1 for 7% and before 2019-08-27 (the policy's start) for
3%, and never before ``founded``; for Y = 2020 that leaves 7% before 2019-08-27. Loans are drawn
in Y (85%) or Y−1, and 60% have a ``repaid_on``. Booleans are true for 80–95%. Data centres are
mostly medium or large and pay 0.28–0.60 yuan per kWh. 40% of them name a ``city``/``county``
(大同, 阳泉 and 太原 favoured); the others sit in the applicant's place. Enumerations that end in
等 take ``other`` for 5%: the infrastructure type, the recognition field, the integration sector
and the talent role. Some certificate levels fall outside the reward tables (CMMI 2, DCMM 2,
ITSS 4). Each fact that a record need not give is left out for 3%.

**History.** 20% of cases carry 1–3 earlier awards (1.6 on average), chosen among those that
match the case:

- the same certification track at a lower or the same level (``p16_cmmi`` with key ``cmmi`` and
  a ``level``);
- a contract's or project's ``project_key`` (``p15_bid``, and ``p02``/``p03``/``p05``/``p07``);
- a recognition type (``p18`` high-tech renewals 3 years back, ``p06``, ``p12_top100_entry``,
  ``p23_grad_center``);
- a talent's ``person_key`` in Y or Y−1, a platform's or base's key;
- a record id (``p04``, ``p17``, ``p22_training_base``);
- ``p09_bigdata_hq`` in Y−1 (key the year), for big-data firms over 10M then;
- revenue milestones already reached (``p12_bigdata_milestone`` or ``p11_emfg_milestone``, with
  key ``100000000`` and up);
- a landing (``p10_landing``) 1–4 years back, loan interest in earlier years, and so on.

Some are dated 2017 or 2018, under the replaced policy; none earlier. Amounts follow the reward
tables where those fix them.

Generating 100,000 cases takes about 6 seconds on one core.

Example:
    >>> import random
    >>> case = generate_case(random.Random(7), 42, 2020)
    >>> case["enterprise"]["id"], case["year"], set(case["years"]) <= {"2018", "2019", "2020"}
    ('E0000042', 2020, True)
    >>> [c["enterprise"]["id"] for c in generate_registry(3, seed=1)]
    ['E0000001', 'E0000002', 'E0000003']
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any, Generic, TypeVar

from jinshu.facts import divisions
from jinshu.facts.credit_code import ALPHABET, check_character
from jinshu.facts.schema import RECORD_KINDS

T = TypeVar("T")

_EFFECTIVE_FROM = date(2019, 8, 27)
_EARLY_START = date(2015, 1, 1)
# 晋政发〔2017〕6号, which this policy replaced, dates the earliest awards in history.
_OLD_POLICY_YEAR = 2017
_MISSING = 0.03  # share of each optional fact left out
_HISTORY = 0.22  # share of cases with earlier awards
_SHARED_KEY = 1 / 6  # share of project records re-using an earlier project_key


def _weights(text: str) -> dict[str, float]:
    """``"a 3, b 1.5"`` as ``{"a": 3.0, "b": 1.5}``: the tables below are written this way."""
    return {name: float(weight) for name, weight in (part.split() for part in text.split(","))}


class _Pick(Generic[T]):
    """A weighted choice, its cumulative weights computed once."""

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        listed = list(pairs)
        self.values = [v for v, _ in listed]
        self.cum = list(itertools.accumulate(w for _, w in listed))
        self.total, self.hi = self.cum[-1], len(self.cum) - 1

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect.bisect(self.cum, rng.random() * self.total, 0, self.hi)]


def _pick(text: str) -> _Pick[str]:
    return _Pick(_weights(text).items())


def _summed(menus: dict[str, dict[str, float]], kinds: frozenset[str]) -> dict[str, float]:
    """The menus of ``kinds`` added up, in a fixed order."""
    total: dict[str, float] = {}
    for kind in sorted(kinds):
        for name, weight in menus.get(kind, {}).items():
            total[name] = total.get(name, 0.0) + weight
    return dict(sorted(total.items()))


# ---------------------------------------------------------------- places

_CITY_WEIGHTS = _weights(
    "太原市 32, 大同市 8, 长治市 8, 晋中市 8, 运城市 8, 吕梁市 7, 临汾市 7, 晋城市 7, 忻州市 6, "
    "朔州市 5, 阳泉市 4"
)
# Data centres gather where power is cheap and the climate cool.
_DC_CITY_WEIGHTS = {c: 1.0 for c in _CITY_WEIGHTS} | _weights(
    "大同市 3, 阳泉市 3, 太原市 3, 吕梁市 2, 晋中市 2"
)
_CITY_ABBR = {"太原市": "TY", "大同市": "DT", "阳泉市": "YQ", "长治市": "CZ", "晋城市": "JC",
              "朔州市": "SZ", "晋中市": "JZ", "运城市": "YC", "忻州市": "XZ", "临汾市": "LF",
              "吕梁市": "LL"}  # fmt: skip


@dataclass(frozen=True)
class _Places:
    city: _Pick[str]
    dc_city: _Pick[str]
    county: dict[str, _Pick[tuple[str, str]]]  # city → (county, division code)


@cache
def _places() -> _Places:
    cities = divisions.cities()
    county: dict[str, _Pick[tuple[str, str]]] = {}
    for name, city in cities.items():
        rows = [d for d in divisions.divisions() if d.level == "county" and d.parent == city.code]
        pairs = [
            (
                (d.name, d.code),
                3.0 if d.name.endswith("区") else 2.0 if d.name.endswith("市") else 1.0,
            )
            for d in sorted(rows, key=lambda d: d.code)
        ]
        if name == "太原市":
            pairs.append(((divisions.PILOT_ZONE, city.code), 3.0))
        county[name] = _Pick(pairs)
    return _Places(
        city=_Pick((c, w) for c, w in _CITY_WEIGHTS.items() if c in cities),
        dc_city=_Pick((c, w) for c, w in _DC_CITY_WEIGHTS.items() if c in cities),
        county=county,
    )


def credit_code(rng: random.Random, division_code: str) -> str:
    """A unified social credit code of an enterprise registered at ``division_code``.

    >>> from jinshu.facts.credit_code import is_valid_credit_code
    >>> is_valid_credit_code(credit_code(random.Random(3), "140105"))
    True
    """
    body = "91" + division_code + "".join(rng.choices(ALPHABET, k=9))
    return body + check_character(body)


# ---------------------------------------------------------------- kinds, size, names

_MAIN_KIND = _pick(
    "big_data 30, industrial 27, software 22, electronic_info_manufacturing 9, "
    "telecom_operator 1, tower_company 0.6, university 1, research_institute 1, base_operator 1, "
    "consortium 1, association 1, professional_institution 0.6, local_government 0.4"
)
# Extra kinds added to a main kind, each with its probability.
_EXTRA_KINDS = {
    "software": _weights("big_data 0.2"),
    "big_data": _weights("software 0.1"),
    "electronic_info_manufacturing": _weights("industrial 0.3"),
    "industrial": _weights("electronic_info_manufacturing 0.04"),
    "base_operator": _weights("big_data 0.5"),
}
_FORTUNE500 = 0.02
_BUSINESS = frozenset(
    {"big_data", "software", "industrial", "electronic_info_manufacturing", "base_operator"}
)
_NO_FIGURES = frozenset({"university", "research_institute", "local_government"})
# Revenue of the year: (median yuan, sigma of its logarithm) by main kind.
_REVENUE: dict[str, tuple[float, float]] = {
    "big_data": (6e6, 1.5),
    "software": (5e6, 1.4),
    "industrial": (3e7, 1.6),
    "electronic_info_manufacturing": (4e7, 1.5),
    "base_operator": (2e7, 1.0),
    "telecom_operator": (2e9, 0.8),
    "tower_company": (5e8, 0.5),
}
_SMALL_REVENUE = (3e6, 1.0)

_WORDS = "晋华新泰鼎汇宏盛恒瑞博创卓锦云智数通联达源科信安诚和景龙凤嘉丰启航远明"
_SUFFIX: dict[str, tuple[str, ...]] = {
    "big_data": ("大数据科技有限公司", "数据服务有限公司", "云计算有限公司", "智能科技有限公司"),
    "software": ("软件有限公司", "信息技术有限公司", "网络科技有限公司"),
    "industrial": ("煤业有限责任公司", "钢铁有限公司", "机械制造有限公司", "化工有限公司",
                   "焦化有限公司", "装备制造股份有限公司", "新材料有限公司"),
    "electronic_info_manufacturing": ("电子科技有限公司", "光电科技有限公司", "半导体有限公司"),
    "telecom_operator": ("通信有限公司",),
    "tower_company": ("铁塔有限公司",),
    "university": ("大学", "学院", "职业技术学院"),
    "research_institute": ("研究院", "信息技术研究所"),
    "base_operator": ("大数据产业园运营有限公司", "数字经济产业园管理有限公司"),
    "consortium": ("数字经济共享服务联合体",),
    "association": ("大数据产业协会", "软件行业协会", "信息化协会"),
    "professional_institution": ("信息化促进中心", "数字经济研究咨询有限公司"),
    "local_government": ("人民政府",),
}  # fmt: skip

# ---------------------------------------------------------------- records

# Weights of record kinds by applicant kind; a case draws from the sum of its kinds' menus.
_MENUS = {
    "big_data": _weights(
        "contract 12, exhibition 10, loan 8, lease 8, certification 8, recognition 8, talent 12, "
        "talent_training 10, angel_investment 3, standard 2, public_platform 2, event 2, "
        "training 3, innovation_project 2, ai_data_project 3, integration_project 2, landing 1, "
        "data_center 1, training_base 0.5"
    ),
    "software": _weights(
        "certification 14, contract 8, exhibition 8, loan 4, lease 4, recognition 8, talent 12, "
        "talent_training 10, innovation_project 3, standard 2, angel_investment 2, "
        "ai_data_project 1, landing 1"
    ),
    "industrial": _weights(
        "recognition 14, diagnosis 8, industrial_internet_project 8, integration_project 5, "
        "innovation_project 5, talent 10, talent_training 8, standard 4, training 2, event 1, "
        "data_center 0.3"
    ),
    "electronic_info_manufacturing": _weights(
        "recognition 10, innovation_project 6, talent 10, talent_training 8, standard 3, "
        "industrial_internet_project 3, landing 2, diagnosis 2"
    ),
    "telecom_operator": _weights(
        "infra_project 30, data_center 15, industrial_internet_project 5, standard 3, talent 5"
    ),
    "tower_company": _weights("infra_project 30, data_center 5, talent 3"),
    "university": _weights(
        "recognition 20, training_base 10, training 8, event 5, public_platform 5, standard 4, "
        "talent 6, talent_training 4"
    ),
    "research_institute": _weights(
        "recognition 20, standard 8, public_platform 6, event 4, training 3, talent 6, "
        "ai_data_project 3"
    ),
    "base_operator": _weights(
        "base_service 30, data_center 8, public_platform 8, event 4, training 4"
    ),
    "consortium": _weights("consortium_award 30, public_platform 8, event 5, training 5"),
    "association": _weights("event 30, training 20, standard 5"),
    "professional_institution": _weights("event 15, training 15, public_platform 10, standard 5"),
    "local_government": _weights("data_center 10, public_platform 10, event 5, training_base 5"),
    "fortune500_affiliate": _weights("landing 20"),
}
_AT_MOST_ONE = frozenset(
    {"data_center", "landing", "diagnosis", "consortium_award", "training_base"}
)
_COUNT_BUSINESS = _Pick([(0, 28.0), (1, 24.0), (2, 18.0), (3, 12.0), (4, 9.0), (5, 5.0), (6, 4.0)])
_COUNT_OTHERS = _Pick([(0, 5.0), (1, 25.0), (2, 25.0), (3, 20.0), (4, 12.0), (5, 8.0), (6, 5.0)])
# Facts every record of its kind gives (the others are left out for _MISSING of records).
_ALWAYS = frozenset({"id", "kind", "project_key", "person_key", "scheme"})

_RECOGNITION_MENUS = {
    "big_data": _weights(
        "national_pilot_demo 6, national_excellent_solution 8, top100_internet 2, "
        "high_tech_enterprise 20, national_ip_demo_enterprise 3, "
        "national_ip_advantage_enterprise 5, provincial_enterprise_tech_center 6, "
        "provincial_engineering_tech_center 4, national_enterprise_tech_center 1"
    ),
    "software": _weights(
        "national_pilot_demo 4, national_excellent_solution 6, top100_software 2, "
        "high_tech_enterprise 20, national_ip_advantage_enterprise 3, "
        "provincial_enterprise_tech_center 3"
    ),
    "industrial": _weights(
        "national_smart_mfg_benchmark 2, provincial_smart_mfg_benchmark 6, "
        "provincial_smart_mfg_demo 10, national_enterprise_tech_center 3, "
        "provincial_enterprise_tech_center 10, high_tech_enterprise 15, "
        "national_ip_demo_enterprise 2, national_ip_advantage_enterprise 4, national_pilot_demo 2"
    ),
    "electronic_info_manufacturing": _weights(
        "top100_electronic_info 3, national_enterprise_tech_center 3, "
        "provincial_enterprise_tech_center 6, high_tech_enterprise 15, provincial_smart_mfg_demo 4"
    ),
    "university": _weights(
        "national_engineering_research_center 3, national_tech_innovation_center 2, "
        "national_key_lab 3, joint_engineering_research_center 3, joint_tech_innovation_center 2, "
        "joint_key_lab 2, provincial_engineering_tech_center 8, provincial_key_lab 10, "
        "provincial_grad_innovation_center 10, grad_center_first_excellent 4"
    ),
    "research_institute": _weights(
        "national_engineering_research_center 3, national_tech_innovation_center 3, "
        "national_key_lab 2, joint_engineering_research_center 3, joint_key_lab 2, "
        "provincial_engineering_tech_center 10, provincial_key_lab 10, high_tech_enterprise 4"
    ),
}
_DEFAULT_RECOGNITIONS = _weights("high_tech_enterprise 10, provincial_enterprise_tech_center 3")
_FIELD = _pick(
    "big_data 30, ai_integration 15, industrial_internet 25, software_engineering 10, "
    "info_consumption 8, cybersecurity 7, other 5"
)
_CERT_SCHEME = {
    "software": _pick("cmmi 60, itss_om 25, itss_cloud 5, dcmm 10"),
    "big_data": _pick("cmmi 20, itss_om 20, itss_cloud 20, dcmm 40"),
}
_CERT_LEVEL = {
    "cmmi": _Pick([(2, 5.0), (3, 65.0), (4, 10.0), (5, 20.0)]),
    "itss_om": _Pick([(1, 10.0), (2, 30.0), (3, 55.0), (4, 5.0)]),
    "itss_cloud": _Pick([(1, 10.0), (2, 30.0), (3, 55.0), (4, 5.0)]),
    "dcmm": _Pick([(2, 15.0), (3, 60.0), (4, 20.0), (5, 5.0)]),
}
_INFRA_TYPE = _pick("5g 50, ipv6 20, mobile_iot 25, other 5")
_II_TYPE = _pick(
    "intranet_benchmark 25, sme_network_upgrade 30, cross_industry_platform 10, "
    "industry_platform 25, identifier_node 10"
)
_SECTOR = _pick("agriculture 20, industry 45, services 30, other 5")
_INVESTOR = _pick(
    "fortune500 25, national_key_software 15, national_key_ic_design 10, "
    "top100_electronic_info 15, top100_software 15, top100_internet 20"
)
_SCALE = _pick("small 20, medium 30, large 32, super_large 18")
_DC_KWH = _weights("small 2e6, medium 1e7, large 6e7, super_large 3e8")  # median kWh a year
_STANDARD_LEVEL = _pick("international 5, national 25, industry 30, local 40")
_ROLE = _pick("technical 50, management 20, market 15, finance 10, other 5")

# ---------------------------------------------------------------- earlier awards

# Certification reward tables by track, worst level first (ITSS level 1 is the best).
_CERT_REWARD: dict[str, tuple[str, dict[int, int]]] = {
    "cmmi": ("p16_cmmi", {3: 100_000, 4: 200_000, 5: 300_000}),
    "itss_om": ("p16_itss", {3: 100_000, 2: 200_000, 1: 300_000}),
    "itss_cloud": ("p16_itss", {3: 100_000, 2: 200_000, 1: 300_000}),
    "dcmm": ("p16_dcmm", {3: 100_000, 4: 200_000, 5: 300_000}),
}
_RECOGNITION_ITEM = {
    "national_pilot_demo": "p04_pilot_demo",
    "national_excellent_solution": "p04_pilot_demo",
    "national_smart_mfg_benchmark": "p06_smart_mfg",
    "provincial_smart_mfg_benchmark": "p06_smart_mfg",
    "provincial_smart_mfg_demo": "p06_smart_mfg",
    "top100_electronic_info": "p12_top100_entry",
    "top100_software": "p12_top100_entry",
    "top100_internet": "p12_top100_entry",
    "provincial_grad_innovation_center": "p23_grad_center",
    "grad_center_first_excellent": "p23_grad_center",
}  # every other type: p18_innovation_platform
_RECOGNITION_REWARD = _weights(
    "national_pilot_demo 1000000, national_excellent_solution 500000, "
    "national_smart_mfg_benchmark 3000000, provincial_smart_mfg_benchmark 1000000, "
    "provincial_smart_mfg_demo 500000, top100_electronic_info 2000000, top100_software 2000000, "
    "top100_internet 2000000, national_engineering_research_center 5000000, "
    "national_tech_innovation_center 5000000, national_key_lab 5000000, "
    "joint_engineering_research_center 5000000, joint_tech_innovation_center 5000000, "
    "joint_key_lab 5000000, provincial_engineering_tech_center 1500000, "
    "provincial_key_lab 1500000, national_enterprise_tech_center 3000000, "
    "provincial_enterprise_tech_center 500000, high_tech_enterprise 1000000, "
    "national_ip_demo_enterprise 500000, national_ip_advantage_enterprise 200000, "
    "provincial_grad_innovation_center 100000, grad_center_first_excellent 500000"
)
_PROJECT_ITEM = {
    "infra_project": "p02_new_infra",
    "industrial_internet_project": "p03_industrial_internet",
    "integration_project": "p05_integration_demo",
    "innovation_project": "p07_innovation_product",
}
# (threshold, reward), highest first.
_BIGDATA_MILESTONES = ((500_000_000, 5_000_000), (300_000_000, 3_000_000),
                       (200_000_000, 2_000_000), (100_000_000, 1_000_000))  # fmt: skip
_EMFG_MILESTONES = ((1_000_000_000, 5_000_000), (500_000_000, 3_000_000), (100_000_000, 1_000_000))
_FIRMS = frozenset({"big_data", "software", "industrial", "electronic_info_manufacturing"})


# ---------------------------------------------------------------- formatting


def _amount(fen: int) -> str:
    """Fen as a decimal string of yuan: whole yuan without decimals, else two."""
    yuan, cents = divmod(fen, 100)
    return str(yuan) if cents == 0 else f"{yuan}.{cents:02d}"


def _money(value: float, step_fen: int = 1) -> str:
    """``value`` yuan rounded to ``step_fen`` fen (at least one step)."""
    return _amount(max(1, round(value * 100 / step_fen)) * step_fen)


def _quantity(value: float, decimals: int) -> str:
    """A positive quantity with at most ``decimals`` decimals."""
    scale = 10**decimals
    whole, frac = divmod(max(1, round(value * scale)), scale)
    return str(whole) if frac == 0 else f"{whole}.{frac:0{decimals}d}"


def _day(rng: random.Random, start: date, end: date) -> date:
    """A day between ``start`` and ``end``, both included (``start`` if the range is empty)."""
    span = (end - start).days
    return start if span <= 0 else start + timedelta(days=rng.randint(0, span))


# ---------------------------------------------------------------- one case


@dataclass
class _Ctx:
    """What the builders of one case share."""

    rng: random.Random
    index: int
    year: int
    city: str
    founded: date
    kinds: frozenset[str]
    n: int = 0
    projects: list[str] = field(default_factory=list)
    contracts: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)

    def rid(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def yes(self, p: float) -> bool:
        return self.rng.random() < p

    def lognormal(self, median: float, sigma: float) -> float:
        return self.rng.lognormvariate(math.log(median), sigma)

    def money(self, median: float, sigma: float, step_fen: int = 100) -> str:
        return _money(self.lognormal(median, sigma), step_fen)

    def yuan(self, median: float, sigma: float, step: int = 100) -> int:
        return max(1, round(self.lognormal(median, sigma) / step)) * step

    def in_year(self, year: int) -> date:
        return _day(self.rng, date(year, 1, 1), date(year, 12, 31))

    def event_date(self) -> str:
        """90% in Y, 7% in Y−1, 3% before the policy took effect; never before ``founded``."""
        u = self.rng.random()
        end = date(self.year, 12, 31)
        if u < 0.90:
            d = self.in_year(self.year)
        elif u < 0.97:
            d = self.in_year(self.year - 1)
        else:
            d = _day(self.rng, _EARLY_START, min(_EFFECTIVE_FROM - timedelta(days=1), end))
        return min(max(d, self.founded), end).isoformat()

    def key(self, tag: str) -> str:
        return f"{_CITY_ABBR[self.city]}-{tag}-{self.index:07d}"

    def project_key(self, tag: str, pool: list[str]) -> str:
        """A new project key, or (for _SHARED_KEY of them) one the case already has."""
        if pool and self.yes(_SHARED_KEY):
            return self.rng.choice(pool)
        pool.append(f"{self.key(tag)}-{len(pool) + 1}")
        return pool[-1]

    def person_key(self) -> str:
        self.persons.append(f"P{self.rng.getrandbits(40):010X}")
        return self.persons[-1]


def _data_center(c: _Ctx) -> dict[str, Any]:
    scale = _SCALE(c.rng)
    kwh = c.lognormal(_DC_KWH[scale], 0.5)
    price = c.rng.uniform(0.28, 0.60)
    rec: dict[str, Any] = {
        "id": c.rid("dc"),
        "kind": "data_center",
        "scale": scale,
        "market_trading": c.yes(0.85),
        "electricity_kwh": _quantity(kwh, 3 if c.yes(0.5) else 0),
        "electricity_fee_paid": _money(kwh * price),
    }
    u = c.rng.random()
    if u < 0.1 or (u < 0.4 and "local_government" in c.kinds):
        rec["packaged_base"] = True
    elif u < 0.4:
        rec["packaged_base"] = False
    if c.yes(0.4):
        places = _places()
        city = places.dc_city(c.rng) if c.yes(0.5) else c.city
        rec["city"] = city
        if c.yes(0.8):
            rec["county"] = places.county[city](c.rng)[0]
    return rec


def _infra_project(c: _Ctx) -> dict[str, Any]:
    kind = _INFRA_TYPE(c.rng)
    return {
        "id": c.rid("ip"),
        "kind": "infra_project",
        "project_key": c.project_key(kind.upper() if kind != "other" else "NET", c.projects),
        "type": kind,
        "demonstration": c.yes(0.85),
        "investment": c.money(1e7, 1.0, 100_000),
    }


def _industrial_internet_project(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("ii"),
        "kind": "industrial_internet_project",
        "project_key": c.project_key("IIOT", c.projects),
        "type": _II_TYPE(c.rng),
        "recognized": c.yes(0.85),
        "investment": c.money(3e6, 1.0, 100_000),
    }


@cache
def _recognition_menu(kinds: frozenset[str]) -> _Pick[str]:
    return _Pick((_summed(_RECOGNITION_MENUS, kinds) or _DEFAULT_RECOGNITIONS).items())


def _recognition(c: _Ctx) -> dict[str, Any]:
    rtype = _recognition_menu(c.kinds)(c.rng)
    rec = {"id": c.rid("rc"), "kind": "recognition", "type": rtype, "date": c.event_date()}
    if _RECOGNITION_ITEM.get(rtype) == "p04_pilot_demo":
        rec["field"] = _FIELD(c.rng)
    return rec


def _integration_project(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("ig"),
        "kind": "integration_project",
        "project_key": c.project_key("DIGI", c.projects),
        "sector": _SECTOR(c.rng),
        "recognized": c.yes(0.85),
        "investment": c.money(4e6, 1.0, 100_000),
    }


def _diagnosis(c: _Ctx) -> dict[str, Any]:
    return {"id": c.rid("dg"), "kind": "diagnosis", "cost": c.money(1.2e5, 0.6)}


def _innovation_project(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("in"),
        "kind": "innovation_project",
        "project_key": c.project_key("RD", c.projects),
        "core_ip": c.yes(0.85),
        "industrialized": c.yes(0.8),
        "investment": c.money(5e6, 1.0, 100_000),
    }


def _ai_data_project(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("ai"),
        "kind": "ai_data_project",
        "investment": c.money(3e6, 1.2, 100_000),
        "major": c.yes(0.15),
    }


def _landing(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("ld"),
        "kind": "landing",
        "investor": _INVESTOR(c.rng),
        "date": c.event_date(),
    }


def _lease(c: _Ctx) -> dict[str, Any]:
    end = date(c.year, 12, 31)
    if c.founded.year >= c.year - 3:  # a young firm rents soon after it is founded
        start = min(c.founded + timedelta(days=c.rng.randint(0, 420)), end)
    else:
        start = _day(c.rng, date(c.year - 2, 1, 1), end)
    area = max(20.0, c.lognormal(400, 0.7))
    return {
        "id": c.rid("ls"),
        "kind": "lease",
        "start": start.isoformat(),
        "government_built": c.yes(0.8),
        "area": _quantity(area, 2 if c.yes(0.5) else 0),
        "annual_rent": _money(area * c.rng.uniform(200, 700), 100),
    }


def _loan(c: _Ctx) -> dict[str, Any]:
    drawn = max(c.in_year(c.year if c.yes(0.85) else c.year - 1), c.founded)
    principal = c.yuan(2e6, 0.8, 10_000)
    rec: dict[str, Any] = {
        "id": c.rid("ln"),
        "kind": "loan",
        "principal": str(principal),
        "drawn_on": drawn.isoformat(),
    }
    stop = date(c.year + 1, 1, 1)
    if c.yes(0.6):
        repaid = drawn + timedelta(days=c.rng.randint(90, 720))
        rec["repaid_on"] = repaid.isoformat()
        stop = min(stop, repaid)
    days = max(0, (stop - max(drawn, date(c.year, 1, 1))).days)
    rec["interest_paid"] = _money(principal * c.rng.uniform(0.038, 0.065) * days / 360)
    return rec


def _angel_investment(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("an"),
        "kind": "angel_investment",
        "amount": c.money(2e6, 1.0, 1_000_000),
        "date": c.event_date(),
    }


def _contract(c: _Ctx) -> dict[str, Any]:
    amount = c.lognormal(4e6, 1.0)
    return {
        "id": c.rid("ct"),
        "kind": "contract",
        "project_key": c.project_key("BID", c.contracts),
        "won_by_tender": c.yes(0.85),
        "out_of_province": c.yes(0.75),
        "contract_amount": _money(amount),
        "completed_amount": _money(amount * c.rng.uniform(0.05, 1.0)),
    }


def _exhibition(c: _Ctx) -> dict[str, Any]:
    return {"id": c.rid("ex"), "kind": "exhibition", "booth_fee": c.money(3e4, 0.8)}


def _certification(c: _Ctx) -> dict[str, Any]:
    scheme = _CERT_SCHEME["software" if "software" in c.kinds else "big_data"](c.rng)
    rec: dict[str, Any] = {"id": c.rid("ce"), "kind": "certification", "scheme": scheme}
    if scheme == "cmmi":
        rec["model"] = "dev" if c.yes(0.8) else "svc"
    rec["level"] = _CERT_LEVEL[scheme](c.rng)
    rec["date"] = c.event_date()
    return rec


def _standard(c: _Ctx) -> dict[str, Any]:
    announced = c.event_date()
    in_force = date.fromisoformat(announced) + timedelta(days=c.rng.randint(30, 240))
    return {
        "id": c.rid("sd"),
        "kind": "standard",
        "lead": c.yes(0.7),
        "level": _STANDARD_LEVEL(c.rng),
        "date": announced,
        "in_force_on": in_force.isoformat(),
    }


def _base_service(c: _Ctx) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": c.rid("bs"), "kind": "base_service"}
    if c.yes(0.85):
        rec["base_key"] = f"{c.key('BASE')}-{c.rng.randint(1, 2)}"
    rec["recognized"] = c.yes(0.85)
    rec["service_fee"] = c.money(1.5e6, 0.8)
    return rec


def _public_platform(c: _Ctx) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": c.rid("pf"), "kind": "public_platform"}
    if c.yes(0.85):
        rec["platform_key"] = f"{c.key('PF')}-{c.rng.randint(1, 2)}"
    if c.yes(0.6):  # the build year; later years report running costs only
        rec["construction_cost"] = c.money(4e6, 1.0)
    if c.yes(0.85):
        rec["operating_cost"] = c.money(8e5, 0.8)
    return rec


def _consortium_award(c: _Ctx) -> dict[str, Any]:
    return {"id": c.rid("ca"), "kind": "consortium_award", "selected": c.yes(0.8)}


def _event(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("ev"),
        "kind": "event",
        "in_shanxi": c.yes(0.9),
        "recognized": c.yes(0.8),
        "cost": c.money(4e5, 0.8),
    }


def _training(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("tr"),
        "kind": "training",
        "recognized": c.yes(0.85),
        "cost": c.money(8e4, 0.8),
    }


def _training_base(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("tb"),
        "kind": "training_base",
        "recognized": c.yes(0.8),
        "construction_cost": c.money(6e6, 0.9, 1_000_000),
    }


def _talent(c: _Ctx) -> dict[str, Any]:
    return {
        "id": c.rid("ta"),
        "kind": "talent",
        "person_key": c.person_key(),
        "role": _ROLE(c.rng),
        "introduced_or_cultivated": c.yes(0.85),
        "annual_salary": c.money(2.2e5, 0.45),
    }


def _talent_training(c: _Ctx) -> dict[str, Any]:
    reuse = bool(c.persons) and c.yes(0.5)
    return {
        "id": c.rid("tt"),
        "kind": "talent_training",
        "person_key": c.rng.choice(c.persons) if reuse else c.person_key(),
        "fee": c.money(2.5e4, 0.9),
    }


_BUILDERS: dict[str, Callable[[_Ctx], dict[str, Any]]] = {
    "data_center": _data_center,
    "infra_project": _infra_project,
    "industrial_internet_project": _industrial_internet_project,
    "recognition": _recognition,
    "integration_project": _integration_project,
    "diagnosis": _diagnosis,
    "innovation_project": _innovation_project,
    "ai_data_project": _ai_data_project,
    "landing": _landing,
    "lease": _lease,
    "loan": _loan,
    "angel_investment": _angel_investment,
    "contract": _contract,
    "exhibition": _exhibition,
    "certification": _certification,
    "standard": _standard,
    "base_service": _base_service,
    "public_platform": _public_platform,
    "consortium_award": _consortium_award,
    "event": _event,
    "training": _training,
    "training_base": _training_base,
    "talent": _talent,
    "talent_training": _talent_training,
}
assert _BUILDERS.keys() == RECORD_KINDS.keys(), "every record kind of the schema needs a builder"


@cache
def _record_menu(kinds: frozenset[str]) -> _Pick[str]:
    return _Pick(_summed(_MENUS, kinds).items())


def _records(c: _Ctx, main: str) -> list[dict[str, Any]]:
    count = (_COUNT_BUSINESS if main in _BUSINESS else _COUNT_OTHERS)(c.rng)
    menu = _record_menu(c.kinds)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(count):
        kind = menu(c.rng)
        if kind in _AT_MOST_ONE and kind in seen:
            continue
        seen.add(kind)
        rec = _BUILDERS[kind](c)
        for name in [n for n in rec if n not in _ALWAYS]:
            if c.rng.random() < _MISSING:
                del rec[name]
        records.append(rec)
    return records


def _history(
    c: _Ctx, enterprise_id: str, records: list[dict[str, Any]], main_revenue: dict[int, int]
) -> list[dict[str, Any]]:
    """Earlier awards that match the case: 1–3 of the candidates, for about 20% of cases."""
    rng, y, founded = c.rng, c.year, c.founded.year
    if rng.random() >= _HISTORY:
        return []
    found: list[dict[str, Any]] = []

    def add(item: str, year: int, key: str, amount: int, level: int | None = None) -> None:
        # Nothing was paid before the 2017 policy that this one replaced.
        entry: dict[str, Any] = {"item": item, "year": max(year, _OLD_POLICY_YEAR), "key": key}
        if level is not None:
            entry["level"] = level
        entry["amount"] = str(amount)
        found.append(entry)

    def earlier() -> int:  # a year before Y, now and then under the replaced 2017 policy
        return max(rng.choice((y - 1, y - 1, y - 2, y - 3, 2017, 2018)), founded)

    for rec in records:
        kind = rec["kind"]
        if kind == "certification":  # the same track, at a lower level or the same one
            item, table = _CERT_REWARD[rec["scheme"]]
            levels = list(table)
            top = levels.index(rec["level"]) + 1 if rec.get("level") in table else 1
            held = rng.choice(levels[:top])
            add(item, earlier(), rec["scheme"], table[held], held)
        elif kind == "contract":
            add("p15_bid", y - 1, rec["project_key"], c.yuan(1.2e5, 0.8))
        elif kind in _PROJECT_ITEM:
            items = list(_PROJECT_ITEM.values())
            item = _PROJECT_ITEM[kind] if c.yes(0.5) else rng.choice(items)
            add(item, y - 1, rec["project_key"], c.yuan(8e5, 0.6, 1000))
        elif kind == "recognition" and "type" in rec:
            rtype = rec["type"]
            item = _RECOGNITION_ITEM.get(rtype, "p18_innovation_platform")
            key = rec["id"] if item == "p04_pilot_demo" else rtype
            renewal = rtype == "high_tech_enterprise" and founded <= y - 3
            add(item, y - 3 if renewal else earlier(), key, int(_RECOGNITION_REWARD[rtype]))
        elif kind == "talent":
            add("p23_talent_salary", rng.choice((y, y - 1)), rec["person_key"], 20_000)
        elif kind == "public_platform":
            key = rec.get("platform_key", rec["id"])
            if c.yes(0.5):
                add("p20_platform_build", y - 1, key, c.yuan(1.5e6, 0.6, 1000))
            else:
                add("p20_platform_ops", y, key, c.yuan(4e5, 0.6, 1000))
        elif kind == "base_service":
            add("p19_base_operation", y, rec.get("base_key", rec["id"]), c.yuan(8e5, 0.6, 1000))
        elif kind == "standard":
            add("p17_standard", y - 1, rec["id"], 200_000)
        elif kind == "training_base":
            add("p22_training_base", y - 1, rec["id"], c.yuan(1.5e6, 0.5, 1000))
        elif kind == "diagnosis":
            add("p06_expert_diagnosis", y - 1, enterprise_id, c.yuan(8e4, 0.5))
        elif kind == "loan":
            for back in range(1, rng.randint(1, 3) + 1):
                add("p14_loan_interest", y - back, f"L{y - back}-1", c.yuan(6e4, 0.8, 1))
        elif kind == "angel_investment":
            add("p14_angel", y - 1, enterprise_id, c.yuan(2e5, 0.6, 10_000))
        elif kind == "exhibition":
            add("p15_expo", y, f"x{y}-1", c.yuan(2e4, 0.6))
    before = max((v for k, v in main_revenue.items() if k < y), default=0) // 100
    if "big_data" in c.kinds and main_revenue.get(y - 1, 0) > 1_000_000_000:  # over 10M yuan
        add("p09_bigdata_hq", y - 1, str(y - 1), min(c.yuan(5e5, 0.8), 2_000_000))
        for threshold, reward in _BIGDATA_MILESTONES:
            if before >= threshold:
                add("p12_bigdata_milestone", y - 1, str(threshold), reward)
                break
    if "electronic_info_manufacturing" in c.kinds:
        for threshold, reward in _EMFG_MILESTONES:
            if before >= threshold:
                add("p11_emfg_milestone", y - 1, str(threshold), reward)
                break
    if "fortune500_affiliate" in c.kinds or (main_revenue and c.yes(0.1)):
        landed = max(y - rng.randint(1, 4), founded, _OLD_POLICY_YEAR)
        add("p10_landing", landed, f"L-{landed}", rng.choice((2, 3, 5, 8)) * 1_000_000)
    if founded <= y - 3 and c.kinds & _FIRMS:
        add("p18_innovation_platform", y - 3, "high_tech_enterprise", 1_000_000)
    if not found:
        return []
    picked = sorted(rng.sample(range(len(found)), min(len(found), rng.randint(1, 3))))
    return [found[i] for i in picked]


def _kinds(rng: random.Random) -> tuple[str, list[str]]:
    main = _MAIN_KIND(rng)
    kinds = [main]
    for extra, p in _EXTRA_KINDS.get(main, {}).items():
        if rng.random() < p:
            kinds.append(extra)
    if main in _BUSINESS and rng.random() < _FORTUNE500:
        kinds.append("fortune500_affiliate")
    return main, kinds


def _founded(rng: random.Random, year: int, main: str) -> date:
    if main in _NO_FIGURES:
        return _day(rng, date(year - 70, 1, 1), date(year - 20, 12, 31))
    if rng.random() < 0.06:
        return _day(rng, date(year, 1, 1), date(year, 10, 31))
    age = 1 + min(int(rng.expovariate(1 / 7)), 39)
    return _day(rng, date(year - age, 1, 1), date(year - age, 12, 31))


def _name(rng: random.Random, main: str, city: str, county: str) -> str:
    suffix = rng.choice(_SUFFIX[main])
    if main == "local_government":
        return (city if county == divisions.PILOT_ZONE else county) + suffix
    prefix = "山西" if main in ("research_institute", "consortium") else city.removesuffix("市")
    return prefix + "".join(rng.sample(_WORDS, 2)) + suffix


def _years(
    rng: random.Random, year: int, main: str, kinds: list[str], founded: date
) -> tuple[dict[str, dict[str, Any]], dict[int, int], int | None]:
    """``years``; the main revenue (fen) of each year since founding, given or not; and the
    attested ``max_main_revenue_before`` (fen) where Y−1 is left out, or None."""
    if main in _NO_FIGURES:
        return {}, {}, None
    median, sigma = _REVENUE.get(main, _SMALL_REVENUE)
    if "fortune500_affiliate" in kinds:
        median *= 10
    revenue = {year: rng.lognormvariate(math.log(median), sigma)}
    for y in (year - 1, year - 2):
        revenue[y] = revenue[y + 1] / rng.lognormvariate(math.log(1.1), 0.3)
    capital = max(10, round(revenue[year] * rng.lognormvariate(math.log(0.6), 0.9) / 10_000))
    capital_now = round(capital * rng.uniform(1.2, 2.0)) if rng.random() < 0.15 else capital
    main_revenue: dict[int, int] = {}
    out: dict[str, dict[str, Any]] = {}
    attested: int | None = None
    for y in (year - 2, year - 1, year):
        if y < founded.year:
            continue
        main_revenue[y] = round(revenue[y] * rng.uniform(0.8, 1.0) * 100)
        if y == year - 2 and rng.random() < 0.15:
            continue
        if y == year - 1 and rng.random() < 0.05:
            if rng.random() < 0.5:
                attested = max(main_revenue.values())
            continue
        figures: dict[str, Any] = {
            "revenue": _money(revenue[y]),
            "main_revenue": _amount(main_revenue[y]),
            "local_fiscal_contribution": _money(revenue[y] * rng.uniform(0.02, 0.07)),
            "paid_in_capital": str((capital_now if y == year else capital) * 10_000),
        }
        if y == year:
            figures["good_credit"] = rng.random() < 0.92
            figures["good_growth"] = rng.random() < 0.8
            figures["well_run"] = rng.random() < 0.9
        out[str(y)] = {k: v for k, v in figures.items() if rng.random() >= _MISSING}
    return out, main_revenue, attested


def generate_case(rng: random.Random, index: int, year: int) -> dict[str, Any]:
    """One raw case of enterprise ``E{index:07d}`` for performance year ``year``.

    Args:
        rng: the only source of randomness used.
        index: the enterprise's number in the registry.
        year: the performance year Y; ``years`` holds Y−2, Y−1 and Y (some left out).

    Returns:
        A case in the POLICIES.md JSON format, without ``parameters``.
    """
    places = _places()
    city = places.city(rng)
    county, code = places.county[city](rng)
    main, kinds = _kinds(rng)
    founded = _founded(rng, year, main)
    enterprise_id = f"E{index:07d}"
    enterprise: dict[str, Any] = {
        "id": enterprise_id,
        "name": _name(rng, main, city, county),
        "credit_code": credit_code(rng, code),
        "city": city,
        "county": county,
        "founded": founded.isoformat(),
        "kinds": kinds,
        "registered_in_shanxi": rng.random() < 0.97,
        "hq_in_shanxi": rng.random() < 0.9,
    }
    for name in ("founded", "registered_in_shanxi", "hq_in_shanxi"):
        if rng.random() < _MISSING:
            del enterprise[name]
    years, main_revenue, attested = _years(rng, year, main, kinds, founded)
    if attested is not None:
        enterprise["max_main_revenue_before"] = _amount(attested)
    ctx = _Ctx(rng, index, year, city, founded, frozenset(kinds))
    records = _records(ctx, main)
    return {
        "year": year,
        "enterprise": enterprise,
        "years": years,
        "records": records,
        "history": _history(ctx, enterprise_id, records, main_revenue),
    }


def generate_registry(
    n: int, *, seed: int = 20200101, year: int = 2020
) -> Iterator[dict[str, Any]]:
    """``n`` synthetic cases for ``year``, enterprises ``E0000001`` on; the same for the same seed.

    Args:
        n: how many cases.
        seed: seeds the one ``random.Random`` that draws everything, in order.
        year: the performance year of every case.

    Returns:
        An iterator of raw cases (see :func:`generate_case`).
    """
    rng = random.Random(seed)
    for index in range(1, n + 1):
        yield generate_case(rng, index, year)
