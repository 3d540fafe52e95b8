-- No query reads payments by (purpose, reference): every lookup goes by
-- provider_ref. The index only cost each payment (tip, order, plan) a write
-- to a random page of it, inside the commit that starts the payment.
DROP INDEX payments_purpose;
