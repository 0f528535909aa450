package jingle

import "fmt"

// Trickle is one trickled ICE candidate in the form a WebRTC stack takes
// it (pion's ICECandidateInit): the m-line's mid, the ICE ufrag it belongs
// to, and the SDP candidate value starting with "candidate:".
type Trickle struct {
	Mid       string
	Ufrag     string
	Candidate string
}

// TrickleCandidates returns the candidates of a transport-info (or of any
// Jingle element with transports) that the bridge uses: component 1 over
// UDP. Other candidates are skipped; a malformed one is an error.
func TrickleCandidates(j *Jingle) ([]Trickle, error) {
	if j == nil {
		return nil, nil
	}
	var out []Trickle
	for _, c := range j.Contents {
		if c.Transport == nil {
			continue
		}
		for _, cand := range c.Transport.Candidates {
			if !cand.Supported() {
				continue
			}
			s, err := cand.SDP()
			if err != nil {
				return nil, fmt.Errorf("content %q: %w", c.Name, err)
			}
			out = append(out, Trickle{Mid: c.Name, Ufrag: c.Transport.Ufrag, Candidate: s})
		}
	}
	return out, nil
}

// NewTransportInfo returns a transport-info carrying one local candidate
// (SDP form, as pion's OnICECandidate gives it) for content mid, with the
// transport's ufrag and pwd. id becomes the candidate's XEP-0176 id.
// Candidates the peer would drop (component 2, TCP) are refused with
// ErrBadCandidate.
func NewTransportInfo(sid string, creator Creator, mid, ufrag, pwd, candidate, id string) (*Jingle, error) {
	cand, err := ParseCandidate(candidate, id)
	if err != nil {
		return nil, err
	}
	if !cand.Supported() {
		return nil, fmt.Errorf("%w: component %d over %s is not used", ErrBadCandidate, cand.Component, cand.Protocol)
	}
	return &Jingle{
		Action: TransportInfo,
		SID:    sid,
		Contents: []Content{{
			Creator: creator,
			Name:    mid,
			Transport: &ICEUDPTransport{
				Ufrag:      ufrag,
				Pwd:        pwd,
				Candidates: []Candidate{cand},
			},
		}},
	}, nil
}
