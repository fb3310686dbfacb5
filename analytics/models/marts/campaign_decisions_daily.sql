-- The same split per UTC day: the trend shows whether the model takes over from the LLM.
select
    q.campaign_id,
    c.campaign_name,
    cast(q.at_utc as date) as day,
    count(*) as decisions,
    count(*) filter (where q.source = 'llm') as by_llm,
    count(*) filter (where q.is_automatic) as automatic,
    count(*) filter (where q.source = 'operator') as by_operator
from {{ ref('stg_qualifications') }} as q
join {{ ref('stg_campaigns') }} as c on c.campaign_id = q.campaign_id
group by q.campaign_id, c.campaign_name, cast(q.at_utc as date)
order by q.campaign_id, day
