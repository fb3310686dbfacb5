-- One row per invitation sent, its outcome within the window and the person's features: what the
-- acceptance model learns from (openoutreach/ml/acceptance_outcomes.py computes the same rows; the
-- definitions are in its docstring). An invitation is a `connect` action with outcome `ok` for a deal;
-- it is accepted when the deal's next `check_pending` `ok` action (the move to Connected) comes before
-- any later invitation of the deal and within the window (or when the deal's latest invitation ended in
-- Connected, Completed or Replied without one); still Pending inside the window, it is `open` (censored).
with sends as (
    select
        action_id as invitation_id,
        deal_id,
        account_id,
        at_utc as sent_at,
        lead(action_id) over (partition by deal_id order by action_id) as next_invitation_id
    from {{ ref('stg_actions') }}
    where kind = 'connect' and outcome = 'ok' and deal_id is not null
),

accepts as (
    select action_id, deal_id, at_utc
    from {{ ref('stg_actions') }}
    where kind = 'check_pending' and outcome = 'ok'
),

first_accept as (
    select
        s.invitation_id,
        arg_min(a.at_utc, a.action_id) as accepted_at
    from sends as s
    join accepts as a
        on a.deal_id = s.deal_id
        and a.action_id > s.invitation_id
        and (s.next_invitation_id is null or a.action_id < s.next_invitation_id)
    group by s.invitation_id
),

joined as (
    select
        s.invitation_id,
        ds.campaign_id,
        ds.deal_state_id,
        ds.lead_id,
        s.account_id,
        s.sent_at,
        fa.accepted_at,
        s.next_invitation_id is null as latest,
        ds.state,
        ds.score,
        ds.p_fit,
        ds.p_accept
    from sends as s
    join {{ ref('stg_deal_states') }} as ds on ds.deal_id = s.deal_id
    left join first_accept as fa on fa.invitation_id = s.invitation_id
),

decided as (
    select
        *,
        case
            when accepted_at is not null then
                case
                    when accepted_at - sent_at <= to_days(cast({{ var('accept_window_days') }} as integer))
                        then 'accepted'
                    else 'not_accepted'
                end
            when latest and state in ('Connected', 'Completed', 'Replied') then 'accepted'
            when latest and state = 'Pending' then
                case
                    when cast(timezone('UTC', current_timestamp) as timestamp) - sent_at
                        >= to_days(cast({{ var('accept_window_days') }} as integer))
                        then 'not_accepted'
                    else 'open'
                end
            else 'not_accepted'
        end as outcome
    from joined
)

select
    d.invitation_id,
    d.campaign_id,
    d.deal_state_id,
    d.lead_id,
    d.account_id,
    d.sent_at,
    d.accepted_at,
    d.outcome,
    case d.outcome when 'accepted' then 1 when 'not_accepted' then 0 end as accepted,
    d.score,
    d.p_fit,
    d.p_accept,
    p.connection_degree,
    p.distance,
    coalesce(p.seniority, 0) as seniority,
    coalesce(p.has_summary, false) as has_summary,
    coalesce(p.position_count, 0) as position_count,
    coalesce(p.education_count, 0) as education_count,
    p.industry,
    p.country_code
from decided as d
left join {{ ref('stg_lead_profiles') }} as p on p.lead_id = d.lead_id
order by d.invitation_id
