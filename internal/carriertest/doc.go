// Package carriertest holds test helpers that check carrier adapters against
// independent oracles: Twilio's own OpenAPI definition served by a validating
// mock (Prism) and the npm twilio package's webhook signer. The Node tools live
// in the repository's tools/ directory and are installed on first use.
package carriertest
