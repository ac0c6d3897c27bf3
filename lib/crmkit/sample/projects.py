"""Projects and their milestones, with delays driven by the client's risk latent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crmkit.core.contract import CODES
from crmkit.sample.base import NO_DATE, Ctx, Latent, choice, uniform_days
from crmkit.sample.names import CITIES, ids, join, pick
from crmkit.sample.spec import INDUSTRY_MIX

__all__ = ["Projects", "projects"]

#: Project name stems per industry: ``<city><stem><phase>``.
_STEMS: dict[str, tuple[str, ...]] = {
    "energy": ("热电联产", "燃机电厂", "抽水蓄能电站", "输变电"),
    "renewables": ("光伏电站", "风电场", "储能电站", "海上风电"),
    "infrastructure": ("城市快速路", "综合管廊", "高速公路", "污水处理厂"),
    "transport": ("物流园", "港区码头", "铁路专用线", "航空货运中心"),
    "manufacturing": ("智能制造基地", "生产线技改"),
    "real_estate": ("商业综合体", "住宅小区", "写字楼"),
    "construction": ("产业园区", "安置房", "市政道路"),
    "mining": ("矿区扩建", "选矿厂", "冶炼厂技改"),
    "chemicals": ("化工园区技改", "新材料生产线"),
    "agriculture": ("现代农业产业园", "冷链仓储"),
    "technology": ("数据中心", "研发中心"),
    "healthcare": ("医院新院区", "生物医药产业园"),
    "retail": ("商贸物流中心", "购物中心"),
    "utilities": ("供水厂", "燃气管网", "垃圾焚烧发电", "集中供热"),
}
_PHASES = ("项目", "一期工程", "二期工程")
#: Six milestone names per kind of project; fewer milestones drop from the middle.
_MILESTONES = {
    "power": ("核准备案", "融资关闭", "土建施工", "设备安装", "并网调试", "竣工验收"),
    "building": ("规划许可", "融资关闭", "基础施工", "主体结构封顶", "装修安装", "竣工验收"),
    "generic": ("可研批复", "融资关闭", "土建施工", "设备采购安装", "试运行", "竣工验收"),
}
_KIND = {"energy": "power", "renewables": "power", "utilities": "power",
         "real_estate": "building", "construction": "building"}
_KEEP = {4: (0, 1, 2, 5), 5: (0, 1, 2, 3, 5), 6: (0, 1, 2, 3, 4, 5)}


@dataclass
class Projects:
    """The chunk's projects (local arrays) and what the loans and clients need from them."""

    cols: dict[str, object]        #: project columns; ``client_id`` holds local client indices
    milestones: dict[str, object]  #: milestone columns; ``project_id`` holds local indices
    owner: np.ndarray              #: local client index per project
    ordinal: np.ndarray            #: 0 = the client's first project, 1 = second
    start: np.ndarray              #: planned start (int days)
    investment: np.ndarray         #: yuan
    slip_day: np.ndarray           #: per client: day a milestone became slip_days late
    executing: np.ndarray          #: per client: a project is in progress


