package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// UserSettings are a user's own choices, set through the settings command.
// A zero field means "the gateway's default" ([calls] voicemail and
// ring_timeout, [component] group_jids): the user's value, when set,
// overrides the gateway's for that user.
type UserSettings struct {
	Voicemail   *bool         // nil: the gateway's default
	RingTimeout time.Duration // 0: the gateway's default; whole seconds
	GroupTexts  string        // GroupAddresses, GroupJIDs, or "" for the default
	// LowBalance is the balance below which the user is told, as an
	// integer amount in the account's minor units ("500"); "" for none.
	LowBalance string
}

// Group-text styles.
const (
	GroupAddresses = "addresses" // one JID per sender, XEP-0033 addresses
	GroupJIDs      = "jids"      // one JID per group
)

// Fields of the settings hash.
const (
	setVoicemail   = "voicemail"
	setRingTimeout = "ring_timeout"
	setGroupTexts  = "group_texts"
	setLowBalance  = "low_balance"
)

// settingsKey shares the bindings' {b} slot, so that moving a user's
// numbers and settings to another JID can be one script.
func (s *Store) settingsKey(jid string) string { return s.key("{b}", "set", jid) }

// Settings returns jid's settings (all defaults when it set none).
func (s *Store) Settings(ctx context.Context, jid string) (UserSettings, error) {
	m, err := s.rdb.HGetAll(ctx, s.settingsKey(jid)).Result()
	if err != nil {
		return UserSettings{}, fmt.Errorf("store: settings: %w", err)
	}
	var u UserSettings
	switch m[setVoicemail] {
	case "1":
		u.Voicemail = new(true)
	case "0":
		u.Voicemail = new(false)
	}
	if sec, err := strconv.Atoi(m[setRingTimeout]); err == nil && sec > 0 {
		u.RingTimeout = time.Duration(sec) * time.Second
	}
	u.GroupTexts = m[setGroupTexts]
	u.LowBalance = m[setLowBalance]
	return u, nil
}

// SetSettings replaces jid's settings with u; default fields are removed.
func (s *Store) SetSettings(ctx context.Context, jid string, u UserSettings) error {
	set := map[string]any{}
	var del []string
	put := func(field, v string) {
		if v == "" {
			del = append(del, field)
		} else {
			set[field] = v
		}
	}
	vm := ""
	if u.Voicemail != nil {
		vm = "0"
		if *u.Voicemail {
			vm = "1"
		}
	}
	put(setVoicemail, vm)
	rt := ""
	if u.RingTimeout > 0 {
		rt = strconv.Itoa(int(u.RingTimeout / time.Second))
	}
	put(setRingTimeout, rt)
	put(setGroupTexts, u.GroupTexts)
	put(setLowBalance, u.LowBalance)
	key := s.settingsKey(jid)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(del) > 0 {
			p.HDel(ctx, key, del...)
		}
		if len(set) > 0 {
			p.HSet(ctx, key, set)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set settings: %w", err)
	}
	return nil
}
