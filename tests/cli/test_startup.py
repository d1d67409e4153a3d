"""Start-up: with pydantic's plugins disabled (our default) the CLI stands in for pydantic's plugin loader, so no
run imports importlib.metadata for it; anything else a pydantic version asks of that loader still comes from its
own."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import sys
import reviewer.cli.main
from reviewer.form import Form
print('importlib.metadata' in sys.modules)
from pydantic.plugin._loader import get_plugins
print(list(get_plugins()))
from pydantic.plugin import _loader
print(hasattr(_loader, '_plugins') or hasattr(_loader, '_loading_plugins'))
"""


def run(env_value: str | None) -> list[str]:
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    if env_value is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = env_value
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    return result.stdout.split("\n")[:3]


def test_no_plugin_metadata_is_read_by_default_and_the_loader_steps_aside_when_asked_more() -> None:
    assert run(None) == ["False", "[]", "True"]


def test_a_reviewer_who_sets_the_variable_gets_pydantics_own_loader() -> None:
    assert run("")[1:] == ["[]", "True"]
