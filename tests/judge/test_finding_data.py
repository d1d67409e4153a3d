"""A verdict's finding data is its as_dict framed by the row and whether to look at it first, key for key."""

from reviewer.judge.case import Verdict


def test_finding_data_is_as_dict_framed() -> None:
    rules = Verdict("covers", (), "c", "r", "judge:rules")
    for verdict in (Verdict("partial", ("no_cause",), "意见", "原因", "judge:rules", confidence=0.45),
                    Verdict("covers", ("generic",), "意见", "原因", "judge:llm", evidence=("x",), model="m",
                            error="e", cached=True, rules=Verdict("partial", (), "", "", "judge:rules"),
                            confidence=0.9, votes=("covers", "partial")),
                    Verdict("covers", (), "", "", "judge:llm", rules=rules, confidence=0.9)):
        for floor in (0.5, 0.6, 0.95):
            expected = {"indicator": 3, "pair": None, **verdict.as_dict(), "review_first": verdict.review_first(floor)}
            data = verdict.finding_data(3, None, floor)
            assert list(data.items()) == list(expected.items())
