"""Logging in to a Showdown server: a password, a signed assertion, and clear refusals.

The password comes from an environment variable or a prompt, goes to the login server
and nowhere else; the login server answers with an assertion signed for this
connection's challenge, which the game server checks. Every way this fails (login
server unreachable, wrong password, the game server refusing the name or the
signature) ends as one `LoginRefused` line.
"""

import getpass
import json
import os
import sys

from arena.errors import ArenaError

TIMEOUT_S = 20


class LoginRefused(ArenaError):
    """The login or game server would not let this name in."""


def password(env_var: str | None, username: str) -> str:
    if env_var:
        value = os.environ.get(env_var)
        if not value:
            raise ArenaError(f"--password-env {env_var}: that environment variable is not set")
        return value
    if not sys.stdin.isatty():
        raise ArenaError(f"{username} needs a password: name its variable with --password-env")
    return getpass.getpass(f"password for {username}: ")


async def assertion(login_url: str, username: str, secret: str, challstr: str) -> str:
    """The login server's signed assertion that `username` may take this connection."""
    import aiohttp  # here, not at the top: every command imports this module, few log in

    form = {"act": "login", "name": username, "pass": secret, "challstr": challstr}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as session,
            session.post(login_url, data=form) as response,
        ):
            text = await response.text()
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        reason = str(error) or type(error).__name__
        raise LoginRefused(f"login server {login_url} is unreachable: {reason}", 1) from None
    try:
        reply = json.loads(text[1:] if text.startswith("]") else text)
    except json.JSONDecodeError:
        raise LoginRefused(
            f"login server {login_url} did not answer as a login server", 1
        ) from None
    token = reply.get("assertion") or ""
    if not reply.get("actionsuccess", True) or not token or token.startswith(";;"):
        reason = token[2:] if token.startswith(";;") else "wrong username or password"
        raise LoginRefused(f"login refused for {username}: {reason}", 1)
    return token


def use_login(client, login_url: str | None, secret: str, refusals, query) -> None:
    """Makes a poke-env client log in through `login_url` without blocking the loop.

    poke-env's own login posts synchronously and fails without a reason; this one
    reports the reason to `refusals`, where arena waits for it. A registered name that
    is already online is refused before logging in: Showdown would merge the two
    connections into one user (searches and games of both mixed) and some servers
    disconnect the first instead; either way the session already running would suffer.
    """
    if not login_url:
        raise ArenaError("this server has no login server configured for passwords")

    async def log_in(split_message: list[str]) -> None:
        challstr = f"{split_message[2]}|{split_message[3]}"
        details = await query("userdetails", client.username)
        if details and details.get("rooms") is not False:
            refusals.put_nowait(
                f"{details.get('name', client.username)} is already online on this server "
                f"(the server lists it in {len(details['rooms'])} room(s)): another session "
                "uses this name"
            )
            return
        try:
            token = await assertion(login_url, client.username, secret, challstr)
        except LoginRefused as refused:
            refusals.put_nowait(str(refused))
            return
        await client.send_message(f"/trn {client.username},0,{token}")

    client.log_in = log_in
