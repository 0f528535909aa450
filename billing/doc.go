// Package billing is Switchboard's prepaid ledger: money in integer minor
// units, rate tables by destination prefix, plans with allowances, and
// reservations checked before a carrier is called. It knows no carrier,
// XMPP or call: callers describe ratable events (Event) and act on the
// decisions (Decision) it returns. README.md in this folder is its
// manual: concepts, settings and guarantees.
//
// Key layout in Redis (prefix "sb:" by default). An account's keys share
// the hash tag {bl:<account>} (the id with %, { and } escaped), so every
// script runs on one slot of Redis Cluster:
//
//	sb:{bl:<account>}:acct    hash    balance, reserved, plan, period, state, allowances
//	sb:{bl:<account>}:holds   hash    <kind>:<id> -> reservation in flight
//	sb:{bl:<account>}:hexp    zset    <kind>:<id> by the reservation's expiry
//	sb:{bl:<account>}:posted  hash    <kind>:<id> -> posting's stream id (applied once)
//	sb:{bl:<account>}:log     stream  postings by time: kind, amount, balance, prefix, note, ref
//	sb:{bl}:due               zset    accounts by plan renewal time (a guide for the scheduler)
//	sb:{bl}:accounts          set     every account opened
//
// The two index keys are written after the account's own script, outside
// it; they can only lag, and Renew decides from the account itself.
package billing
