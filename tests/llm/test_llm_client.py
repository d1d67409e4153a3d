"""The structured-JSON client against a loopback OpenAI-compatible server (real openai client over HTTP)."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from fake_openai import (
    DASHSCOPE_JSON_WORD_400, DEEPSEEK_400, DEEPSEEK_422, FakeOpenAI, reply_content, reply_error, reply_json,
)
from reviewer.llm.client import Endpoint, LLMCallError, LLMClient, extract_json

MESSAGES = [{"role": "system", "content": "只输出JSON。"}, {"role": "user", "content": "评判"}]


class Answer(BaseModel):
    verdict: str
    score: int


GOOD = {"verdict": "covers", "score": 3}


def call(server: FakeOpenAI, learned: dict | None = None, **endpoint) -> object:
    settings = {"timeout": 2.0, "max_retries": 0, "backoff": 0.01, **endpoint}
    ep = Endpoint(server.base_url, settings.pop("model", "test-model"), **settings)

    async def run():
        async with LLMClient(ep, learned if learned is not None else {}) as client:
            return await client.structured_call(MESSAGES, Answer, name="answer")

    return asyncio.run(run())


def test_valid_json_goes_out_with_strict_schema_and_temperature_zero():
    with FakeOpenAI([reply_json(GOOD)]) as server:
        result = call(server)
    assert result.value == Answer(**GOOD)
    body = server.requests[0].body
    assert body["model"] == "test-model"
    assert body["temperature"] == 0
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["additionalProperties"] is False
    assert set(fmt["json_schema"]["schema"]["required"]) == {"verdict", "score"}
    assert result.usage.calls == 1 and result.usage.prompt_tokens == 1200


def test_no_key_configured_sends_no_authorization_even_with_openai_env(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-secret")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-secret")
    with FakeOpenAI([reply_json(GOOD)]) as server:
        call(server)
    headers = server.requests[0].headers
    assert "authorization" not in headers
    assert "openai-organization" not in headers


def test_configured_key_is_sent_as_bearer():
    with FakeOpenAI([reply_json(GOOD)]) as server:
        call(server, api_key="sk-review")
    assert server.requests[0].headers["authorization"] == "Bearer sk-review"


@pytest.mark.parametrize("body,status", [(DEEPSEEK_400, 400), (DEEPSEEK_422, 422)])
def test_json_schema_refused_downgrades_and_is_remembered(body, status):
    learned: dict = {}
    with FakeOpenAI([reply_error(status, body), reply_json(GOOD), reply_json(GOOD)]) as server:
        first = call(server, learned)
        second = call(server, learned)
    kinds = [r.body.get("response_format", {}).get("type") for r in server.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert first.mode == second.mode == "json_object"
    assert learned == {(server.base_url, "test-model"): "json_object"}


def test_json_object_refused_falls_to_plain_text():
    with FakeOpenAI([reply_error(400, DASHSCOPE_JSON_WORD_400), reply_json(GOOD)]) as server:
        result = call(server, profile="deepseek")
    assert [r.body.get("response_format") for r in server.requests] == [{"type": "json_object"}, None]
    assert result.mode == "text"


def test_profiles_turn_thinking_off():
    with FakeOpenAI([reply_json(GOOD), reply_json(GOOD)]) as server:
        call(server, profile="deepseek")
        call(server, profile="qwen")
    deepseek, qwen = (r.body for r in server.requests)
    assert deepseek["thinking"] == {"type": "disabled"}
    assert deepseek["response_format"] == {"type": "json_object"}
    assert qwen["enable_thinking"] is False


def test_fenced_json_is_read():
    with FakeOpenAI([reply_content('结果如下：\n```json\n{"verdict": "partial", "score": 1}\n```')]) as server:
        assert call(server).value == Answer(verdict="partial", score=1)


def test_think_block_is_stripped():
    content = '<think>先看 {"verdict": "wrong", "score": 0} 再想</think>\n{"verdict": "covers", "score": 2}'
    with FakeOpenAI([reply_content(content)]) as server:
        assert call(server).value == Answer(verdict="covers", score=2)


def test_invalid_then_valid_is_repaired_with_the_validation_error():
    with FakeOpenAI([reply_json({"verdict": "covers", "score": "many"}), reply_json(GOOD)]) as server:
        result = call(server)
    assert result.repaired and result.value == Answer(**GOOD)
    repair = server.requests[1].messages
    assert repair[-2] == {"role": "assistant", "content": '{"verdict": "covers", "score": "many"}'}
    assert "score" in repair[-1]["content"] and "JSON" in repair[-1]["content"]
    assert result.usage.calls == 2


def test_blank_content_twice_is_an_error_not_a_guess():
    with FakeOpenAI([reply_content("   "), reply_content("")]) as server:
        with pytest.raises(LLMCallError) as caught:
            call(server)
    assert caught.value.kind == "invalid"
    assert caught.value.usage.calls == 2


def test_rate_limit_then_success_is_retried():
    with FakeOpenAI([reply_error(429), reply_json(GOOD)]) as server:
        result = call(server, max_retries=2)
    assert result.value == Answer(**GOOD)
    assert result.usage.calls == 2 and len(server.requests) == 2


def test_server_errors_until_failure_give_up_after_the_retries():
    with FakeOpenAI(default=reply_error(500)) as server:
        with pytest.raises(LLMCallError) as caught:
            call(server, max_retries=2)
    assert len(server.requests) == 3
    assert caught.value.kind == "status" and "500" in str(caught.value)


def test_a_reply_slower_than_the_timeout_fails_as_timeout_without_a_retry_past_the_deadline():
    # The timeout is the whole call's: a retry after it ran out would double it.
    with FakeOpenAI(default=reply_json(GOOD, delay=1.0)) as server:
        with pytest.raises(LLMCallError) as caught:
            call(server, timeout=0.2, max_retries=1)
    assert caught.value.kind == "timeout"
    assert len(server.requests) == 1


def test_content_filter_is_refused_without_retry():
    with FakeOpenAI([reply_content("", finish_reason="content_filter")]) as server:
        with pytest.raises(LLMCallError) as caught:
            call(server)
    assert caught.value.kind == "refused" and len(server.requests) == 1


def test_truncated_reply_is_reasked_with_more_tokens():
    with FakeOpenAI([reply_content('{"verdict": "cov', finish_reason="length"), reply_json(GOOD)]) as server:
        result = call(server, max_tokens=100)
    assert result.value == Answer(**GOOD)
    assert [r.body["max_tokens"] for r in server.requests] == [100, 200]


def test_deepseek_cache_hits_are_counted_as_cached_tokens():
    usage = {"prompt_tokens": 1500, "completion_tokens": 100, "prompt_cache_hit_tokens": 1024}
    with FakeOpenAI([reply_json(GOOD, usage=usage)]) as server:
        assert call(server).usage.cached_tokens == 1024


def test_extract_json_takes_the_last_complete_object_after_an_unterminated_think():
    assert extract_json('<think>{"a": 1} 还在想') == {"a": 1}
    assert extract_json('{"a": 1}\n修正：{"a": 2}') == {"a": 2}
    with pytest.raises(ValueError):
        extract_json("<think>只有思考</think>")


def test_content_sent_as_text_parts_is_read_and_replies_are_asked_uncompressed():
    from fake_openai import reply_raw
    import json as _json

    body = {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": [{"type": "text", "text": '{"verdict": "covers",'},
                                                                      {"type": "text", "text": ' "score": 3}'}]}}]}
    with FakeOpenAI([reply_raw(_json.dumps(body).encode())]) as server:
        result = call(server)
    assert result.value == Answer(**GOOD)
    assert server.requests[0].headers["accept-encoding"] == "identity"
