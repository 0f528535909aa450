package jingle

import "encoding/xml"

// Action is the action attribute of a <jingle/> element (XEP-0166 §7.2).
type Action string

// Jingle actions.
const (
	ContentAccept     Action = "content-accept"
	ContentAdd        Action = "content-add"
	ContentModify     Action = "content-modify"
	ContentReject     Action = "content-reject"
	ContentRemove     Action = "content-remove"
	DescriptionInfo   Action = "description-info"
	SecurityInfo      Action = "security-info"
	SessionAccept     Action = "session-accept"
	SessionInfoAction Action = "session-info"
	SessionInitiate   Action = "session-initiate"
	SessionTerminate  Action = "session-terminate"
	TransportAccept   Action = "transport-accept"
	TransportInfo     Action = "transport-info"
	TransportReject   Action = "transport-reject"
	TransportReplace  Action = "transport-replace"
)

// IsOffer reports whether a carries an SDP offer (session-initiate,
// content-add, transport-replace).
func (a Action) IsOffer() bool {
	return a == SessionInitiate || a == ContentAdd || a == TransportReplace
}

// IsAnswer reports whether a carries an SDP answer (session-accept,
// content-accept, transport-accept).
func (a Action) IsAnswer() bool {
	return a == SessionAccept || a == ContentAccept || a == TransportAccept
}

// Jingle is the <jingle xmlns="urn:xmpp:jingle:1"/> element of XEP-0166.
// Initiator and Responder are JIDs as strings; the caller parses them.
type Jingle struct {
	XMLName   xml.Name  `xml:"urn:xmpp:jingle:1 jingle"`
	Action    Action    `xml:"action,attr"`
	SID       string    `xml:"sid,attr"`
	Initiator string    `xml:"initiator,attr,omitempty"`
	Responder string    `xml:"responder,attr,omitempty"`
	Contents  []Content `xml:"content"`
	// Groups are XEP-0338 groups (BUNDLE).
	Groups []Group `xml:"urn:xmpp:jingle:apps:grouping:0 group"`
	Reason *Reason `xml:"reason"`
	// Info holds session-info payloads (XEP-0167 §7: ringing, hold,
	// active, mute, unmute) and any other child element not matched above.
	Info []Info `xml:",any"`
}

// Content returns the content called name, or nil.
func (j *Jingle) Content(name string) *Content {
	for i := range j.Contents {
		if j.Contents[i].Name == name {
			return &j.Contents[i]
		}
	}
	return nil
}

// Creator says which party created a content.
type Creator string

// Creators, also used as Role values in Senders.
const (
	CreatorInitiator Creator = "initiator"
	CreatorResponder Creator = "responder"
)

// Senders is the senders attribute of a content or header extension.
// The empty value means both (the XEP-0166 default).
type Senders string

// Senders values.
const (
	SendersBoth      Senders = "both"
	SendersInitiator Senders = "initiator"
	SendersResponder Senders = "responder"
	SendersNone      Senders = "none"
)

// Content is a <content/> element: one media stream with its application
// description and its transport.
type Content struct {
	Creator     Creator          `xml:"creator,attr"`
	Name        string           `xml:"name,attr"`
	Senders     Senders          `xml:"senders,attr,omitempty"`
	Disposition string           `xml:"disposition,attr,omitempty"`
	Description *RTPDescription  `xml:"urn:xmpp:jingle:apps:rtp:1 description"`
	Transport   *ICEUDPTransport `xml:"urn:xmpp:jingle:transports:ice-udp:1 transport"`
}

// Info is a session-info payload such as <ringing xmlns="urn:xmpp:jingle:apps:rtp:info:1"/>.
// Mute and unmute carry the content's creator and name.
type Info struct {
	XMLName xml.Name
	Creator Creator `xml:"creator,attr,omitempty"`
	Name    string  `xml:"name,attr,omitempty"`
}

// Session-info payload names in NSRTPInfo.
const (
	InfoActive  = "active"
	InfoHold    = "hold"
	InfoUnhold  = "unhold"
	InfoMute    = "mute"
	InfoUnmute  = "unmute"
	InfoRinging = "ringing"
)

// NewInfo returns the session-info payload called name (InfoRinging, ...).
func NewInfo(name string) Info {
	return Info{XMLName: xml.Name{Space: NSRTPInfo, Local: name}}
}

// SessionInfo returns the name of the first XEP-0167 session-info payload
// (InfoRinging, InfoHold, ...) or "".
func (j *Jingle) SessionInfo() string {
	for _, in := range j.Info {
		if in.XMLName.Space == NSRTPInfo {
			return in.XMLName.Local
		}
	}
	return ""
}
