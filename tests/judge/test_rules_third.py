"""The rules judge's readings of judge-3: who did what to which items. The unit's own work narrated (a
meeting, a plan issued, a contract signed, a rule named as the basis, the row's own move decided) is no
cause; someone else's act is. Plain speech says causes without the words of reports (涨了, 不给批, 要重新,
报名的人少, 两个半月). Each on texts of its own, on the clean test form."""

from __future__ import annotations

import pytest
from test_rules_general import row  # the clean test form with one row changed, judged by the rules


def training(text: str):
    return row(0, "≥500人次", "420人次", 16.8, text)  # 培训人次 500 → 420: 80 short


def rent(text: str):
    return row(3, "≤100万元", "112万元", 8.8, text)  # 场地租赁费用 100 → 112万元: 12 over


def late(text: str):
    return row(2, "2023年6月30日前", "2023年9月15日", 3, text)  # 培训完成时间: 77 days late


@pytest.mark.parametrize("text", [
    "2023年3月15日召开专题会议部署，4月10日印发实施方案，全年共培训420人次，较目标少80人次。",  # the year's work
    "经2023年9月15日局长办公会研究，决定将培训人次由500人次调整为420人次。",  # the row's own move, decided
    "按照《某市职业技能提升行动方案》（某人社发〔2023〕12号）要求，结合实际，全年完成培训420人次。",  # a basis
    "2023年6月12日与某某培训有限公司签订培训服务合同（合同编号HT2023-045），全年培训420人次。",  # a contract
])
def test_the_units_own_work_narrated_is_no_cause(text):
    found = training(text)
    assert found.verdict == "does_not_cover" and "no_cause" in found.tags


def test_the_units_own_meeting_agreeing_to_spend_more_is_no_cause():
    assert rent("经2023年8月15日第12次局务会议研究，同意追加预算12万元。").verdict == "does_not_cover"


@pytest.mark.parametrize("text", [
    "省人社厅10月才下达第4期培训计划，第4期80人次未能开班。",  # another body's act, late
    "合作企业中有80名学员书面申请不参加培训。",  # a count of people acting
])
def test_someone_elses_act_is_a_happening(text):
    assert training(text).verdict == "covers"


def test_the_target_as_the_actual_plus_parts_breaks_down_the_gap():
    # 500 = 420 + 50 + 30: the 30 who applied not to attend are a part of the gap, not of the measurement
    found = training("年初按500人次测算；实际报名450人，较测算少50人；报名人员中30人已就业并书面申请不参加，实际培训420人次。")
    assert found.verdict == "covers"


@pytest.mark.parametrize("text", [
    "场地每天涨了2000元，共租了60天，多花了12万元。",  # a price moved, times the days
    "新场地的租金比原预算高了12万元，原场地被征收改建。",  # a price set against the budget
])
def test_a_price_said_plainly_is_a_cause(text):
    assert rent(text).verdict == "covers"


def test_a_tender_price_below_the_budget_is_no_gap_said_back():
    found = row(3, "≤100万元", "80万元", 10, "公开招标中标价80万元，比预算少20万元。")
    assert found.verdict == "covers"


@pytest.mark.parametrize("text,verdict", [
    ("第4期培训的场地在老厂房里，消防部门不给批，要重新找场地，80人次没能培训。", "covers"),  # a refusal, a redo
    ("今年农忙，报名的人少。", "partial"),  # a level said without its adverb: a mechanism without its size
])
def test_plain_speech_names_a_cause(text, verdict):
    assert training(text).verdict == verdict


@pytest.mark.parametrize("text,verdict", [
    ("5月主管部门要求增加实操课程，课程设计和重新审批用了两个半月，9月15日完成。", "covers"),  # 2.5 months ≥ 77 days
    ("5月主管部门要求增加实操课程，课程重新审批用了二十天。", "partial"),  # 20 of 77 days
])
def test_durations_in_words_size_a_delay(text, verdict):
    assert late(text).verdict == verdict


def test_an_authority_setting_the_target_is_the_target_said_back():
    found = training("省人社厅下达年度培训任务500人次，全年完成420人次。")
    assert found.verdict == "does_not_cover"


