"""E-mail over SMTP: the settings, building messages, and sending them one recipient at a time.

The settings come from the ``mail:`` section of pandai.yaml (``host``, ``port``, ``security``,
``user``, ``from``) and from the environment (``PANDAI_SMTP_HOST``, ``PANDAI_SMTP_PORT``,
``PANDAI_SMTP_SECURITY``, ``PANDAI_SMTP_USER``, ``PANDAI_SMTP_FROM``), the environment winning.
The password is never read from a workspace file, because the workspace is a git repository: it
comes from ``PANDAI_SMTP_PASSWORD`` or from the file ``PANDAI_SMTP_PASSWORD_FILE`` names, which
must lie outside the workspace. Neither the password nor its file name is ever logged.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from pandai.errors import FileError, InvalidInput, MailError
from pandai.i18n import _
from pandai.workspace import Workspace

if TYPE_CHECKING:
    from email.message import EmailMessage

log = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
SETTING_KEYS = ("host", "port", "security", "user", "from")
TIMEOUT_SECONDS = 30


@dataclass
class SmtpSettings:
    """SMTP settings: the server, its security mode, the login and the sender address."""

    host: str
    port: int
    security: str
    user: str
    sender: str
    password: str | None = field(default=None, repr=False)

    def server(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class Delivery:
    """The result of sending one message: its recipient and, when it failed, the reason."""

    recipient: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


# Settings

def _mail_section(workspace: Workspace) -> dict[str, Any]:
    path = workspace.config_path
    section = workspace.config.raw.get("mail") or {}
    if not isinstance(section, dict):
        raise FileError(_("{path}: mail must be a mapping with the keys host, port, security, "
                          "user and from.").format(path=path), path)
    if "password" in section:
        raise FileError(
            _("{path}: mail.password is not allowed: pandai.yaml is tracked by git, so the "
              "password would stay in its history. Remove the key and set "
              "PANDAI_SMTP_PASSWORD, or PANDAI_SMTP_PASSWORD_FILE with the path of a file "
              "outside the workspace.").format(path=path), path)
    unknown = [str(key) for key in section if key not in SETTING_KEYS]
    if unknown:
        raise FileError(_("{path}: unknown mail setting {key!r}; the known settings are: "
                          "{known}.").format(path=path, key=unknown[0],
                                             known=", ".join(SETTING_KEYS)), path)
    return section


def _setting(section: dict[str, Any], environ: Mapping[str, str], key: str
             ) -> tuple[str, str]:
    """Return a setting's value and where it came from, for messages about a bad value."""
    variable = f"PANDAI_SMTP_{key.upper()}"
    if environ.get(variable):
        return environ[variable].strip(), variable
    return str(section.get(key) or "").strip(), f"pandai.yaml mail.{key}"


def read_password_file(workspace: Workspace, name: str) -> str:
    """Read the SMTP password from a file outside the workspace; raise InvalidInput otherwise."""
    path = Path(name).expanduser().resolve()
    if path == workspace.root.resolve() or workspace.root.resolve() in path.parents:
        raise InvalidInput(
            _("PANDAI_SMTP_PASSWORD_FILE points into the workspace, which is a git repository, "
              "so the password could be committed. Move the file outside {root}, for example "
              "to ~/.config/pandai/smtp-password, and set the variable to its new "
              "path.").format(root=workspace.root))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InvalidInput(_("Cannot read the SMTP password file {path}: {reason}. Check "
                             "PANDAI_SMTP_PASSWORD_FILE.").format(path=path, reason=reason)
                           ) from None
    return text.rstrip("\r\n")


def load_settings(workspace: Workspace, fallback_sender: str = "",
                  environ: Mapping[str, str] | None = None,
                  require_server: bool = True) -> SmtpSettings:
    """Read the SMTP settings; raise InvalidInput or FileError naming the setting to fix.

    ``fallback_sender`` is used when no ``from`` is configured. Without ``require_server`` a
    missing host is allowed, for showing a message that will not be sent.
    """
    environ = os.environ if environ is None else environ
    section = _mail_section(workspace)
    host, _source = _setting(section, environ, "host")
    if require_server and not host:
        raise InvalidInput(
            _("No SMTP server is set. Add 'mail: {{host: HOST, port: 587, security: starttls, "
              "user: USER, from: ADDRESS}}' to pandai.yaml, or set PANDAI_SMTP_HOST.").format())

    port_text, port_source = _setting(section, environ, "port")
    security, security_source = _setting(section, environ, "security")
    security = security.lower() or ("ssl" if port_text == "465" else "starttls")
    if security not in SECURITY_MODES:
        raise InvalidInput(_("Invalid {source} {value!r}: use none, starttls or ssl.").format(
            source=security_source, value=security))
    try:
        port = int(port_text) if port_text else DEFAULT_PORTS[security]
    except ValueError:
        raise InvalidInput(_("Invalid {source} {value!r}: use a port number such as 587.")
                           .format(source=port_source, value=port_text)) from None
    if not 0 < port < 65536:
        raise InvalidInput(_("Invalid {source} {value!r}: use a port number such as 587.")
                           .format(source=port_source, value=port_text))

    sender, sender_source = _setting(section, environ, "from")
    sender = sender or fallback_sender
    if require_server and not _is_address(sender):
        raise InvalidInput(
            _("No valid sender address ({source} is {value!r}). Set 'from' in the mail "
              "section of pandai.yaml or PANDAI_SMTP_FROM, such as \"Példa Kft. "
              "<info@pelda.hu>\".").format(source=sender_source, value=sender))

    user, user_source = _setting(section, environ, "user")
    password = environ.get("PANDAI_SMTP_PASSWORD") or None
    if password is None and environ.get("PANDAI_SMTP_PASSWORD_FILE"):
        password = read_password_file(workspace, environ["PANDAI_SMTP_PASSWORD_FILE"])
    if require_server and user and password is None:
        raise InvalidInput(
            _("{source} is set but no password: set PANDAI_SMTP_PASSWORD, or "
              "PANDAI_SMTP_PASSWORD_FILE with the path of a file outside the workspace.")
            .format(source=user_source))
    if require_server and password is not None and not user:
        raise InvalidInput(_("An SMTP password is set but no user: set 'user' in the mail "
                             "section of pandai.yaml or PANDAI_SMTP_USER."))
    return SmtpSettings(host, port, security, user, sender, password)


