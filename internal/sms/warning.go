package sms

import "fmt"

// Warning returns a sentence for the sender when text goes out as more than
// one SMS, such as "This will be sent as 4 messages (unicode text: 67
// characters per message).", and "" when it fits one. Carriers bill each
// segment, and a single emoji can turn one message into three.
func Warning(text string) string {
	info := Count(text)
	if info.Segments <= 1 {
		return ""
	}
	if info.Encoding == UCS2 {
		return fmt.Sprintf("This will be sent as %d messages (unicode text: %d characters per message).", info.Segments, info.PerSegment)
	}
	return fmt.Sprintf("This will be sent as %d messages (%d characters per message).", info.Segments, info.PerSegment)
}
