"""`ywtb sample`: deterministic monthly extracts shaped like the provincial platform's exports.

Everything a case produces (its evaluations, its certificate) is generated with the case, from a
random state seeded by (seed, the month the case was applied in). A month's extract is then the
slice of that universe the platform would export: every case with an event in the month or still
open at its end, in its state at the month's end. So 2021-06 comes out the same whether it is
generated alone or in a range, and cases accepted in May and finished in June appear in both.

Volume: `scale` 1 is 达州's real volume, about a million applications a month.
Formats vary as real deliveries do (see FORMAT_OF_MONTH); headers are the contracts' Chinese labels.
With `bad_rows` > 0, copies of good rows with one defect each are planted and listed in
`_planted_bad_rows.csv`; mangled ID numbers (rows that stay) are listed in `_planted_mangled_ids.csv`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import polars as pl

from dagster_project import settings
from dagster_project.months import add_months
from dagster_project.reference import organisations, workdays, working_days_after
from dagster_project.sample import people
from schemas.profile import DayCount, Rules, load_profile
from schemas.raw.matters import MATTER_TYPES
from schemas.raw.project_cases import MODULES

APPLICATIONS_AT_SCALE_1 = 1_000_000
CITY_SHARE = 0.12  # of all applications, the rest in the counties by population
LOOKBACK_MONTHS = 3  # every case finishes within 80 days, so three earlier months cover every open case
TS = "%Y-%m-%d %H:%M:%S"
SECOND = np.timedelta64(1, "s")
DAY = 86_400

# Seasonality: fewer applications around the Spring Festival.
MONTH_FACTOR = {
    1: 0.95,
    2: 0.7,
    3: 1.05,
    4: 1.0,
    5: 0.95,
    6: 1.05,
    7: 1.0,
    8: 0.95,
    9: 1.0,
    10: 0.85,
    11: 1.0,
    12: 1.1,
}

ASSESSED_INDICATORS = {
    # code: (name, generator of a plausible value per organisation)
    "guide_anomaly_accuracy": ("办事指南异常数（准确类）", lambda r: float(r.poisson(0.2))),
    "guide_anomaly_sensitive": ("办事指南异常数（错敏类）", lambda r: float(r.poisson(0.02))),
    "guide_anomaly_convenience": ("办事指南异常数（便利类）", lambda r: float(r.poisson(0.5))),
    "org_config_accuracy_rate": ("机构配置准确率", lambda r: 1.0 if r.random() < 0.95 else 0.9),
    "app_access_count": ("应用接入数", lambda r: float(r.integers(0, 10))),
    "app_anomaly_count": ("应用异常数", lambda r: float(r.poisson(0.3))),
    "promotion_count": ("宣传推广次数", lambda r: float(r.poisson(0.4))),
    "catalogue_completion_rate": ("目录编制完成率", lambda r: round(min(1.0, 0.7 + r.random() * 0.4), 4)),
    "staffing_rate": ("人员保障情况", lambda r: 1.0),
    "share_catalogue_total": ("共享平台目录总数", lambda r: float(r.integers(1, 60))),
    "open_dataset_count": ("开放数据集数", lambda r: float(r.integers(0, 40))),
    "enterprise_registrations": ("企业用户注册数", lambda r: float(r.integers(100, 3000))),
}


def month_start(month: dt.date) -> np.datetime64:
    return np.datetime64(month.isoformat(), "ms")


def parse_months(spec: str) -> list[dt.date]:
    """'2021-01..2021-10', '2021-06' or '2021-01,2021-03' -> first days of those months."""
    months: list[dt.date] = []
    for part in spec.split(","):
        first, _, last = part.strip().partition("..")
        start = dt.datetime.strptime(first, "%Y-%m").date()
        end = dt.datetime.strptime(last or first, "%Y-%m").date()
        if end < start:
            raise ValueError(f"month range runs backwards: {part}")
        while start <= end:
            months.append(start)
            start = add_months(start, 1)
    return sorted(set(months))


def rng_for(seed: int, stream: str, month: dt.date) -> np.random.Generator:
    return np.random.default_rng([seed, month.year, month.month, *stream.encode()])


# --- the organisations and their catalogue ---------------------------------------------------------


@dataclass(frozen=True)
class World:
    """What does not change from month to month: who serves, with which matters, how busy each is, and
    the jurisdiction's 好差评 rules with the workdays they count."""

    orgs: pl.DataFrame  # org_code, region_code, org_level, org_name, weight, eval_intensity
    matters: pl.DataFrame  # the catalogue, with the month index from which a matter is claimed/published
    rules: Rules
    workdays: np.ndarray  # sorted datetime64[D], the profile's calendar overrides applied


