"""A login server for the tests: speaks Showdown's action.php and signs assertions.

It holds a key pair made for the test run; the Showdown server under test is started
with the public half, so it checks every assertion for real. One user's assertions are
signed with a different key, as a forger's would be.
"""

import json
import time

from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from poke_env.data import to_id_str

FORGER = "mallory"  # names starting with this get assertions signed with the wrong key


def password_of(user: str) -> str:
    """Every test user's right password: its id and a suffix."""
    return f"{user}-secret"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class LoginServer:
    def __init__(self):
        self.key, self.forged_key = _key(), _key()
        self.public_pem = (
            self.key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self.runner: web.AppRunner | None = None
        self.url = ""

    def _sign(self, data: str, key) -> str:
        return key.sign(data.encode(), padding.PKCS1v15(), hashes.SHA1()).hex()

    async def action(self, request: web.Request) -> web.Response:
        form = await request.post()
        user = to_id_str(form.get("name", ""))
        if form.get("act") != "login" or form.get("pass") != password_of(user):
            reply = {
                "actionsuccess": False,
                "assertion": ";;The password you entered is incorrect.",
            }
            return web.Response(text="]" + json.dumps(reply))
        challenge = form["challstr"].split("|", 1)[1]
        data = f"{challenge},{user},2,{int(time.time())},localhost"
        key = self.forged_key if user.startswith(FORGER) else self.key
        reply = {"actionsuccess": True, "assertion": f"{data};{self._sign(data, key)}"}
        return web.Response(text="]" + json.dumps(reply))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/action.php", self.action)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/action.php?"

    async def stop(self) -> None:
        await self.runner.cleanup()
