"""Screening catches each exclusion as clerks and owners phrase it, shows why, and leaves everyday demands alone."""

from __future__ import annotations

import pytest

from demandloop.routing.screening import ExclusionSpec, screen

ALL = [
    ExclusionSpec("litigation", "涉法涉诉", "请通过人民法院、仲裁机构依法解决。", ("起诉", "法院", "仲裁")),
    ExclusionSpec("petition", "涉及信访", "请依照《信访工作条例》向信访部门提出。", ("信访", "上访")),
    ExclusionSpec("state_secret", "涉及国家秘密", "请通过保密渠道报告。", ("国家秘密", "涉密")),
    ExclusionSpec("trade_secret", "涉及商业秘密", "不在服务范围。", ("商业秘密",)),
    ExclusionSpec("privacy", "涉及个人隐私", "不在服务范围。", ("个人隐私",)),
    ExclusionSpec("illegal", "违反法律法规或违背公序良俗", "不在服务范围。", ()),
]
NANKAI = [spec for spec in ALL if spec.code != "litigation"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # 涉法涉诉 — what an officer writes down after a visit, and what an owner types.
        ("企业反映：与供应商买卖合同纠纷已由区法院判决，对方拒不履行，请求协调执行。", "litigation"),
        ("法院判决后执行半年了钱还没拿到，区里能不能帮催一下", "litigation"),
        ("我们被前员工起诉了，下周开庭，想请政府出面说明情况", "litigation"),
        ("劳动仲裁已经立案，想问问区里能不能让对方撤诉", "litigation"),
        ("公司账户被法院冻结，申请帮忙解封", "litigation"),
        # 信访
        ("企业负责人称已多次到区信访办反映征地补偿问题，要求本平台继续督办。", "petition"),
        ("不解决我们就去市里上访", "petition"),
        # 国家秘密
        ("企业承担军工涉密项目，申请协助办理保密资格审查。", "state_secret"),
        ("这批图纸是机密级的，能不能走平台传给审批部门", "state_secret"),
        # 商业秘密
        ("前员工跳槽带走了我们的客户名单和工艺图纸，请区里帮忙查", "trade_secret"),
        ("想看看竞争对手的投标文件和报价，区里有没有渠道", "trade_secret"),
        # 个人隐私
        ("帮我查一下前员工刘某的家庭住址，他卷款跑了", "privacy"),
        ("能不能把对面店老板的手机号码给我，我要跟他理论", "privacy"),
        # 违法违规、违背公序良俗
        ("能不能少报点收入，少交点税", "illegal"),
        ("检查之前能不能提前通知我们一声", "illegal"),
        ("帮我们跟环保局打个招呼，抽检别查我们", "illegal"),
        ("有没有办法从别人那买点进项发票抵扣", "illegal"),
        ("临时工能不能不交社保，签个放弃协议", "illegal"),
        ("想弄个假的检测报告先把验收过了", "illegal"),
    ],
)
def test_it_catches_each_exclusion_with_the_words_that_decided(text, code):
    result = screen(text, ALL)
    assert result.out_of_scope
    assert result.exclusion.code == code
    evidence = result.exclusion.evidence[0]
    assert evidence["phrase"] and evidence["rule"]
    assert result.as_dict()["redirect_text"] == next(s.redirect_text for s in ALL if s.code == code)


@pytest.mark.parametrize(
    "text",
    [
        "想咨询一下专利侵权怎么认定，区里有没有知识产权培训",
        "我们不想打官司，希望区里协调对方尽快付款",
        "尚未起诉，想先走调解",
        "举报隔壁厂晚上偷排污水，臭味很大",
        "隔壁化工厂污水直排河道，请环保部门去看看",
        "如何防范虚开发票风险，有没有培训",
        "申请小规模纳税人免征增值税",
        "查询本企业社保缴费记录怎么操作",
        "我们想办营业执照，需要什么材料",
        "停电前请供电公司提前打个招呼",
        "员工个人信息保护合规怎么做，网信办有没有指引",
        "社保缴费困难，能否申请阶段性缓缴",
        "公司项目不涉密，可以正常申报",
        "我们是律师事务所，想咨询办公用房租金补贴",
    ],
)
def test_it_leaves_everyday_demands_in_scope(text):
    result = screen(text, ALL)
    assert not result.out_of_scope, result.as_dict()


def test_it_checks_only_the_districts_own_exclusions():
    text = "法院已经判决了，对方不执行"
    assert screen(text, ALL).exclusion.code == "litigation"
    assert not screen(text, NANKAI).out_of_scope  # 南开's seed does not exclude 涉法涉诉


def test_a_preset_keyword_alone_is_a_hint_not_a_refusal():
    result = screen("法院门口的路灯坏了，晚上员工下班不安全", ALL)
    assert not result.out_of_scope
    assert [hit.code for hit in result.hits] == ["litigation"]
    assert result.hits[0].strength == "hint"
    assert result.hits[0].evidence[0]["phrase"] == "法院"


def test_a_mention_of_trade_secrets_is_flagged_for_a_second_look():
    result = screen("如何保护商业秘密，市场监管局有没有指导", ALL)
    assert not result.out_of_scope
    assert result.hits and result.hits[0].code == "trade_secret" and result.hits[0].strength == "hint"


def test_the_result_is_plain_data():
    data = screen("已经上访三次了", ALL).as_dict()
    assert data["out_of_scope"] is True
    assert data["exclusion"] == "petition"
    assert data["hits"][0]["evidence"][0]["phrase"] == "上访"
