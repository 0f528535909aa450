package main

import (
	"crypto/rand"
	"fmt"
	"strings"
	"text/template"
)

// missing says which Debian packages to install.
func missing(pkgs []string) error {
	what := "package " + pkgs[0] + " is"
	if len(pkgs) > 1 {
		what = "packages " + strings.Join(pkgs, " and ") + " are"
	}
	return fmt.Errorf("the Debian %s missing: install with `sudo apt-get install %s` (`make demo` does it when run as root)",
		what, strings.Join(pkgs, " "))
}

// readablePassword is a random password that is easy to type.
func readablePassword() string {
	const letters = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b[:5]) + "-" + string(b[5:])
}

var banner = template.Must(template.New("banner").Parse(`
Switchboard demo is running. Ctrl-C stops it and removes everything.{{ range .Notes }}

Note: {{ . }}{{ end }}

1. Log in with any XMPP client on this machine (Gajim, Dino, Psi+, Profanity...):
     JID:       {{ .JID }}
     Password:  {{ .Password }}
     Server:    {{ .C2S }}{{ if .Standard }} (the standard port: the JID and password are enough){{ else }} (set host and port in the client's connection settings){{ end }}
     TLS:       optional. STARTTLS uses a self-signed certificate for localhost;
                accept it when the client asks if its fingerprint is one of
                  SHA-1:   {{ .Cert.SHA1 }}
                  SHA-256: {{ .Cert.SHA256 }}
                or let the client trust the file itself (Poezio: ca_cert_path):
                  {{ .Cert.CertFile }}
     WebSocket: {{ .WebSocket }} (for web clients)

2. Your number is {{ .Number }}. To text a phone, open a chat with
     {{ .Phone }}@{{ .Gateway }}
   (any number works: +<country code><number>@{{ .Gateway }}).

3. The sandbox page plays the phone network: it shows what you sent and lets
   you text {{ .Number }} as any phone. Its address carries a key made for
   this run; the page and its API answer no one without it.
     {{ .Sandbox }}
   Pictures: attach one in your client (it uploads to {{ .Upload }}) and it
   goes out as MMS, shown on the page; the page can send pictures, and group
   texts, to {{ .Number }}. To make your next message fail, pick an outcome
   under "What happens to the messages users send" (opted out, unreachable,
   blocked, a late or no delivery report) and press Set.

4. Calls: on the sandbox page, take a number for calls (e.g. +12015550123)
   and call {{ .Number }}: your Jingle clients (Conversations, Dino, Movim...)
   ring. Call +12015550123@{{ .Gateway }} from them and the page rings.

5. Sign up: {{ .NewJID }} (password {{ .NewPassword }}) has no number yet.
   Log in as it and run the gateway's Register command on {{ .Gateway }}
   (or just send it "register"): search, pick a number, then pay its first
   month (1.00 USD) with a top-up link that opens the sandbox's pretend
   payment page, finish, and text from it at once. The number comes from
   the sandbox and shows on its page.

6. Billing is on: texts and calls are charged to a prepaid balance (the
   demo user starts with 5.00 USD). Send "help" to {{ .Gateway }} for the
   commands: balance, usage, top up, settings, my number, cancel...

Data, config and logs: {{ .Dir }}{{ if not .Keep }} (removed on exit; -keep keeps it){{ end }}
`))
