-- Where the people of each campaign are now: one count per state, each person in exactly one state.
--
-- Discovered and enriched people are a workspace pool every campaign draws from (labels are per
-- campaign), so those counts are "in the pool, not yet decided for this campaign". From qualification
-- on the counts are the campaign's own: its labels, and the CRM stage of its deals.
--   discovered    URL only (not enriched, not unavailable), no decision for this campaign
--   enriched      profile fetched, no decision yet (labels awaiting review included: see needs_review)
--   qualified     fits: a deal at New, or a "fits" label whose deal is not created yet
--   disqualified  does not fit (label 0, no deal)
--   pending / connected / completed / replied / failed   the CRM stage of the campaign's deal
-- `unavailable` (private or deleted profiles) sits outside every state.
with campaigns as (
    select * from {{ ref('stg_campaigns') }}
),

deals as (
    select ds.campaign_id, ds.lead_id, d.stage_name
    from {{ ref('stg_deal_states') }} as ds
    join {{ ref('stg_deals') }} as d on d.deal_id = ds.deal_id
),

deal_counts as (
    select
        campaign_id,
        count(*) filter (where stage_name = 'New') as at_new,
        count(*) filter (where stage_name = 'Pending') as pending,
        count(*) filter (where stage_name = 'Connected') as connected,
        count(*) filter (where stage_name = 'Completed') as completed,
        count(*) filter (where stage_name = 'Replied') as replied,
        count(*) filter (where stage_name = 'Failed') as failed
    from deals
    group by campaign_id
),

label_counts as (
    -- labels of people who have no deal in the campaign yet
    select
        q.campaign_id,
        count(*) filter (where q.label = 1) as fits_without_deal,
        count(*) filter (where q.label = 0) as disqualified,
        count(*) filter (where q.label is null) as needs_review
    from {{ ref('stg_qualifications') }} as q
    where not exists (
        select 1 from deals as d where d.campaign_id = q.campaign_id and d.lead_id = q.lead_id
    )
    group by q.campaign_id
),

undecided_pool as (
    -- everyone seen, minus those with a deal or a decided label in this campaign
    select c.campaign_id, p.is_enriched, p.is_available
    from campaigns as c
    cross join {{ ref('stg_profiles') }} as p
    where not exists (
        select 1 from deals as d where d.campaign_id = c.campaign_id and d.lead_id = p.lead_id
    )
    and not exists (
        select 1 from {{ ref('stg_qualifications') }} as q
        where q.campaign_id = c.campaign_id and q.lead_id = p.lead_id and q.label is not null
    )
),

pool_counts as (
    select
        campaign_id,
        count(*) filter (where is_available and not is_enriched) as discovered,
        count(*) filter (where is_available and is_enriched) as enriched,
        count(*) filter (where not is_available) as unavailable
    from undecided_pool
    group by campaign_id
)

select
    c.campaign_id,
    c.campaign_name,
    c.active,
    coalesce(p.discovered, 0) as discovered,
    coalesce(p.enriched, 0) as enriched,
    coalesce(dc.at_new, 0) + coalesce(l.fits_without_deal, 0) as qualified,
    coalesce(l.disqualified, 0) as disqualified,
    coalesce(dc.pending, 0) as pending,
    coalesce(dc.connected, 0) as connected,
    coalesce(dc.completed, 0) as completed,
    coalesce(dc.replied, 0) as replied,
    coalesce(dc.failed, 0) as failed,
    coalesce(l.needs_review, 0) as needs_review,
    coalesce(p.unavailable, 0) as unavailable
from campaigns as c
left join pool_counts as p on p.campaign_id = c.campaign_id
left join deal_counts as dc on dc.campaign_id = c.campaign_id
left join label_counts as l on l.campaign_id = c.campaign_id
order by c.campaign_id