def projects(ctx: Ctx, lat: Latent) -> Projects:
    """Projects for about 40 % of clients (mostly energy and infrastructure), 4-6 milestones each.

    Milestone delays accumulate: each milestone adds ``N(2 + 30 d+, 10 + 10 d+)`` days (at least
    -10) where ``d = 0.6 z + 0.8 e`` is the project's delay propensity and ``d+ = max(d, 0)``.
    """
    rng, n, P, A = ctx.rng, ctx.n, ctx.planted, ctx.A
    share = np.array([P.project_share[k] for k in INDUSTRY_MIX])[lat.industry]
    has = rng.random(n) < share
    second = has & (rng.random(n) < 0.2)
    owner = np.concatenate([np.flatnonzero(has), np.flatnonzero(second)])
    ordinal = np.concatenate([np.zeros(has.sum(), int), np.ones(second.sum(), int)])
    order = np.lexsort((ordinal, owner))
    owner, ordinal = owner[order], ordinal[order]
    m = len(owner)

    first_day = np.datetime64(ctx.as_of.replace(year=ctx.as_of.year - 8, month=1, day=1), "D")
    lo = np.maximum(lat.onboarding[owner] + 1, first_day.astype(np.int64))
    hi = np.where(ordinal == 0, np.where(lat.eligible[owner], A - 520, A - 30), A + 270)
    hi = np.where(lat.churned[owner], lat.churn_day[owner] - 730, hi)
    start = uniform_days(rng, lo, hi)
    duration = rng.integers(540, 1461, m)
    investment = lat.assets[owner] * np.exp(rng.normal(np.log(0.35), 0.4, m))
    investment = np.maximum(np.round(investment / 1e6) * 1e6, 2e7)
    dp = 0.6 * lat.z[owner] + 0.8 * rng.standard_normal(m)
    dpp = np.maximum(dp, 0)

    # milestones: planned segments, cumulative delays
    n_ms = np.array([4, 5, 6])[choice(rng, [0.3, 0.4, 0.3], m)]
    proj = np.repeat(np.arange(m), n_ms)
    pos = np.arange(len(proj)) - np.repeat(np.cumsum(n_ms) - n_ms, n_ms)
    w = rng.uniform(0.5, 1.5, len(proj))
    tot = np.bincount(proj, weights=w, minlength=m)
    cum_w = np.cumsum(w) - np.repeat(np.cumsum(tot) - tot, n_ms)
    p_end = start[proj] + np.round(cum_w / tot[proj] * duration[proj]).astype(np.int64)
    p_start = np.where(pos == 0, start[proj], np.roll(p_end, 1))
    step = np.maximum(rng.normal(P.delay_step + 30 * dpp[proj], P.delay_sd + 10 * dpp[proj]), -10)
    c0 = np.maximum(rng.normal(5 + 10 * dpp, 10), 0)
    cum_d = np.cumsum(step) - np.repeat(np.cumsum(np.bincount(proj, step, m)) -
                                        np.bincount(proj, step, m), n_ms)
    delay_end = np.round(c0[proj] + cum_d).astype(np.int64)
    delay_start = np.where(pos == 0, np.round(c0[proj]).astype(np.int64), np.roll(delay_end, 1))
    a_start = p_start + delay_start
    a_end = np.maximum(p_end + delay_end, a_start + 1)
    done = a_end <= A
    started = a_start <= A
    ms_status = np.where(done, 2, np.where(started, 1, 0))      # pending, in_progress, done
    slip = p_end + P.slip_days + 1
    slip = np.where((delay_end > P.slip_days) & (slip <= A), slip, np.iinfo(np.int64).max)
    slip_day = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(slip_day, owner[proj], slip)
    slip_day = np.where(slip_day == np.iinfo(np.int64).max, NO_DATE, slip_day)

    last = np.cumsum(n_ms) - 1
    first = last - n_ms + 1
    all_done = done[last]
    any_started = started[first]
    suspended = any_started & ~all_done & (delay_end[last] > 300) & (rng.random(m) < 0.5)
    p_codes = list(CODES["project_status"])
    status = np.where(all_done, p_codes.index("completed"),
                      np.where(suspended, p_codes.index("suspended"),
                               np.where(any_started, p_codes.index("in_progress"),
                                        p_codes.index("planned"))))
    executing = np.zeros(n, bool)
    executing[owner[status == p_codes.index("in_progress")]] = True

    ind_names = list(INDUSTRY_MIX)
    stems = [s for k in ind_names for s in _STEMS[k]]
    n_stems = np.array([len(_STEMS[k]) for k in ind_names])
    stem0 = np.concatenate([[0], np.cumsum(n_stems)[:-1]])
    ind = lat.industry[owner]
    stem = stem0[ind] + (rng.random(m) * n_stems[ind]).astype(np.int64)
    phase = np.where(second[owner], ordinal + 1, 0)
    name = join(pick([c[0] for c in CITIES], lat.city[owner]), pick(stems, stem),
                pick(_PHASES, phase))
    kinds = list(_MILESTONES)
    kind = np.array([kinds.index(_KIND.get(k, "generic")) for k in ind_names])[ind]
    flat = [nm for k in kinds for nm in _MILESTONES[k]]
    keep = np.array([list(_KEEP[k]) + [0] * (6 - k) for k in (4, 5, 6)])
    ms_name = kind[proj] * 6 + keep[n_ms[proj] - 4, pos]

    cols = {
        "project_id": ids("P", ctx.start_ids.get("P", 1), m, 7),
        "client_id": owner,
        "project_name": name,
        "planned_start": start,
        "planned_end": p_end[last],
        "actual_start": np.where(any_started, a_start[first], NO_DATE),
        "actual_end": np.where(all_done, a_end[last], NO_DATE),
        "status": pick(p_codes, status),
        "investment": investment,
        "expected_return": np.round(np.clip(rng.normal(0.075, 0.02, m) - 0.005 * lat.z[owner],
                                            0.02, 0.15), 4),
    }
    mcols = {
        "milestone_id": ids("M", ctx.start_ids.get("M", 1), len(proj), 8),
        "project_id": proj,
        "milestone_name": pick(flat, ms_name),
        "planned_start": p_start,
        "planned_end": p_end,
        "actual_start": np.where(started, a_start, NO_DATE),
        "actual_end": np.where(done, a_end, NO_DATE),
        "status": pick(list(CODES["milestone_status"]), ms_status),
    }
    return Projects(cols=cols, milestones=mcols, owner=owner, ordinal=ordinal, start=start,
                    investment=investment, slip_day=slip_day, executing=executing)
