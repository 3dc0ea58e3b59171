"""Screening: does a demand fall under one of the district's exclusions (不予受理事项)? Pure rules with evidence.

Both seeds exclude matters 涉及信访、国家秘密、商业秘密、个人隐私 and those 违反法律、法规或者违背社会公序良俗;
静海 also excludes 涉法涉诉 (静海 §一(二), 南开 §三). Screening only proposes: the officer decides, sees the phrase
and the rule that fired, and the redirect text the enterprise would be shown.

A rule is a regular expression with a strength: "strong" rules describe the matter itself (法院已判决, 已上访,
虚开发票); "hint" rules and the preset's own keywords only flag a word worth a second look. Guards keep clerks'
everyday phrasing out: a negation just before the match ("不想打官司", "非涉密"), someone reporting or warding
off an illegal act rather than asking for one ("举报隔壁厂偷排", "如何防范虚开发票"), or asking for one's own
records ("查询本企业社保缴费记录"). "专利侵权咨询" names no court, no suit and no judgment, so it is not 涉法涉诉.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from demandloop.routing.text import normalise

STRONG = "strong"
HINT = "hint"

LITIGATION = "litigation"
PETITION = "petition"
STATE_SECRET = "state_secret"
TRADE_SECRET = "trade_secret"
PRIVACY = "privacy"
ILLEGAL = "illegal"

# A negation within a few characters before a match turns it round ("未起诉", "不涉密", "不想打官司").
_NEGATION = re.compile(r"(不|未|非|没有|没|无|无需|不想|不愿|避免|不属于|不涉及|并非)[^，。；！？,;!?]{0,3}$")
# Reporting, preventing or suffering an illegal act is a demand in scope, not a request to commit one.
_REPORTING = re.compile(
    r"(举报|投诉|反映|检举|曝光|防范|防止|避免|识别|打击|严查|查处|整治|治理|被人|被|遭遇|遭到|收到|上当|受骗|担心|"
    r"风险|合规|自查|培训|宣传|警惕)[^。；！？;!?]{0,14}$"
)
# Asking for one's own records is an ordinary service ("查询本企业社保缴费记录").
_OWN_RECORDS = re.compile(r"(本人|自己|我的|我们的|本企业|本公司|我公司|我单位|我司|企业自身)")


@dataclass(frozen=True)
class Rule:
    """One way of recognising an exclusion in text."""

    code: str
    pattern: re.Pattern[str]
    description: str | Promise
    strength: str = STRONG
    # Which guard applies before the match: "negation" (always), "reporting", "own_records".
    guards: tuple[str, ...] = ("negation",)


def _r(code: str, pattern: str, description: str | Promise, strength: str = STRONG, *guards: str) -> Rule:
    return Rule(code, re.compile(pattern), description, strength, ("negation", *guards))


_PERSON = (
    r"(他人|别人|某人|对方|此人|该人|前员工|离职员工|员工|客户|邻居|前妻|前夫|债务人|欠款人|老赖|竞争对手|"
    r"[\u4e00-\u9fa5]某|[\u4e00-\u9fa5]{1,3}(先生|女士|经理|老板|总))"
)
# Words of asking: an unlawful act counts when the demand asks for it.
_ASK = r"(能不能|能否|可不可以|可以|可否|怎么|怎样|如何|想|打算|准备|帮我们|帮忙|帮|有没有办法|有什么办法|有办法)"
_PERSONAL_DATA = (
    r"(家庭住址|住址|住处|身份证号码?|身份证信息|手机号码?|电话号码|联系方式|户籍信息|户口信息|婚姻状况|婚姻记录|病历|病史|"
    r"行踪|行程轨迹|开房记录|银行流水|存款|通话记录|个人信息|工作单位|社保缴纳单位|社保缴纳记录|去向|下落)"
)

RULES: tuple[Rule, ...] = (
    # 涉法涉诉: a court, arbitration or police case exists or is about to.
    _r(
        LITIGATION,
        r"(法院|法庭|仲裁委|仲裁院|检察院)[^。；！？]{0,12}?(判决|裁定|裁决|立案|起诉|执行|开庭|审理|受理|调解书|传票|冻结|查封|扣押|拍卖|保全)",
        _("a court, arbitration body or procuratorate acting on the matter"),
    ),
    _r(
        LITIGATION,
        r"(起诉|诉讼|上诉|撤诉|再审|申请执行|强制执行|打官司|败诉|胜诉|判决书|裁定书|裁决书|被执行人|执行局|诉前保全|财产保全|开庭)",
        _("a lawsuit, judgment or enforcement"),
    ),
    _r(
        LITIGATION,
        r"(已经|已|正在|准备|申请了?)(申请)?(劳动)?(人事)?仲裁|仲裁[^。；！？]{0,4}(立案|受理|开庭|裁决)",
        _("an arbitration under way"),
    ),
    _r(
        LITIGATION,
        r"((公安|派出所|经侦)[^。；！？]{0,8}(立案|报案|刑事)|已报案|刑事案件)",
        _("a criminal case with the police"),
    ),
    # 信访.
    _r(
        PETITION,
        r"(信访|上访|越级访|进京访|集体访|缠访|闹访)",
        _("a petition (信访) or a visit to petition"),
    ),
    # 国家秘密.
    _r(
        STATE_SECRET,
        r"(国家秘密|涉密|秘密级|机密级|绝密|密级|保密资格|保密资质|军工保密|涉密载体|(?<!商业)机密文件)",
        _("state secrets or classified material"),
    ),
    # 商业秘密: a dispute over trade secrets, or a request for another firm's confidential information.
    _r(
        TRADE_SECRET,
        r"(商业秘密|商业机密|技术秘密)[^。；！？]{0,10}(泄露|被盗|被窃|被带走|侵犯|纠纷|被人拿走)",
        _("a dispute over trade secrets"),
    ),
    _r(
        TRADE_SECRET,
        r"(窃取|盗用|带走|泄露|拿走|拷走|获取|提供|查看|打听|调取|公开|透露)[^。；！？]{0,8}(商业秘密|商业机密|技术秘密|核心技术资料|配方|客户名单|源代码|图纸)",
        _("taking or asking for trade secrets"),
        STRONG,
        "reporting",
    ),
    _r(
        TRADE_SECRET,
        r"(竞争对手|同行|其他企业|别的企业|对方公司)[^。；！？]{0,14}?的?(报价|底价|标底|成本|配方|客户名单|工艺|技术参数|投标文件|财务数据|销售数据)",
        _("asking for another firm's confidential business information"),
    ),
    _r(TRADE_SECRET, r"(商业秘密|商业机密|技术秘密)", _("mentions trade secrets"), HINT),
    # 个人隐私: asking for another person's personal data.
    _r(
        PRIVACY,
        r"(查询|查一下|查查|查到|查|调取|提供|告知|告诉|获取|打听|公开|透露|要到|找到)[^。；！？]{0,10}?"
        + _PERSON
        + r"[^。；！？]{0,6}?"
        + _PERSONAL_DATA,
        _("asking for another person's personal data"),
        STRONG,
        "own_records",
    ),
    _r(
        PRIVACY,
        _PERSON
        + r"的?[^。；！？]{0,4}?"
        + _PERSONAL_DATA
        + r"[^。；！？]{0,6}?(查询|查一下|查到|调取|提供|告知|告诉|获取|给我|发给)",
        _("asking for another person's personal data"),
        STRONG,
        "own_records",
    ),
    _r(PRIVACY, r"(个人隐私|隐私)", _("mentions privacy"), HINT),
    # 违反法律法规或违背公序良俗: the demand asks for something unlawful. Most acts count only when asked for
    # ("能不能少报点收入"), since a demand that complains about them ("隔壁厂污水直排") is in scope.
    _r(
        ILLEGAL,
        r"虚开[^。；！？]{0,4}发票|买卖发票|假发票|(花钱|从[^。；！？]{0,6})买[^。；！？]{0,3}发票",
        _("false or traded invoices"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        _ASK
        + r"[^。；！？]{0,10}?(偷税|逃税|漏税|少报收入|隐瞒收入|少缴税|少交税|少交点税|少缴点税|做假账|两套账|账外)",
        _("asking to evade taxes or keep false accounts"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        r"(骗取|套取|骗)[^。；！？]{0,6}(补贴|补助|资金|退税|贷款|社保|医保|奖励)",
        _("obtaining subsidies or funds by deception"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        r"(伪造|变造|做假|造假|(买|办|做|弄)[^。；！？]{0,3}假的?)[^。；！？]{0,4}(证件|证明|公章|印章|合同|营业执照|资质|证书|检测报告|学历|材料|数据)"
        r"|假证|挂证|代考|替考",
        _("forged documents or certificates"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        _ASK + r"[^。；！？]{0,10}?(走后门|托关系|找关系|疏通关系|通融|送礼|行贿)"
        r"|(跟|向|给)[^。；！？]{0,8}打个?招呼|(给|送|塞|包)[^。；！？]{0,6}(红包|好处费|礼品|购物卡|回扣)",
        _("favours, gifts or bribes"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        _ASK
        + r"[^。；！？]{0,8}?(规避|逃避|躲避|躲过|应付|绕过)[^。；！？]{0,4}(检查|执法|监管|环评|稽查|审计|查处|处罚|验收|监测)"
        r"|(检查|执法|暗访)[^。；！？]{0,6}提前(通知|透露|告诉)",
        _("evading inspection or enforcement"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        _ASK
        + r"[^。；！？]{0,8}?(不|少|不给|不用给)(缴|交|上|缴纳|交纳)[^。；！？]{0,4}(社保|个税|公积金|工伤保险)",
        _("asking not to pay social insurance or taxes due"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        _ASK + r"[^。；！？]{0,10}?(赌博|色情|卖淫|传销|洗钱|高利贷|套路贷|非法集资|刷单|暴力催收)",
        _("asking to run gambling, pornography, pyramid selling, usury or money laundering"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        _ASK + r"[^。；！？]{0,10}?(偷排|偷倒|私排|直排|暗管|不经处理[^。；！？]{0,4}排|晚上排)",
        _("asking to discharge pollutants unlawfully"),
        STRONG,
        "reporting",
    ),
    _r(
        ILLEGAL,
        r"(让|叫|帮|把)[^。；！？]{0,6}(竞争对手|对手|同行|隔壁)[^。；！？]{0,8}(停产|停业|整顿|关停|查封|吊销|关掉|关门|整垮)",
        _("using the authorities against a competitor"),
    ),
)


@dataclass(frozen=True)
class ExclusionSpec:
    """A district's exclusion as screening needs it (from `org.Exclusion`, without the database)."""

    code: str
    name: str
    redirect_text: str
    keywords: tuple[str, ...] = ()


