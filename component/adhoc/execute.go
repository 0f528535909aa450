package adhoc

import (
	"context"
	"errors"
	"fmt"

	"mellium.im/xmpp/jid"
)

// Execute answers an XEP-0050 request from who.
func (s *Server) Execute(ctx context.Context, who jid.JID, p *Payload) (*Response, *Err) {
	cmd, e := s.lookup(ctx, who, p.Node)
	if e != nil {
		return nil, e
	}
	action := Action(p.Action)
	switch action {
	case "":
		action = ActionExecute
	case ActionExecute, ActionNext, ActionPrev, ActionComplete, ActionCancel:
	default:
		return nil, badRequest(malformedAction, fmt.Sprintf("unknown action %q", p.Action))
	}
	var sub *Form
	switch len(p.Forms) {
	case 0:
	case 1:
		f, err := p.Forms[0].form()
		if err != nil {
			return nil, formError(err)
		}
		if f.Type == TypeCancel {
			action = ActionCancel
		}
		sub = f
	default:
		return nil, badRequest(badPayload, "more than one form")
	}
	owner := who.Bare().String()
	if p.SessionID == "" {
		if action != ActionExecute {
			return nil, badRequest(badSessionID, "no session to "+string(action)+"; start the command first")
		}
		sess, e := s.start(ctx, who, cmd, randomID(), false)
		if e != nil {
			return nil, e
		}
		return s.answer(ctx, sess)
	}
	sess, err := s.set.Sessions.Get(ctx, owner, p.SessionID)
	if errors.Is(err, ErrNoSession) || (err == nil && (sess.Node != cmd.Node || sess.Chat != nil)) {
		return nil, errNoSession
	} else if err != nil {
		s.log.Error("adhoc: cannot read a session", "node", cmd.Node, "err", err)
		return nil, errInternal
	}
	if action == ActionCancel {
		s.cancel(ctx, sess)
		return response(sess, statusCanceled), nil
	}
	if e := s.act(ctx, who, cmd, sess, action, sub, false); e != nil {
		return nil, e
	}
	return s.answer(ctx, sess)
}
