-- Who decided each campaign's labels: the LLM, or the model/rules on their own (the active learner
-- should ask the LLM less as labels grow), plus the LLM calls and tokens the campaign's ActionLog recorded.
with q as (
    select * from {{ ref('stg_qualifications') }}
),

by_campaign as (
    select
        campaign_id,
        count(*) as decisions,
        count(*) filter (where source = 'llm') as by_llm,
        count(*) filter (where is_automatic) as automatic,
        count(*) filter (where source = 'model') as by_model,
        count(*) filter (where source = 'rule') as by_rule,
        count(*) filter (where source = 'operator') as by_operator,
        count(*) filter (where decision = 'fits') as fits,
        count(*) filter (where decision = 'does_not_fit') as does_not_fit,
        count(*) filter (where decision = 'needs_review') as needs_review
    from q
    group by campaign_id
),

llm_calls as (
    select campaign_id, count(*) as llm_calls, sum(tokens) as llm_tokens
    from {{ ref('stg_actions') }}
    where kind = 'llm'
    group by campaign_id
)

select
    c.campaign_id,
    c.campaign_name,
    coalesce(b.decisions, 0) as decisions,
    coalesce(b.by_llm, 0) as by_llm,
    coalesce(b.automatic, 0) as automatic,
    coalesce(b.by_model, 0) as by_model,
    coalesce(b.by_rule, 0) as by_rule,
    coalesce(b.by_operator, 0) as by_operator,
    case when b.by_llm + b.automatic > 0 then round(b.by_llm / (b.by_llm + b.automatic), 3) end as llm_share,
    coalesce(b.fits, 0) as fits,
    coalesce(b.does_not_fit, 0) as does_not_fit,
    coalesce(b.needs_review, 0) as needs_review,
    coalesce(l.llm_calls, 0) as llm_calls,
    coalesce(l.llm_tokens, 0) as llm_tokens
from {{ ref('stg_campaigns') }} as c
left join by_campaign as b on b.campaign_id = c.campaign_id
left join llm_calls as l on l.campaign_id = c.campaign_id
order by c.campaign_id
