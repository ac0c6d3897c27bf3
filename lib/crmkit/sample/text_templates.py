"""Sentence templates of the sample's free texts: theme x polarity, Chinese and English.

Each (theme, polarity) holds two lists: ``dev`` templates (used while the voice analysis was
written) and ``held`` templates (written afterwards with other words and phrasing, and never
used to tune the analysis: the evaluation of :mod:`crmkit.voice` reports accuracy on them).
``{p}`` is filled with a product, ``{d}`` with a number of days. The committed sample draws from
both lists.
"""

from __future__ import annotations

__all__ = ["THEMES", "POLARITIES", "TEMPLATES", "TEMPLATES_EN", "OPENERS", "CLOSERS",
           "PRODUCTS", "PRODUCTS_EN", "DAYS"]

#: Planted themes (codes of the ``complaint_category`` code list, without ``other``).
THEMES: tuple[str, ...] = ("pricing", "approval_speed", "documentation", "rm_responsiveness",
                           "product_fit", "digital_channels")
#: Planted polarities: -1 negative, 0 neutral, +1 positive.
POLARITIES: tuple[int, ...] = (-1, 0, 1)

PRODUCTS = ("项目贷款", "流动资金贷款", "银团贷款", "保函", "贸易融资", "固定资产贷款")
PRODUCTS_EN = ("project loan", "working capital loan", "syndicated loan", "trade finance line")
DAYS = ("10", "15", "20", "30", "45")

# (theme, polarity) -> {"dev": [...], "held": [...]}
TEMPLATES: dict[tuple[str, int], dict[str, tuple[str, ...]]] = {
    ("pricing", -1): {
        "dev": ("{p}利率偏高，比其他银行高出不少", "手续费和管理费太高，融资成本压力大",
                "贷款定价没有竞争力，客户考虑转到他行", "利率上浮过多，客户非常不满"),
        "held": ("同业报价更低，我行{p}的价格明显偏贵", "各类费用叠加后综合成本太贵，难以接受",
                 "续贷时定价反而上调，客户很失望"),
    },
    ("pricing", 0): {
        "dev": ("与客户沟通{p}续贷利率定价方案", "向客户说明贷款利率和费率构成"),
        "held": ("客户询问{p}的报价区间，已转交定价部门",),
    },
    ("pricing", 1): {
        "dev": ("{p}利率有竞争力，客户满意", "费率下调后融资成本明显降低，客户认可"),
        "held": ("我行报价比同业优惠，客户愿意继续合作", "综合融资成本合理，客户表示划算"),
    },
    ("approval_speed", -1): {
        "dev": ("审批周期太长，影响项目进度", "{p}审批拖了{d}天还没有结果，客户很着急",
                "放款速度慢，错过了采购窗口", "授信审批流程繁琐漫长，客户不满意"),
        "held": ("额度批复迟迟下不来，工程款只能先垫付", "上会排期一再推迟，客户抱怨效率低下",
                 "提款申请等了{d}天仍未到账，严重延误"),
    },
    ("approval_speed", 0): {
        "dev": ("跟进{p}授信审批进度，已提交贷审会", "告知客户放款所需时间和审批环节"),
        "held": ("客户询问额度批复的预计时间，已登记",),
    },
    ("approval_speed", 1): {
        "dev": ("审批高效，{p}{d}天内完成放款", "放款及时，客户对审批速度很满意"),
        "held": ("额度批复比预期提前，项目得以按期开工", "从申请到提款一周搞定，客户称赞效率"),
    },
    ("documentation", -1): {
        "dev": ("材料要求太多，重复提交财务报表", "授信资料清单繁琐，客户疲于应付",
                "贷后检查要求的材料过多，增加了财务人员负担"),
        "held": ("同一份证明被要求盖章三次，客户很烦", "每次续贷都要重新准备整套文件，手续复杂",
                 "单据格式要求反复变化，财务部门苦不堪言"),
    },
    ("documentation", 0): {
        "dev": ("收集客户年报及财务报表等授信材料", "向客户提供{p}所需资料清单"),
        "held": ("提醒客户按期报送贷后检查所需文件",),
    },
    ("documentation", 1): {
        "dev": ("材料清单清晰，资料一次性提交完成", "简化了{p}申请材料，客户满意"),
        "held": ("只需补一份证明就办完了，客户觉得省事", "电子签章免去往返送件，手续轻松不少"),
    },
    ("rm_responsiveness", -1): {
        "dev": ("客户经理响应太慢，电话经常无人接听", "投诉处理太慢，问题长期未解决",
                "客户经理更换频繁，沟通不顺畅", "反映的问题没有及时回复，客户很不满"),
        "held": ("对接人几天都联系不上，客户只能找到分行领导",
                 "承诺的回电一直没有兑现，客户感觉被冷落", "换了三任对接人，每次都要从头解释"),
    },
    ("rm_responsiveness", 0): {
        "dev": ("客户经理例行回访，了解企业经营情况", "介绍新任客户经理及服务团队"),
        "held": ("季度走访，记录客户近期关注事项",),
    },
    ("rm_responsiveness", 1): {
        "dev": ("客户经理响应及时，服务专业", "问题当天得到回复，客户满意"),
        "held": ("对接人随叫随到，节假日也能找到人", "团队主动上门解决问题，客户称赞贴心"),
    },
    ("product_fit", -1): {
        "dev": ("{p}期限与项目现金流不匹配，还款压力大", "融资方案不符合企业需求，额度不够用",
                "还款计划太死板，无法根据回款调整"),
        "held": ("给的方案和工程节奏对不上，资金时有缺口",
                 "授信额度远低于实际用款需要，只能另找他行",
                 "产品条款太僵硬，淡季也要按原计划还本"),
    },
    ("product_fit", 0): {
        "dev": ("介绍供应链融资和现金管理产品", "了解客户下一年度{p}需求"),
        "held": ("客户咨询跨境资金池业务，已安排专人对接",),
    },
    ("product_fit", 1): {
        "dev": ("融资方案贴合项目需求，客户满意", "{p}期限与项目回款匹配，合作愉快"),
        "held": ("量身设计的还款安排正好对上售电回款", "额度和期限都合适，客户愿意扩大合作"),
    },
    ("digital_channels", -1): {
        "dev": ("企业网银经常登录失败，操作不便", "手机银行功能太少，转账限额太低",
                "银企直连接口不稳定，影响日常结算"),
        "held": ("网上提交的申请总是卡在上传环节", "系统升级后界面混乱，财务人员找不到入口",
                 "线上对账单下载出错，只能跑网点"),
    },
    ("digital_channels", 0): {
        "dev": ("协助客户开通企业网银和银企直连", "客户咨询手机银行使用方法"),
        "held": ("为客户财务人员讲解线上对账流程",),
    },
    ("digital_channels", 1): {
        "dev": ("企业网银操作便捷，客户满意", "线上提款方便快捷，节省了时间"),
        "held": ("电子渠道办理顺畅，不用再跑网点", "新上线的结算系统好用，财务人员点赞"),
    },
}

