"""The ``view`` commands: list, show, save and delete saved views."""

from __future__ import annotations

import json
from typing import List, Optional

import typer
from typing import Annotated

from pandai import query, store
from pandai.cli import completion, output
from pandai.cli.common import confirm, echo, open_workspace
from pandai.cli.lazy import SubcommandGroup
from pandai.errors import InvalidInput
from pandai.i18n import _
from pandai.views import View, check_view_name, save_views


def register(app: typer.Typer) -> None:
    """Add the ``view`` command group to ``app``."""
    group = typer.Typer(help=_("Saved views: named filters with sorting and columns."),
                        no_args_is_help=True, cls=SubcommandGroup)
    app.add_typer(group, name="view")

    @group.command("list", help=_("List the saved views."))
    def list_views(ctx: typer.Context,
                   output_format: Annotated[str, typer.Option(
                       "--format", "-f", help=_("Output format: table or json."))] = "table"
                   ) -> None:
        workspace = open_workspace(ctx)
        output.check_format(output_format, ("table", "json"))
        views = workspace.views
        if output_format == "json":
            echo(json.dumps([{"name": name, **view.to_file()} for name, view in views.items()],
                            ensure_ascii=False, indent=2))
            return
        from tabulate import tabulate

        rows = [(name, view.title, " ".join(view.filters)) for name, view in views.items()]
        echo(tabulate(rows, headers=[_("View"), _("Title"), _("Filters")], tablefmt="simple"))

    @group.command("show", help=_("Show a view's title, filters, sort and columns."))
    def show_view(ctx: typer.Context,
                  name: Annotated[str, typer.Argument(help=_("The view's name."),
                                                   autocompletion=completion.view_names)]) -> None:
        workspace = open_workspace(ctx)
        view = _get(workspace.views, name)
        echo(f"{view.name}: {view.title}")
        echo(_("Filters: {filters}").format(filters=" ".join(view.filters) or "-"))
        echo(_("Sort: {sort}").format(sort=view.sort or "-"))
        echo(_("Columns: {columns}").format(columns=", ".join(view.columns) or "-"))

    @group.command("save", help=_("Save filters as a view (\"save view as\"); replaces a view "
                                 "of the same name after confirmation."))
    def save_view(ctx: typer.Context,
                  name: Annotated[str, typer.Argument(help=_("The view's name."),
                                                   autocompletion=completion.view_names)],
                  filters: Annotated[Optional[List[str]], typer.Argument(
                      help=_("Filters FIELD OP VALUE, such as owner=@me stage=open."),
                      show_default=False)] = None,
                  title: Annotated[Optional[str], typer.Option(help=_("A title for the view."))
                                   ] = None,
                  sort: Annotated[Optional[str], typer.Option(
                      help=_("Sort by these comma-separated fields; -field sorts descending."))
                                  ] = None,
                  columns: Annotated[Optional[str], typer.Option(
                      help=_("Comma-separated columns to show."))] = None,
                  yes: Annotated[bool, typer.Option(
                      "--yes", "-y", help=_("Replace an existing view without asking."))
                                 ] = False) -> None:
        workspace = open_workspace(ctx)
        check_view_name(name)
        filters = filters or []
        for text in filters:
            query.parse_filter(workspace, text)
        column_list = [part.strip() for part in (columns or "").split(",") if part.strip()]
        output.resolve_columns(workspace, column_list)
        if sort:
            query.sort_clients(workspace, [], sort)
        views = dict(workspace.views)
        if name in views and not confirm(
                _("A view called {name!r} exists. Replace it?").format(name=name), yes):
            echo(_("Nothing changed."))
            return
        views[name] = View(name, title or name, filters, sort or "", column_list)
        with store.Change(workspace, f"view save {name}") as change:
            save_views(workspace.views_path, views)
            change.track(workspace.views_path)
        echo(_("Saved view {name}.").format(name=name))

    @group.command("delete", help=_("Delete a saved view."))
    def delete_view(ctx: typer.Context,
                    name: Annotated[str, typer.Argument(help=_("The view's name."),
                                                   autocompletion=completion.view_names)],
                    yes: Annotated[bool, typer.Option(
                        "--yes", "-y", help=_("Delete without asking."))] = False) -> None:
        workspace = open_workspace(ctx)
        views = dict(workspace.views)
        _get(views, name)
        if not confirm(_("Delete the view {name!r}?").format(name=name), yes):
            echo(_("Nothing changed."))
            return
        del views[name]
        with store.Change(workspace, f"view delete {name}") as change:
            save_views(workspace.views_path, views)
            change.track(workspace.views_path)
        echo(_("Deleted view {name}.").format(name=name))


def _get(views: dict[str, View], name: str) -> View:
    if name not in views:
        raise InvalidInput(_("No view called {name!r}. Saved views: {views}.").format(
            name=name, views=", ".join(views) or "-"))
    return views[name]