@dataclass
class ScreeningHit:
    """An exclusion the text may fall under, with what was found."""

    code: str
    name: str
    redirect_text: str
    strength: str
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "strength": self.strength,
            "evidence": self.evidence,
            "redirect_text": self.redirect_text,
        }


@dataclass
class ScreeningResult:
    """Screening of one text: out of scope when a strong rule fired; hints are shown, not decisive."""

    hits: list[ScreeningHit]

    @property
    def out_of_scope(self) -> bool:
        return any(hit.strength == STRONG for hit in self.hits)

    @property
    def exclusion(self) -> ScreeningHit | None:
        strong = [hit for hit in self.hits if hit.strength == STRONG]
        return strong[0] if strong else None

    def as_dict(self) -> dict[str, Any]:
        best = self.exclusion
        return {
            "out_of_scope": self.out_of_scope,
            "exclusion": best.code if best else None,
            "exclusion_name": best.name if best else "",
            "redirect_text": best.redirect_text if best else "",
            "hits": [hit.as_dict() for hit in self.hits],
        }


# "能不能", "可不可以": questions, not negations.
_A_NOT_A = re.compile(r"(能不能|可不可以|是不是|要不要|会不会|行不行|好不好|有没有)")


def _guarded(text: str, start: int, guards: tuple[str, ...]) -> bool:
    before = _A_NOT_A.sub("", text[max(0, start - 20) : start])
    if "negation" in guards and _NEGATION.search(before[-6:]):
        return True
    if "reporting" in guards and _REPORTING.search(before):
        return True
    return "own_records" in guards and bool(_OWN_RECORDS.search(before[-12:]))