# (theme, polarity) -> {"dev": [...], "held": [...]} in English (overseas and some domestic).
TEMPLATES_EN: dict[tuple[str, int], dict[str, tuple[str, ...]]] = {
    ("pricing", -1): {"dev": ("The interest rate on the {p} is too high compared with other "
                              "banks",),
                      "held": ("Fees are expensive and the overall cost of funding hurts",)},
    ("pricing", 0): {"dev": ("Discussed pricing of the {p} renewal",), "held": ()},
    ("pricing", 1): {"dev": ("Competitive rate on the {p}, client is satisfied",),
                     "held": ("Pricing beat the other lenders' quotes",)},
    ("approval_speed", -1): {"dev": ("Approval took {d} days, far too slow for the project",),
                             "held": ("Still waiting for the credit committee, drawdown "
                                      "delayed again",)},
    ("approval_speed", 0): {"dev": ("Followed up on the {p} approval status",), "held": ()},
    ("approval_speed", 1): {"dev": ("Fast approval, the {p} was disbursed in {d} days",),
                            "held": ("Credit committee decided quickly, great turnaround",)},
    ("documentation", -1): {"dev": ("Too much paperwork, the same documents requested "
                                    "repeatedly",),
                            "held": ("Endless forms for the renewal, a real burden on our "
                                     "finance team",)},
    ("documentation", 0): {"dev": ("Collected annual report and financial statements",),
                           "held": ()},
    ("documentation", 1): {"dev": ("Simple document checklist, submission was easy",),
                           "held": ("E-signature removed the paperwork, very convenient",)},
    ("rm_responsiveness", -1): {"dev": ("Relationship manager is slow to respond, calls not "
                                        "returned",),
                                "held": ("Nobody got back to us for a week, poor service",)},
    ("rm_responsiveness", 0): {"dev": ("Routine visit by the relationship manager",),
                               "held": ()},
    ("rm_responsiveness", 1): {"dev": ("Relationship manager responded promptly, excellent "
                                       "service",),
                               "held": ("The team is always reachable and helpful",)},
    ("product_fit", -1): {"dev": ("The {p} tenor does not match the project cash flow",),
                          "held": ("Repayment schedule is too rigid for our seasonal "
                                   "revenue",)},
    ("product_fit", 0): {"dev": ("Presented cash management and supply chain finance",),
                         "held": ()},
    ("product_fit", 1): {"dev": ("Financing structure fits the project well, client "
                                 "satisfied",),
                         "held": ("Tailored repayment profile matches the toll revenue "
                                  "nicely",)},
    ("digital_channels", -1): {"dev": ("Online banking login fails often, very inconvenient",),
                               "held": ("The portal crashes when uploading statements",)},
    ("digital_channels", 0): {"dev": ("Helped the client set up online banking",), "held": ()},
    ("digital_channels", 1): {"dev": ("Online drawdown is quick and convenient",),
                              "held": ("The new digital platform works smoothly",)},
}

#: Sentence openers and closers (free of sentiment words; each text gets one of each, maybe "").
OPENERS = ("客户反映：", "客户表示", "本次回访中客户提到，", "财务负责人称", "")
CLOSERS = ("。已记录并反馈相关部门。", "。后续持续跟进。", "。", "，请分行尽快处理。", "")
