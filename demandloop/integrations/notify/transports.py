"""One adapter per outbound channel behind one small interface (STYLE.md rule 7).

`transport_for(message).send(message)` either returns (the receiver accepted the message) or raises
`DeliveryError`, saying whether trying again can help. Every adapter passes the message's idempotency key to the
receiver — as the `Idempotency-Key` HTTP header, or as the e-mail's Message-ID — so that a repeat after a worker
died between sending and recording is recognisable at the other end.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from demandloop.integrations.choices import ChannelChoices

if TYPE_CHECKING:
    from demandloop.integrations.models import OutboxMessage

IDEMPOTENCY_HEADER = "Idempotency-Key"
EMAIL_KEY_HEADER = "X-Demandloop-Idempotency-Key"
# Status codes where the same request may succeed later; any other 4xx is the request's own fault.
RETRYABLE_HTTP = frozenset({408, 409, 425, 429})


class DeliveryError(Exception):
    """The receiver did not take the message; `permanent` when repeating the same request cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    def send(self, message: OutboxMessage) -> None: ...


def http_timeout() -> float:
    return float(getattr(settings, "DEMANDLOOP_HTTP_TIMEOUT", 10))


def post_body(url: str, body: bytes, *, key: str, headers: dict[str, str] | None = None) -> Any:
    """POST `body` (JSON bytes, exactly as a signature covers them) with the idempotency key; the decoded JSON
    answer (None if the answer is empty). Network failures, 5xx and 408/409/425/429 are worth retrying."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(f"not an http(s) address: {url}", permanent=True)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: key,
            **(headers or {}),
        },
    )
    netloc = urllib.parse.urlsplit(url).netloc
    try:
        with urllib.request.urlopen(request, timeout=http_timeout()) as response:  # noqa: S310
            answer = response.read()
    except urllib.error.HTTPError as error:
        permanent = 400 <= error.code < 500 and error.code not in RETRYABLE_HTTP
        raise DeliveryError(f"HTTP {error.code} from {netloc}", permanent=permanent) from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise DeliveryError(f"cannot reach {netloc}: {error}") from error
    if not answer.strip():
        return None
    try:
        return json.loads(answer)
    except ValueError as error:
        raise DeliveryError("the receiver answered with something other than JSON") from error


def post_json(url: str, payload: dict[str, Any], *, key: str, headers: dict[str, str] | None = None) -> Any:
    """POST `payload` as JSON with the idempotency key; the decoded JSON answer (None if the body is empty)."""
    return post_body(url, json.dumps(payload, ensure_ascii=False).encode("utf-8"), key=key, headers=headers)


def check_coded_answer(answer: Any, who: str) -> dict[str, Any]:
    """The government interfaces (12345, 津产发) answer {"code": 0, …} for acceptance; {"code": <non-zero>,
    "msg": …} is a refusal, permanent unless the answer says {"retry": true}. An empty answer is acceptance."""
    if answer is None:
        return {}
    if not isinstance(answer, dict):
        raise DeliveryError(f"{who} answered with something other than a JSON object")
    if answer.get("code", 0) not in (0, "0"):
        raise DeliveryError(
            f"{who} refused the message: {answer.get('code')} {answer.get('msg', '')}",
            permanent=not answer.get("retry", False),
        )
    return answer


def _check_robot_answer(answer: Any, who: str) -> None:
    """Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; anything else is a refusal."""
    if not isinstance(answer, dict) or answer.get("errcode", 0) == 0:
        return
    code = answer.get("errcode")
    # 45009 (企业微信) and 130101 (钉钉) are the robots' rate limits: wait and try again.
    permanent = code not in (45009, 130101, -1)
    raise DeliveryError(f"{who} refused the message: {code} {answer.get('errmsg', '')}", permanent=permanent)


class EmailTransport:
    """E-mail through the SMTP server of the settings (EMAIL_HOST …)."""

    def send(self, message: OutboxMessage) -> None:
        if not message.recipient:
            raise DeliveryError("no e-mail address", permanent=True)
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            # The key as Message-ID: a mail server or client seeing the same message twice can drop the repeat.
            headers={"Message-ID": f"<{message.key}@{domain}>", EMAIL_KEY_HEADER: message.key},
        )
        try:
            connection = get_connection(fail_silently=False, timeout=http_timeout())
            email.connection = connection
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"the mail server refused {message.recipient}", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"mail server: {error}") from error


class WeComRobotTransport:
    """A 企业微信 group robot: POST {"msgtype": "markdown", "markdown": {"content": …}} to its webhook address."""

    def send(self, message: OutboxMessage) -> None:
        endpoint = message.endpoint
        if endpoint is None:
            raise DeliveryError("no robot webhook", permanent=True)
        payload = {"msgtype": "markdown", "markdown": {"content": f"**{message.subject}**\n{message.body}"}}
        _check_robot_answer(post_json(endpoint.url, payload, key=message.key), "WeCom")


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The robot address with 钉钉's "加签": HMAC-SHA256 over "timestamp\\nsecret", base64, URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={sign}"


class DingTalkRobotTransport:
    """A 钉钉 group robot: POST {"msgtype": "markdown", "markdown": {"title", "text"}}, signed when it has a secret."""

    def send(self, message: OutboxMessage) -> None:
        endpoint = message.endpoint
        if endpoint is None:
            raise DeliveryError("no robot webhook", permanent=True)
        url = endpoint.url
        if endpoint.secret:
            url = dingtalk_signed_url(url, endpoint.secret, int(time.time() * 1000))
        payload = {
            "msgtype": "markdown",
            "markdown": {"title": message.subject, "text": f"### {message.subject}\n{message.body}"},
        }
        _check_robot_answer(post_json(url, payload, key=message.key), "DingTalk")


class SmsGateway(Protocol):
    """An SMS provider: sends `text` to one mobile number; `key` lets the provider drop a repeat."""

    def send_sms(self, phone: str, text: str, *, key: str) -> None: ...


class HttpSmsGateway:
    """An SMS gateway reached by one JSON POST (the shape of most domestic providers' HTTP APIs).

    Sends {"phone", "text", "sign", "request_id"} with a bearer token and the idempotency key; any 2xx answer is
    acceptance. Address, token and signature come from the settings (DEMANDLOOP_SMS_GATEWAY_URL …).
    """

    def __init__(self, url: str | None = None, token: str | None = None, sign: str | None = None) -> None:
        self.url = url if url is not None else getattr(settings, "DEMANDLOOP_SMS_GATEWAY_URL", "")
        self.token = token if token is not None else getattr(settings, "DEMANDLOOP_SMS_GATEWAY_TOKEN", "")
        self.sign = sign if sign is not None else getattr(settings, "DEMANDLOOP_SMS_SIGN", "")

    def send_sms(self, phone: str, text: str, *, key: str) -> None:
        if not self.url:
            # The address was removed after the message was written (no SMS is written without one): keep the
            # message and retry, the hub sees why.
            raise DeliveryError("no SMS gateway is configured (DEMANDLOOP_SMS_GATEWAY_URL)")
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = post_json(
            self.url,
            {"phone": phone, "text": text, "sign": self.sign, "request_id": key},
            key=key,
            headers=headers,
        )
        if isinstance(answer, dict) and answer.get("ok") is False:
            raise DeliveryError(
                f"the SMS gateway refused the message: {answer.get('error', '')}", permanent=True
            )


DEFAULT_SMS_GATEWAY = "demandloop.integrations.notify.transports.HttpSmsGateway"


def sms_gateway() -> SmsGateway:
    path = getattr(settings, "DEMANDLOOP_SMS_GATEWAY", DEFAULT_SMS_GATEWAY)
    gateway: SmsGateway = import_string(path)()
    return gateway


def sms_configured() -> bool:
    """Whether this deployment sends SMS: the HTTP gateway has an address, or another gateway is configured."""
    path = getattr(settings, "DEMANDLOOP_SMS_GATEWAY", DEFAULT_SMS_GATEWAY)
    return path != DEFAULT_SMS_GATEWAY or bool(getattr(settings, "DEMANDLOOP_SMS_GATEWAY_URL", ""))


class SmsTransport:
    """SMS through the configured gateway; the text is the subject and the body in one short message."""

    def send(self, message: OutboxMessage) -> None:
        if not message.recipient:
            raise DeliveryError("no mobile number", permanent=True)
        text = f"{message.subject}：{message.body}" if message.body else message.subject
        sms_gateway().send_sms(message.recipient, text, key=message.key)


TRANSPORTS: dict[str, type[Transport]] = {
    ChannelChoices.EMAIL: EmailTransport,
    ChannelChoices.SMS: SmsTransport,
    ChannelChoices.WECOM: WeComRobotTransport,
    ChannelChoices.DINGTALK: DingTalkRobotTransport,
}


def transport_for(message: OutboxMessage) -> Transport:
    try:
        return TRANSPORTS[message.channel]()
    except KeyError:
        raise DeliveryError(f"no transport for channel {message.channel}", permanent=True) from None
