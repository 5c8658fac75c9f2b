-- The insurance lists the verification worklist joins, copied from the PMS and kept current
-- (services/pms/plan_cache.py): PatPlans, InsSubs, InsPlans, Carriers and the eligibility
-- verifications, one row per record with only the fields the worklist uses (an InsSub's
-- SubscriberID is PHI: inside the encrypted database only, read through the PHI gateway).
-- Where each list stands (its SecDateTEdit position, when it was last read whole) is in
-- pms_sync, under the list's path.
CREATE TABLE pms_plan_rows (
    list TEXT NOT NULL,
    num INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (list, num)
) WITHOUT ROWID;
