"""Access tokens: the cache of verified tokens must change no answer."""

import time
from datetime import timedelta

import jwt

from app.security import ALGORITHM, issue_token, token_subject

KEY = "a-signing-key-for-these-tests-" + "s" * 20
OTHER_KEY = "another-signing-key-for-tests-" + "o" * 20


def test_a_verified_token_is_refused_once_it_expires() -> None:
    token = issue_token(7, key=KEY, lifetime=timedelta(minutes=5)).token
    expires_at = jwt.decode(token, KEY, algorithms=[ALGORITHM])["exp"]
    assert token_subject(token, key=KEY) == 7
    # The second answer comes from the cache: it still follows the token's expiry.
    assert token_subject(token, key=KEY, now=expires_at - 1) == 7
    assert token_subject(token, key=KEY, now=expires_at) is None
    assert token_subject(token, key=KEY, now=expires_at + 3600) is None


def test_a_cached_token_is_refused_under_another_key() -> None:
    token = issue_token(7, key=KEY, lifetime=timedelta(minutes=5)).token
    assert token_subject(token, key=KEY) == 7
    assert token_subject(token, key=OTHER_KEY) is None


def test_a_token_altered_after_being_cached_is_refused() -> None:
    token = issue_token(7, key=KEY, lifetime=timedelta(minutes=5)).token
    assert token_subject(token, key=KEY) == 7
    header, _claims, signature = token.split(".")
    forged_claims = jwt.utils.base64url_encode(
        f'{{"sub":"1","iat":{int(time.time())},"exp":{int(time.time()) + 300}}}'.encode()
    ).decode()
    assert token_subject(f"{header}.{forged_claims}.{signature}", key=KEY) is None
    assert token_subject(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), key=KEY) is None


def test_an_invalid_token_stays_invalid_when_asked_again() -> None:
    expired = jwt.encode(
        {"sub": "7", "iat": int(time.time()) - 120, "exp": int(time.time()) - 60},
        KEY,
        algorithm=ALGORITHM,
    )
    assert token_subject(expired, key=KEY) is None
    assert token_subject(expired, key=KEY) is None
    assert token_subject("not-a-token", key=KEY) is None
