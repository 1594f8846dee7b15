// Package app is Linkdesk's core: every operation the dashboard, the CLI and
// the background workers perform (links, QR payments, users and sessions,
// the audit trail), with its rules and its transaction.
//
// It knows nothing of HTTP, HTML or SQL. It declares what it needs from the
// outside in small interfaces (Store for storage, LinkProvider and
// PaymentProvider for Craftgate and Paywall); package store adapts a SQL
// database to Store and package providers adapts craftclient to the
// provider interfaces. Errors it returns carry a Code and a catalog key
// (*Error), so every caller can show them in the person's language.
//
// One operation is one transaction: whatever it changes (a payment's status,
// its audit row and the callback that caused it; a user change and its audit
// row) commits together or not at all. Calls to a provider never run inside a
// transaction; an operation that moves money writes its intent first, calls
// the provider, then records the outcome, and the reconciler finishes
// intents a crash left behind.
package app
