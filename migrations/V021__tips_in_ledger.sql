-- Tips join the ledger (ARCHITECTURE §5: every movement of an artist's
-- money is a ledger row): tips paid before this version are recorded as
-- they would be now — the whole, less the platform's fee — in micro-units
-- (minor units × 10^(6 − the currency's exponent)).
INSERT INTO ledger_entries (artist_id, source, reference, share_key, collaborator_user_id, basis_points, description,
                            gross_micros, fee_micros, net_micros, currency, occurred_at, created_at)
SELECT t.artist_id, 'tip', 'tip:' || t.uid, 'artist', a.user_id, 10000, 'Tip on a Bop',
       t.amount_minor * s.per_minor, t.fee_minor * s.per_minor, (t.amount_minor - t.fee_minor) * s.per_minor,
       t.currency, t.succeeded_at, t.succeeded_at
FROM bops_tips t
JOIN artist_profiles a ON a.id = t.artist_id
JOIN (SELECT t2.id,
             CASE
                 WHEN t2.currency IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX',
                                      'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN 1000000
                 WHEN t2.currency IN ('BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND') THEN 1000
                 ELSE 10000
             END AS per_minor
      FROM bops_tips t2) s ON s.id = t.id
WHERE t.status = 'succeeded'
ON CONFLICT (reference, share_key) DO NOTHING;
