-- The label's money page (issue 15 item 5): plans paid are the platform's
-- income in the ledger; and the ledger summed per month (UTC), artist,
-- currency and source, kept by triggers in the same transaction as every
-- ledger row, so the page reads a few rows per artist and month instead of
-- summing every ledger row of a year on each visit (1.2 million rows took
-- seconds). Derived data: exactly the sums of `ledger_entries`, whoever
-- writes them.
CREATE TABLE ledger_months (
    month TEXT NOT NULL,
    artist_id INTEGER NOT NULL,
    currency TEXT NOT NULL,
    source TEXT NOT NULL,
    entries INTEGER NOT NULL,
    gross_micros INTEGER NOT NULL,
    fee_micros INTEGER NOT NULL,
    net_micros INTEGER NOT NULL,
    PRIMARY KEY (month, artist_id, currency, source)
) STRICT, WITHOUT ROWID;

-- Plans paid before this version join the ledger as they are recorded now
-- (identity's record_plan_paid): nothing gross, the price as the platform's
-- fee, the artist's net negative, in micro-units (minor units × 10^(6 − the
-- currency's exponent), as V021 did for tips).
INSERT INTO ledger_entries (artist_id, source, reference, share_key, collaborator_user_id, basis_points, description,
                            gross_micros, fee_micros, net_micros, currency, occurred_at, created_at)
SELECT c.artist_id, 'subscription', 'subscription:' || c.checkout_ref, 'artist', a.user_id, 10000, c.tier || ' plan',
       0, c.amount_minor * s.per_minor, -c.amount_minor * s.per_minor, c.currency, c.completed_at, c.completed_at
FROM subscription_checkouts c
JOIN artist_profiles a ON a.id = c.artist_id
JOIN (SELECT c2.checkout_ref,
             CASE
                 WHEN c2.currency IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX',
                                      'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN 1000000
                 WHEN c2.currency IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND') THEN 1000
                 ELSE 10000
             END AS per_minor
      FROM subscription_checkouts c2) s ON s.checkout_ref = c.checkout_ref
WHERE c.completed_at IS NOT NULL
ON CONFLICT (reference, share_key) DO NOTHING;

INSERT INTO ledger_months (month, artist_id, currency, source, entries, gross_micros, fee_micros, net_micros)
SELECT strftime('%Y-%m', occurred_at / 1000, 'unixepoch'), artist_id, currency, source, COUNT(*), SUM(gross_micros),
       SUM(fee_micros), SUM(net_micros)
FROM ledger_entries
GROUP BY 1, 2, 3, 4;

CREATE TRIGGER ledger_months_insert AFTER INSERT ON ledger_entries
BEGIN
    INSERT INTO ledger_months (month, artist_id, currency, source, entries, gross_micros, fee_micros, net_micros)
    VALUES (strftime('%Y-%m', NEW.occurred_at / 1000, 'unixepoch'), NEW.artist_id, NEW.currency, NEW.source, 1,
            NEW.gross_micros, NEW.fee_micros, NEW.net_micros)
    ON CONFLICT (month, artist_id, currency, source) DO UPDATE SET
        entries = entries + 1,
        gross_micros = gross_micros + excluded.gross_micros,
        fee_micros = fee_micros + excluded.fee_micros,
        net_micros = net_micros + excluded.net_micros;
END;

-- The ledger is append-only today; should a row ever be removed or
-- corrected, the sums follow.
CREATE TRIGGER ledger_months_delete AFTER DELETE ON ledger_entries
BEGIN
    UPDATE ledger_months SET entries = entries - 1, gross_micros = gross_micros - OLD.gross_micros,
        fee_micros = fee_micros - OLD.fee_micros, net_micros = net_micros - OLD.net_micros
    WHERE month = strftime('%Y-%m', OLD.occurred_at / 1000, 'unixepoch') AND artist_id = OLD.artist_id
      AND currency = OLD.currency AND source = OLD.source;
    DELETE FROM ledger_months
    WHERE month = strftime('%Y-%m', OLD.occurred_at / 1000, 'unixepoch') AND artist_id = OLD.artist_id
      AND currency = OLD.currency AND source = OLD.source AND entries = 0;
END;

CREATE TRIGGER ledger_months_update
AFTER UPDATE OF artist_id, source, gross_micros, fee_micros, net_micros, currency, occurred_at ON ledger_entries
BEGIN
    UPDATE ledger_months SET entries = entries - 1, gross_micros = gross_micros - OLD.gross_micros,
        fee_micros = fee_micros - OLD.fee_micros, net_micros = net_micros - OLD.net_micros
    WHERE month = strftime('%Y-%m', OLD.occurred_at / 1000, 'unixepoch') AND artist_id = OLD.artist_id
      AND currency = OLD.currency AND source = OLD.source;
    DELETE FROM ledger_months
    WHERE month = strftime('%Y-%m', OLD.occurred_at / 1000, 'unixepoch') AND artist_id = OLD.artist_id
      AND currency = OLD.currency AND source = OLD.source AND entries = 0;
    INSERT INTO ledger_months (month, artist_id, currency, source, entries, gross_micros, fee_micros, net_micros)
    VALUES (strftime('%Y-%m', NEW.occurred_at / 1000, 'unixepoch'), NEW.artist_id, NEW.currency, NEW.source, 1,
            NEW.gross_micros, NEW.fee_micros, NEW.net_micros)
    ON CONFLICT (month, artist_id, currency, source) DO UPDATE SET
        entries = entries + 1,
        gross_micros = gross_micros + excluded.gross_micros,
        fee_micros = fee_micros + excluded.fee_micros,
        net_micros = net_micros + excluded.net_micros;
END;
