-- DealState.state is a copy of the CRM deal's stage, written in the same transaction by every
-- transition (openoutreach.pipeline.transitions). A row here means the two disagree.
select ds.deal_state_id, ds.deal_id, ds.state, d.stage_name
from {{ ref('stg_deal_states') }} as ds
join {{ ref('stg_deals') }} as d on d.deal_id = ds.deal_id
where d.stage_name is distinct from ds.state
