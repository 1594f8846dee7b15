-- Reconciler leases (#13): several instances may share a database, so the
-- instance working on a payment (starting it, or asking the provider about
-- it) holds a lease on its row until lease_until; no other instance works
-- on it before the lease ends or is released. A start holds one from the
-- row's creation, so another instance's start-up pickup never takes a
-- start still waiting for the provider.
ALTER TABLE payments ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN lease_until TEXT;
