package bridge

import "github.com/switchboard-gw/switchboard/jingle"

// conditionForSIP maps the final SIP status of a call attempt to the
// Jingle reason the XMPP side gets (JMI reject/retract or
// session-terminate): 486 and 600 busy, 603 decline, 487 cancel, 408 and
// 480 timeout, any other 4xx-6xx general-error. 2xx gives success (the
// reason for a call ended by BYE); 1xx gives "" (not final).
func conditionForSIP(status int) jingle.Condition {
	switch {
	case status < 200:
		return ""
	case status < 300:
		return jingle.Success
	}
	switch status {
	case 486, 600:
		return jingle.Busy
	case 603:
		return jingle.Decline
	case 487:
		return jingle.Cancel
	case 408, 480:
		return jingle.Timeout
	}
	return jingle.GeneralError
}

// sipForCondition maps a Jingle reason that ends a call before it was
// answered to the SIP final response for the INVITE: busy 486, decline
// 603, timeout 480, cancel 487, anything else 500. (After the answer the
// SIP side sends BYE whatever the reason.)
func sipForCondition(c jingle.Condition) int {
	switch c {
	case jingle.Busy:
		return 486
	case jingle.Decline:
		return 603
	case jingle.Timeout:
		return 480
	case jingle.Cancel:
		return 487
	}
	return 500
}
