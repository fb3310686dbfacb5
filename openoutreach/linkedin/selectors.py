"""Every selector the browser layer uses, as ordered fallback chains (one place to fix when LinkedIn moves).

LinkedIn serves two markup generations at once (the 2026 server-driven UI with hashed classes, and the
older artdeco/pv-top-card markup). Each chain lists the selectors to try in order; the first one that
matches a visible element wins. `{name}` stands for the member's full name: actions on a profile are
scoped to the top card AND to that name, because every profile page also shows other people ("People
also viewed") with their own "Invite <Name> to connect" buttons. Source: the shared linkedin-surface doc.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chain:
    """A named, ordered list of CSS (Playwright dialect) selectors."""

    name: str
    selectors: tuple[str, ...]

    @property
    def needs_name(self) -> bool:
        return any("{name}" in s for s in self.selectors)

    def format(self, **values: str) -> tuple[str, ...]:
        """The selectors with `{name}`-style placeholders filled in, quoted safely for CSS strings."""
        quoted = {k: css_string(v) for k, v in values.items()}
        return tuple(s.format(**quoted) for s in self.selectors)


def with_text(tag: str, text: str) -> str:
    """`tag` whose whole text is `text`, also when the text sits in a child (`<button><span>Send</span>`).

    Playwright's `:text-is()` alone misses a button whose text is inside a span.
    """
    return f'{tag}:is(:text-is("{text}"), :has(:text-is("{text}")))'


def css_string(value: str) -> str:
    """`value` escaped for use inside a double-quoted CSS / Playwright string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


# --- login -------------------------------------------------------------------------------------

LOGIN_USERNAME = Chain(
    "login username", ("input#username", 'input[name="session_key"]', 'input[autocomplete="username"]')
)
LOGIN_PASSWORD = Chain(
    "login password", ("input#password", 'input[name="session_password"]', 'input[type="password"]')
)
LOGIN_SUBMIT = Chain(
    "login submit",
    ('button[type="submit"]', 'button[data-litms-control-urn="login-submit"]', 'input[type="submit"]'),
)
PAGE_HEADING = Chain("page heading", ("h1", '[role="heading"][aria-level="1"]', "h2"))
LOGIN_ERROR = Chain(
    "login error",
    ("#error-for-password", "#error-for-username", '[role="alert"]', ".alert-content", ".form__label--error"),
)

# --- profile top card ------------------------------------------------------------------------

TOP_CARD = Chain(
    "top card",
    (
        # 2026 server-driven UI: the card keyed com.linkedin.sdui.profile.card.ref<profile-id>Topcard.
        '[componentkey^="com.linkedin.sdui.profile.card.ref"][componentkey$="Topcard"]',
        # Older markup, in the order the surface doc gives.
        "section:has(div.top-card-background-hero-image)",
        "section[data-member-id]",
        "section.artdeco-card:has(> div.pv-top-card)",
        'section:has(> div[class*="pv-top-card"])',
    ),
)
TOP_CARD_NAME = Chain("top card name", ("h1", '[role="heading"][aria-level="1"]', "h2"))

CONNECT = Chain(
    "connect",
    (
        'button[aria-label="Invite {name} to connect"]',
        'div[role="button"][aria-label="Invite {name} to connect"]',
        '[aria-label="Invite {name} to connect"]',
    ),
)
MORE = Chain(
    "more actions",
    (
        'button[aria-label*="More"]',
        '[role="button"][aria-label*="More"]',
        'button[id*="overflow"]',
        '[id*="overflow"][aria-haspopup]',
        '[id*="overflow"]',
    ),
)
# Where an opened overflow menu renders its items (inside the card, or as a portal on the page).
OPEN_MENU = Chain(
    "open menu",
    ('[role="menu"]', "div.artdeco-dropdown__content--is-open", "div.artdeco-dropdown__content"),
)
PENDING = Chain(
    "pending invitation",
    (
        '[aria-label="Pending, click to withdraw invitation sent to {name}"]',
        '[aria-label^="Pending, click to withdraw invitation"]',
        with_text("button", "Pending"),
        with_text("a", "Pending"),
        ':text-is("Pending")',
    ),
)
FIRST_DEGREE = Chain(
    "1st degree",
    (
        'span.dist-value:text-is("1st")',
        ':text-matches("^[·\\\\s]*1st( degree)?( connection)?\\\\s*$", "i")',
    ),
)

# --- invitation modal --------------------------------------------------------------------------