def world(seed: int) -> World:
    return _world(seed, settings.profile())


@cache
def _world(seed: int, profile: str) -> World:
    rng = np.random.default_rng([seed, 0])
    ref = organisations().frame
    city = ref.filter(pl.col("org_level") == "city_dept")
    local = serving_local_orgs(ref)
    population = dict(
        ref.filter(pl.col("org_level") == "county").select("region_code", "population").iter_rows()
    )
    # Busy departments are busy every month: a heavy-tailed weight per department.
    city_share = CITY_SHARE if city.height and local.height else float(city.height > 0)
    city_w = rng.pareto(1.2, city.height) + 0.05
    city_w = city_share * city_w / city_w.sum()
    # A county without a census figure in the profile counts as an average one.
    county_w = np.array([float(population.get(r) or 1.0) for r in local["region_code"]]) * (
        rng.pareto(1.5, local.height) + 0.3
    )
    county_w = (1 - city_share) * county_w / county_w.sum()
    orgs = pl.concat([city, local]).with_columns(
        weight=pl.Series(np.concatenate([city_w, county_w])),
        # Active evaluations per finished case; a few departments run above 100 %.
        eval_intensity=pl.Series(np.clip(rng.normal(0.85, 0.2, city.height + local.height), 0.3, 2.2)),
    )
    return World(orgs, _catalogue(orgs, rng), load_profile(profile).rules, workdays(profile))


def serving_local_orgs(ref: pl.DataFrame) -> pl.DataFrame:
    """Who serves below the city: the county departments and 街镇, and a county the profile lists no
    department of serves itself (重庆's districts beside 江北区's departments)."""
    below = ref.filter(pl.col("org_level").is_in(["county_dept", "street"]))
    lone = ref.filter(
        (pl.col("org_level") == "county") & ~pl.col("org_code").is_in(below["region_code"].implode())
    )
    return pl.concat(
        [ref.filter(pl.col("org_level") == "county_dept"), ref.filter(pl.col("org_level") == "street"), lone]
    )


