package adhoc

import (
	"strconv"
	"strings"
)

// render is sess's current step as chat text: in full (title,
// instructions, notes, links, results) when it is first shown, then the
// question for the asked field, or what the user may reply.
func render(sess *Session, full bool) string {
	st := sess.current().Step
	var parts []string
	if full {
		parts = append(parts, stepText(st)...)
	}
	if st.Done {
		if len(parts) == 0 {
			parts = append(parts, "Done.")
		}
		return strings.Join(parts, "\n\n")
	}
	fields := asked(st.Form)
	if i := sess.Chat.Field; i < len(fields) {
		parts = append(parts, question(fields[i], sess.Chat.Answers, i, len(fields)))
	} else {
		parts = append(parts, "Reply "+choices(sess)+".")
	}
	return strings.Join(parts, "\n\n")
}

// stepText is what a step shows besides its questions.
func stepText(st Step) []string {
	var parts []string
	if f := st.Form; f != nil {
		if f.Title != "" {
			parts = append(parts, f.Title)
		}
		if f.Instructions != "" {
			parts = append(parts, f.Instructions)
		}
	}
	parts = append(parts, noteLines(st)...)
	if f := st.Form; f != nil && f.Type != TypeForm {
		if r := results(f); r != "" {
			parts = append(parts, r)
		}
	}
	return parts
}

// noteLines are st's notes and links as text: "Warning: ...",
// "Pay 5.00 USD: https://...".
func noteLines(st Step) []string {
	var lines []string
	for _, n := range st.Notes {
		switch n.Type {
		case Warn:
			lines = append(lines, "Warning: "+n.Text)
		case Error:
			lines = append(lines, "Error: "+n.Text)
		default:
			lines = append(lines, n.Text)
		}
	}
	for _, l := range st.Links {
		if l.Desc != "" {
			lines = append(lines, l.Desc+": "+l.URL)
		} else {
			lines = append(lines, l.URL)
		}
	}
	return lines
}

// results shows a result form's fields and table.
func results(f *Form) string {
	var lines []string
	for _, fd := range f.Fields {
		switch {
		case fd.kind() == Hidden:
		case fd.kind() == Fixed:
			lines = append(lines, strings.Join(fd.Values, "\n"))
		default:
			lines = append(lines, fd.title()+": "+strings.Join(fd.Values, ", "))
		}
	}
	for _, it := range f.Items {
		var cols []string
		for _, c := range f.Reported {
			cols = append(cols, c.title()+": "+it[c.Var])
		}
		lines = append(lines, "• "+strings.Join(cols, ", "))
	}
	return strings.Join(lines, "\n")
}

// question asks fd, the i-th of n fields.
func question(fd Field, answers Values, i, n int) string {
	var b strings.Builder
	b.WriteString(fd.title())
	text := fd.kind() != Boolean && fd.kind() != ListSingle && fd.kind() != ListMulti
	if !fd.Required && text {
		b.WriteString(" (optional)")
	}
	if fd.Desc != "" {
		b.WriteString(": " + fd.Desc)
	}
	cur := fd.Values
	if v, ok := answers[fd.Var]; ok {
		cur = v
	}
	now := ""
	if len(cur) > 0 {
		now = cur[0]
	}
	switch fd.kind() {
	case ListSingle, ListMulti:
		for j, o := range fd.Options {
			label := o.Label
			if label == "" {
				label = o.Value
			}
			b.WriteString("\n" + strconv.Itoa(j+1) + ". " + label)
			if o.Value == now {
				b.WriteString(" (now)")
			}
		}
		b.WriteString("\nReply with a number.")
	case Boolean:
		b.WriteString("\nReply yes or no")
		if now != "" {
			b.WriteString(" (now: " + yesNo(now) + ")")
		}
		b.WriteString(".")
	case TextPrivate:
		b.WriteString("\nReply with the value.")
	default:
		if now != "" {
			b.WriteString("\nNow: " + now)
		}
		b.WriteString("\nReply with the value")
		if now != "" && !fd.Required {
			b.WriteString(", or " + wordClear + " to clear it")
		}
		b.WriteString(".")
	}
	b.WriteString("\n(" + strconv.Itoa(i+1) + " of " + strconv.Itoa(n) + " · next · back · cancel · finish)")
	return b.String()
}

func yesNo(v string) string {
	if v == "true" || v == "1" {
		return "yes"
	}
	return "no"
}

// choices names what the user may reply at a step without questions.
func choices(sess *Session) string {
	allowed, _ := sess.current().Step.actions(sess.canBack())
	var words []string
	for _, a := range allowed {
		switch a {
		case ActionPrev:
			words = append(words, wordBack)
		case ActionNext:
			words = append(words, wordNext)
		case ActionComplete:
			words = append(words, wordFinish)
		}
	}
	return strings.Join(append(words, wordCancel), ", ")
}
