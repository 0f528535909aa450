package adhoc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"mellium.im/xmpp/jid"
)

// act applies action (not cancel) to sess.
func (s *Server) act(ctx context.Context, who jid.JID, cmd Command, sess *Session, action Action, sub *Form, chat bool) *Err {
	allowed, def := sess.current().Step.actions(sess.canBack())
	if action == ActionExecute {
		action = def
	}
	ok := false
	for _, a := range allowed {
		ok = ok || a == action
	}
	if !ok {
		return badRequest(badAction, fmt.Sprintf("%s is not possible at this step", action))
	}
	if action == ActionPrev {
		back(sess)
		return nil
	}
	return s.advance(ctx, who, cmd, sess, action, sub, chat)
}

// answer keeps sess (or forgets it once done) and shows its step.
func (s *Server) answer(ctx context.Context, sess *Session) (*Response, *Err) {
	if sess.current().Step.Done {
		_ = s.set.Sessions.Delete(ctx, sess.Owner, sess.ID)
		return response(sess, statusCompleted), nil
	}
	if e := s.keep(ctx, sess); e != nil {
		return nil, e
	}
	r := response(sess, statusExecuting)
	// A form the step did not title (one made for its notes) is titled
	// with the command's name, not the client's guess.
	if c, ok := s.Command(sess.Node); ok && r.Form != nil && len(r.Form.Title) == 0 {
		r.Form.Title = []string{c.Name}
	}
	return r, nil
}

func (s *Server) keep(ctx context.Context, sess *Session) *Err {
	if err := s.set.Sessions.Put(ctx, sess); errors.Is(err, ErrTooMany) {
		s.log.Warn("adhoc: session store full; command refused", "node", sess.Node)
		return errTooMany
	} else if err != nil {
		s.log.Error("adhoc: cannot keep a session", "node", sess.Node, "err", err)
		return errInternal
	}
	return nil
}

func (s *Server) cancel(ctx context.Context, sess *Session) {
	if err := s.set.Sessions.Delete(ctx, sess.Owner, sess.ID); err != nil {
		s.log.Warn("adhoc: cannot forget a session", "node", sess.Node, "err", err)
	}
	s.log.Debug("adhoc: command canceled", "node", sess.Node)
}

// start runs cmd's first step in a new session (not yet kept).
func (s *Server) start(ctx context.Context, who jid.JID, cmd Command, id string, chat bool) (*Session, *Err) {
	r := &Request{From: who, Node: cmd.Node, Action: ActionExecute, Values: Values{}, State: State{}, Chat: chat}
	st, e := s.step(ctx, cmd, r)
	if e != nil {
		return nil, e
	}
	s.log.Debug("adhoc: command started", "node", cmd.Node, "chat", chat)
	return &Session{ID: id, Owner: who.Bare().String(), Node: cmd.Node, Frames: []Frame{{Step: *st, State: r.State}}}, nil
}

// advance checks the user's answers to the current step and runs the
// next one.
func (s *Server) advance(ctx context.Context, who jid.JID, cmd Command, sess *Session, action Action, sub *Form, chat bool) *Err {
	fr := sess.current()
	var shown *Form
	if f := fr.Step.Form; f != nil && f.Type == TypeForm {
		shown = f
	} else {
		sub = nil // nothing was asked: nothing to read
	}
	vals, err := check(shown, sub)
	if err != nil {
		return formError(err)
	}
	r := &Request{From: who, Node: cmd.Node, Stage: fr.Step.Stage, Action: action, Values: vals, State: fr.State.clone(), Chat: chat}
	st, e := s.step(ctx, cmd, r)
	if e != nil {
		return e
	}
	fr.Answers = vals
	sess.Frames = append(sess.Frames, Frame{Step: *st, State: r.State})
	if len(sess.Frames) > maxFrames {
		sess.Frames = append(sess.Frames[:0], sess.Frames[len(sess.Frames)-maxFrames:]...)
	}
	return nil
}

// step calls cmd's step function and turns its errors into answers.
func (s *Server) step(ctx context.Context, cmd Command, r *Request) (*Step, *Err) {
	st, err := cmd.Step(ctx, r)
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		return nil, formError(err)
	case err != nil:
		s.log.Error("adhoc: command failed", "node", cmd.Node, "stage", r.Stage, "err", err)
		return nil, errInternal
	case st == nil:
		s.log.Error("adhoc: command returned no step", "node", cmd.Node, "stage", r.Stage)
		return nil, errInternal
	}
	return st, nil
}

// back returns to the previous step, showing the user's answers to it.
func back(sess *Session) {
	sess.Frames = sess.Frames[:len(sess.Frames)-1]
	fr := sess.current()
	if f := fr.Step.Form.clone(); f != nil && fr.Answers != nil {
		for i := range f.Fields {
			if v, ok := fr.Answers[f.Fields[i].Var]; ok && f.Fields[i].asks() {
				f.Fields[i].Values = v
			}
		}
		fr.Step.Form = f
	}
	fr.Answers = nil
}

// formError turns a form problem into bad-request naming the field.
func formError(err error) *Err {
	e := badRequest(badPayload, strings.TrimPrefix(err.Error(), "adhoc: "))
	var fe *FieldError
	if errors.As(err, &fe) {
		e.Field = fe.Var
		if errors.Is(err, ErrInvalid) {
			e.Specific = ""
		}
	}
	return e
}
