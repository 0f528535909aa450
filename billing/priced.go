package billing

// Priced reports whether kind toward remote costs anything: the call
// bridge asks it before metering an inbound call, which costs nothing
// unless the rate table prices it (and then must not be refused for an
// account that could not pay for nothing).
func (t *Tariff) Priced(kind Kind, remote string) bool {
	p, ok := t.Price(kind, remote)
	return ok && p.Unit > 0
}

// Priced reports whether the ledger's rates charge for kind toward
// remote (Tariff.Priced).
func (l *Ledger) Priced(kind Kind, remote string) bool { return l.cfg.tariff.Priced(kind, remote) }