# The subjects of a department's matters, by a word of its name (first match); others get the general list.
SUBJECTS = {
    "公安": [
        "户口迁移",
        "居民身份证",
        "机动车",
        "驾驶证",
        "出入境证件",
        "治安",
        "剧毒化学品购买",
        "爆破作业",
        "保安服务",
    ],
    "人力资源": ["社会保障卡", "职业资格", "劳务派遣经营", "人力资源服务", "失业保险金", "养老保险关系转移"],
    "教育": ["民办学校办学", "教师资格", "校外培训机构", "学历证明"],
    "民政": ["婚姻", "社会团体", "民办非企业单位", "养老机构", "殡葬设施", "低保"],
    "自然资源": ["建设用地规划", "国有土地使用权", "不动产", "采矿权", "测绘资质"],
    "住房和城乡建设": ["建设工程规划", "建筑工程施工", "房地产开发企业资质", "商品房预售", "燃气经营"],
    "住房公积金": ["公积金提取", "公积金贷款", "公积金缴存", "公积金转移"],
    "市场监督": ["食品经营", "特种设备使用", "营业执照", "计量器具", "工业产品生产"],
    "交通运输": ["道路运输经营", "道路客运班线", "出租汽车经营", "公路超限运输", "船舶"],
    "水务": ["取水", "河道管理范围内建设项目", "水土保持方案", "排水"],
    "生态环境": ["排污", "环境影响评价", "危险废物经营", "辐射安全"],
    "卫生健康": ["医疗机构执业", "医师执业", "护士执业", "母婴保健技术服务", "公共场所卫生"],
    "林业": ["林木采伐", "林草种子生产经营", "野生动物驯养繁殖", "使用林地"],
    "农业农村": ["兽药经营", "农药经营", "种子生产经营", "动物防疫条件", "渔业捕捞"],
    "文化": ["出版物经营", "娱乐场所经营", "网吧经营", "旅行社", "营业性演出"],
    "新闻出版": ["出版物经营", "印刷经营", "出版物零售"],
    "人民防空": ["人防工程", "人防工程拆除", "防空地下室易地建设"],
    "消防": ["消防设计", "公众聚集场所投入使用营业前消防安全检查", "消防验收"],
    "应急": ["危险化学品经营", "烟花爆竹经营", "安全生产"],
    "税务": ["纳税申报", "发票领用", "税务登记", "出口退税", "税收优惠"],
    "医疗保障": ["医保关系转移", "异地就医", "医疗费用报销", "定点医药机构"],
    "行政审批": ["营业执照", "食品经营", "建筑工程施工", "药品零售", "道路运输经营"],
    "退役军人": ["优待证", "抚恤", "退役安置"],
    "残疾人": ["残疾人证", "残疾人就业", "康复救助"],
    "气象": ["防雷装置设计", "升放气球", "气象信息服务"],
    "档案": ["档案查阅", "档案移交"],
    "商务": ["对外贸易经营者", "成品油零售经营", "单用途预付卡"],
    "司法": ["律师执业", "公证员执业", "法律援助", "司法鉴定"],
    "财政": ["会计代理记账", "政府采购"],
    "宣传": ["广播电视节目制作经营", "电影放映", "新闻单位驻地方机构"],
    "统计": ["统计调查项目", "统计资料提供"],
    "外事": ["因公出国（境）", "外国人来华邀请"],
    "发展和改革": ["企业投资项目核准", "企业投资项目备案", "价格认定"],
    "经济和信息化": ["电力设施保护区施工作业", "工业企业技术改造项目"],
    "科学技术": ["科技成果登记", "高新技术企业认定", "技术合同"],
    "民族宗教": ["宗教活动场所", "宗教教职人员", "宗教临时活动地点"],
    "城管": ["城市道路占用", "户外广告设置", "城市建筑垃圾处置"],
    "中医药": ["中医诊所", "中医医术确有专长人员"],
    "金融": ["小额贷款公司", "融资担保公司"],
    "国家安全": ["涉及国家安全事项的建设项目"],
    "邮政": ["快递业务经营", "邮政普遍服务"],
    "公共资源交易": ["交易项目进场", "交易主体登记"],
    "侨务": ["归侨侨眷身份确认", "华侨回国定居"],
}
GENERAL_SUBJECTS = ["建设工程规划", "食品经营", "医疗机构执业", "道路运输经营", "排污", "取水", "特种设备使用", "户口迁移",
                    "社会保障卡", "公积金提取", "民办学校办学", "林木采伐", "出版物经营", "人防工程", "消防设计"]  # fmt: skip


def _subjects(org_name: str) -> list[str]:
    return next((s for word, s in SUBJECTS.items() if word in org_name), GENERAL_SUBJECTS)


