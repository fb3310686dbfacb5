-- Actions per account, per local day (the account's own time zone, as caps count them), per kind,
-- against that day's cap. Only actions that reached LinkedIn (outcome ok) use the cap; the others are
-- counted beside it. The cap is today's limit on the account (limits are not versioned) scaled by the
-- warm-up ramp of that day, the same arithmetic as openoutreach.safety.caps.daily_cap.
with actions as (
    select
        a.account_id,
        acc.handle,
        a.kind,
        a.reached_linkedin,
        cast(timezone(acc.time_zone, a.at_utc at time zone 'UTC') as date) as local_day
    from {{ ref('stg_actions') }} as a
    join {{ ref('stg_accounts') }} as acc on acc.account_id = a.account_id
),

per_day as (
    select
        account_id,
        handle,
        local_day,
        kind,
        count(*) filter (where reached_linkedin) as actions_ok,
        count(*) filter (where not reached_linkedin) as actions_not_ok
    from actions
    group by account_id, handle, local_day, kind
),

with_limits as (
    select
        d.*,
        case d.kind
            when 'connect' then acc.connect_daily_limit
            when 'follow_up' then acc.followup_daily_limit
            when 'enrich' then acc.enrich_daily_limit
            when 'withdraw' then acc.withdraw_daily_limit
        end as daily_limit,
        case
            when acc.warmup_started_on is null or acc.warmup_days = 0 then 1.0
            when d.local_day - acc.warmup_started_on >= acc.warmup_days then 1.0
            else acc.warmup_start_fraction
                + (1.0 - acc.warmup_start_fraction)
                * greatest(d.local_day - acc.warmup_started_on, 0) / acc.warmup_days
        end as warmup_fraction
    from per_day as d
    join {{ ref('stg_accounts') }} as acc on acc.account_id = d.account_id
),

with_caps as (
    select
        *,
        case
            when kind in ('connect', 'follow_up') and daily_limit > 0
                then greatest(1, cast(floor(daily_limit * warmup_fraction) as integer))
            else daily_limit
        end as daily_cap
    from with_limits
)

select
    account_id,
    handle,
    local_day,
    kind,
    actions_ok,
    actions_not_ok,
    daily_limit,
    daily_cap,
    case when daily_cap > 0 then round(actions_ok / daily_cap, 3) end as cap_used,
    coalesce(actions_ok > daily_cap, false) as over_cap
from with_caps
order by account_id, local_day, kind