@lru_cache(maxsize=4096)
def _keyword_key(keyword: str) -> str:
    """A preset keyword as it is searched for: normalised once, not at every decision."""
    return normalise(keyword)


def screen(text: str, exclusions: Sequence[ExclusionSpec]) -> ScreeningResult:
    """Check `text` against the district's `exclusions` (only those: 南开 has no 涉法涉诉)."""
    normalised = normalise(text)
    hits: list[ScreeningHit] = []
    for spec in exclusions:
        evidence: list[dict[str, Any]] = []
        strength = ""
        for rule in RULES:
            if rule.code != spec.code:
                continue
            for match in rule.pattern.finditer(normalised):
                if _guarded(normalised, match.start(), rule.guards):
                    continue
                evidence.append(
                    {
                        "phrase": match.group(0),
                        "rule": str(rule.description),
                        "strength": rule.strength,
                        "at": match.start(),
                    }
                )
                if rule.strength == STRONG or not strength:
                    strength = rule.strength
        # The preset's own words: hints unless a rule already spoke, each guarded by negation.
        for keyword in spec.keywords:
            key = _keyword_key(keyword)
            at = normalised.find(key) if key else -1
            if at < 0 or _guarded(normalised, at, ("negation",)):
                continue
            if not any(key in e["phrase"] or e["phrase"] in key for e in evidence):
                evidence.append(
                    {
                        "phrase": keyword,
                        "rule": str(_("a keyword of this exclusion")),
                        "strength": HINT,
                        "at": at,
                    }
                )
                strength = strength or HINT
        if evidence:
            evidence.sort(key=lambda e: (e["strength"] != STRONG, e["at"]))
            hits.append(ScreeningHit(spec.code, spec.name, spec.redirect_text, strength, evidence))
    hits.sort(key=lambda h: h.strength != STRONG)
    return ScreeningResult(hits)
