"""Which DjangoCRM parts the admin menus show: the product uses people, companies, deals and its own
outreach models, so DjangoCRM's sales, e-mail, chat, task and analytics parts are hidden from the index
pages and the sidebar of both admin sites, and the product's own app comes first.

Only the menus change: every hidden model keeps its admin and its URLs (a deal's currency popup, a
bookmarked page and DjangoCRM's own templates still work), so nothing that links to them breaks.
"""

from __future__ import annotations

from typing import Any

# Whole apps the product never uses (all DjangoCRM's but `sites`).
HIDDEN_APPS: frozenset[str] = frozenset(
    {
        "analytics",  # Income Summary, IncomeStat snapshots, Sales funnel, Deal/Lead source summaries...
        "chat",  # messages between CRM users
        "help",  # DjangoCRM's help pages (about its sales workflow)
        "massmail",  # e-mail accounts, mailing outs, signatures
        "settings",  # DjangoCRM's e-mail import settings: banned names, stop phrases, public domains
        "sites",  # Django's site framework: the one row DjangoCRM needs (SITE_ID), nothing to edit
        "tasks",  # Tasks, Memos, Projects, Resolutions, Task/Project stages
        "voip",  # telephony connections
    }
)

# Apps listed before the others (Django sorts the rest by name).
FIRST_APPS: tuple[str, ...] = ("outreach", "crm")

# Single models of the apps the product does use (app label, model name in lower case).
HIDDEN_MODELS: frozenset[tuple[str, str]] = frozenset(
    {
        ("common", "reminder"),
        ("common", "thefile"),
        ("crm", "crmemail"),
        ("crm", "currency"),
        ("crm", "payment"),
        ("crm", "product"),
        ("crm", "productcategory"),
        ("crm", "rate"),
        ("crm", "request"),
        ("crm", "shipment"),
    }
)


def is_hidden(app_label: str, model_name: str) -> bool:
    return app_label in HIDDEN_APPS or (app_label, model_name) in HIDDEN_MODELS


def visible(app_dict: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The apps of an admin site's app dict without the hidden parts (apps left empty are dropped)."""
    shown = {}
    for label, app in app_dict.items():
        models = [m for m in app["models"] if not is_hidden(app["app_label"], m["model"]._meta.model_name)]
        if models:
            shown[label] = {**app, "models": models}
    return shown


def product_first(apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rank = {label: i for i, label in enumerate(FIRST_APPS)}
    return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))  # stable: the rest keep order


def hide_unused_crm_parts() -> None:
    """Filter the menus of every admin site. `_build_app_dict` feeds the index page, the sidebar
    (`available_apps`) and DjangoCRM's own index, so filtering it once covers them all; a request for one
    app's page (`label` given) is answered unfiltered, so direct URLs keep working. `get_app_list` (the
    default site's index and sidebar) then puts the product's apps first."""
    from django.contrib.admin.sites import all_sites

    for site in all_sites:
        build, app_list = site._build_app_dict, site.get_app_list

        def filtered(request, label=None, _build=build):
            app_dict = _build(request, label)
            return app_dict if label or app_dict is None else visible(app_dict)

        def ordered(request, app_label=None, _app_list=app_list):
            return product_first(_app_list(request, app_label))

        site._build_app_dict = filtered
        site.get_app_list = ordered
