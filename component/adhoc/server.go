package adhoc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp/jid"
)

// Defaults.
const (
	DefaultExpiry   = time.Hour
	DefaultPerOwner = 8 // sessions one JID may hold
	defaultTotal    = 10000
	maxFrames       = 64 // steps a session remembers for back
)

// Settings configure a Server. Zero values take the defaults noted.
type Settings struct {
	// Expiry is how long an idle session (command UI or chat text) lives;
	// default one hour.
	Expiry time.Duration
	// Sessions keeps sessions; default in memory, 8 per JID, 10000 in all,
	// each for Expiry.
	Sessions Sessions
	// Roles says who is registered or admin; nil: everyone is Anyone.
	Roles  Roles
	Logger *slog.Logger
}

// Server runs registered commands.
type Server struct {
	set Settings
	log *slog.Logger

	mu   sync.RWMutex
	cmds []Command
}

// New returns a Server without commands.
func New(set Settings) *Server {
	if set.Expiry <= 0 {
		set.Expiry = DefaultExpiry
	}
	if set.Sessions == nil {
		set.Sessions = NewMemory(set.Expiry, DefaultPerOwner, defaultTotal, nil)
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{set: set, log: set.Logger}
}

// Register adds commands, listed in the order given. A node registered
// twice, or a command without node, name or step, is an error.
func (s *Server) Register(cmds ...Command) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cmds {
		if c.Node == "" || c.Name == "" || c.Step == nil {
			return fmt.Errorf("adhoc: command %q needs a node, a name and a step function", c.Node)
		}
		for _, have := range s.cmds {
			if have.Node == c.Node {
				return fmt.Errorf("adhoc: command %q registered twice", c.Node)
			}
		}
		s.cmds = append(s.cmds, c)
	}
	return nil
}

// Command returns the command at node.
func (s *Server) Command(node string) (Command, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.cmds {
		if c.Node == node {
			return c, true
		}
	}
	return Command{}, false
}

// Visible lists the commands who may run, in registration order.
func (s *Server) Visible(ctx context.Context, who jid.JID) ([]Command, error) {
	level, err := s.role(ctx, who)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Command
	for _, c := range s.cmds {
		if c.Access <= level {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *Server) role(ctx context.Context, who jid.JID) (Access, error) {
	if s.set.Roles == nil {
		return Anyone, nil
	}
	a, err := s.set.Roles(ctx, who.Bare())
	if err != nil {
		return Anyone, fmt.Errorf("adhoc: roles: %w", err)
	}
	return a, nil
}

// lookup finds node's command and checks that who may run it.
func (s *Server) lookup(ctx context.Context, who jid.JID, node string) (Command, *Err) {
	cmd, ok := s.Command(node)
	if !ok {
		return Command{}, errUnknownNode
	}
	level, err := s.role(ctx, who)
	if err != nil {
		s.log.Error("adhoc: cannot tell who may run a command", "node", node, "err", err)
		return Command{}, errInternal
	}
	if cmd.Access > level {
		return Command{}, errForbidden
	}
	return cmd, nil
}

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
	return response(sess, statusExecuting), nil
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

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
