"""Tests of reminder e-mails and ``pandai email`` against a real SMTP server on loopback.

The server is aiosmtpd on 127.0.0.1 with a free port. Its handler keeps every delivered message
and rejects the addresses a test lists as refused with ``550``.
"""

from __future__ import annotations

import email
import email.policy
import socket
import sys
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from conftest import commit_all, commit_count, git, run, snapshot, uncommitted
from pandai import mail
from pandai.errors import FileError, InvalidInput
from pandai.workspace import Workspace

SENDER = "Pandai <pandai@pelda.hu>"


class Recorder:
    """An aiosmtpd handler that stores messages and refuses some recipients with 550."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refused: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(envelope.content, policy=email.policy.default)
                for envelope in self.envelopes]

    def message_to(self, address: str) -> email.message.EmailMessage:
        found = [message for message in self.messages()
                 if message["To"].addresses[0].addr_spec == address]
        assert len(found) == 1, [str(message["To"]) for message in self.messages()]
        return found[0]


def text_of(message: email.message.EmailMessage, kind: str = "plain") -> str:
    """Return the decoded text part with the wire format's CRLF line ends turned into LF."""
    return message.get_body((kind,)).get_content().replace("\r\n", "\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    """A running SMTP server without TLS or login: the handler and the port."""
    from aiosmtpd.controller import Controller

    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def smtp_env(port: int, **extra: str | None) -> dict[str, str | None]:
    environment: dict[str, str | None] = {
        "PANDAI_SMTP_HOST": "127.0.0.1", "PANDAI_SMTP_PORT": str(port),
        "PANDAI_SMTP_SECURITY": "none", "PANDAI_SMTP_FROM": SENDER,
        "PANDAI_SMTP_USER": None, "PANDAI_SMTP_PASSWORD": None,
        "PANDAI_SMTP_PASSWORD_FILE": None}
    environment.update(extra)
    return environment


def must(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def set_config(ws: Path, **sections: object) -> None:
    """Change top-level settings of pandai.yaml and commit, as a person editing it would."""
    path = ws / "pandai.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(sections)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    commit_all(ws, "Change settings")


@pytest.fixture
def team_ws(workspace: Path) -> Path:
    """The English workspace with anna, bela and cili, each owning one overdue client."""
    must(run(workspace, "team", "add", "bela", "--name", "Kovács Béla", "--email",
             "bela@pelda.hu"))
    must(run(workspace, "team", "add", "cili", "--name", "Szabó Cili", "--email",
             "cili@pelda.hu"))
    for name, owner, phone in (("Kiss Péter", "anna", "06301234567"),
                               ("Tóth Ilona", "bela", "06201112233"),
                               ("Varga Ödön", "cili", "06701112233")):
        must(run(workspace, "add", name, "--owner", owner, "--next", "-3d", "--phone", phone))
    return workspace


@pytest.fixture
def hu_ws(tmp_path: Path) -> Path:
    """A Hungarian workspace with anna and a client with an e-mail, one without."""
    ws = tmp_path / "hu"
    must(run(None, "init", ws, "--lang", "hu"))
    must(run(ws, "team", "add", "anna", "--name", "Nagy Anna", "--email", "anna@pelda.hu"))
    must(run(ws, "add", "Kiss Péter", "--company", "Példa Kft.", "--email",
             "peter.kiss@pelda.hu"))
    must(run(ws, "add", "Szép Ilona", "--email", "ilona@pelda.hu"))
    must(run(ws, "add", "Levél Nélküli", "--phone", "06301234567"))
    return ws


# Reminder digests

def test_digest_each_owner_own(team_ws: Path, smtp) -> None:
    handler, port = smtp
    result = run(team_ws, "remind", "--all", "--email", env=smtp_env(port))
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert len(handler.envelopes) == 3
    assert sorted(envelope.rcpt_tos[0] for envelope in handler.envelopes) == [
        "anna@pelda.hu", "bela@pelda.hu", "cili@pelda.hu"]
    bela = handler.message_to("bela@pelda.hu")
    text = text_of(bela)
    assert "toth-ilona" in text
    assert "kiss-peter" not in text
    assert "varga-odon" not in text


def test_digest_multipart_alternative(team_ws: Path, smtp) -> None:
    handler, port = smtp
    must(run(team_ws, "remind", "--all", "--email", env=smtp_env(port)))
    message = handler.message_to("anna@pelda.hu")
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    html = text_of(message, "html")
    assert "<b>Kiss Péter</b>" in html
    assert 'href="tel:+36301234567"' in html
    assert message["From"] == SENDER


def test_digest_to_header_decoded(team_ws: Path, smtp) -> None:
    handler, port = smtp
    must(run(team_ws, "remind", "--all", "--email", env=smtp_env(port)))
    message = handler.message_to("bela@pelda.hu")
    assert message["To"].addresses[0].display_name == "Kovács Béla"
    assert message["Subject"] == "Pandai: 1 follow-up for Dec 4, 2026"


def test_digest_hungarian(team_ws: Path, smtp) -> None:
    handler, port = smtp
    must(run(team_ws, "remind", "--email", env=smtp_env(port), lang="hu"))
    message = handler.message_to("anna@pelda.hu")
    assert "2026. 12. 04." in message["Subject"]
    text = text_of(message)
    assert "06 30 123 4567" in text
    assert "2026. 12. 01." in text
    assert 'lang="hu"' in text_of(message, "html")


def test_digest_silent_nothing_due(workspace: Path, smtp) -> None:
    handler, port = smtp
    result = run(workspace, "remind", "--all", "--email", env=smtp_env(port))
    assert result.exit_code == 0
    assert result.output == ""
    assert handler.envelopes == []


def test_digest_refused_recipient(team_ws: Path, smtp) -> None:
    handler, port = smtp
    handler.refused.add("bela@pelda.hu")
    result = run(team_ws, "remind", "--all", "--email", env=smtp_env(port))
    assert result.exit_code == 1
    assert sorted(envelope.rcpt_tos[0] for envelope in handler.envelopes) == [
        "anna@pelda.hu", "cili@pelda.hu"]
    assert "bela@pelda.hu" in result.output
    assert "550" in result.output
    assert "1 reminder e-mail could not be sent" in result.output
    assert "Traceback" not in result.output


def test_digest_refused_keeps_state(team_ws: Path, smtp) -> None:
    handler, port = smtp
    handler.refused.add("bela@pelda.hu")
    run(team_ws, "remind", "--all", "--email", env=smtp_env(port))
    state = yaml.safe_load((team_ws / ".pandai" / "remind-state.yaml").read_text())
    assert sorted(state["last_run"]) == ["anna", "cili"]


def test_digest_owner_without_email(team_ws: Path, smtp) -> None:
    handler, port = smtp
    must(run(team_ws, "team", "add", "dani", "--name", "Dani"))
    must(run(team_ws, "add", "Dani Ügyfele", "--owner", "dani", "--next", "today"))
    result = run(team_ws, "remind", "--all", "--email", env=smtp_env(port))
    assert result.exit_code == 1
    assert "dani: no e-mail address" in result.output
    assert len(handler.envelopes) == 3


def test_digest_without_owner_warns(workspace: Path, smtp) -> None:
    handler, port = smtp
    must(run(workspace, "add", "Gazdátlan Gábor", "--next", "today"))
    must(run(workspace, "edit", "gazdatlan-gabor", "owner="))
    result = run(workspace, "remind", "--all", "--email", env=smtp_env(port))
    assert result.exit_code == 0, result.output
    assert "without an owner" in result.output
    assert handler.envelopes == []


# SMTP settings

def test_starttls_without_tls(team_ws: Path, smtp) -> None:
    handler, port = smtp
    result = run(team_ws, "remind", "--email", env=smtp_env(port, PANDAI_SMTP_SECURITY="starttls"))
    assert result.exit_code == 1
    assert "does not offer STARTTLS" in result.output
    assert "Traceback" not in result.output
    assert handler.envelopes == []


def test_server_not_listening(team_ws: Path) -> None:
    result = run(team_ws, "remind", "--email", env=smtp_env(free_port()))
    assert result.exit_code == 1
    assert "Cannot send e-mail through 127.0.0.1" in result.output
    assert "Traceback" not in result.output


def test_missing_host(team_ws: Path) -> None:
    result = run(team_ws, "remind", "--email", env=smtp_env(1, PANDAI_SMTP_HOST=None))
    assert result.exit_code == 4
    assert "No SMTP server is set" in result.output


def test_settings_from_yaml_env_wins(team_ws: Path, smtp) -> None:
    handler, port = smtp
    set_config(team_ws, mail={"host": "127.0.0.1", "port": free_port(), "security": "none",
                              "from": "Iroda <iroda@pelda.hu>"})
    environment = smtp_env(port, PANDAI_SMTP_HOST=None, PANDAI_SMTP_SECURITY=None,
                           PANDAI_SMTP_FROM=None)
    must(run(team_ws, "remind", "--email", env=environment))
    message = handler.message_to("anna@pelda.hu")
    assert message["From"] == "Iroda <iroda@pelda.hu>"


def test_password_in_yaml_rejected(team_ws: Path) -> None:
    set_config(team_ws, mail={"host": "127.0.0.1", "password": "titok"})
    result = run(team_ws, "remind", "--email", env=smtp_env(1))
    assert result.exit_code == 4
    assert "mail.password is not allowed" in result.output
    assert "titok" not in result.output


def test_unknown_mail_key(team_ws: Path) -> None:
    set_config(team_ws, mail={"host": "127.0.0.1", "sender": "a@pelda.hu"})
    result = run(team_ws, "remind", "--email", env=smtp_env(1))
    assert result.exit_code == 4
    assert "unknown mail setting 'sender'" in result.output


def test_password_file_inside_rejected(team_ws: Path) -> None:
    secret = team_ws / ".pandai" / "password"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text("titok\n")
    environment = smtp_env(1, PANDAI_SMTP_USER="anna", PANDAI_SMTP_PASSWORD_FILE=str(secret))
    with pytest.raises(InvalidInput, match="points into the workspace"):
        mail.load_settings(Workspace(team_ws), environ=environment)


def test_password_file_outside(team_ws: Path, tmp_path: Path) -> None:
    secret = tmp_path / "smtp-password"
    secret.write_text("titok\n")
    environment = smtp_env(1, PANDAI_SMTP_USER="anna", PANDAI_SMTP_PASSWORD_FILE=str(secret))
    settings = mail.load_settings(Workspace(team_ws), environ=environment)
    assert settings.password == "titok"
    assert "titok" not in repr(settings)


def test_user_without_password(team_ws: Path) -> None:
    environment = smtp_env(1, PANDAI_SMTP_USER="anna")
    with pytest.raises(InvalidInput, match="PANDAI_SMTP_USER is set but no password"):
        mail.load_settings(Workspace(team_ws), environ=environment)


def test_invalid_security(team_ws: Path) -> None:
    with pytest.raises(InvalidInput, match="PANDAI_SMTP_SECURITY 'tls'"):
        mail.load_settings(Workspace(team_ws), environ=smtp_env(1, PANDAI_SMTP_SECURITY="tls"))


def test_mail_section_not_mapping(team_ws: Path) -> None:
    set_config(team_ws, mail="smtp.pelda.hu")
    with pytest.raises(FileError, match="mail must be a mapping"):
        mail.load_settings(Workspace(team_ws), environ=smtp_env(1))


# pandai email

@pytest.mark.parametrize("lang, names", [
    ("hu", ["ajanlat-utankovetes.txt", "reaktivalas.txt"]),
    ("en", ["offer-follow-up.txt", "reactivation.txt"])])
def test_init_ships_templates(tmp_path: Path, lang: str, names: list[str]) -> None:
    ws = tmp_path / "new"
    must(run(None, "init", ws, "--lang", lang))
    tracked = git(ws, "ls-files", "templates").split()
    assert tracked == [f"templates/{name}" for name in names]
    for name in names:
        assert (ws / "templates" / name).read_text(encoding="utf-8").startswith("Subject: ")


def test_email_template_hungarian(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    before = commit_count(hu_ws)
    result = run(hu_ws, "email", "kiss-peter", "--template", "reaktivalas", "--yes",
                 env=smtp_env(port), lang="hu")
    assert result.exit_code == 0, result.output
    message = handler.message_to("peter.kiss@pelda.hu")
    assert message["Subject"] == "Hiányzik a közös munka, Péter"
    body = text_of(message)
    assert body.startswith("Kedves Péter!")
    assert "Nagy Anna\nanna@pelda.hu" in body
    assert message["Reply-To"].addresses[0].addr_spec == "anna@pelda.hu"
    assert commit_count(hu_ws) == before + 1
    assert uncommitted(hu_ws) == ""


def test_email_logged_as_note(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    must(run(hu_ws, "email", "kiss-peter", "--template", "ajanlat-utankovetes", "--yes",
             env=smtp_env(port)))
    data = yaml.safe_load((hu_ws / "clients" / "kiss-peter.yaml").read_text())
    note = data["notes"][-1]
    assert note["kind"] == "email"
    assert note["by"] == "anna"
    assert note["text"].startswith("Subject: Ajánlatunkkal kapcsolatban\nKedves Péter!")
    assert str(data["last_contact"]) == "2026-12-04"


def test_email_body_and_subject(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    must(run(hu_ws, "email", "szep-ilona", "--subject", "Időpont", "--body",
             "Kedves Ilona!\n\nHolnap 10-kor jó?", "--yes", env=smtp_env(port)))
    message = handler.message_to("ilona@pelda.hu")
    assert message["Subject"] == "Időpont"
    assert text_of(message) == "Kedves Ilona!\n\nHolnap 10-kor jó?\n"
    assert message.get_content_type() == "text/plain"


def test_email_template_missing_field(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    (hu_ws / "templates" / "ceges.txt").write_text(
        "Subject: Ajánlat a(z) {company} részére\n\nKedves {first_name}!\n", encoding="utf-8")
    commit_all(hu_ws, "Add a template")
    before = commit_count(hu_ws)
    files = snapshot(hu_ws)
    result = run(hu_ws, "email", "szep-ilona", "--template", "ceges", "--yes",
                 env=smtp_env(port))
    assert result.exit_code == 4
    assert "Template ceges" in result.output
    assert "{company}" in result.output
    assert "szep-ilona" in result.output
    assert handler.envelopes == []
    assert commit_count(hu_ws) == before
    assert snapshot(hu_ws) == files


def test_email_template_unknown_placeholder(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    (hu_ws / "templates" / "hibas.md").write_text("Subject: Szia\n\nSzia {keresztnev}!\n",
                                                  encoding="utf-8")
    commit_all(hu_ws, "Add a template")
    result = run(hu_ws, "email", "kiss-peter", "--template", "hibas", "--yes",
                 env=smtp_env(port))
    assert result.exit_code == 4
    assert "unknown placeholder {keresztnev}" in result.output
    assert "first_name" in result.output
    assert handler.envelopes == []


def test_email_template_not_found(hu_ws: Path) -> None:
    result = run(hu_ws, "email", "kiss-peter", "--template", "nincs", "--dry-run")
    assert result.exit_code == 4
    assert "No template called 'nincs'" in result.output
    assert "ajanlat-utankovetes, reaktivalas" in result.output


def test_email_dry_run(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    before = commit_count(hu_ws)
    files = snapshot(hu_ws)
    result = run(hu_ws, "email", "kiss-peter", "--template", "reaktivalas", "--dry-run",
                 env=smtp_env(port))
    assert result.exit_code == 0, result.output
    assert f"From: {SENDER}" in result.output
    assert "To: Kiss Péter <peter.kiss@pelda.hu>" in result.output
    assert "Subject: Hiányzik a közös munka, Péter" in result.output
    assert "Kedves Péter!" in result.output
    assert handler.envelopes == []
    assert commit_count(hu_ws) == before
    assert snapshot(hu_ws) == files


def test_email_dry_run_needs_no_server(hu_ws: Path) -> None:
    result = run(hu_ws, "email", "kiss-peter", "--subject", "Szia", "--body", "Szöveg",
                 "--dry-run", env=smtp_env(1, PANDAI_SMTP_HOST=None, PANDAI_SMTP_FROM=None))
    assert result.exit_code == 0, result.output
    assert "From: Nagy Anna <anna@pelda.hu>" in result.output


def test_email_client_without_address(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    before = commit_count(hu_ws)
    result = run(hu_ws, "email", "level-nelkuli", "--subject", "Szia", "--body", "Szöveg",
                 "--yes", env=smtp_env(port))
    assert result.exit_code == 4
    assert "level-nelkuli has no e-mail address" in result.output
    assert handler.envelopes == []
    assert commit_count(hu_ws) == before


def test_email_needs_confirmation(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    before = commit_count(hu_ws)
    result = run(hu_ws, "email", "kiss-peter", "--subject", "Szia", "--body", "Szöveg",
                 env=smtp_env(port))
    assert result.exit_code == 7
    assert "Add --yes" in result.output
    assert handler.envelopes == []
    assert commit_count(hu_ws) == before


def test_email_view_batch(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    before = commit_count(hu_ws)
    result = run(hu_ws, "email", "--view", "new-leads", "--template", "reaktivalas", "--yes",
                 env=smtp_env(port))
    assert result.exit_code == 0, result.output
    assert sorted(envelope.rcpt_tos[0] for envelope in handler.envelopes) == [
        "ilona@pelda.hu", "peter.kiss@pelda.hu"]
    assert "1 client of the view has no e-mail address" in result.output
    assert "level-nelkuli" in result.output
    assert handler.message_to("ilona@pelda.hu")["Subject"] == \
        "Hiányzik a közös munka, Ilona"
    assert commit_count(hu_ws) == before + 1
    assert uncommitted(hu_ws) == ""


def test_email_view_refused_logs_sent(hu_ws: Path, smtp) -> None:
    handler, port = smtp
    handler.refused.add("ilona@pelda.hu")
    before = commit_count(hu_ws)
    result = run(hu_ws, "email", "--view", "new-leads", "--template", "reaktivalas", "--yes",
                 env=smtp_env(port))
    assert result.exit_code == 1
    assert "ilona@pelda.hu" in result.output
    assert commit_count(hu_ws) == before + 1
    ilona = yaml.safe_load((hu_ws / "clients" / "szep-ilona.yaml").read_text())
    assert "last_contact" not in ilona
    peter = yaml.safe_load((hu_ws / "clients" / "kiss-peter.yaml").read_text())
    assert str(peter["last_contact"]) == "2026-12-04"


def test_email_editor(hu_ws: Path, smtp, tmp_path: Path) -> None:
    handler, port = smtp
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "kept = [line for line in path.read_text().splitlines() if line.startswith('#')]\n"
        "path.write_text('\\n'.join(kept + ['Subject: Szerkesztve', '', 'Kedves Péter!']))\n")
    result = run(hu_ws, "email", "kiss-peter", "--yes",
                 env={**smtp_env(port), "EDITOR": f"{sys.executable} {editor}"})
    assert result.exit_code == 0, result.output
    message = handler.message_to("peter.kiss@pelda.hu")
    assert message["Subject"] == "Szerkesztve"
    assert text_of(message) == "Kedves Péter!\n"
    assert list((hu_ws / ".pandai").glob("email.*")) == []


def test_email_no_text_without_terminal(hu_ws: Path) -> None:
    result = run(hu_ws, "email", "kiss-peter", "--subject", "Szia", "--yes")
    assert result.exit_code == 4
    assert "give --body or --template" in result.output
