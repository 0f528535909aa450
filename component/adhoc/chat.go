package adhoc

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"mellium.im/xmpp/jid"
)

// chatID is the id of a user's chat-text session: one per bare JID, kept
// beside (and limited like) its command UI sessions, whose ids are random.
const chatID = "chat"

// Chat is where a chat-text session is in its current step's form: the
// field asked, and the answers so far.
type Chat struct {
	Field   int    `json:"field"` // index among the step's asked fields
	Answers Values `json:"ans,omitempty"`
}

// Chat words. Anything else answers the field asked, or names a command.
const (
	wordHelp   = "help"
	wordCancel = "cancel"
	wordBack   = "back"
	wordNext   = "next"
	wordFinish = "finish"
	wordClear  = "-" // empties an optional text field
)

// Chat answers a chat message from who to the gateway, the way Cheogram
// turns forms into text: help lists the commands who may run; a command's
// name or number starts it; its fields are then asked one at a time
// (numbered choices, yes or no, free text), with next (keep the shown
// value), back, cancel and finish (submit now). It returns false when the
// message is no command word and no command is running, so the caller
// answers it as it would have.
func (s *Server) Chat(ctx context.Context, who jid.JID, body string) (string, bool) {
	text := strings.TrimSpace(body)
	word := strings.ToLower(text)
	owner := who.Bare().String()
	sess, err := s.set.Sessions.Get(ctx, owner, chatID)
	switch {
	case errors.Is(err, ErrNoSession):
		return s.chatIdle(ctx, who, word)
	case err != nil:
		s.log.Error("adhoc: cannot read a chat session", "err", err)
		return "Commands are unavailable right now; try again shortly.", true
	}
	cmd, e := s.lookup(ctx, who, sess.Node)
	if e != nil {
		_ = s.set.Sessions.Delete(ctx, owner, chatID)
		return e.Text + ".", true
	}
	if sess.Chat == nil {
		sess.Chat = &Chat{}
	}
	switch word {
	case wordCancel:
		s.cancel(ctx, sess)
		return "Canceled " + cmd.Name + ".", true
	case wordHelp, "?":
		return s.chatKeep(ctx, sess, chatHelp+"\n\n"+render(sess, true))
	case wordBack:
		return s.chatBack(ctx, sess)
	case wordNext:
		return s.chatNext(ctx, who, cmd, sess)
	case wordFinish:
		return s.chatSubmit(ctx, who, cmd, sess, true)
	}
	return s.chatAnswer(ctx, who, cmd, sess, text)
}

const chatHelp = "During a command: answer the question, or reply next (keep the value shown), back, cancel or finish (send the answers now)."

// chatIdle handles a message while no command runs.
func (s *Server) chatIdle(ctx context.Context, who jid.JID, word string) (string, bool) {
	cmds, err := s.Visible(ctx, who)
	if err != nil {
		s.log.Error("adhoc: cannot list commands", "err", err)
		return "Commands are unavailable right now; try again shortly.", true
	}
	switch word {
	case wordHelp, "?", "commands", "menu":
		if s.set.Intro != "" {
			return s.set.Intro + "\n\n" + menu(cmds), true
		}
		return menu(cmds), true
	case wordCancel, wordBack, wordNext, wordFinish:
		return "No command is running. Reply help for the list.", true
	}
	cmd, ok := pick(cmds, word)
	if !ok {
		if _, exists := s.Command(word); exists {
			return "You may not run " + word + ". Reply help for the commands you can run.", true
		}
		return "", false
	}
	sess, e := s.start(ctx, who, cmd, chatID, true)
	if e != nil {
		return e.Text + ".", true
	}
	sess.Chat = &Chat{}
	return s.chatShown(ctx, sess, "")
}

// menu lists cmds, numbered.
func menu(cmds []Command) string {
	if len(cmds) == 0 {
		return "There are no commands you can run here."
	}
	var b strings.Builder
	b.WriteString("Commands:\n")
	for i, c := range cmds {
		b.WriteString(strconv.Itoa(i+1) + ". " + c.Name + " (" + c.Node + ")\n")
	}
	b.WriteString("Reply with a number or a name to start one. " + chatHelp)
	return b.String()
}

// pick finds the command a word names: its number in the list, node, name
// or an alias.
func pick(cmds []Command, word string) (Command, bool) {
	if n, err := strconv.Atoi(word); err == nil {
		if n >= 1 && n <= len(cmds) {
			return cmds[n-1], true
		}
		return Command{}, false
	}
	for _, c := range cmds {
		if word == strings.ToLower(c.Node) || word == strings.ToLower(c.Name) {
			return c, true
		}
		for _, a := range c.Aliases {
			if word == strings.ToLower(a) {
				return c, true
			}
		}
	}
	return Command{}, false
}

// chatShown keeps sess (or forgets it when done) and shows its step in
// full, after prefix.
func (s *Server) chatShown(ctx context.Context, sess *Session, prefix string) (string, bool) {
	text := render(sess, true)
	if prefix != "" {
		text = prefix + "\n\n" + text
	}
	if sess.current().Step.Done {
		_ = s.set.Sessions.Delete(ctx, sess.Owner, sess.ID)
		return text, true
	}
	return s.chatKeep(ctx, sess, text)
}

func (s *Server) chatKeep(ctx context.Context, sess *Session, text string) (string, bool) {
	if e := s.keep(ctx, sess); e != nil {
		return e.Text + ".", true
	}
	return text, true
}