def _catalogue(orgs: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    counts = np.clip(rng.lognormal(3.0, 0.8, orgs.height).astype(int), 2, 220)
    org_idx = np.repeat(np.arange(orgs.height), counts)
    n = len(org_idx)
    seq = np.concatenate([np.arange(1, c + 1) for c in counts])
    org_codes = orgs["org_code"].to_numpy().astype(str)[org_idx]
    on_application = rng.random(n) < 0.9
    instant = rng.random(n) < 0.55
    legal = rng.choice([5, 10, 15, 20, 20, 30, 60], n)
    promised = np.where(instant, 0, np.maximum(1, np.round(legal * rng.uniform(0.05, 0.5, n)))).astype(int)
    # A department's matters are its own: the subjects of its trade (the same draws as one list).
    subjects = [_subjects(name) for name in orgs["org_name"].to_list()]
    picks = rng.choice(len(GENERAL_SUBJECTS), n)
    verbs = ["许可", "登记", "备案", "核发", "变更", "注销", "确认", "审批"]
    return pl.DataFrame(
        {
            "matter_code": np.char.add(org_codes, np.char.zfill(seq.astype(str), 5)),
            "matter_name": np.char.add(
                np.array([subjects[o][p % len(subjects[o])] for o, p in zip(org_idx, picks, strict=True)]),
                rng.choice(verbs, n),
            ),
            "dept_code": org_codes,
            "region_code": orgs["region_code"].to_numpy()[org_idx],
            "matter_type": np.where(on_application, rng.choice(MATTER_TYPES[:-1], n), "公共服务"),
            "is_on_application": on_application,
            "is_claim_required": rng.random(n) < 0.97,
            "claimed_from": np.where(rng.random(n) < 0.97, 0, rng.integers(1, 12, n)),
            "published_from": np.where(rng.random(n) < 0.97, 0, rng.integers(1, 12, n)),
            "status": rng.choice(["在用", "废止", "删除"], n, p=[0.96, 0.03, 0.01]),
            "online_depth": rng.choice([1, 2, 3, 4], n, p=[0.01, 0.02, 0.04, 0.93]),
            "is_instant": instant,
            "legal_limit_days": legal,
            "promised_limit_days": promised,
            "max_visits": rng.choice([0, 0, 0, 0, 1], n),
            "yields_certificate": rng.random(n) < 0.3,
        }
    )


# --- cases and everything a case produces ---------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """The cases applied for in one month, with their evaluations and certificates, in their final state."""

    cases: pl.DataFrame
    evaluations: pl.DataFrame
    certificates: pl.DataFrame


def applied_in(month: dt.date, scale: float, seed: int) -> Applied:
    return _applied_in(month, scale, seed, settings.profile())


# Only the months a month's extracts look back over are kept: at scale 1 a month is millions of rows.
@lru_cache(maxsize=LOOKBACK_MONTHS + 2)
def _applied_in(month: dt.date, scale: float, seed: int, profile: str) -> Applied:
    n = max(1, int(round(APPLICATIONS_AT_SCALE_1 * scale * MONTH_FACTOR[month.month])))
    return applications(month, n, rng_for(seed, "cases", month), world(seed))


def applications(month: dt.date, n: int, rng: np.random.Generator, w: World, first_id: int = 0) -> Applied:
    """n applications of the month (numbered from first_id), with what they produce. A large month
    is made in slices with distinct first_id, one slice in memory at a time."""
    active = w.matters.filter(pl.col("is_on_application") & (pl.col("status") == "在用"))
    org_codes = w.orgs["org_code"].to_numpy().astype(str)
    weights = w.orgs["weight"].to_numpy()
    # Only departments with an active catalogue take cases.
    per_org = active.group_by("dept_code", maintain_order=True).len()
    has = np.isin(org_codes, per_org["dept_code"].to_numpy())
    p = np.where(has, weights, 0)
    org = rng.choice(len(org_codes), n, p=p / p.sum())
    starts = dict(
        zip(
            per_org["dept_code"], np.r_[0, np.cumsum(per_org["len"].to_numpy())[:-1]].astype(int), strict=True
        )
    )
    lens = dict(per_org.iter_rows())
    first = np.array([starts[c] for c in org_codes[org]])
    size = np.array([lens[c] for c in org_codes[org]])
    matter = active[(first + np.floor(rng.random(n) * size).astype(int)).tolist()]

    days_in_month = (add_months(month, 1) - month).days
    apply_at = (
        month_start(month)
        + (rng.integers(0, days_in_month, n) * DAY + rng.integers(8 * 3600 + 1800, 17 * 3600 + 1800, n))
        * SECOND
    )
    instant = matter["is_instant"].to_numpy()
    accepted = rng.random(n) < 0.985
    accept_lag = np.where(instant, rng.integers(60, 1800, n), rng.exponential(0.6 * DAY, n).astype(int))
    accept_at = apply_at + accept_lag * SECOND
    promised_days = matter["promised_limit_days"].to_numpy()
    # Promised cases take a share of their limit (working days ~ 1.4 calendar days); a few run late.
    share = rng.beta(2, 3, n) * 1.15
    promised_secs = (share * np.maximum(promised_days, 1) * 1.4 * DAY).astype(int) + rng.integers(
        600, 7200, n
    )
    instant_secs = np.where(
        rng.random(n) < 0.97, rng.integers(60, 4 * 3600, n), rng.integers(25 * 3600, 72 * 3600, n)
    )
    duration = np.minimum(np.where(instant, instant_secs, promised_secs), 80 * DAY)
    finish_at = accept_at + duration * SECOND

    person = rng.random(n) < 0.8
    company_name, company_id = people.companies(rng, n)
    name = np.where(person, people.names(rng, n), company_name)
    id_number = np.where(person, people.id_numbers(rng, n), company_id)
    case_ids = np.char.add(
        f"{month:%Y%m}",
        np.char.add(org_codes[org], np.char.zfill(np.arange(first_id, first_id + n).astype(str), 8)),
    )
    cases = pl.DataFrame(
        {
            "case_id": case_ids,
            "matter_code": matter["matter_code"],
            "dept_code": org_codes[org],
            "region_code": matter["region_code"],
            "case_kind": np.where(instant, "即办件", "承诺件"),
            "is_batch": np.where(rng.random(n) < 0.02, "是", "否"),
            "channel": rng.choice(["网上", "移动端", "窗口", "自助终端"], n, p=[0.5, 0.12, 0.36, 0.02]),
            "apply_time": apply_at,
            "accept_time": np.where(accepted, accept_at, np.datetime64("NaT")),
            "finish_time": np.where(accepted, finish_at, np.datetime64("NaT")),
            "result": np.where(rng.random(n) < 0.96, "准予", "不予许可"),
            "legal_limit_days": matter["legal_limit_days"],
            "promised_limit_days": promised_days,
            "yields_certificate": matter["yields_certificate"].to_numpy(),
            "applicant_type": np.where(person, "自然人", "法人"),
            "applicant_name": name,
            "applicant_id_number": id_number,
            "applicant_phone": people.phones(rng, n),
        }
    )
    return Applied(cases, _evaluations(cases, w, rng), _certificates(cases, rng))


def _evaluations(cases: pl.DataFrame, w: World, rng: np.random.Generator) -> pl.DataFrame:
    done = cases.filter(pl.col("finish_time").is_not_null())
    intensity = done.join(
        w.orgs.select(pl.col("org_code").alias("dept_code"), "eval_intensity"), on="dept_code", how="left"
    )
    count = np.minimum(rng.poisson(intensity["eval_intensity"].to_numpy()), 3)
    # A case nobody evaluates in time gets one default evaluation (默认评价, 非常满意).
    is_default = count == 0
    count = np.where(is_default, 1, count)
    rows = np.repeat(np.arange(done.height), count)
    m = len(rows)
    finish = done["finish_time"].to_numpy()[rows]
    default = is_default[rows]
    wait = w.rules.default_evaluation_after
    # Active evaluations come before the default one: within `days` calendar days, never more than
    # `days` working days.
    active_at = finish + rng.integers(300, max(int((wait.days - 0.1) * DAY), 301), m) * SECOND
    eval_at = np.where(default, _after(finish, wait, w.workdays), active_at)
    rating = np.where(default, 5, rng.choice([5, 4, 3, 2, 1], m, p=[0.93, 0.05, 0.012, 0.005, 0.003]))
    bad = rating <= 2
    due = _after(eval_at, w.rules.rectification_due_after, w.workdays)
    rectified = eval_at + rng.integers(DAY, 10 * DAY, m) * SECOND
    return pl.DataFrame(
        {
            "eval_id": np.char.add(
                "E",
                np.char.add(
                    done["case_id"].to_numpy().astype(str)[rows],
                    np.char.zfill(_occurrence(rows).astype(str), 2),
                ),
            ),
            "case_id": done["case_id"].to_numpy()[rows],
            "dept_code": done["dept_code"].to_numpy()[rows],
            "region_code": done["region_code"].to_numpy()[rows],
            "eval_time": eval_at,
            "eval_source": np.where(default, "默认评价", "主动评价"),
            "rating": rating,
            "eval_channel": np.where(
                default, "网页", rng.choice(["评价器", "网页", "二维码", "短信", "移动端"], m)
            ),
            "invalid_after_appeal": np.where(bad & (rng.random(m) < 0.1), "是", np.where(bad, "否", "")),
            "rectify_due": np.where(bad, due, np.datetime64("NaT")),
            "rectified_at": np.where(bad, rectified, np.datetime64("NaT")),
            "revisited": np.where(bad, "是", ""),
            "rectify_satisfied": np.where(bad, np.where(rng.random(m) < 0.8, "是", "否"), ""),
            "evaluator_phone": people.phones(rng, m),
        }
    )


def _after(at: np.ndarray, rule: DayCount, workday_dates: np.ndarray) -> np.ndarray:
    """The same time of day `rule.days` calendar days, or workdays, after `at`."""
    if rule.count == "calendar":
        return at + rule.days * DAY * SECOND
    return working_days_after(at, rule.days, workday_dates)


def _certificates(cases: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    done = cases.filter(
        pl.col("finish_time").is_not_null() & pl.col("yields_certificate") & (pl.col("result") == "准予")
    )
    n = done.height
    kind = rng.choice(["实时生成", "补录", "none"], n, p=[0.93, 0.05, 0.02])
    keep = kind != "none"
    done, kind = done.filter(pl.Series(keep)), kind[keep]
    n = done.height
    finish = done["finish_time"].to_numpy()
    issued = (
        finish
        + np.where(kind == "实时生成", rng.integers(1, 120, n), rng.integers(DAY, 10 * DAY, n)) * SECOND
    )
    sealed = rng.random(n) < 0.98
    return pl.DataFrame(
        {
            "cert_id": np.char.add("Z", done["case_id"].to_numpy().astype(str)),
            "case_id": done["case_id"],
            "cert_type_code": np.char.add(
                "CT", np.array([c[-7:] for c in done["matter_code"].to_list()], dtype=str)
            ),
            "dept_code": done["dept_code"],
            "region_code": done["region_code"],
            "issued_at": issued,
            "origin": kind,
            "sealed": np.where(sealed, "是", "否"),
            "sealed_at": np.where(sealed, issued + 30 * SECOND, np.datetime64("NaT")),
            "invoked": np.where(rng.random(n) < 0.2, "是", "否"),
            "holder_name": done["applicant_name"],
            "holder_id_number": done["applicant_id_number"],
        }
    )


def _occurrence(rows: np.ndarray) -> np.ndarray:
    """0, 1, 2… within each run of equal values (rows is sorted)."""
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    return np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))


