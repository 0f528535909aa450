package jingle

import "errors"

// Sentinel errors. Functions wrap them with details (use errors.Is).
var (
	ErrAction           = errors.New("jingle: action carries no session description")
	ErrRole             = errors.New("jingle: role does not match action")
	ErrNoContent        = errors.New("jingle: no content")
	ErrDuplicateContent = errors.New("jingle: duplicate content name")
	ErrBadName          = errors.New("jingle: bad content name")
	ErrNoDescription    = errors.New("jingle: content has no RTP description")
	ErrUnknownMedia     = errors.New("jingle: unknown media")
	ErrNoPayloadTypes   = errors.New("jingle: no payload types")
	ErrBadPayloadType   = errors.New("jingle: bad payload type")
	ErrBadParameter     = errors.New("jingle: bad parameter")
	ErrNoTransport      = errors.New("jingle: content has no ICE-UDP transport")
	ErrNoICECredentials = errors.New("jingle: transport has no ufrag or pwd")
	ErrBadCandidate     = errors.New("jingle: malformed candidate")
	ErrNoFingerprint    = errors.New("jingle: no DTLS fingerprint")
	ErrBadFingerprint   = errors.New("jingle: bad DTLS fingerprint")
	ErrActpassInAnswer  = errors.New("jingle: answer says setup actpass")
	ErrBadGroup         = errors.New("jingle: bad group")
	ErrBadSenders       = errors.New("jingle: bad senders")
	ErrBadExtension     = errors.New("jingle: bad header extension")
	ErrBadFeedback      = errors.New("jingle: bad rtcp-fb")
	ErrBadSource        = errors.New("jingle: bad source")
	ErrBadSDP           = errors.New("jingle: bad SDP")
	ErrUnknownJMI       = errors.New("jingle: not a jingle message")
)
