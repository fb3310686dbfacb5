"""Every rule the browser layer uses to find things on LinkedIn's pages, as ordered fallback chains.

One place to fix when LinkedIn moves. A rule finds an element the way a person or a screen reader
does — by role and accessible name (Playwright's role locators), by visible text, or by a structural
attribute the surface doc names (an href that carries the person's vanity name or profile URN) —
never by hashed class names. Only VISIBLE elements count (pages hold badges for states the person is
not in, hidden by the stylesheet).

Scoping is the caller's job and is part of every rule's meaning: top-card rules are resolved inside
the top card, menu rules inside the menu that opened after clicking THIS card's More. Placeholders:
`{name}` the member's full name, `{vanity}` their public id, `{urn}` their profile URN (percent-encoded
as LinkedIn writes it in hrefs). A rule whose placeholder has no value is skipped.

Three page generations are live or recent (the shared linkedin-surface doc, "Profile page"): the 2026
server-driven UI, the 2022 artdeco/Ember markup and older pages. Each chain lists the rules for all of
them, most specific first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Formatter


@dataclass(frozen=True)
class Rule:
    """One way to find an element.

    kind: "css" (a Playwright CSS selector), "role" (`value` = ARIA role, `name` = accessible name) or
    "text" (`value` = the visible text). `exact`: whole-name match (case-sensitive, whitespace
    normalised) for role and text rules. `vanity`: the element's href must carry `vanityName=<vanity>`
    exactly (a prefix match on `jane-doe` would also hit `jane-doe-2`). `click`: climb to the nearest
    clickable ancestor (a hidden label inside a menu item is found, the item is clicked).
    """

    label: str
    kind: str
    value: str
    name: str | None = None
    exact: bool = True
    vanity: bool = False
    click: bool = False

    def placeholders(self) -> set[str]:
        fields = set()
        for text in (self.value, self.name or ""):
            fields |= {f for _, f, _, _ in Formatter().parse(text) if f}
        return fields


def css(label: str, selector: str, **options) -> Rule:
    return Rule(label, "css", selector, **options)


def role(label: str, role_name: str, name: str, **options) -> Rule:
    return Rule(label, "role", role_name, name=name, **options)


def text(label: str, value: str, **options) -> Rule:
    return Rule(label, "text", value, **options)


@dataclass(frozen=True)
class Chain:
    """A named, ordered list of rules; the first rule that matches a visible element wins."""

    name: str
    rules: tuple[Rule, ...]

    @property
    def needs_name(self) -> bool:
        return any("name" in r.placeholders() for r in self.rules)


def css_string(value: str) -> str:
    """`value` escaped for use inside a double-quoted CSS / Playwright string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def with_text(tag: str, value: str) -> str:
    """`tag` whose whole text is `value`, also when the text sits in a child (`<button><span>Send</span>`)."""
    return f'{tag}:is(:text-is("{value}"), :has(:text-is("{value}")))'


# --- login -------------------------------------------------------------------------------------

LOGIN_USERNAME = Chain(
    "login username",
    (
        css("#username", "input#username"),
        css("session_key", 'input[name="session_key"]'),
        css("autocomplete username", 'input[autocomplete="username"]'),
    ),
)
LOGIN_PASSWORD = Chain(
    "login password",
    (
        css("#password", "input#password"),
        css("session_password", 'input[name="session_password"]'),
        css("type=password", 'input[type="password"]'),
    ),
)
LOGIN_SUBMIT = Chain(
    "login submit",
    (
        css("submit button", 'button[type="submit"]'),
        css("litms submit", 'button[data-litms-control-urn="login-submit"]'),
        css("submit input", 'input[type="submit"]'),
    ),
)
PAGE_HEADING = Chain(
    "page heading",
    (css("h1", "h1"), css("heading level 1", '[role="heading"][aria-level="1"]'), css("h2", "h2")),
)
LOGIN_ERROR = Chain(
    "login error",
    (
        css("password error", "#error-for-password"),
        css("username error", "#error-for-username"),
        css("alert", '[role="alert"]'),
        css("alert content", ".alert-content"),
        css("form error", ".form__label--error"),
    ),
)