def _is_address(text: str) -> bool:
    from email.utils import parseaddr

    address = parseaddr(text)[1]
    return "@" in address and not address.startswith("@") and not address.endswith("@")


def member_address(name: str, email: str) -> str:
    """Return ``Name <email>`` for a header, or just the address when there is no name."""
    if not email:
        return ""
    from email.headerregistry import Address

    return str(Address(display_name=name, addr_spec=email))


# Building messages

def build_message(sender: str, recipient: str, subject: str, text: str,
                  html_text: str | None = None, reply_to: str = "") -> EmailMessage:
    """Build a message: plain text, or multipart/alternative with an HTML part."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid, parseaddr

    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = recipient
    if reply_to and parseaddr(reply_to)[1] != parseaddr(sender)[1]:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text if text.endswith("\n") else text + "\n")
    if html_text is not None:
        message.add_alternative(html_text, subtype="html")
    return message


def show_message(message: EmailMessage) -> str:
    """Return a message as a person reads it: the main headers, a blank line and the text."""
    lines = [f"{name}: {message[name]}" for name in ("From", "To", "Reply-To", "Subject")
             if message[name]]
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return "\n".join(lines) + "\n\n" + text.rstrip("\n")


# Sending

def _connect(settings: SmtpSettings) -> Any:
    """Open an SMTP connection with the configured security and log in; raise MailError."""
    import smtplib
    import socket
    import ssl

    server = None
    step = "connect"
    try:
        if settings.security == "ssl":
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
            if settings.security == "starttls":
                step = "starttls"
                server.starttls(context=ssl.create_default_context())
        if settings.user:
            step = "login"
            server.login(settings.user, settings.password or "")
        return server
    except smtplib.SMTPNotSupportedError:
        _close(server)
        if step == "starttls":
            raise MailError(_("The SMTP server {server} does not offer STARTTLS. Check the "
                              "port, or set security to ssl (usually port 465).").format(
                server=settings.server())) from None
        raise MailError(_("The SMTP server {server} does not accept a login. Remove the SMTP "
                          "user, or check the server and port.").format(
            server=settings.server())) from None
    except smtplib.SMTPAuthenticationError as error:
        _close(server)
        raise MailError(_("The SMTP server {server} rejected the login of {user}: {reason}. "
                          "Check the user and the password.").format(
            server=settings.server(), user=settings.user, reason=_reply_text(error))) from None
    except ssl.SSLError as error:
        _close(server)
        raise MailError(_("The TLS connection to the SMTP server {server} failed: {reason}. "
                          "Check the security setting (starttls or ssl) and the port.").format(
            server=settings.server(), reason=error.reason or error)) from None
    except (socket.timeout, TimeoutError):
        _close(server)
        raise MailError(_("The SMTP server {server} timed out after {seconds} s.").format(
            server=settings.server(), seconds=TIMEOUT_SECONDS)) from None
    except (smtplib.SMTPException, OSError) as error:
        _close(server)
        raise MailError(_("Cannot send e-mail through {server}: {reason}. Check the SMTP host, "
                          "port and security settings.").format(
            server=settings.server(), reason=_reply_text(error))) from None


def _close(server: Any) -> None:
    if server is None:
        return
    try:
        server.quit()
    except Exception:  # noqa: BLE001 - the connection is being dropped anyway.
        server.close()


def _reply_text(error: BaseException) -> str:
    code = getattr(error, "smtp_code", None)
    reply = getattr(error, "smtp_error", None)
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    if code and reply:
        return f"{code} {reply}"
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _refusal_text(error: Any) -> str:
    reasons = []
    for address, (code, reply) in getattr(error, "recipients", {}).items():
        if isinstance(reply, bytes):
            reply = reply.decode("utf-8", "replace")
        reasons.append(f"{code} {reply}")
    return "; ".join(reasons) or _reply_text(error)


def send(settings: SmtpSettings, messages: list[EmailMessage]) -> list[Delivery]:
    """Send each message on one connection; a refused message does not stop the others.

    Return one Delivery per message. Raise MailError when the server cannot be reached or
    rejects the login, before anything is sent. After a dropped connection the next message
    connects again.
    """
    import smtplib

    deliveries = []
    server = _connect(settings) if messages else None
    try:
        for message in messages:
            recipient = str(message["To"])
            if server is None:
                try:
                    server = _connect(settings)
                except MailError as error:
                    deliveries.append(Delivery(recipient, error.message))
                    continue
            try:
                server.send_message(message)
                log.info("sent %r to %s", str(message["Subject"]), recipient)
                deliveries.append(Delivery(recipient))
            except smtplib.SMTPRecipientsRefused as error:
                deliveries.append(Delivery(recipient, _refusal_text(error)))
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
                deliveries.append(Delivery(recipient, _reply_text(error)))
            except (smtplib.SMTPException, OSError) as error:
                deliveries.append(Delivery(recipient, _reply_text(error)))
                _close(server)
                server = None
            if not deliveries[-1].ok:
                log.warning("sending to %s failed: %s", recipient, deliveries[-1].error)
    finally:
        _close(server)
    return deliveries
