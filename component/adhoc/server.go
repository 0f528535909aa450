package adhoc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
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
	Roles Roles
	// Intro heads the chat-text list of commands: what the JID is for.
	Intro  string
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

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
