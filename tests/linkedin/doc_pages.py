"""Profile pages written from the shared linkedin-surface doc's "Profile page" section, one per state.

They are an independent check of the browser layer: written from the doc's facts about real March-2026
pages (and the 2022 / older notes), not from the sandbox's templates. Where the doc quotes markup, it is
reproduced as quoted (hashed classes, UUID componentkeys, the text-only More, the popover portal with
`custom-invite?vanityName=` items, the Message link, hidden alternate badges, sidebars with namesakes).
"""

from __future__ import annotations

import uuid
from html import escape

PROFILE_ID = "ACoAABx7Q2kBd9zXh1"
URN = f"urn%3Ali%3Afsd_profile%3A{PROFILE_ID}"
NAME = "Dana O'Neil"
VANITY = "dana-oneil-4b1a2c"
NAMESAKE_VANITY = "dana-oneil"  # another person with the same full name, in the sidebar
OTHER = ("Priya Raman", "priya-raman-77")

# The stylesheet hides the wrapper of badges for states the person is not in.
STYLE = "<style>._9f2c1a{display:none}.b3e1d0{display:block}</style>"
# Stands in for LinkedIn's own script: More toggles the popover portal.
SCRIPT = """<script>
document.addEventListener('click', function (e) {
  var more = e.target.closest('button[aria-expanded]');
  if (!more) return;
  var menu = document.querySelector('[popover]');
  var open = more.getAttribute('aria-expanded') === 'true';
  if (open) { menu.hidePopover(); } else { menu.showPopover(); }
  more.setAttribute('aria-expanded', String(!open));
});
</script>"""


def _key() -> str:
    return str(uuid.uuid4())


def _hashed() -> str:
    return f"_{uuid.uuid4().hex[:8]} {uuid.uuid4().hex[:8]}"


def _badges(degree: str) -> str:
    """The visible badge, plus hidden badges for the states the person is not in."""
    hidden = "".join(f"<p>· {d}</p>" for d in ("1st", "2nd") if d != degree)
    return f'<p class="{_hashed()}">· {degree}</p><div class="_9f2c1a">{hidden}</div>'


def _more() -> str:
    return (
        f'<button type="button" aria-expanded="false" componentkey="{_key()}" class="{_hashed()}">'
        f'<span class="{_hashed()}"><span>More</span></span></button>'
    )


def _message() -> str:
    return (
        f'<a href="/messaging/compose/?profileUrn={URN}&amp;recipient={PROFILE_ID}" '
        f'componentkey="{_key()}" class="{_hashed()}"><span>Message</span></a>'
    )


def _menu(connect: bool) -> str:
    items = [
        '<a role="menuitem" href="/messaging/compose/?screenContext=NON_SELF_PROFILE_VIEW&amp;'
        f'body=https%3A%2F%2Fwww.linkedin.com%2Fin%2F{VANITY}">Send profile in a message</a>'
    ]
    if connect:
        items.append(
            f'<a role="menuitem" href="/preload/custom-invite/?vanityName={VANITY}">'
            f'<div aria-label="Invite {escape(NAME)} to connect" class="{_hashed()}">Connect</div></a>'
        )
    items += [
        f'<a role="menuitem" href="/preload/report-in-modal/?vanityName={VANITY}">Report / Block</a>',
        f'<a role="menuitem" href="/in/{VANITY}/">Verifications</a>',
        '<div role="menuitem" tabindex="0">Save to PDF</div>',
    ]
    return f'<div popover="manual" class="{_hashed()}">{"".join(items)}</div>'


def _sidebar() -> str:
    people = [(NAME, NAMESAKE_VANITY), OTHER]
    rows = "".join(
        f'<li><a href="/in/{v}/"><span>{escape(n)}</span></a><p>· 2nd</p>'
        f'<div role="button" aria-label="Invite {escape(n)} to connect">Connect</div>'
        f'<button aria-label="Follow {escape(n)}">Follow</button>'
        f'<a href="/messaging/compose/?profileUrn=urn%3Ali%3Afsd_profile%3AOTHER{i}">Message</a></li>'
        for i, (n, v) in enumerate(people)
    )
    return (
        f'<section componentkey="profileCardsAboveActivity{PROFILE_ID}"><h2>More profiles for you</h2>'
        f"<ul>{rows}</ul></section>"
    )