# --- profile top card ------------------------------------------------------------------------

TOP_CARD = Chain(
    "top card",
    (
        # 2026: the card keyed com.linkedin.sdui.profile.card.ref<profile-id>Topcard.
        css(
            "2026 Topcard componentkey",
            '[componentkey^="com.linkedin.sdui.profile.card.ref"][componentkey$="Topcard"]',
        ),
        # 2022 artdeco, in the order the surface doc gives.
        css("2022 hero image", "section:has(div.top-card-background-hero-image)"),
        css("2022 data-member-id", "section[data-member-id]"),
        css("2022 pv-top-card", "section.artdeco-card:has(> div.pv-top-card)"),
        css("2022 pv-top-card child", 'section:has(> div[class*="pv-top-card"])'),
        # Older pages.
        css("older pv-top-card-section", "section.pv-top-card-section"),
        # Any card whose heading is the member's name (the card keys moved again).
        css("section headed by the name", 'main section:has(:is(h1, h2):text-is("{name}"))'),
    ),
)
# The name: an h2 inside a link in the 2026 card; an h1 in the older ones.
TOP_CARD_NAME = Chain(
    "top card name",
    (
        css("older name h1", "h1.pv-top-card-section__name"),
        css("h1", "h1"),
        css("h2 in a link", "a h2"),
        css("heading level 1", '[role="heading"][aria-level="1"]'),
        css("h2", "h2"),
    ),
)

# Connect shown directly in the card (2026 sometimes, 2022 often, older always).
CONNECT = Chain(
    "connect",
    (
        css("invite href with vanity", 'a[href*="custom-invite"][href*="vanityName="]', vanity=True),
        role("button 'Invite <name> to connect'", "button", "Invite {name} to connect"),
        css("aria-label 'Invite <name> to connect'", '[aria-label="Invite {name} to connect"]', click=True),
        text("hidden text 'Invite <name> to connect'", "Invite {name} to connect", click=True),
        css("older connect button", "button.pv-s-profile-actions--connect"),
        role("button 'Connect'", "button", "Connect"),
    ),
)
# Overflow trigger: 2026 has no aria-label (its name is its text "More"); 2022 "More actions".
MORE = Chain(
    "more",
    (
        role("button 'More actions'", "button", "More actions"),
        role("button 'More'", "button", "More"),
        css("aria-label starting More", 'button[aria-label^="More"]'),
        css("overflow trigger id", 'button[id*="overflow"]'),
    ),
)
# The overflow menu that opened: the 2026 popover portal (anywhere in the document), the 2022 dropdown
# inside the card, or any open ARIA menu.
OPEN_MENU = Chain(
    "open menu",
    (
        css("open popover", "[popover]:popover-open"),
        css("open artdeco dropdown", "div.artdeco-dropdown__content--is-open"),
        css("ARIA menu", '[role="menu"]'),
        css("artdeco dropdown", "div.artdeco-dropdown__content"),
    ),
)
# This person's Connect inside the menu: by vanity name in the href first, by full name second.
MENU_CONNECT = Chain(
    "menu connect",
    (
        css(
            "menuitem custom-invite vanityName",
            '[role="menuitem"][href*="custom-invite"][href*="vanityName="]',
            vanity=True,
        ),
        css("link custom-invite vanityName", 'a[href*="custom-invite"][href*="vanityName="]', vanity=True),
        role("menuitem 'Invite <name> to connect'", "menuitem", "Invite {name} to connect"),
        css("aria-label 'Invite <name> to connect'", '[aria-label="Invite {name} to connect"]', click=True),
        role("button 'Invite <name> to connect'", "button", "Invite {name} to connect"),
        text("hidden text 'Invite <name> to connect'", "Invite {name} to connect", click=True),
    ),
)
PENDING = Chain(
    "pending",
    (
        css(
            "aria-label 'Pending ... sent to <name>'",
            '[aria-label="Pending, click to withdraw invitation sent to {name}"]',
        ),
        css(
            "aria-label 'Pending, click to withdraw'", '[aria-label^="Pending, click to withdraw invitation"]'
        ),
        role("button 'Pending'", "button", "Pending"),
        role("link 'Pending'", "link", "Pending"),
    ),
)
# Degree badges, read from rendered text only: 2026 "· 1st" in a <p>, 2022 span.dist-value.
DEGREE_BADGE = Chain(
    "degree badge",
    (
        css("2022 dist-value", "span.dist-value"),
        css("2026 '· Nth' badge", r':is(p, span):text-matches("^\\s*·\\s*(1st|2nd|3rd\\+?)\\s*$")'),
    ),
)
# A bell to manage notifications about the person: shown on 1st-degree cards (March 2026 sample).
NOTIFICATIONS_BELL = Chain(
    "notifications bell",
    (
        css("bell 'Manage notifications about <name>'", '[aria-label="Manage notifications about {name}"]'),
        css("bell 'Manage notifications about'", 'a[aria-label^="Manage notifications about"]'),
    ),
)
# Own profile: edit controls instead of Connect / Message / Pending.
SELF_CONTROLS = Chain(
    "own profile",
    (
        role("button 'Edit intro'", "button", "Edit intro"),
        role("link 'Edit intro'", "link", "Edit intro"),
        role("button 'Add profile section'", "button", "Add profile section"),
        role("link 'Add profile section'", "link", "Add profile section"),
        text("text 'Add profile section'", "Add profile section"),
    ),
)
FOLLOW = Chain(
    "follow",
    (
        css("aria-label 'Follow <name>'", '[aria-label="Follow {name}"]'),
        role("button 'Follow'", "button", "Follow"),
    ),
)

