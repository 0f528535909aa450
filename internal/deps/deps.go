// Package deps pins the module's dependencies until code imports them.
package deps

import (
	_ "github.com/BurntSushi/toml"
	_ "github.com/nyaruka/phonenumbers"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/twilio/twilio-go"
	_ "go.uber.org/goleak"
	_ "mellium.im/xmpp"
	_ "mellium.im/sasl"
)
