-- Reconciler leases (#13), the twin of migrations/sqlite/0005_leases.sql:
-- the instance working on a payment holds a lease on its row until
-- lease_until; claims skip rows under a live lease.
ALTER TABLE payments ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN lease_until TEXT COLLATE "C";