@pytest.mark.parametrize("text,verdict", [
    ("省里的钱8月20日才到账，第4期80人次的培训没办成。", "covers"),  # 才 after a time: it came late
    ("有些学员常年在外地打工，联系不上，报不了名。", "partial"),  # could not (联系不上, 报不了)
    ("讲课的老师有两位生病住院，他们带的80人次课停了。", "covers"),  # people unavailable; 停了
    ("下半年新落户的两家电子厂自办岗前培训，原定送培的80人次不再参加。", "covers"),  # a party arrived
])
def test_more_plain_speech(text, verdict):
    assert training(text).verdict == verdict


def test_plain_lateness_of_an_earlier_stage_is_a_cause_of_a_late_date():
    assert late("上面的钱到得晚，开课晚了。").verdict == "partial"


def test_an_event_word_under_nothing_found_did_not_happen():
    found = row(1, "≥90%", "85%", 14.2, "经第三方审计（某某会计师事务所，报告编号2023-112），未发现违规问题。",
                name="培训考核通过率")
    assert found.verdict == "does_not_cover"


def test_a_purpose_that_is_the_projects_own_running_is_stock():
    found = rent("为保障项目顺利实施，经单位班子会研究，增加支出12万元。")
    assert found.verdict == "does_not_cover" and "generic" in found.tags


def test_something_added_to_the_work_is_a_cause_of_more_cost():
    assert rent("为保障项目顺利实施，增加了夜间实训场地，支出有所增加。").verdict == "partial"


@pytest.mark.parametrize("text", [
    "受宏观经济形势影响。",
    "由于政策调整，培训人次有所减少。",
    "由于2023年度市场环境变化，项目推进受到一定影响，全年培训420人次。",
    "主要原因是年初目标设定偏高，未充分考虑实际情况。",
])
def test_a_general_condition_or_the_target_blamed_is_no_cause(text):
    found = training(text)
    assert found.verdict == "does_not_cover" and "generic" in found.tags


def test_the_effect_said_back_after_a_bare_category_is_no_cause():
    assert late("因项目实施过程中遇到诸多困难，导致工期延误。").verdict == "does_not_cover"


def test_a_condition_of_this_site_is_a_mechanism():
    assert late("因实训楼所在地块地质条件复杂，地基处理返工。").verdict == "partial"


def test_not_enough_said_plainly_is_a_mechanism():
    assert training("合作企业派不出人，师资不够。").verdict == "partial"


def test_figures_in_a_forecast_or_a_measure_size_nothing():
    # the months of what is still to be built are no span of the delay already run
    found = late("因合作企业资金链断裂，实训楼停工，如果一切顺利工期大概在两个月到三个月。")
    assert found.verdict == "partial"
    assert training("因合作企业恒达公司破产，第4期培训取消；下一步将新增培训80人次。").verdict == "partial"


def test_a_time_that_ran_long_is_sized_as_a_delay():
    # 培训周期 30 → 60天: stoppages of 20 and 15 days overlap but last at least the 30 days over
    found = row(2, "≤30天", "60天", 2.5, "8月台风停课二十天；9月教室漏水维修，又停课十五天。", name="培训周期")
    assert found.verdict == "covers" and "contradicts_data" not in found.tags


def test_lengths_in_words_size_a_gap():
    # 实训场地 1000 → 860平方米: the 一百四十平方米 still let to the old tenant is the gap
    found = row(4, "≥1000平方米", "860平方米", 12.9, "西侧一百四十平方米仍由原承租的物流公司占用，合同明年3月才到期。",
                name="实训场地面积")
    assert found.verdict == "covers"


def test_a_stretch_between_two_days_is_a_span_of_the_delay():
    # 77 days late: 6月20日 to 9月5日 is 77 days of waiting for the permit
    assert late("实训楼消防验收从6月20日拖到9月5日，这期间不能开课。").verdict == "covers"
    # the same stretch said with its days counts once: 20 of 77 days
    assert late("实训楼消防验收6月20日至7月10日停了二十天，这期间不能开课。").verdict == "partial"


def roads(text: str):
    return row(5, "≥2条", "1条", 7.5, text, name="打通断头路")  # a gap of one road


def test_a_road_or_a_works_named_with_what_held_it_sizes_a_gap_of_one():
    assert roads("只有桂园路改造工程还未开工，要等相连的梅岭路管网工程完工后才能开工。").verdict == "covers"


def test_a_sentence_that_goes_on_about_the_item_just_named_is_its_story():
    found = roads("桂园路（东环路—西环路）由市建设局负责修建。因该路需穿过文物保护范围，目前规划未定。")
    assert found.verdict == "covers"


