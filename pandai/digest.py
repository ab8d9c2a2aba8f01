"""Rendering reminder digests: plain text for terminals and e-mails, HTML, JSON, and the e-mail.

The text and HTML forms list the same groups in the same order, one line per client with its id,
name, phone in national form and e-mail address, and the reason it is due.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from pandai import mail
from pandai.client import Client
from pandai.fields import display_phone
from pandai.i18n import _, current_language, format_date, ngettext
from pandai.reminders import Digest, Item, Mention
from pandai.workspace import Workspace

if TYPE_CHECKING:
    from email.message import EmailMessage


def client_line(workspace: Workspace, client: Client) -> str:
    """Return ``id · name (company) · phone · e-mail`` with the phone in national form."""
    name = client.name
    if client.get("company"):
        name = f"{name} ({client.get('company')})"
    parts = [client.id, name]
    if client.get("phone"):
        parts.append(display_phone(str(client.get("phone")), workspace.config.phone_region))
    if client.get("email"):
        parts.append(str(client.get("email")))
    return " · ".join(parts)


def item_detail(group: str, item: Item) -> str:
    """Return why a client is in a group: the due day, or how long it has had no contact."""
    if group == "overdue":
        return ngettext("due {date}, {days} day ago", "due {date}, {days} days ago",
                        item.days).format(date=format_date(item.day), days=item.days)
    if group == "today":
        return _("due today")
    if group == "retry":
        return _("retry date {date}").format(date=format_date(item.day))
    return ngettext("no contact since {date} ({days} day)",
                    "no contact since {date} ({days} days)", item.days).format(
        date=format_date(item.day), days=item.days)


def group_title(group: str, count: int, limit: int) -> str:
    """Return the heading of a digest group with its number of entries."""
    titles = {
        "overdue": _("Overdue next actions ({count})"),
        "today": _("Next actions due today ({count})"),
        "retry": _("Lost or inactive clients to try again ({count})"),
        "inactive": _("Open clients with no contact for over {days} days ({count})"),
        "mentions": _("Mentions of you ({count})"),
    }
    return titles[group].format(count=count, days=limit)


def groups(digest: Digest) -> list[tuple[str, list[Any]]]:
    """Return the non-empty groups of a digest as (group, entries), in reading order."""
    pairs = [("overdue", digest.overdue), ("today", digest.due_today), ("retry", digest.retry),
             ("inactive", digest.inactive), ("mentions", digest.mentions)]
    return [(group, entries) for group, entries in pairs if entries]


def mention_header(mention: Mention) -> str:
    """Return ``date · author · id name``, the first line of a mention in a digest."""
    return " · ".join([format_date(mention.at), mention.by or "?",
                       f"{mention.client.id} {mention.client.name}"])


def render_text(workspace: Workspace, digests: list[Digest]) -> str:
    """Return the digests as plain text, one block per owner, for a terminal or an e-mail."""
    limit = workspace.config.rules.inactive_after_days
    blocks = []
    for digest in digests:
        lines = [_("Follow-ups of {owner} for {date}").format(
            owner=digest.title(), date=format_date(digest.today))]
        for group, entries in groups(digest):
            lines += ["", group_title(group, len(entries), limit)]
            for entry in entries:
                if group == "mentions":
                    lines.append("- " + mention_header(entry))
                    lines += [f"    {line}" for line in entry.text.splitlines()]
                else:
                    lines.append(f"- {client_line(workspace, entry.client)} · "
                                 f"{item_detail(group, entry)}")
        blocks.append("\n".join(lines))
    return "\n\n\n".join(blocks)


def digest_record(workspace: Workspace, digest: Digest) -> dict[str, Any]:
    """Return a digest as JSON-ready data with ISO dates."""
    def client_record(item: Item) -> dict[str, Any]:
        client = item.client
        record = {"id": client.id, "name": client.name}
        for key in ("company", "phone", "email", "status"):
            if client.get(key):
                record[key] = str(client.get(key))
        if client.get("phone"):
            record["phone_national"] = display_phone(str(client.get("phone")),
                                                     workspace.config.phone_region)
        record["date"] = item.day.isoformat()
        record["days"] = item.days
        return record

    return {
        "owner": digest.owner,
        "owner_name": digest.member.name if digest.member else None,
        "owner_email": digest.member.email if digest.member else None,
        "date": digest.today.isoformat(),
        "overdue": [client_record(item) for item in digest.overdue],
        "today": [client_record(item) for item in digest.due_today],
        "retry": [client_record(item) for item in digest.retry],
        "inactive": [client_record(item) for item in digest.inactive],
        "mentions": [{"client": mention.client.id, "name": mention.client.name,
                      "at": mention.at.isoformat(), "by": mention.by, "kind": mention.kind,
                      "text": mention.text} for mention in digest.mentions],
    }


def digest_subject(digest: Digest) -> str:
    """Return the subject of a reminder e-mail in the active language."""
    return ngettext("Pandai: {count} follow-up for {date}", "Pandai: {count} follow-ups for {date}",
                    digest.count()).format(count=digest.count(), date=format_date(digest.today))


def render_html(workspace: Workspace, digest: Digest) -> str:
    """Return a digest as a small HTML page, the HTML part of a reminder e-mail."""
    limit = workspace.config.rules.inactive_after_days
    escape = html.escape
    parts = [f'<!DOCTYPE html>\n<html lang="{current_language()}">\n<head><meta charset="utf-8">'
             f"<title>{escape(digest_subject(digest))}</title></head>",
             '<body style="font-family: sans-serif; line-height: 1.4">',
             '<h1 style="font-size: 1.2em">{}</h1>'.format(escape(
                 _("Follow-ups of {owner} for {date}").format(
                     owner=digest.title(), date=format_date(digest.today))))]
    for group, entries in groups(digest):
        parts.append('<h2 style="font-size: 1em">{}</h2>\n<ul>'.format(
            escape(group_title(group, len(entries), limit))))
        for entry in entries:
            if group == "mentions":
                text = "<br>".join(escape(line) for line in entry.text.splitlines())
                parts.append(f"<li>{escape(mention_header(entry))}"
                             f'<blockquote style="margin: 0.3em 1em">{text}</blockquote></li>')
            else:
                parts.append(f"<li>{_client_html(workspace, entry.client)} · "
                             f"{escape(item_detail(group, entry))}</li>")
        parts.append("</ul>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _client_html(workspace: Workspace, client: Client) -> str:
    escape = html.escape
    parts = [f"<b>{escape(client.name)}</b>"
             + (f" ({escape(str(client.get('company')))})" if client.get("company") else ""),
             f"<code>{escape(client.id)}</code>"]
    if client.get("phone"):
        phone = str(client.get("phone"))
        shown = display_phone(phone, workspace.config.phone_region)
        parts.append(f'<a href="tel:{escape(phone)}">{escape(shown)}</a>')
    if client.get("email"):
        address = escape(str(client.get("email")))
        parts.append(f'<a href="mailto:{address}">{address}</a>')
    return " · ".join(parts)


def digest_message(workspace: Workspace, digest: Digest, sender: str,
                   recipient: str) -> EmailMessage:
    """Build the reminder e-mail of one owner: plain text and HTML alternatives."""
    text = render_text(workspace, [digest])
    return mail.build_message(sender, recipient, digest_subject(digest), text,
                         render_html(workspace, digest))