# --- one month's extracts -------------------------------------------------------------------------


def universe(month: dt.date, scale: float, seed: int, lookback: int = LOOKBACK_MONTHS + 1) -> Applied:
    return _universe(month, scale, seed, lookback, settings.profile())


@lru_cache(maxsize=1)  # cases, evaluations and certificates of a month all slice the same universe
def _universe(month: dt.date, scale: float, seed: int, lookback: int, profile: str) -> Applied:
    parts = [applied_in(add_months(month, -k), scale, seed) for k in range(lookback, -1, -1)]
    return Applied(
        *(pl.concat([getattr(p, f) for p in parts]) for f in ("cases", "evaluations", "certificates"))
    )


def cases_extract(month: dt.date, scale: float, seed: int, until: dt.date | None = None) -> pl.DataFrame:
    """The month's cases as they stood at its end, or at 00:00 of `until` (an as-of extract of the
    month to date: the same cases, fewer events)."""
    start = month_start(month)
    end = month_start(until) if until else month_start(add_months(month, 1))
    cases = universe(month, scale, seed).cases.filter(pl.col("apply_time") < end)
    # The state at the month's end: later events have not happened yet.
    state = cases.with_columns(
        accept_time=pl.when(pl.col("accept_time") < end).then("accept_time"),
        finish_time=pl.when(pl.col("finish_time") < end).then("finish_time"),
    )
    in_month = pl.any_horizontal(
        pl.col(c).is_between(start, end, closed="left") for c in ("apply_time", "accept_time", "finish_time")
    )
    open_at_end = pl.col("accept_time").is_not_null() & pl.col("finish_time").is_null()
    return state.filter(in_month.fill_null(False) | open_at_end).sort("apply_time", "case_id")


