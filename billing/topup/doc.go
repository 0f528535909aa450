// Package topup lets users top up their prepaid balance through Stripe
// Checkout: TopUp opens a Checkout Session for one of the configured
// amounts and returns its payment page; Handler is the webhook that
// credits the ledger when Stripe's signed event says the session was
// paid, with the amount Stripe reports, once per session.
//
// The ledger (package billing) knows nothing of Stripe: this package
// depends on it, never the reverse.
package topup
