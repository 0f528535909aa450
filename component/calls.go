package component

import (
	"context"

	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"github.com/switchboard-gw/switchboard/jingle"
)

// Calls handles voice signalling addressed to number JIDs; package voice
// implements it. Both methods run on the conversation's worker, so they must
// not block on the network for long.
type Calls interface {
	// Jingle handles an IQ set carrying <jingle/>; a nil return sends the
	// IQ result, an error is sent back as the IQ's error.
	Jingle(ctx context.Context, from, to jid.JID, j *jingle.Jingle) *stanza.Error
	// JMI handles an XEP-0353 message (propose, proceed, retract, …).
	JMI(ctx context.Context, from, to jid.JID, id string, m jingle.JMI)
}

// SetCalls enables voice: number JIDs advertise Jingle in disco and caps,
// the gateway adds the gateway/pstn identity, and Jingle and JMI stanzas go
// to calls. Call it before Run.
func (c *Component) SetCalls(calls Calls) {
	c.calls = calls
	c.numberInfo = newEntity([]identity{numberIdentity}, append(append([]string{}, numberFeatures...), jingle.Features...))
	c.gatewayInfo = newEntity(gatewayIdentities(c.set.Name, true), c.gatewayFeatureList())
}
