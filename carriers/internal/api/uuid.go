package api

// IsUUID reports whether s is a UUID in its 36-character text form
// (8-4-4-4-12 hexadecimal digits), the shape of Telnyx's messaging
// profile ids and SignalWire's project, message and media ids.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
				return false
			}
		}
	}
	return true
}
