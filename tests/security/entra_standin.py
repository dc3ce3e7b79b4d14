"""A local OpenID Connect provider shaped like Microsoft Entra ID, for tests on loopback.

It serves what the hub's Entra login uses, at Entra's paths under
``http://127.0.0.1:<port>/<tenant>/``: the discovery document
(``v2.0/.well-known/openid-configuration``), the signing keys
(``discovery/v2.0/keys``), ``oauth2/v2.0/authorize`` (a sign-in form, in place
of Microsoft's pages: the user's name is typed, there is no password) and
``oauth2/v2.0/token`` (the authorisation code with PKCE and the client secret
checked; an RS256-signed id token with Entra's claims: ``tid``, ``upn``,
``preferred_username``, ``oid``, ``groups``). The identity provider is outside
what the course owns; what happens to these claims in the hub is what is tested.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from tornado import web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets


@dataclass(frozen=True)
class Person:
    """Someone in the directory: their sign-in name, tenant and group object ids."""

    upn: str
    tenant: str
    groups: tuple[str, ...]
    oid: str = field(default_factory=lambda: secrets.token_hex(16))


@dataclass
class Provider:
    """The stand-in's state: app registration, directory, issued codes."""

    tenant: str
    client_id: str
    client_secret: str
    directory: dict[str, Person]
    port: int = 0
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    key_id: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def url(self) -> str:
        """What the hub's settings call the login URL (CHANGEKIT_ENTRA_LOGIN_URL)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/{self.tenant}/v2.0"

    def id_token(self, person: Person, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": f"{self.url}/{person.tenant}/v2.0",
            "aud": self.client_id,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "sub": secrets.token_urlsafe(16),
            "oid": person.oid,
            "tid": person.tenant,
            "upn": person.upn,
            "preferred_username": person.upn,
            "name": person.upn.split("@")[0],
            "groups": list(person.groups),
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.key_id})


def b64(number: int) -> str:
    data = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Handler(web.RequestHandler):
    def initialize(self, provider: Provider) -> None:
        self.provider = provider

    def check_xsrf_cookie(
        self,
    ) -> None:  # a form posted by the test's client, as by Microsoft's page
        return None


class Discovery(Handler):
    def get(self) -> None:
        base = f"{self.provider.url}/{self.provider.tenant}"
        self.write(
            {
                "issuer": self.provider.issuer,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email"],
                "claims_supported": ["tid", "oid", "upn", "preferred_username", "groups"],
            }
        )


class Keys(Handler):
    def get(self) -> None:
        public = self.provider.key.public_key().public_numbers()
        self.write(
            {
                "keys": [
                    {
                        "kty": "RSA",
                        "use": "sig",
                        "alg": "RS256",
                        "kid": self.provider.key_id,
                        "n": b64(public.n),
                        "e": b64(public.e),
                    }
                ]
            }
        )


class Authorize(Handler):
    FIELDS = (
        "client_id",
        "redirect_uri",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    )

    def get(self) -> None:
        if self.get_argument("client_id", "") != self.provider.client_id:
            raise web.HTTPError(400, "unknown client_id")
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(self.get_argument(name, ""))}">'
            for name in self.FIELDS
        )
        self.write(
            f'<form method="post">{hidden}<input name="login"><button>Sign in</button></form>'
        )

    def post(self) -> None:
        person = self.provider.directory.get(self.get_argument("login").lower())
        if person is None:
            raise web.HTTPError(400, "no such user in this directory")
        code = secrets.token_urlsafe(24)
        self.provider.codes[code] = {name: self.get_argument(name, "") for name in self.FIELDS} | {
            "person": person
        }
        self.redirect(
            f"{self.get_argument('redirect_uri')}?{urlencode({'code': code, 'state': self.get_argument('state')})}"
        )


class Token(Handler):
    def client_credentials(self) -> tuple[str, str]:
        header = self.request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return client_id, secret
        return self.get_argument("client_id", ""), self.get_argument("client_secret", "")

    def refuse(self, error: str) -> None:
        self.set_status(400)
        self.write({"error": error, "error_description": error})

    def post(self) -> None:
        if self.client_credentials() != (self.provider.client_id, self.provider.client_secret):
            return self.refuse("invalid_client")
        issued = self.provider.codes.pop(self.get_argument("code", ""), None)
        if issued is None or issued["redirect_uri"] != self.get_argument("redirect_uri", ""):
            return self.refuse("invalid_grant")
        if issued["code_challenge"]:
            verifier = self.get_argument("code_verifier", "").encode()
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            )
            if challenge != issued["code_challenge"]:
                return self.refuse("invalid_grant")
        self.write(
            {
                "token_type": "Bearer",
                "expires_in": 3600,
                "access_token": secrets.token_urlsafe(32),
                "id_token": self.provider.id_token(issued["person"], issued["nonce"] or None),
                "scope": "openid profile email",
            }
        )


def application(provider: Provider) -> web.Application:
    tenant = provider.tenant
    routes = [
        (f"/{tenant}/v2.0/.well-known/openid-configuration", Discovery),
        (f"/{tenant}/discovery/v2.0/keys", Keys),
        (f"/{tenant}/oauth2/v2.0/authorize", Authorize),
        (f"/{tenant}/oauth2/v2.0/token", Token),
    ]
    return web.Application([(path, handler, {"provider": provider}) for path, handler in routes])


@contextmanager
def running(provider: Provider) -> Iterator[Provider]:
    """Serve ``provider`` on a free loopback port in a thread of its own, until the block ends."""
    sockets = bind_sockets(0, "127.0.0.1")
    provider.port = sockets[0].getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server = HTTPServer(application(provider))
        server.add_sockets(sockets)
        loop.call_soon(started.set)
        loop.run_forever()
        server.stop()
        loop.run_until_complete(server.close_all_connections())
        loop.close()

    thread = threading.Thread(target=serve, name="entra-standin", daemon=True)
    thread.start()
    started.wait(30)
    try:
        yield provider
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