# --- invitation modal --------------------------------------------------------------------------

SEND_WITHOUT_NOTE = Chain(
    "send without a note",
    (
        css("aria-label 'Send without'", 'button[aria-label*="Send without"]'),
        css("text 'Send now'", with_text("button", "Send now")),
        css("aria-label 'Send invitation'", 'button[aria-label*="Send invitation"]'),
        role("button 'Send without a note'", "button", "Send without a note"),
    ),
)
ADD_NOTE = Chain(
    "add a note",
    (
        css("aria-label 'Add a note'", 'button[aria-label*="Add a note"]'),
        css("text 'Add a note'", with_text("button", "Add a note")),
    ),
)
NOTE_TEXT = Chain(
    "invitation note",
    (
        css("textarea message", 'textarea[name="message"]'),
        css("textarea custom-message", "textarea#custom-message"),
        css("dialog textarea", '[role="dialog"] textarea'),
    ),
)
SEND_WITH_NOTE = Chain(
    "send invitation with note",
    (
        css("aria-label 'Send invitation'", 'button[aria-label*="Send invitation"]'),
        css("aria-label 'Send'", 'button[aria-label="Send"]'),
        css("dialog button 'Send'", with_text('[role="dialog"] button', "Send")),
    ),
)
WEEKLY_LIMIT = Chain(
    "weekly invitation limit", (css("fuse limit alert", 'div[class*="ip-fuse-limit-alert__warning"]'),)
)
ERROR_TOAST = Chain(
    "error toast",
    (css("artdeco error toast", 'div[data-test-artdeco-toast-item-type="error"]'),),
)