SEND_WITHOUT_NOTE = Chain(
    "send without a note",
    (
        'button[aria-label*="Send without"]',
        with_text("button", "Send now"),
        'button[aria-label*="Send invitation"]',
    ),
)
ADD_NOTE = Chain("add a note", ('button[aria-label*="Add a note"]', with_text("button", "Add a note")))
NOTE_TEXT = Chain(
    "invitation note", ('textarea[name="message"]', "textarea#custom-message", '[role="dialog"] textarea')
)
SEND_WITH_NOTE = Chain(
    "send invitation with note",
    (
        'button[aria-label*="Send invitation"]',
        'button[aria-label="Send"]',
        with_text('[role="dialog"] button', "Send"),
    ),
)
WEEKLY_LIMIT = Chain("weekly invitation limit", ('div[class*="ip-fuse-limit-alert__warning"]',))
ERROR_TOAST = Chain("error toast", ('div[data-test-artdeco-toast-item-type="error"]',))

# --- messaging ---------------------------------------------------------------------------------

MESSAGE_BUTTON = Chain(
    "message",
    (
        'button[aria-label="Message {name}"]',
        '[role="button"][aria-label="Message {name}"]',
        'a[aria-label="Message {name}"]',
        'button[aria-label*="Message"]',
        'a[aria-label*="Message"]',
    ),
)
MESSAGE_IN_MENU = Chain(
    "message (overflow menu)", ('div[aria-label$="to message"]', '[aria-label$="to message"]')
)
# A chat overlay for this person (several overlays can be open at once).
CONVERSATION = Chain(
    "conversation overlay",
    (
        'div[class*="msg-overlay-conversation-bubble"]:has-text("{name}")',
        '[role="dialog"]:has-text("{name}")',
        'div[class*="msg-convo-wrapper"]:has-text("{name}")',
    ),
)
MESSAGE_EDITOR = Chain(
    "message editor",
    (
        'div[class*="msg-form__contenteditable"][contenteditable="true"]',
        'div[class*="msg-form__contenteditable"]',
        '[contenteditable="true"][role="textbox"]',
    ),
)
MESSAGE_SEND = Chain(
    "message send",
    (
        'button[type="submit"][class*="msg-form"]',
        'button[class*="msg-form__send-button"]',
        with_text("button", "Send"),
    ),
)
NEW_THREAD_INPUT = Chain(
    "recipient typeahead",
    (
        'input[class^="msg-connections"]',
        'input[class*="msg-connections-typeahead"]',
        'input[role="combobox"]',
    ),
)
# Premium upsell shown instead of a chat when messaging someone outside the network.
INMAIL_UPSELL = Chain(
    "InMail upsell", ('[role="dialog"][class*="premium-upsell"]', '[role="dialog"]:has-text("InMail")')
)
TYPEAHEAD_ROW = Chain(
    "typeahead result row",
    ('div[class*="msg-connections-typeahead__search-result-row"]', '[role="option"]'),
)

TYPEAHEAD_ROW_NAME = Chain("typeahead row name", ('[class*="result-name"]', "dt", '[class*="name"]'))
TYPEAHEAD_ROW_HEADLINE = Chain(
    "typeahead row headline", ('[class*="result-headline"]', "dd", '[class*="headline"]')
)

# --- search and discovery ----------------------------------------------------------------------

SEARCH_RESULT_LINK = Chain(
    "search result link",
    (
        '.search-results-container li a[href*="/in/"]',
        'li.reusable-search__result-container a[href*="/in/"]',
        'ul[role="list"] li a[href*="/in/"]',
        'main a[href*="/in/"]',
    ),
)
PROFILE_LINK = Chain("profile link", ('a[href*="/in/"]',))
SEARCH_NO_RESULTS = Chain(
    "search without results",
    ('[class*="search-reusable-search-no-results"]', 'h2:has-text("No results found")'),
)
# Free accounts hit a monthly commercial-use limit on people search.
SEARCH_LIMIT = Chain(
    "search limit",
    (
        '[class*="search-paywall"]',
        ':text-matches("commercial use limit", "i")',
        ':text-matches("monthly limit", "i")',
    ),
)
# The account's own profile, linked from the global nav ("Me") and the feed's identity card.
OWN_PROFILE_LINK = Chain(
    "own profile link",
    (
        'a.global-nav__me[href*="/in/"]',
        '.global-nav__me a[href*="/in/"]',
        'a.feed-identity-module__actor-meta[href*="/in/"]',
    ),
)
