// Package adhoc serves XEP-0050 ad-hoc commands with XEP-0004 data forms,
// the way Cheogram's command UI expects them (notes, forms and XEP-0066
// links in every step), and the same commands as chat text for clients
// without a command UI.
//
// A command is a node, a name, who may run it and a step function
// (StepFunc). The Server keeps multi-step sessions (Sessions, in memory
// by default), checks every submitted form against the form it showed,
// and answers the protocol; the step function sees only checked values.
// It knows nothing of the component's stream: the component hands it
// decoded requests and writes its answers.
package adhoc

// Namespaces.
const (
	NSCommands = "http://jabber.org/protocol/commands"
	NSData     = "jabber:x:data"
	NSOOB      = "jabber:x:oob"
)