# --- withdrawing an invitation -------------------------------------------------------------------
# The confirmation after clicking Pending is NOT in the surface doc (docs/withdrawal.md says what is
# relied on and how sure it is): a dialog (role=dialog), confirmed by its button whose name contains
# "Withdraw". Anything else is an unknown shape: captured, never guessed.
WITHDRAW_DIALOG = Chain(
    "withdraw confirmation dialog",
    (
        css("dialog with a Withdraw button", '[role="dialog"]:has(button:has-text("Withdraw"))'),
        css("alertdialog with a Withdraw button", '[role="alertdialog"]:has(button:has-text("Withdraw"))'),
    ),
)
WITHDRAW_CONFIRM = Chain(
    "withdraw confirm",
    (
        role("button named 'Withdraw'", "button", "Withdraw"),
        role("button whose name contains 'Withdraw'", "button", "Withdraw", exact=False),
    ),
)
# The sent-invitations page (`/mynetwork/invitation-manager/sent/`): one card per pending invitation,
# each with a Withdraw control. The card is the one that links to THIS person's profile.
SENT_INVITATION_CARD = Chain(
    "sent invitation card",
    (
        css("list item linking the profile", 'li:has(a[href*="/in/{vanity}/"])'),
        css("card linking the profile", '[class*="invitation-card"]:has(a[href*="/in/{vanity}/"])'),
    ),
)
SENT_INVITATION_WITHDRAW = Chain(
    "sent invitation withdraw",
    (
        css(
            "aria-label 'Withdraw invitation sent to <name>'",
            '[aria-label="Withdraw invitation sent to {name}"]',
        ),
        role("button 'Withdraw'", "button", "Withdraw"),
    ),
)

# --- messaging ---------------------------------------------------------------------------------

# The card's Message control. 2026: a link to /messaging/compose/?profileUrn=<urn> (every state, no
# aria-label); 2022: a button with the visible text "Message" (aria-label on some pages only).
MESSAGE_BUTTON = Chain(
    "message",
    (
        css("compose link with the profile URN", 'a[href*="/messaging/compose/"][href*="profileUrn={urn}"]'),
        # The card's own Message link starts its query with profileUrn; the menu's "Send profile in
        # a message" is a compose link too, but starts with screenContext.
        css("compose link with a profile URN", 'a[href*="/messaging/compose/?profileUrn="]'),
        css("aria-label 'Message <name>'", '[aria-label="Message {name}"]'),
        role("link 'Message'", "link", "Message"),
        role("button 'Message'", "button", "Message"),
    ),
)
MESSAGE_IN_MENU = Chain(
    "message (overflow menu)",
    (css("aria-label '... to message'", '[aria-label$="to message"]', click=True),),
)
# A chat overlay for this person (several overlays can be open at once).
CONVERSATION = Chain(
    "conversation overlay",
    (
        css(
            "overlay bubble with the name", 'div[class*="msg-overlay-conversation-bubble"]:has-text("{name}")'
        ),
        css("dialog with the name", '[role="dialog"]:has-text("{name}")'),
        css("convo wrapper with the name", 'div[class*="msg-convo-wrapper"]:has-text("{name}")'),
    ),
)
MESSAGE_EDITOR = Chain(
    "message editor",
    (
        css("msg-form editable", 'div[class*="msg-form__contenteditable"][contenteditable="true"]'),
        css("msg-form editor", 'div[class*="msg-form__contenteditable"]'),
        css("editable textbox", '[contenteditable="true"][role="textbox"]'),
    ),
)
MESSAGE_SEND = Chain(
    "message send",
    (
        css("msg-form submit", 'button[type="submit"][class*="msg-form"]'),
        css("msg-form send button", 'button[class*="msg-form__send-button"]'),
        role("button 'Send'", "button", "Send"),
    ),
)
NEW_THREAD_INPUT = Chain(
    "recipient typeahead",
    (
        css("msg-connections input", 'input[class^="msg-connections"]'),
        css("typeahead input", 'input[class*="msg-connections-typeahead"]'),
        css("combobox", 'input[role="combobox"]'),
    ),
)
# Premium upsell shown instead of a chat when messaging someone outside the network.
INMAIL_UPSELL = Chain(
    "InMail upsell",
    (
        css("premium upsell dialog", '[role="dialog"][class*="premium-upsell"]'),
        css("dialog mentioning InMail", '[role="dialog"]:has-text("InMail")'),
    ),
)
TYPEAHEAD_ROW = Chain(
    "typeahead result row",
    (
        css("typeahead row", 'div[class*="msg-connections-typeahead__search-result-row"]'),
        css("option", '[role="option"]'),
    ),
)
TYPEAHEAD_ROW_NAME = Chain(
    "typeahead row name",
    (css("result name", '[class*="result-name"]'), css("dt", "dt"), css("name", '[class*="name"]')),
)
TYPEAHEAD_ROW_HEADLINE = Chain(
    "typeahead row headline",
    (
        css("result headline", '[class*="result-headline"]'),
        css("dd", "dd"),
        css("headline", '[class*="headline"]'),
    ),
)