def evaluations_extract(
    month: dt.date, scale: float, seed: int, until: dt.date | None = None
) -> pl.DataFrame:
    """The month's evaluations, or those made before 00:00 of `until` (an as-of extract)."""
    start = month_start(month)
    end = month_start(until) if until else month_start(add_months(month, 1))
    evals = universe(month, scale, seed).evaluations.filter(
        pl.col("eval_time").is_between(start, end, closed="left")
    )
    rng = rng_for(seed, "guide-evaluations", month)
    # Evaluations of a service guide, not of a case: case_id is empty.
    guide = evals.sample(fraction=0.03, seed=int(rng.integers(1 << 31))).with_columns(
        eval_id=pl.concat_str(pl.lit("G"), "eval_id"), case_id=pl.lit(None, pl.String)
    )
    return (
        pl.concat([evals, guide])
        .with_columns(
            rectified_at=pl.when(pl.col("rectified_at") < end).then("rectified_at"),
            revisited=pl.when(pl.col("rectified_at") < end).then("revisited").otherwise(pl.lit("")),
            rectify_satisfied=pl.when(pl.col("rectified_at") < end)
            .then("rectify_satisfied")
            .otherwise(pl.lit("")),
        )
        .sort("eval_time", "eval_id")
    )


def certificates_extract(month: dt.date, scale: float, seed: int) -> pl.DataFrame:
    start, end = month_start(month), month_start(add_months(month, 1))
    certs = universe(month, scale, seed).certificates.filter(
        pl.col("issued_at").is_between(start, end, closed="left")
    )
    return pl.concat([certs, _stock_certificates(month, scale, seed)]).sort("issued_at", "cert_id")


