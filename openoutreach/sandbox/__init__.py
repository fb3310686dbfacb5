"""The sandbox: a LinkedIn + LLM stand-in over real HTTP, for tests and the demo. Never used in production.

Production code only points its LinkedIn base URL and LLM base URL at it; no production path knows it
exists. Built from shared/docs/linkedin-surface.md, like the browser layer, so they agree by construction.

Run by hand:
    python -m openoutreach.sandbox serve --port 8765 --people 500 --seed 7 --scenario devops \
        [--host 127.0.0.1] [--clock-speed 1.0] [--llm-noise 0.0] [--markup-share 2026=0.6,2022=0.3,older=0.1] \
        [--voyager-graphql-share 0.3] [--voyager-graphql-query-id voyagerIdentityDashProfiles.<hash>]
It binds to loopback by default and prints exactly one line `sandbox listening on http://127.0.0.1:P`
when ready. Scenarios: files in `scenarios/` (devops, healthcare_staffing).

Accounts (fixed credentials; each has its own profile/public id, 1st-degree network, weekly limit):
    alice@sandbox.test / alice-pass   (public id alice-anders-sandbox, time zone UTC)
    bob@sandbox.test   / bob-pass     (bob-brenner-sandbox, America/New_York)
    carol@sandbox.test / carol-pass   (carol-castillo-sandbox, Europe/Berlin)
    dave@sandbox.test  / dave-pass    always lands on /checkpoint/challenge/... (security check)
A wrong password stays on /login with `#error-for-password`; an unknown email with `#error-for-username`.
Login sets `li_at` (HttpOnly) and `JSESSIONID` (value in double quotes: `"ajax:<digits>"`).

Tests: `openoutreach.sandbox.testing` has `SandboxProcess` (subprocess on a free loopback port,
`.base_url`, `.control`), `SandboxControl` (reset, set_faults/clear_faults, set_clock_speed, advance,
snapshot, accounts, update_account, person, people, request_log, bot_signals) and the pytest fixtures
`sandbox_server` (session: 500 people, seed 7, devops) and `sandbox` (function: reset first).

Surface (paths relative to the base URL):
- /login (POST the same path), /checkpoint/challenge/<token>, /m/logout/, /feed/, /404/.
- /in/<public_id>/ in three markup generations, one per person (`--markup-share`, default
  2026=0.6,2022=0.3,older=0.1; the `markup` fault forces one), as linkedin-surface.md "Profile page" says:
  2026: hashed classes, no ember ids, `componentkey` cards `com.linkedin.sdui.profile.card.ref<profile-id>
  Topcard|About|Activity`, `profileCardsAboveActivity<id>`, `profileCardsBelowActivityPart1<id>`, UUID
  componentkeys on controls; name in an `h2` inside a link; "· 1st/2nd/3rd" `<p>` badges plus alternates
  in a wrapper app.css hides; Follow `button[aria-label="Follow <Name>"]`, Message
  `a[href^="/messaging/compose/?profileUrn=urn%3Ali%3Afsd_profile%3A<id>"]` (no aria-label), More
  `button[type=button][aria-expanded]` named only by its text, opening ONE `div[popover=manual]` at the
  end of <body> whose items are `a[role=menuitem]` (Connect: `href^="/preload/custom-invite/?vanityName=
  <id>"` around `div[aria-label="Invite <Name> to connect"]`); Connect in the card for `connect_style`
  "direct" people; Pending `a[aria-label="Pending, click to withdraw invitation sent to <Name>"]`; bell
  `a[aria-label="Manage notifications about <Name>"]` when connected; "Edit intro" on your own page.
  2022: one of the four documented `section` top cards, `h1`, ember ids, `button[aria-label="More
  actions"]` with a dropdown in the card whose Connect is named only by a visually hidden span,
  Message `button` without aria-label on some pages, `span.dist-value`. Older: `section.pv-top-card-
  section`, `h1.pv-top-card-section__name`, `button.pv-s-profile-actions--connect`, plain Message and
  Pending buttons, no menu, the Voyager JSON in `<code id="bpr-guid-N">`. Sidebars and search results
  carry OTHER people's "Invite <Name> to connect" / "Follow <Name>" / Message controls, namesakes of
  the viewed person first. /messaging/compose/?profileUrn=.. and /preload/custom-invite/?vanityName=..
  serve the same flows when those links are followed as links.
- Connect modal: `button[aria-label="Send without a note"]`, a button with text "Send now", or
  `button[aria-label="Send invitation"]` (also after "Add a note": `textarea#custom-message`). Weekly
  limit: `div.ip-fuse-limit-alert__warning` instead of sending. Errors:
  `div[data-test-artdeco-toast-item-type="error"]`; success toasts have type "success".
- Message overlay: `div.msg-form__contenteditable[contenteditable]` + `button[type=submit].msg-form__send-button`
  (disabled until there is text). /messaging/thread/new/: `input.msg-connections-typeahead__search-field`,
  rows `div.msg-connections-typeahead__search-result-row` (name in `dt`, headline in `dd`; oldest
  connections first, with namesakes in every network), then the same editor. /messaging/,
  /messaging/thread/2-<profile-id>/.
- /search/results/people/?keywords=..&page=n: 10 per page, `li.reusable-search__result-container`,
  links `/in/<percent-encoded id>/?miniProfileUrn=...` (some ids are non-ASCII); at most 100 pages.
- /mynetwork/invitation-manager/sent/ (pending, Withdraw), /mynetwork/invite-connect/connections/
  (newest first, 40 per page, `?page=`).
- Voyager: GET /voyager/api/identity/dash/profiles?q=memberIdentity&memberIdentity=<public id|profile id|me>
  &decorationId=com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91 with
  `csrf-token` == JSESSIONID without quotes. 401 dead/missing session, 403 CSRF mismatch or private
  profile, 404 unknown, 429/999/500 by fault, 410 for an account whose `voyager_rest_gone` fault is on.
  Shape and variants: see `voyager.py`. A pending invitation shows as
  `noConnection.invitationUnion.invitation.invitationState == "PENDING"`; none as `noInvitation`; own
  profile as `self`. A share of people (`--voyager-graphql-share`, default 0.3, stable per person)
  get the GraphQL shape on this path too (see `voyager_graphql.py`).
- Voyager GraphQL: GET /voyager/api/graphql?variables=(vanityName:<public id>)|(memberIdentity:<profile
  id>)&queryId=<current id> (`--voyager-graphql-query-id`, shown by /_sandbox/health); any other
  queryId answers 400 `{"status": 400, "code": "stale_query_id"}` (the sandbox's assumption: the doc
  does not say what LinkedIn answers to a stale id).
- Actions the pages' script posts (csrf-checked): voyagerRelationshipsDashMemberRelationships
  (?action=verifyQuotaAndCreateV2), voyagerRelationshipsDashInvitations (?action=withdraw),
  voyagerMessagingDashMessengerMessages (?action=createMessage), voyagerMessagingDashTypeahead.
  Every page also posts telemetry (navigator.webdriver, user agent...) to /li/track.
- LLM stand-in (`llm.py`, mounted when importable): GET /v1/models, POST /v1/chat/completions.
- Control API under /_sandbox/ (loopback only): see `control.py`. Faults: see `faults.py`.
  Bot signals: see `signals.py`. Dynamics and rules: see `world.py`.

Clock: sandbox time = start + real elapsed * clock speed (start = real time at launch or reset);
acceptances and replies fall due on that clock; the weekly limit is a rolling 7 sandbox days.
Never key production selectors on element ids or on anything not in linkedin-surface.md.
"""