func (s *Server) chatBack(ctx context.Context, sess *Session) (string, bool) {
	if sess.Chat.Field > 0 {
		sess.Chat.Field--
		return s.chatKeep(ctx, sess, render(sess, false))
	}
	allowed, _ := sess.current().Step.actions(sess.canBack())
	if len(allowed) == 0 || allowed[0] != ActionPrev {
		return s.chatKeep(ctx, sess, "There is no earlier step.\n\n"+render(sess, false))
	}
	back(sess)
	sess.Chat = &Chat{}
	return s.chatShown(ctx, sess, "")
}

// chatNext keeps the asked field's shown value and moves on; past the
// last field it submits.
func (s *Server) chatNext(ctx context.Context, who jid.JID, cmd Command, sess *Session) (string, bool) {
	fields := asked(sess.current().Step.Form)
	if i := sess.Chat.Field; i < len(fields) {
		fd := fields[i]
		if _, ok := sess.Chat.Answers[fd.Var]; !ok {
			if _, err := checkValues(fd, fd.Values); err != nil {
				return s.chatKeep(ctx, sess, fd.title()+" is required: answer it, or reply cancel.\n\n"+render(sess, false))
			}
		}
		sess.Chat.Field++
		if sess.Chat.Field < len(fields) {
			return s.chatKeep(ctx, sess, render(sess, false))
		}
	}
	return s.chatSubmit(ctx, who, cmd, sess, false)
}

// chatAnswer takes text as the answer to the asked field.
func (s *Server) chatAnswer(ctx context.Context, who jid.JID, cmd Command, sess *Session, text string) (string, bool) {
	fields := asked(sess.current().Step.Form)
	i := sess.Chat.Field
	if i >= len(fields) {
		return s.chatKeep(ctx, sess, "Reply "+choices(sess)+".")
	}
	fd := fields[i]
	v, err := readAnswer(fd, text)
	if err == nil {
		_, err = checkValues(fd, []string{v})
	}
	if err != nil {
		return s.chatKeep(ctx, sess, problem(err)+"\n\n"+render(sess, false))
	}
	if sess.Chat.Answers == nil {
		sess.Chat.Answers = Values{}
	}
	sess.Chat.Answers[fd.Var] = []string{v}
	sess.Chat.Field++
	if sess.Chat.Field < len(fields) {
		return s.chatKeep(ctx, sess, render(sess, false))
	}
	return s.chatSubmit(ctx, who, cmd, sess, false)
}

// chatSubmit sends the answers so far (defaults for the rest) as the
// step's form; finish completes when the step allows it.
func (s *Server) chatSubmit(ctx context.Context, who jid.JID, cmd Command, sess *Session, finish bool) (string, bool) {
	allowed, action := sess.current().Step.actions(sess.canBack())
	if finish {
		for _, a := range allowed {
			if a == ActionComplete {
				action = ActionComplete
			}
		}
	}
	sub := &Form{Type: TypeSubmit}
	for name, vs := range sess.Chat.Answers {
		sub.Fields = append(sub.Fields, Field{Var: name, Values: vs})
	}
	if e := s.act(ctx, who, cmd, sess, action, sub, true); e != nil {
		if e.Field != "" {
			// Ask the refused field again.
			for i, fd := range asked(sess.current().Step.Form) {
				if fd.Var == e.Field {
					sess.Chat.Field = i
				}
			}
			return s.chatKeep(ctx, sess, e.Text+"\n\n"+render(sess, false))
		}
		return s.chatKeep(ctx, sess, e.Text+".")
	}
	sess.Chat = &Chat{}
	return s.chatShown(ctx, sess, "")
}

// problem is a form error as the user reads it.
func problem(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return "That answer does not fit: " + fe.Problem + "."
	}
	return err.Error()
}

// asked are the fields of f the user answers, in order.
func asked(f *Form) []Field {
	if f == nil || f.Type != TypeForm {
		return nil
	}
	var out []Field
	for _, fd := range f.Fields {
		if fd.asks() {
			out = append(out, fd)
		}
	}
	return out
}

// readAnswer reads a chat answer for fd: a choice's number, label or
// value; yes or no.
func readAnswer(fd Field, text string) (string, error) {
	switch fd.kind() {
	case ListSingle:
		// Only digits are a choice's number: "+12015550123" is a value.
		if n, err := strconv.Atoi(text); err == nil && text[0] != '+' && text[0] != '-' {
			if n < 1 || n > len(fd.Options) {
				return "", malformed(fd.Var, "choose a number from 1 to %d", len(fd.Options))
			}
			return fd.Options[n-1].Value, nil
		}
		for _, o := range fd.Options {
			if strings.EqualFold(text, o.Value) || strings.EqualFold(text, o.Label) {
				return o.Value, nil
			}
		}
		return "", malformed(fd.Var, "choose one of the numbers")
	case TextSingle, TextPrivate, TextMulti, JIDSingle, JIDMulti:
		if text == wordClear && !fd.Required {
			return "", nil
		}
	case Boolean:
		switch strings.ToLower(text) {
		case "yes", "y", "true", "1", "on":
			return "true", nil
		case "no", "n", "false", "0", "off":
			return "false", nil
		}
		return "", malformed(fd.Var, "reply yes or no")
	}
	return text, nil
}