def _stock_certificates(month: dt.date, scale: float, seed: int) -> pl.DataFrame:
    """存量证照: certificates issued before the platform, sealed this month or imported unsealed."""
    rng = rng_for(seed, "stock-certificates", month)
    orgs = world(seed).orgs
    n = max(2, int(APPLICATIONS_AT_SCALE_1 * scale * 0.01))
    org = rng.choice(orgs.height, n, p=orgs["weight"].to_numpy())
    start = month_start(month)
    days = (add_months(month, 1) - month).days
    in_month = start + rng.integers(0, days * DAY - 3600, n) * SECOND
    sealed_now = rng.random(n) < 0.7
    long_ago = np.datetime64("2016-01-01T00:00:00", "ms") + rng.integers(0, 4 * 365 * DAY, n) * SECOND
    ids = people.id_numbers(rng, n)
    return pl.DataFrame(
        {
            "cert_id": np.char.add(f"S{month:%Y%m}", np.char.zfill(np.arange(n).astype(str), 7)),
            "case_id": pl.Series([None] * n, dtype=pl.String),
            "cert_type_code": np.char.add("1151", np.char.zfill(rng.integers(0, 97, n).astype(str), 4)),
            "dept_code": orgs["org_code"].to_numpy()[org],
            "region_code": orgs["region_code"].to_numpy()[org],
            "issued_at": np.where(sealed_now, long_ago, in_month),
            "origin": "存量",
            "sealed": np.where(sealed_now, "是", "否"),
            "sealed_at": np.where(sealed_now, in_month, np.datetime64("NaT")),
            "invoked": "否",
            "holder_name": people.names(rng, n),
            "holder_id_number": ids,
        }
    )


def matters_extract(month: dt.date, seed: int) -> pl.DataFrame:
    index = month.year * 12 + month.month - (2021 * 12 + 1)
    return (
        world(seed)
        .matters.with_columns(
            is_claimed=pl.col("claimed_from") <= index,
            is_published=(pl.col("claimed_from") <= index) & (pl.col("published_from") <= index),
        )
        .drop("claimed_from", "published_from")
    )