def page_2026(state: str) -> str:
    """state: not_connected | direct_connect | pending | connected | self."""
    name = escape(NAME)
    controls = {
        "not_connected": f'<button aria-label="Follow {name}" componentkey="{_key()}">Follow</button>'
        + _message()
        + _more(),
        "direct_connect": f'<div role="button" aria-label="Invite {name} to connect" '
        f'componentkey="{_key()}">Connect</div>' + _message() + _more(),
        "pending": _message()
        + f'<a aria-label="Pending, click to withdraw invitation sent to {name}" href="#" '
        f'componentkey="{_key()}"><span>Pending</span></a>' + _more(),
        "connected": _message()
        + _more()
        + f'<a aria-label="Manage notifications about {name}" href="#" componentkey="{_key()}">'
        f'<svg aria-hidden="true"></svg></a>',
        "self": f'<button componentkey="{_key()}">Edit intro</button>'
        f'<a href="#" componentkey="{_key()}">Add profile section</a>',
    }[state]
    degree = {"connected": "1st", "self": None}.get(state, "2nd")
    card = (
        f'<section componentkey="com.linkedin.sdui.profile.card.ref{PROFILE_ID}Topcard" class="{_hashed()}">'
        f'<div class="{_hashed()}"><a href="/in/{VANITY}/" class="{_hashed()}"><h2 class="{_hashed()}">'
        f"{name}</h2></a>{_badges(degree) if degree else ''}"
        f'<p class="{_hashed()}">Head of Platform at Quillfeather</p>'
        f'<a href="#" class="{_hashed()}">Contact info</a><span>500+ connections</span></div>'
        f'<div class="{_hashed()}">{controls}</div></section>'
    )
    about = f'<section componentkey="com.linkedin.sdui.profile.card.ref{PROFILE_ID}About"><h2>About</h2></section>'
    menu = _menu(connect=state == "not_connected") if state != "self" else ""
    return (
        f"<!doctype html><html><head><title>{name} | LinkedIn</title>{STYLE}</head><body>"
        f"<main>{card}{about}{_sidebar()}</main>{menu}{SCRIPT}</body></html>"
    )


def page_2022(state: str) -> str:
    """The artdeco markup: h1 name, ember ids, a dropdown whose Connect is named by hidden text only."""
    name = escape(NAME)
    hidden = '<span class="a11y-text" style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)">'
    connect_item = (
        f'<li><div id="ember91" class="artdeco-dropdown__item" tabindex="0">{hidden}Invite {name.replace("&#x27;", "&#39;")} '
        'to connect</span><span aria-hidden="true">Connect</span></div></li>'
    )
    dropdown = (
        '<div class="artdeco-dropdown"><button id="ember88" aria-label="More actions" '
        'class="artdeco-dropdown__trigger">More</button><div class="artdeco-dropdown__content" hidden>'
        f"<ul>{connect_item if state == 'not_connected' else ''}<li><div>Save to PDF</div></li></ul></div></div>"
    )
    controls = {
        "not_connected": '<button id="ember80">Message</button>' + dropdown,
        "pending": f'<button id="ember81" aria-label="Pending, click to withdraw invitation sent to {name}">'
        "Pending</button>" + dropdown,
        "connected": '<button id="ember82">Message</button>' + dropdown,
    }[state]
    degree = "1st" if state == "connected" else "2nd"
    script = """<script>
document.querySelector('button[aria-label="More actions"]').addEventListener('click', function () {
  var d = document.querySelector('.artdeco-dropdown__content'); d.hidden = !d.hidden;
});</script>"""
    return (
        f'<!doctype html><html><body><main><section class="artdeco-card" data-member-id="4711">'
        f'<div class="ph5"><h1 class="text-heading-xlarge">{name}</h1><span class="dist-value">{degree}</span>'
        f"{controls}</div></section>{_sidebar()}</main>{script}</body></html>"
    )


def page_older() -> str:
    name = escape(NAME)
    return (
        '<!doctype html><html><body><section class="pv-top-card-section">'
        f'<h1 class="pv-top-card-section__name">{name}</h1>'
        '<button class="pv-s-profile-actions--connect">Connect</button></section>'
        '<code id="bpr-guid-1234" style="display:none">{"firstName":"Dana"}</code></body></html>'
    )
