-- Caps are enforced at dispatch and re-checked in the browser worker: an account above its daily cap
-- means a safety bug (or limits lowered during the day). Warn, do not fail the build.
{{ config(severity='warn') }}
select account_id, handle, local_day, kind, actions_ok, daily_cap
from {{ ref('account_daily_actions') }}
where over_cap