def project_extracts(month: dt.date, scale: float, seed: int) -> dict[str, pl.DataFrame]:
    """工改: projects accepted in the month per county, their main-line and auxiliary cases, spot checks."""
    rng = rng_for(seed, "projects", month)
    counties = organisations().of_level("county")
    start, days = month_start(month), (add_months(month, 1) - month).days
    per_county = rng.poisson(max(2.0, 600 * scale), counties.height)
    region = np.repeat(counties["region_code"].to_numpy().astype(str), per_county)
    n = len(region)
    accepted = start + rng.integers(0, days * DAY - DAY, n) * SECOND
    codes = np.char.add(
        f"{month:%Y}-",
        np.char.add(region, np.char.add(f"-{month:%m}-", np.char.zfill(np.arange(n).astype(str), 5))),
    )
    projects = pl.DataFrame(
        {
            "project_code": codes,
            "project_name": np.char.add(region, "工程建设项目"),
            "region_code": region,
            "accepted_at": accepted,
        }
    )
    # Two main-line cases per project, and a few counties use few auxiliary modules.
    main = np.repeat(np.arange(n), 2)
    aux = np.repeat(np.arange(n), rng.integers(0, 4, n))
    line = np.r_[np.full(len(main), "主线"), np.full(len(aux), "辅线")]
    which = np.r_[main, aux]
    m = len(which)
    module = np.r_[np.full(len(main), ""), rng.choice(MODULES, len(aux), p=_module_weights())]
    case_accepted = accepted[which] + rng.integers(0, DAY, m) * SECOND
    finished = case_accepted + rng.integers(DAY, 20 * DAY, m) * SECOND
    end = month_start(add_months(month, 1))
    cases = pl.DataFrame(
        {
            "case_id": np.char.add(
                "GG", np.char.add(codes[which], np.char.zfill(np.arange(m).astype(str), 3))
            ),
            "project_code": codes[which],
            "region_code": region[which],
            "line": line,
            "module": module,
            "accepted_at": case_accepted,
            "finished_at": np.where(finished < end, finished, np.datetime64("NaT")),
        }
    ).filter(pl.col("accepted_at") < end)
    checked = cases.sample(n=min(cases.height, max(1, cases.height // 10)), seed=int(rng.integers(1 << 31)))
    # The province does not sample every county every month: the rest have no accuracy ('—').
    sampled = set(rng.choice(counties["region_code"].to_numpy(), max(1, counties.height - 2), replace=False))
    checked = checked.filter(pl.col("region_code").is_in(sorted(sampled)))
    k = checked.height
    spot_checks = pl.DataFrame(
        {
            "check_id": np.char.add(f"CC{month:%Y%m}", np.char.zfill(np.arange(k).astype(str), 5)),
            "case_id": checked["case_id"],
            "region_code": checked["region_code"],
            "checked_at": np.minimum(
                checked["accepted_at"].to_numpy() + 2 * DAY * SECOND, end - 3600 * SECOND
            ),
            "is_accurate": np.where(rng.random(k) < 0.95, "是", "否"),
        }
    )
    return {"projects": projects, "project_cases": cases, "spot_checks": spot_checks}


def _module_weights() -> np.ndarray:
    w = np.linspace(2.0, 0.2, len(MODULES))
    return w / w.sum()


def assessed_inputs_extract(month: dt.date, seed: int, scale: float | None = None) -> pl.DataFrame:
    """The province's spreadsheet. With `scale`, it also delivers each county's 常住人口 scaled like
    the sample's volume (the pipeline prefers a delivered population to the reference one), so that
    人均 values come out as a city's, not a thousandth of them."""
    rng = rng_for(seed, "assessed", month)
    ref = organisations()
    orgs = ref.frame.filter(pl.col("org_level").is_in(["city_dept", "county"]))
    # The province's spreadsheet prints names as it likes: sometimes the alias.
    printed = dict(zip(ref.aliases["org_code"], ref.aliases["alias_name"], strict=True))
    rows = []
    for code, name in orgs.select("org_code", "org_name").iter_rows():
        shown = printed.get(code, name) if rng.random() < 0.5 else name
        for indicator, (label, value) in ASSESSED_INDICATORS.items():
            rows.append((f"{month:%Y-%m}", shown, indicator, label, value(rng)))
    frame = pl.DataFrame(
        rows, schema=["period", "org_name", "indicator_code", "indicator_name", "value"], orient="row"
    )
    # Valid catalogues are usually all of them.
    totals = frame.filter(pl.col("indicator_code") == "share_catalogue_total")
    valid = totals.with_columns(
        indicator_code=pl.lit("share_catalogue_valid"), indicator_name=pl.lit("共享平台有效目录数")
    )
    opened = frame.filter(pl.col("indicator_code") == "open_dataset_count")
    tables = opened.with_columns(
        indicator_code=pl.lit("open_tables_apis_count"), indicator_name=pl.lit("库表+接口数量")
    )
    parts = [frame, valid, tables]
    if scale is not None:
        counties = ref.frame.filter((pl.col("org_level") == "county") & pl.col("population").is_not_null())
        parts.append(
            pl.DataFrame(
                {
                    "period": f"{month:%Y-%m}",
                    "org_name": counties["org_name"],
                    "indicator_code": "resident_population",
                    "indicator_name": "常住人口",
                    "value": (counties["population"] * scale).round().clip(lower_bound=1).cast(pl.Float64),
                }
            )
        )
    return pl.concat(parts)
