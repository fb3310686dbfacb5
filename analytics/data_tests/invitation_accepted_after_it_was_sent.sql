-- An invitation cannot be accepted before it was sent (mart_connection_accepted): rows returned fail.
select invitation_id, sent_at, accepted_at
from {{ ref('mart_connection_accepted') }}
where accepted_at is not null and accepted_at < sent_at