# --- search and discovery ----------------------------------------------------------------------

SEARCH_RESULT_LINK = Chain(
    "search result link",
    (
        css("results container", '.search-results-container li a[href*="/in/"]'),
        css("reusable search result", 'li.reusable-search__result-container a[href*="/in/"]'),
        css("result list", 'ul[role="list"] li a[href*="/in/"]'),
        css("main profile links", 'main a[href*="/in/"]'),
    ),
)
PROFILE_LINK = Chain("profile link", (css("profile link", 'a[href*="/in/"]'),))
SEARCH_NO_RESULTS = Chain(
    "search without results",
    (
        css("no results", '[class*="search-reusable-search-no-results"]'),
        css("no results heading", 'h2:has-text("No results found")'),
    ),
)
# Free accounts hit a monthly commercial-use limit on people search.
SEARCH_LIMIT = Chain(
    "search limit",
    (
        css("paywall", '[class*="search-paywall"]'),
        css("commercial use limit", ':text-matches("commercial use limit", "i")'),
        css("monthly limit", ':text-matches("monthly limit", "i")'),
    ),
)
# The account's own profile, linked from the global nav ("Me") and the feed's identity card.
OWN_PROFILE_LINK = Chain(
    "own profile link",
    (
        css("global nav me link", 'a.global-nav__me[href*="/in/"]'),
        css("global nav me", '.global-nav__me a[href*="/in/"]'),
        css("feed identity", 'a.feed-identity-module__actor-meta[href*="/in/"]'),
    ),
)

# Degree badge texts: what a visible badge says.
FIRST_DEGREE_TEXT = re.compile(r"^\W*1st\b", re.IGNORECASE)
OTHER_DEGREE_TEXT = re.compile(r"^\W*(2nd|3rd)\b", re.IGNORECASE)


# --- conversations (inbox) -----------------------------------------------------------------------
# What the inbox reader relies on (docs/linkedin-messaging.md says where each comes from and how sure
# it is). Plain CSS strings: the reader resolves them in one page.evaluate per page, in order.
# The thread list: links to /messaging/thread/<id>/ (the id is the path segment); the list item's text
# is the change detector (a new last message changes its preview).
INBOX_THREAD_LINKS = ('a[href*="/messaging/thread/"]',)
INBOX_THREAD_ITEM = ("li", '[class*="conversation-listitem"]')
# The thread: the other participant's profile link in the thread's header, then the message events.
THREAD_PARTICIPANT_LINK = (
    '[class*="msg-thread__link-to-profile"][href*="/in/"]',
    'header a[href*="/in/"]',
    '[class*="msg-entity-lockup"] a[href*="/in/"]',
)
THREAD_EVENTS = ("[data-event-urn]", 'li[class*="msg-s-message-list__event"]')
THREAD_EVENT_SENDER = ('[class*="msg-s-message-group__name"]',)
THREAD_EVENT_BODY = ('[class*="msg-s-event-listitem__body"]',)
THREAD_EVENT_TIME = ("time[datetime]",)
THREAD_EVENT_OTHER = '[class*="msg-s-event-listitem--other"]'
