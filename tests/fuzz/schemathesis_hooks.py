"""Schemathesis hooks for `run_schemathesis.sh` (loaded through SCHEMATHESIS_HOOKS).

The run authenticates with one API token of the built-in admin. The fuzzer
may call every operation, including the user and token endpoints, so without
care it would sooner or later deactivate, demote or rename that admin, or
revoke its token, and every later request would be a 401 that tests nothing.

So, just before each request (`before_call`, which also sees the requests of
the stateful phase, whose ids come from earlier responses), a path that names
the fuzzer's own user or token is pointed at an id that does not exist
instead. Those operations are still fuzzed on every other id, and on the
missing one (404).

Nothing else is changed: every generated body, query and header is sent as
generated.
"""

from __future__ import annotations

import os

import schemathesis

MISSING_ID = "2147483000"  # a valid int32 that no user or token will reach in one run


def _ids(var: str) -> set:
    return {v.strip() for v in os.environ.get(var, "").split(",") if v.strip()}


PROTECTED = {
    "userId": _ids("MODELREG_FUZZ_PROTECT_USER_IDS"),
    "tokenId": _ids("MODELREG_FUZZ_PROTECT_TOKEN_IDS"),
}


def _same_id(value: object, protected: set) -> bool:
    """Whether a path value would reach one of the protected ids ("1", "01", "+1", " 1"...)."""
    text = str(value).strip()
    if text in protected:
        return True
    try:
        return str(int(text)) in protected
    except ValueError:
        return False


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    params = case.path_parameters
    if not params:
        return
    for name, protected in PROTECTED.items():
        if name in params and protected and _same_id(params[name], protected):
            params[name] = MISSING_ID
