-- One row per LinkedIn account: limits and warm-up, never the login or the encrypted secrets.
select
    id as account_id,
    handle,
    active,
    status,
    connect_daily_limit,
    connect_weekly_limit,
    followup_daily_limit,
    enrich_daily_limit,
    withdraw_daily_limit,
    time_zone,
    warmup_started_on,
    warmup_days,
    warmup_start_fraction,
    {{ utc('created_at') }} as created_at
from {{ source('crm', 'outreach_linkedinaccount') }}