def test_an_item_named_as_done_sizes_nothing():
    assert roads("梅岭路已建成通车，与东环路连接，形成区域循环。").verdict == "does_not_cover"


def test_waiting_on_something_else_before_the_work_can_go_on_is_a_mechanism():
    assert late("正在办理消防审批手续，待手续完成后方可开课。").verdict == "partial"


def test_the_progress_of_a_part_of_the_work_does_not_size_a_rate():
    # 培训合格率 90 → 80%: 85% and 95% are parts of the actual, larger than anything that failed
    found = row(1, "≥90%", "80%", 13.3, "因第二期教材更换，考核推迟；一班已学完课程的85%，二班已学完95%。",
                name="培训合格率")
    assert found.verdict == "partial"


def test_nothing_done_is_sized_by_what_held_the_work():
    found = row(5, "≥2条", "0条", 0, "两条道路占压物由谁清理，东街街道与西街街道迟迟没有达成一致，施工单位全年无法进场。",
                name="打通断头路")
    assert found.verdict == "covers"


@pytest.mark.parametrize("text", [
    "相关部门已责令施工单位整改。后期我们将加强管理。",  # a rectification ordered names no defect
    "目前正积极联系学员，加快推进补训工作，并加强培训管理。",  # work pushed on now is a measure
    "出现这个问题，确实是我们责任心不强，前瞻性不足，处置能力不足。",  # the unit's qualities found wanting
])
def test_responses_and_self_criticism_are_no_cause(text):
    assert training(text).verdict == "does_not_cover"


def test_a_plan_that_changed_with_nothing_said_of_what_is_stock():
    found = late("因目前方案存在变化需要调整，正在修改方案，9月15日开课。")
    assert found.verdict == "does_not_cover" and "generic" in found.tags


def test_a_date_moved_to_the_actual_by_what_happened_sizes_the_delay():
    found = late("因实训楼消防管线迁改滞后，直至8月迁改完成后才复工，完成时间也顺延至2023年9月15日。")
    assert found.verdict == "covers"
    found = late("因实训楼消防管线迁改滞后，完成时间顺延至2023年8月15日。")  # a month short of the actual
    assert found.verdict == "partial"


def test_bare_conditions_listed_together_are_all_bare():
    found = late("因受现场场地条件和其他因素制约，导致工期滞后。截至9月14日，已完成全部工作。")
    assert found.verdict == "does_not_cover" and "generic" in found.tags


@pytest.mark.parametrize("text,verdict", [
    ("80个学员年中转走了，培训就没办。", "covers"),  # people went away (转走), said plainly
    ("第4期租的场地空调坏了，80名学员都不来上课。", "covers"),  # a fault said plainly (坏了)
    ("第4期的场地在老厂房，消防部门让我们等他们检查完再用，80人次的课就往后放了。", "covers"),  # waiting (等…再)
])
def test_even_plainer_speech(text, verdict):
    assert training(text).verdict == verdict


def test_a_price_per_item_set_against_the_budget_is_a_cause():
    assert rent("网上竞价，6个场地每个比预算贵2万元，共多花了12万元。").verdict == "covers"  # 6 × 2 = 12 over


def test_hardship_said_of_the_people_served_is_no_event():
    found = training("2023年共培训420人次，其中困难家庭学员120人次，有效减轻了困难群众负担。")
    assert found.verdict == "does_not_cover"


def test_a_party_newly_arrived_and_a_level_said_bare_are_plain_causes():
    found = row(5, "≥100人", "180人", 15, "9月新开的两家物流园招了80人，都是本地人。", name="带动就业人数")
    assert found.verdict == "covers"
    found = row(5, "≥100人", "180人", 15, "下半年新开了几家物流园，招工多。", name="带动就业人数")
    assert found.verdict == "partial"


def test_something_come_upon_in_the_work_is_a_cause_and_a_review_finding_is_what_it_found():
    assert rent("施工中挖到一段老排水渠，得先改渠再施工，多出改渠费用12万元。").verdict == "covers"
    assert rent("通过自查，发现项目实施过程中尚有不足之处。").verdict == "does_not_cover"


def test_a_qualitative_row_told_part_by_part_in_plain_words():
    found = row(6, "全面完成", "部分完成", 8, "实训楼已经完工，实训设备因为厂家交货晚，12月才装上，还没调试。",
                name="实训基地建设")
    assert found.verdict == "covers"
